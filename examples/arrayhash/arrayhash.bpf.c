// Array and hash maps side by side: a packet size histogram in an array (index = log2 bucket,
// every slot exists from the start) and exact sizes in a hash (a key exists once inserted).
//
// Regenerate the bindings with: tsbpf gen arrayhash.bpf.c --import-from ../../src/index.js
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define BUCKETS 16

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);   /* bucket: floor(log2(len)) */
	__type(value, __u64); /* packets */
	__uint(max_entries, BUCKETS);
} histogram SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);   /* exact length */
	__type(value, __u64); /* packets */
	__uint(max_entries, 1024);
} sizes SEC(".maps");

static __u32 log2_bucket(__u32 v)
{
	__u32 b = 0;

	for (int i = 0; i < BUCKETS - 1; i++) {
		if (v <= 1)
			break;
		v >>= 1;
		b++;
	}
	return b;
}

SEC("socket")
int record_size(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__u32 bucket = log2_bucket(len);
	__u64 one = 1, *n;

	/* Array: the slot is always there, lookup never fails for a valid index. */
	n = bpf_map_lookup_elem(&histogram, &bucket);
	if (n)
		__sync_fetch_and_add(n, 1);

	/* Hash: insert on first sight, then increment. */
	n = bpf_map_lookup_elem(&sizes, &len);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&sizes, &len, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
