// CO-RE: read the current task's pid and tgid through a local, partial definition of
// task_struct that the loader relocates against the kernel's BTF.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct___local {
	int tgid;
	int pid;
	struct task_struct___local *real_parent;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} result SEC(".maps");

SEC("tp_btf/sched_switch")
int read_ids(void *ctx)
{
	struct task_struct___local *task = (void *)bpf_get_current_task();
	__u32 zero = 0;
	__u64 v;
	int pid, tgid, ppid;

	pid = BPF_CORE_READ(task, pid);
	tgid = BPF_CORE_READ(task, tgid);
	ppid = BPF_CORE_READ(task, real_parent, tgid);
	if (!bpf_core_field_exists(task->tgid))
		return 0;
	v = ((__u64)tgid << 32) | (__u32)pid;
	v ^= ppid;
	bpf_map_update_elem(&result, &zero, &v, BPF_ANY);
	return 0;
}

SEC("socket")
int read_ids_direct(struct __sk_buff *skb)
{
	struct task_struct___local *task = (void *)bpf_get_current_task();
	int pid = 0;

	bpf_probe_read_kernel(&pid, sizeof(pid), __builtin_preserve_access_index(&task->pid));
	return pid;
}

char LICENSE[] SEC("license") = "GPL";
