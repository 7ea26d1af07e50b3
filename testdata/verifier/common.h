// Shared includes of the verifier-hint fixtures: each file is one mistake the verifier refuses.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
