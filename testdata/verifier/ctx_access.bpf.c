// A read of a context field this program type may not read.
#include "common.h"
SEC("socket")
int bad_ctx_field(struct __sk_buff *skb)
{
	return skb->tstamp_type;
}
char LICENSE[] SEC("license") = "GPL";
