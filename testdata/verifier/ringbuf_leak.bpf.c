// A ring buffer reservation that is neither submitted nor discarded on one path.
#include "common.h"
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } events SEC(".maps");
SEC("socket")
int leaked_reservation(struct __sk_buff *skb)
{
	__u32 *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	*e = skb->len;
	if (skb->len > 100)
		return 1;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
