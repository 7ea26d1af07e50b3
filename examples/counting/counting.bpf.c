// How many elements does a BPF hash map hold right now? Every way of answering, side by side:
//
// 1. A counter kept next to the map (`counter`, .bss), incremented only when an insert with
//    BPF_NOEXIST succeeds and decremented when a delete succeeds. Updates go through BPF_EXIST.
//    Exact only if every writer follows the protocol (user-space writes bypass it), and the
//    NOEXIST-then-EXIST pair is two steps that other CPUs can interleave with.
// 2. bpf_for_each_map_elem from a SEC("socket") program, run on demand (BPF_PROG_TEST_RUN).
// 3. The kernel's own counter, bpf_map_sum_elem_count() (Linux 6.6+), through <tsbpf/count.h>.
// From user space (see main.ts): iterating keys, batch lookups, and map.count().
//
// Regenerate the bindings with: tsbpf gen counting.bpf.c --import-from ../../src/index.js
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <tsbpf/count.h>

enum op {
	OP_UPSERT = 1,
	OP_DELETE = 2,
};

/* The next operation for `mutate`, written from TypeScript (a typed .bss variable). */
struct command {
	enum op op;
	__u32 key;
	__u64 value;
};

struct command cmd;

/* Way 1: the hand-kept counter. */
__s64 counter;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} flows SEC(".maps");

/* Applies `cmd` to `flows`, keeping `counter` in step. Returns 0 on success, 1 when nothing
 * changed (delete of a missing key). */
SEC("socket")
int mutate(struct __sk_buff *skb)
{
	__u32 key = cmd.key;
	__u64 value = cmd.value;

	if (cmd.op == OP_UPSERT) {
		if (bpf_map_update_elem(&flows, &key, &value, BPF_NOEXIST) == 0) {
			__sync_fetch_and_add(&counter, 1); /* a new key */
			return 0;
		}
		/* The key exists (or the map is full): update in place, the count does not change. */
		return bpf_map_update_elem(&flows, &key, &value, BPF_EXIST) == 0 ? 0 : 1;
	}
	if (cmd.op == OP_DELETE) {
		if (bpf_map_delete_elem(&flows, &key) == 0) {
			__sync_fetch_and_add(&counter, -1);
			return 0;
		}
		return 1;
	}
	return 1;
}

/* Way 2: walk the map in the kernel. The context must live on the stack (a map value gives
 * "R3 type=map_value expected=fp"), and the callback must return 0 (continue) or 1 (stop). */
struct walk_ctx {
	__u64 count;
};

static long count_one(void *map, __u32 *key, __u64 *value, struct walk_ctx *ctx)
{
	ctx->count++;
	return 0;
}

SEC("socket")
int count_foreach(struct __sk_buff *skb)
{
	struct walk_ctx ctx = { .count = 0 };

	bpf_for_each_map_elem(&flows, count_one, &ctx, 0);
	return ctx.count;
}

/* Way 3: the kernel's per-CPU element counter of hash maps. */
SEC("socket")
int count_kernel(struct __sk_buff *skb)
{
	return tsbpf_map_count(&flows);
}

char LICENSE[] SEC("license") = "GPL";
