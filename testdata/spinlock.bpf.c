// A hash map whose value holds a bpf_spin_lock: user space reads and writes it with BPF_F_LOCK,
// and a tc program (socket filters may not take spin locks) bumps it under the lock.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct locked {
	struct bpf_spin_lock lock;
	__u32 a;
	__u64 b;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct locked);
	__uint(max_entries, 16);
} locked_map SEC(".maps");

SEC("tc")
int bump(struct __sk_buff *skb)
{
	__u32 key = 1;
	struct locked *v = bpf_map_lookup_elem(&locked_map, &key);
	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	v->a += 1;
	bpf_spin_unlock(&v->lock);
	return v->a;
}

char LICENSE[] SEC("license") = "GPL";
