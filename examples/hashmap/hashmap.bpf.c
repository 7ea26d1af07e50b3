// Hash map basics: count packets per EtherType in a BPF hash map.
//
// Regenerate the bindings with: tsbpf gen hashmap.bpf.c --import-from ../../src/index.js
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u16);   /* EtherType, host byte order */
	__type(value, __u64); /* packets seen */
	__uint(max_entries, 64);
} packets_by_proto SEC(".maps");

SEC("socket")
int count_packets(struct __sk_buff *skb)
{
	__u16 proto = bpf_ntohs(skb->protocol);
	__u64 one = 1;
	__u64 *n = bpf_map_lookup_elem(&packets_by_proto, &proto);

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&packets_by_proto, &proto, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
