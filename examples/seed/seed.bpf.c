// The seed's program: count the elements of a BPF hash map from inside the kernel with
// bpf_for_each_map_elem, run on demand through BPF_PROG_TEST_RUN (cilium/ebpf's Program.Test,
// tsbpf's program.test()). The callback context lives on the stack and the callback returns 0,
// the two things the verifier insists on.
//
// Regenerate the bindings with: tsbpf gen seed.bpf.c --import-from ../../src/index.js
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 102400);
} my_map SEC(".maps");

struct cb_ctx {
	__u64 count;
};

static long count_elem(void *map, __u32 *key, __u64 *value, struct cb_ctx *ctx)
{
	ctx->count++;
	return 0;
}

SEC("socket")
int refresh_count(struct __sk_buff *skb)
{
	struct cb_ctx ctx = { .count = 0 };

	bpf_for_each_map_elem(&my_map, count_elem, &ctx, 0);
	return ctx.count;
}

char LICENSE[] SEC("license") = "GPL";
