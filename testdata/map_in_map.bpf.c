// Map-in-map: an array of hash maps with a statically initialised slot, a pinned hash of array
// maps, and a prog array initialised with a program.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner_hash {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 16);
};

struct inner_hash inner_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_hash);
} outer_array SEC(".maps") = {
	.values = { [1] = &inner_a },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__uint(key_size, sizeof(__u32));
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_ARRAY);
		__uint(max_entries, 2);
		__type(key, __u32);
		__type(value, __u64);
	});
} outer_hash SEC(".maps");

int tail_target(struct __sk_buff *skb);

/* A prog array whose slot 0 is initialised with a program of this object. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jump_table SEC(".maps") = {
	.values = { [0] = (void *)&tail_target },
};

SEC("socket")
int tail_target(struct __sk_buff *skb)
{
	return 1;
}

SEC("socket")
int lookup_inner(struct __sk_buff *skb)
{
	__u32 k = 1;
	void *inner = bpf_map_lookup_elem(&outer_array, &k);
	__u32 *v;

	if (!inner)
		return 0;
	v = bpf_map_lookup_elem(inner, &k);
	return v ? *v : 0;
}

char LICENSE[] SEC("license") = "GPL";
