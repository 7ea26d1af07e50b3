// A GPL-only helper called from an object that declares a proprietary licence.
#include "common.h"
SEC("tracepoint/syscalls/sys_enter_getpid")
int trace_printk_proprietary(void *ctx)
{
	char msg[] = "hi";
	bpf_trace_printk(msg, sizeof(msg));
	return 0;
}
char LICENSE[] SEC("license") = "Proprietary";
