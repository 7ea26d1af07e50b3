// A socket-buffer helper called from an XDP program.
#include "common.h"
SEC("xdp")
int wrong_helper(struct xdp_md *ctx)
{
	char head[4];
	bpf_skb_load_bytes(ctx, 0, head, sizeof(head));
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
