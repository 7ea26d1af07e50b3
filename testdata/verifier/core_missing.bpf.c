// A CO-RE field read of a field this kernel's task_struct does not have, without a guard.
#include "common.h"
struct task_struct___old {
	int no_such_field_anywhere;
} __attribute__((preserve_access_index));
SEC("tracepoint/syscalls/sys_enter_getpid")
int read_missing_field(void *ctx)
{
	struct task_struct___old *t = (void *)bpf_get_current_task();
	int v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), &t->no_such_field_anywhere);
	return v;
}
char LICENSE[] SEC("license") = "GPL";
