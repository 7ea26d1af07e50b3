// Two nested functions whose stack frames together exceed 512 bytes.
#include "common.h"
static __noinline int inner(int n)
{
	volatile char buf[400];
	buf[n & 255] = n;
	return buf[(n + 1) & 255];
}
static __noinline int outer(int n)
{
	volatile char buf[400];
	buf[n & 255] = n;
	return inner(buf[(n + 3) & 255]);
}
SEC("socket")
int deep_stack(struct __sk_buff *skb)
{
	return outer(skb->len);
}
char LICENSE[] SEC("license") = "GPL";
