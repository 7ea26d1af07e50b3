// CO-RE from a syscall program: read the calling task's pid and tgid through a local, partial
// task_struct, and guard a field the kernel does not have (its relocation is poisoned, and the
// guarded code is dead).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___local {
	int tgid;
	int pid;
	long no_such_field;
} __attribute__((preserve_access_index));

struct ids {
	__u32 pid;
	__u32 tgid;
	__u32 has_missing;
	__u32 missing;
};

SEC("syscall")
int read_ids(struct ids *ctx)
{
	struct task_struct___local *task = (void *)bpf_get_current_task();

	ctx->pid = BPF_CORE_READ(task, pid);
	ctx->tgid = BPF_CORE_READ(task, tgid);
	ctx->has_missing = bpf_core_field_exists(task->no_such_field);
	if (bpf_core_field_exists(task->no_such_field))
		ctx->missing = BPF_CORE_READ(task, no_such_field);
	return ctx->tgid == ctx->pid;
}

char LICENSE[] SEC("license") = "GPL";
