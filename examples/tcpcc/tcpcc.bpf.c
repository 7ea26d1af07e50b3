// A TCP congestion control written in BPF: Reno, through the kernel's own tcp_reno_* functions
// (kfuncs), with counters of what the stack asked of it.
//
// A struct_ops map is a kernel struct of callbacks. Here it is `struct tcp_congestion_ops`: the
// variable in SEC(".struct_ops.link") below names the programs for its members and sets its name.
// Once registered from TypeScript (`obj.structOps.tsbpf_cc.attach()`), "tsbpf_cc" is a congestion
// control like cubic or reno: a socket selects it with setsockopt(TCP_CONGESTION, "tsbpf_cc").
//
// Only the members used are declared: the loader copies them by name into the running kernel's
// struct, wherever its version puts them.
//
// Regenerate the bindings with: tsbpf gen tcpcc.bpf.c --import-from ../../src/index.js
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct sock;

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
};

/* Reno as the kernel implements it; kfuncs any struct_ops program for TCP may call. */
extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

/* What the stack asked: read from TypeScript through obj.variables. */
__u64 cong_avoid_calls = 0;
__u64 acked_packets = 0;
__u64 ssthresh_calls = 0;
__u64 undo_cwnd_calls = 0;

SEC("struct_ops/tsbpf_ssthresh")
__u32 BPF_PROG(tsbpf_ssthresh, struct sock *sk)
{
	__sync_fetch_and_add(&ssthresh_calls, 1);
	return tcp_reno_ssthresh(sk);
}

SEC("struct_ops/tsbpf_cong_avoid")
void BPF_PROG(tsbpf_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&cong_avoid_calls, 1);
	__sync_fetch_and_add(&acked_packets, acked);
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/tsbpf_undo_cwnd")
__u32 BPF_PROG(tsbpf_undo_cwnd, struct sock *sk)
{
	__sync_fetch_and_add(&undo_cwnd_calls, 1);
	return tcp_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops tsbpf_cc = {
	.ssthresh = (void *)tsbpf_ssthresh,
	.cong_avoid = (void *)tsbpf_cong_avoid,
	.undo_cwnd = (void *)tsbpf_undo_cwnd,
	.name = "tsbpf_cc",
};

char LICENSE[] SEC("license") = "GPL";
