// A hash map used as a global: one well-known key holds a struct that user space and the program
// share. Unlike a .rodata constant it can change while the program runs, and unlike a .bss
// variable it can be pinned, shared with other objects, or swapped with mapReplacements.
//
// Regenerate the bindings with: tsbpf gen globalmap.bpf.c --import-from ../../src/index.js
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define GLOBAL_KEY 0

struct config {
	_Bool enabled;
	__u32 min_len; /* count only packets at least this long */
};

struct stats {
	__u64 packets;
	__u64 bytes;
	__u32 last_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct config);
	__uint(max_entries, 1);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct stats);
	__uint(max_entries, 1);
} stats SEC(".maps");

SEC("socket")
int account(struct __sk_buff *skb)
{
	__u32 key = GLOBAL_KEY;
	struct config *cfg = bpf_map_lookup_elem(&config, &key);
	struct stats *st;

	if (!cfg || !cfg->enabled || skb->len < cfg->min_len)
		return 0;
	st = bpf_map_lookup_elem(&stats, &key);
	if (!st) {
		struct stats first = {};

		bpf_map_update_elem(&stats, &key, &first, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&stats, &key);
		if (!st)
			return 0;
	}
	__sync_fetch_and_add(&st->packets, 1);
	__sync_fetch_and_add(&st->bytes, skb->len);
	st->last_len = skb->len;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
