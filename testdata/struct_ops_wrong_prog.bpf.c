// A struct_ops variable whose callback is not a struct_ops program (src/elf/struct-ops.test.ts).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sock;

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	char name[16];
};

SEC("socket")
int not_a_callback(void *ctx)
{
	return 0;
}

SEC(".struct_ops")
struct tcp_congestion_ops wrong = {
	.ssthresh = (void *)not_a_callback,
	.name = "wrong",
};

char LICENSE[] SEC("license") = "GPL";
