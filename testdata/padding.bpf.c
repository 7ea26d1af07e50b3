// A map value with padding (1 + 7 pad + 8 + 2 + 6 pad = 24 bytes), and other map options.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct padded {
	__u8 a;
	__u64 b;
	__u16 c;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct padded);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} padded_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 4);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(value_size, 8);
	__uint(max_entries, 32);
	__uint(map_extra, 3);
} bloom SEC(".maps");

SEC("socket")
int fill(struct __sk_buff *skb)
{
	__u32 k = 1;
	struct padded v = { .a = 1, .b = 2, .c = 3 };
	struct padded *e;

	bpf_map_update_elem(&padded_map, &k, &v, BPF_ANY);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		*e = v;
		bpf_ringbuf_submit(e, 0);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
