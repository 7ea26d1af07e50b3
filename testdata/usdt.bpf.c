// Programs for src/link/usdt.kernel.test.ts, written against libbpf's <bpf/usdt.bpf.h> exactly as
// a libbpf user would: BPF_USDT(), bpf_usdt_arg(), bpf_usdt_arg_cnt(), bpf_usdt_cookie(). They
// fire on the probes of testdata/usdt-helper.c and on python3's function__entry.
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#define NARGS 9

struct hit {
	__s64 args[NARGS];   // bpf_usdt_arg() of each argument
	__s32 arg_cnt;       // bpf_usdt_arg_cnt()
	__s32 errs;          // how many bpf_usdt_arg() calls failed
	__u64 usdt_cookie;   // bpf_usdt_cookie()
	__u64 attach_cookie; // bpf_get_attach_cookie(): the spec id
	__u64 ip;            // PT_REGS_IP(ctx)
	__s64 ip_spec_id;    // __bpf_usdt_ip_to_spec_id[ip], -1 when absent
	char str[16];        // the string argument, through BPF_USDT's typed parameter
	__s64 typed[3];      // BPF_USDT's typed parameters c, u16 and s32, widened
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct hit);
	__uint(max_entries, 16);
} hits SEC(".maps");

// Slots: 0 args, 1 consts, 2 guarded, 3 python function__entry.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} counts SEC(".maps");

static __always_inline void bump(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline struct hit *record(struct pt_regs *ctx, __u32 slot)
{
	struct hit *h = bpf_map_lookup_elem(&hits, &slot);
	if (!h)
		return 0;
	h->arg_cnt = bpf_usdt_arg_cnt(ctx);
	h->errs = 0;
	for (int i = 0; i < NARGS; i++) {
		long v;
		if (bpf_usdt_arg(ctx, i, &v))
			h->errs++;
		h->args[i] = v;
	}
	h->usdt_cookie = bpf_usdt_cookie(ctx);
	h->attach_cookie = bpf_get_attach_cookie(ctx);
	h->ip = PT_REGS_IP(ctx);
	long ip = PT_REGS_IP(ctx);
	__u32 *id = bpf_map_lookup_elem(&__bpf_usdt_ip_to_spec_id, &ip);
	h->ip_spec_id = id ? (__s64)*id : -1;
	return h;
}

SEC("usdt")
int BPF_USDT(on_args, signed char c, unsigned short u16, int s32, unsigned u32, long s64, const char *str, long i)
{
	// Slots 0..7 by the probe's own counter i (the test fires it fewer than 8 times).
	struct hit *h = record(ctx, i & 7);
	if (h) {
		bpf_probe_read_user_str(h->str, sizeof(h->str), str);
		h->typed[0] = c;
		h->typed[1] = u16;
		h->typed[2] = s32;
	}
	bump(0);
	return 0;
}

SEC("usdt")
int on_consts(struct pt_regs *ctx)
{
	record(ctx, 8);
	bump(1);
	return 0;
}

SEC("usdt")
int on_guarded(struct pt_regs *ctx)
{
	record(ctx, 9);
	bump(2);
	return 0;
}

// python3's python:function__entry(const char *filename, const char *funcname, int lineno).
SEC("usdt")
int BPF_USDT(on_python_entry, const char *filename, const char *funcname, int lineno)
{
	char name[16] = {};
	bpf_probe_read_user_str(name, sizeof(name), funcname);
	struct hit *last = record(ctx, 11); // the last call seen, whatever the function
	if (last)
		__builtin_memcpy(last->str, name, sizeof(name));
	// Count only the calls of the function the test defines.
	const char want[] = "tsbpf_usdt_fn";
	for (int i = 0; i < sizeof(want); i++)
		if (name[i] != want[i])
			return 0;
	struct hit *h = record(ctx, 10);
	if (h)
		__builtin_memcpy(h->str, name, sizeof(name));
	bump(3);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
