// An index into a map value that is never checked against the array's length.
#include "common.h"
struct slots { __u64 v[16]; };
struct { __uint(type, BPF_MAP_TYPE_ARRAY); __type(key, __u32); __type(value, struct slots); __uint(max_entries, 1); } table SEC(".maps");
SEC("socket")
int unchecked_index(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct slots *s = bpf_map_lookup_elem(&table, &key);
	if (!s)
		return 0;
	return s->v[skb->len];
}
char LICENSE[] SEC("license") = "GPL";
