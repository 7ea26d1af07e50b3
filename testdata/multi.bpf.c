// Several programs in one section, programs in other sections, and bpf-to-bpf calls to static
// and global functions in .text, called transitively and from several programs.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} stats SEC(".maps");

static __attribute__((noinline)) __u64 square(__u64 x)
{
	return x * x;
}

static __attribute__((noinline)) __u64 bump(__u32 slot, __u64 by)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &slot);

	if (!v)
		return 0;
	*v += square(by);
	return *v;
}

__attribute__((noinline)) int global_helper(int x)
{
	return x + 1;
}

SEC("socket")
int first(struct __sk_buff *skb)
{
	return bump(0, 2);
}

SEC("socket")
int second(struct __sk_buff *skb)
{
	return bump(1, 3) + global_helper(skb->len);
}

SEC("socket")
int third(struct __sk_buff *skb)
{
	return 0;
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS + global_helper(0) - 1;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int handle_openat(void *ctx)
{
	bump(2, 1);
	return 0;
}

SEC("raw_tp/sched_switch")
int handle_switch(void *ctx)
{
	return 0;
}

SEC("fentry.s/do_unlinkat")
int BPF_PROG_fentry(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
