// Broken variant of count.bpf.c: the callback returns the running count instead of 0 or 1.
// The verifier rejects it with "At callback return the register R0 has unknown scalar value
// should have been in [0, 1]".
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 102400);
} my_map SEC(".maps");

static long count_elem(void *map, __u32 *key, __u64 *value, __u64 *pcount)
{
	(*pcount)++;
	return *pcount;
}

SEC("socket")
int refresh_count(struct __sk_buff *skb)
{
	__u64 count = 0;

	bpf_for_each_map_elem(&my_map, count_elem, &count, 0);
	return count;
}

char LICENSE[] SEC("license") = "GPL";
