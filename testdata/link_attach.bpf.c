// Programs for src/link/collection.kernel.test.ts: attached by attachProgram from their section
// names, counting the events of one process (target_pid, set from user space) in `counts`.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} counts SEC(".maps");

volatile __u32 target_pid;

static __always_inline void bump(__u32 slot)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_pid)
		return;
	__u64 *v = bpf_map_lookup_elem(&counts, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int on_getpid(void *ctx)
{
	bump(0);
	return 0;
}

SEC("tp_btf/sys_enter")
int on_sys_enter(__u64 *ctx)
{
	bump(1);
	return 0;
}

SEC("uprobe")
int on_target(void *ctx)
{
	bump(2);
	return 0;
}

SEC("uretprobe")
int on_target_ret(void *ctx)
{
	bump(3);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
