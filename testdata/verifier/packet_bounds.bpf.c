// A packet read without comparing against data_end first.
#include "common.h"
SEC("xdp")
int no_data_end_check(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	return data[12] == 8 ? XDP_PASS : XDP_DROP;
}
char LICENSE[] SEC("license") = "GPL";
