// Fixture for src/btf: an object whose .BTF.ext holds func_info, line_info and a CO-RE
// relocation of (almost) every kind. Rebuild the blobs with ./build.sh after editing.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct sample {
	int a;
	short b;
	unsigned int flags: 3;
	int level: 5;
	struct {
		long inner;
	};
	long arr[4];
	char *name;
} __attribute__((preserve_access_index));

enum sample_state { STATE_A = 1, STATE_B = 7 };

typedef struct sample sample_t;

volatile __u64 out[16];

static __attribute__((noinline)) __u64 helper(struct sample *s)
{
	return BPF_CORE_READ(s, arr[2]);
}

SEC("socket")
int core_kinds(struct __sk_buff *skb)
{
	struct sample *s = (void *)(long)bpf_get_prandom_u32();

	out[0] = bpf_core_field_offset(struct sample, b);
	out[1] = bpf_core_field_size(struct sample, arr);
	out[2] = bpf_core_field_exists(struct sample, name);
	out[3] = BPF_CORE_READ_BITFIELD_PROBED(s, level);
	out[4] = bpf_core_type_id_local(struct sample);
	out[5] = bpf_core_type_id_kernel(struct sample);
	out[6] = bpf_core_type_exists(sample_t);
	out[7] = bpf_core_type_size(struct sample);
	out[8] = bpf_core_enum_value_exists(enum sample_state, STATE_B);
	out[9] = bpf_core_enum_value(enum sample_state, STATE_B);
	out[10] = BPF_CORE_READ(s, inner);
	out[11] = s->a;
	return 0;
}

SEC("xdp")
int second(struct xdp_md *ctx)
{
	struct sample *s = (void *)(long)bpf_get_prandom_u32();

	out[12] = helper(s);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
