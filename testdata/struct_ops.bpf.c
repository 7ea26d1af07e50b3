// struct_ops fixtures (src/collection/struct-ops.kernel.test.ts): TCP congestion controls
// built on the kernel's Reno kfuncs.
//
// - tsbpf_upd (SEC(".struct_ops")): registered by a map update, "tsbpf_upd";
// - tsbpf_a and tsbpf_b (SEC(".struct_ops.link")): registered by links, both named "tsbpf_swap"
//   (the kernel swaps a congestion control only for one of the same name), each with its own
//   cong_avoid program and counter, to see a link update swap them.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct sock;

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	void (*set_state)(struct sock *sk, __u8 new_state);
	__u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
	__u32 flags;
};

extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

__u64 calls_upd = 0;
__u64 calls_a = 0;
__u64 calls_b = 0;

SEC("struct_ops/so_ssthresh")
__u32 BPF_PROG(so_ssthresh, struct sock *sk)
{
	return tcp_reno_ssthresh(sk);
}

SEC("struct_ops/so_undo_cwnd")
__u32 BPF_PROG(so_undo_cwnd, struct sock *sk)
{
	return tcp_reno_undo_cwnd(sk);
}

SEC("struct_ops/cong_avoid_upd")
void BPF_PROG(cong_avoid_upd, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&calls_upd, 1);
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/cong_avoid_a")
void BPF_PROG(cong_avoid_a, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&calls_a, 1);
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/cong_avoid_b")
void BPF_PROG(cong_avoid_b, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&calls_b, 1);
	tcp_reno_cong_avoid(sk, ack, acked);
}

/* Used by no struct_ops variable: the loader leaves it out. */
SEC("struct_ops/unused_cb")
void BPF_PROG(unused_cb, struct sock *sk, __u8 new_state)
{
}

SEC(".struct_ops")
struct tcp_congestion_ops tsbpf_upd = {
	.ssthresh = (void *)so_ssthresh,
	.cong_avoid = (void *)cong_avoid_upd,
	.undo_cwnd = (void *)so_undo_cwnd,
	.name = "tsbpf_upd",
};

SEC(".struct_ops.link")
struct tcp_congestion_ops tsbpf_a = {
	.ssthresh = (void *)so_ssthresh,
	.cong_avoid = (void *)cong_avoid_a,
	.undo_cwnd = (void *)so_undo_cwnd,
	.name = "tsbpf_swap",
};

SEC(".struct_ops.link")
struct tcp_congestion_ops tsbpf_b = {
	.ssthresh = (void *)so_ssthresh,
	.cong_avoid = (void *)cong_avoid_b,
	.undo_cwnd = (void *)so_undo_cwnd,
	.name = "tsbpf_swap",
};

char LICENSE[] SEC("license") = "GPL";
