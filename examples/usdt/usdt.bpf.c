// A USDT tracer: python's function__entry probe (provider python, in CPython builds with
// --with-dtrace, as Debian's python3) sends one event per Python function call through a ring
// buffer. Written against libbpf's <bpf/usdt.bpf.h> exactly as for libbpf: BPF_USDT() reads the
// probe's arguments wherever the compiler put them (registers, stack), from the argument specs
// tsbpf's attachUsdt writes into the header's maps.
//
// Regenerate the bindings with: tsbpf gen usdt.bpf.c --type event --import-from ../../src/index.js
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

struct event {
	__u32 pid;
	__s32 lineno;
	char filename[64];
	char funcname[32];
};

/* Makes struct event visible to tsbpf gen (--type event) without costing the program anything. */
const struct event *unused_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

/* python:function__entry(const char *filename, const char *funcname, int lineno) */
SEC("usdt")
int BPF_USDT(python_entry, const char *filename, const char *funcname, int lineno)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->lineno = lineno;
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), filename);
	bpf_probe_read_user_str(e->funcname, sizeof(e->funcname), funcname);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
