// The alignment problem: struct padded looks like 1 + 8 + 2 = 11 bytes, but clang aligns b to 8
// and rounds the size up to a multiple of 8: a at 0, 7 bytes of padding, b at 8, c at 16,
// 6 bytes of padding, 24 bytes in all. User space must use the same layout; tsbpf gen reads it
// from BTF.
//
// Regenerate the bindings with: tsbpf gen alignment.bpf.c --import-from ../../src/index.js
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
	__uint(max_entries, 16);
} values SEC(".maps");

/* Writes key 1 = { 0x11, 0x2222222222222222, 0x3333 }; checks key 2 (written by TypeScript):
 * returns 0 when it holds { 0xaa, 0xbbbbbbbbbbbbbbbb, 0xcccc }, 1 otherwise. */
SEC("socket")
int roundtrip(struct __sk_buff *skb)
{
	__u32 k1 = 1, k2 = 2;
	struct padded v = { .a = 0x11, .b = 0x2222222222222222ULL, .c = 0x3333 };
	struct padded *got;

	bpf_map_update_elem(&values, &k1, &v, BPF_ANY);
	got = bpf_map_lookup_elem(&values, &k2);
	if (!got)
		return 2;
	return got->a == 0xaa && got->b == 0xbbbbbbbbbbbbbbbbULL && got->c == 0xcccc ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
