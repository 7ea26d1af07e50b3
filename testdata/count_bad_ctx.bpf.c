// Broken variant of count.bpf.c: the callback context points at a global variable instead of
// the stack. The verifier rejects it with "R3 type=map_value expected=fp".
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

struct cb_ctx global_ctx;

static long count_elem(void *map, __u32 *key, __u64 *value, struct cb_ctx *ctx)
{
	ctx->count++;
	return 0;
}

SEC("socket")
int refresh_count(struct __sk_buff *skb)
{
	global_ctx.count = 0;
	bpf_for_each_map_elem(&my_map, count_elem, &global_ctx, 0);
	return global_ctx.count;
}

char LICENSE[] SEC("license") = "GPL";
