// fentry and fexit on a kernel function: time every unlink(2) of one process in do_unlinkat()
// and record its result, keyed by the file name.
//
// fentry runs when the function is entered, fexit when it returns, and both get its arguments
// (fexit also the return value) as typed BTF pointers: no kprobes needed. The kernel resolves
// the target by name in its BTF when the program loads.
//
// Regenerate the bindings with: tsbpf gen fentry.bpf.c --import-from ../../src/index.js
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define NAME_LEN 64

/* Only the member we read; CO-RE finds its offset in the running kernel's BTF. */
struct filename {
	const char *name;
} __attribute__((preserve_access_index));

struct unlink_result {
	__s32 ret;      /* 0 or -errno */
	__u32 pid;
	__u64 duration_ns;
};

/* Only unlinks by this process (tgid) are recorded; set before loading. */
const volatile __u32 target_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32); /* thread id */
	__type(value, __u64); /* entry time */
	__uint(max_entries, 1024);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, char[NAME_LEN]); /* the path given to unlink */
	__type(value, struct unlink_result);
	__uint(max_entries, 1024);
} unlinks SEC(".maps");

static __always_inline int ours(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_pid;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(unlink_entry, int dfd, struct filename *name)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();

	if (!ours())
		return 0;
	bpf_map_update_elem(&inflight, &tid, &now, BPF_ANY);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(unlink_exit, int dfd, struct filename *name, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	char path[NAME_LEN] = {};
	struct unlink_result r = {};
	__u64 *start;

	if (!ours())
		return 0;
	start = bpf_map_lookup_elem(&inflight, &tid);
	if (!start)
		return 0;
	r.duration_ns = bpf_ktime_get_ns() - *start;
	r.ret = ret;
	r.pid = target_pid;
	bpf_map_delete_elem(&inflight, &tid);
	bpf_probe_read_kernel_str(path, sizeof(path), name->name);
	bpf_map_update_elem(&unlinks, path, &r, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
