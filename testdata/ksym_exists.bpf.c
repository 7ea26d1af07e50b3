// bpf_ksym_exists() on __weak kfuncs: the address of a kfunc the kernel has (with and without a
// call after the check), and of one it lacks (the guarded call is dead code).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

// As libbpf's bpf_helpers.h (1.2+) defines it: true iff the loader resolved the weak symbol.
#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) ({ \
	_Static_assert(!__builtin_constant_p(!!sym), #sym " should be marked as __weak"); \
	!!sym; \
})
#endif

struct task_struct;

extern struct task_struct *bpf_task_from_pid(__s32 pid) __weak __ksym;
extern void bpf_task_release(struct task_struct *p) __weak __ksym;
extern struct task_struct *tsbpf_no_such_kfunc(__s32 pid) __weak __ksym;

__u64 seen_present = 99;
__u64 seen_missing = 99;

// (a) the check alone, for a kfunc this kernel has.
SEC("syscall")
int present_no_call(void *ctx)
{
	seen_present = bpf_ksym_exists(bpf_task_from_pid);
	return seen_present ? 1 : 0;
}

// (b) the check for a kfunc no kernel has; the call it guards is dead code.
SEC("syscall")
int missing_guarded(void *ctx)
{
	struct task_struct *t;

	seen_missing = bpf_ksym_exists(tsbpf_no_such_kfunc);
	if (!bpf_ksym_exists(tsbpf_no_such_kfunc))
		return 7;
	t = tsbpf_no_such_kfunc(1);
	if (t)
		bpf_task_release(t);
	return 8;
}

// (c) the check, then the call it guards, on the calling task.
SEC("syscall")
int present_then_call(void *ctx)
{
	struct task_struct *t;

	if (!bpf_ksym_exists(bpf_task_from_pid) || !bpf_ksym_exists(bpf_task_release))
		return 2;
	t = bpf_task_from_pid(bpf_get_current_pid_tgid() >> 32);
	if (!t)
		return 3;
	bpf_task_release(t);
	return 4;
}

char LICENSE[] SEC("license") = "GPL";
