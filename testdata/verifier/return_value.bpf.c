// A cgroup sysctl program must return 0 (reject) or 1 (proceed).
#include "common.h"
SEC("cgroup/sysctl")
int bad_verdict(struct bpf_sysctl *ctx)
{
	return 2;
}
char LICENSE[] SEC("license") = "GPL";
