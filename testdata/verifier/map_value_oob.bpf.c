// A read past the end of a map value.
#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __type(key, __u32); __type(value, __u64); __uint(max_entries, 1); } vals SEC(".maps");
SEC("socket")
int past_the_value(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	if (!v)
		return 0;
	return v[1];
}
char LICENSE[] SEC("license") = "GPL";
