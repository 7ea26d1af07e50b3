// A program that can exit before setting its return value.
#include "common.h"
SEC("socket")
int no_return_value(struct __sk_buff *skb)
{
	if (skb->len > 10)
		asm volatile("exit");
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
