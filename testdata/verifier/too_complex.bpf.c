// A loop the verifier must walk iteration by iteration until it gives up.
#include "common.h"
SEC("socket")
int long_loop(struct __sk_buff *skb)
{
	__u32 sum = 0;
	for (int i = 0; i < 1000000; i++)
		sum += bpf_get_prandom_u32() & skb->len;
	return sum;
}
char LICENSE[] SEC("license") = "GPL";
