// A map lookup's result is used without a NULL check.
#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, __u32); __type(value, __u64); __uint(max_entries, 8); } counts SEC(".maps");
SEC("socket")
int missing_null_check(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &key);
	return *v;
}
char LICENSE[] SEC("license") = "GPL";
