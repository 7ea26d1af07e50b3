// A stack slot read before anything is written to it.
#include "common.h"
SEC("socket")
int uninitialized_read(struct __sk_buff *skb)
{
	__u64 r;
	asm volatile("%[r] = *(u64 *)(r10 - 64)" : [r] "=r"(r));
	return r;
}
char LICENSE[] SEC("license") = "GPL";
