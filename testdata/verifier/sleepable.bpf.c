// A helper that may sleep, called from a program that may not.
#include "common.h"
SEC("tp_btf/sys_enter")
int copy_user(void *ctx)
{
	char buf[8];
	bpf_copy_from_user(buf, sizeof(buf), (void *)0x1000);
	return buf[0];
}
char LICENSE[] SEC("license") = "GPL";
