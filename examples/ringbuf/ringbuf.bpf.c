// A tracepoint on syscalls/sys_enter_openat that sends one event per openat(2) through a BPF ring
// buffer. Only calls by one process are sent (target_pid, set before loading).
//
// Regenerate the bindings with: tsbpf gen ringbuf.bpf.c --type event --import-from ../../src/index.js
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

/* clang puts a type into BTF only when something refers to it: this pointer makes struct event
 * visible to tsbpf gen (--type event) without costing the program anything. */
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
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int trace_openat(struct openat_args *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct event *e;

	if ((id >> 32) != target_pid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->flags = ctx->flags;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), ctx->filename);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
