// Global variables: a .rodata constant set from TypeScript before loading, .bss counters and a
// .data string read and written while the program runs. No map definitions needed: each data
// section is a one-element array map that tsbpf maps into memory.
//
// Regenerate the bindings with: tsbpf gen globals.bpf.c --import-from ../../src/index.js
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* .rodata: fixed when the program loads; the verifier sees the value. */
const volatile __u32 sample_every = 1;

/* .bss: zero-initialised, read from TypeScript while the program runs. */
__u64 seen;
__u64 sampled;

/* .data: initialised, readable and writable from TypeScript. */
char label[16] = "default";

SEC("socket")
int sample(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&seen, 1);
	if (sample_every && seen % sample_every == 0)
		__sync_fetch_and_add(&sampled, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
