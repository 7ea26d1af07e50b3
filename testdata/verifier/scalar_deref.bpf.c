// A number used as a pointer.
#include "common.h"
SEC("socket")
int deref_number(struct __sk_buff *skb)
{
	long addr = skb->len;
	return *(int *)addr;
}
char LICENSE[] SEC("license") = "GPL";
