// The same tracepoint as examples/ringbuf, sending its events through a perf event array: one
// buffer per CPU, written with bpf_perf_event_output() from a copy on the stack.
//
// Regenerate the bindings with: tsbpf gen perfbuf.bpf.c --type event --import-from ../../src/index.js
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define FILENAME_LEN 128

struct event {
	__u32 pid;
	__u32 tid;
	__s32 flags;
	char comm[16];
	char filename[FILENAME_LEN];
};

/* Makes struct event visible in BTF for tsbpf gen --type event. */
const struct event *unused_event __attribute__((unused));

/* The fields of /sys/kernel/tracing/events/syscalls/sys_enter_openat/format. */
struct openat_args {
	__u64 common;
	__s32 syscall_nr;
	__s64 dfd;
	const char *filename;
	__s64 flags;
	__u64 mode;
};

const volatile __u32 target_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	/* One slot per CPU: left out, the loader uses the number of possible CPUs (as libbpf does). */
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int trace_openat(struct openat_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event e = {};

	if ((id >> 32) != target_pid)
		return 0;
	e.pid = id >> 32;
	e.tid = (__u32)id;
	e.flags = ctx->flags;
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	bpf_probe_read_user_str(e.filename, sizeof(e.filename), ctx->filename);
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
