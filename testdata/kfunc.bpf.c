// Extern kernel symbols: a kfunc, a __ksym variable, and a __kconfig value.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 128);
} counted SEC(".maps");

struct bpf_map;

extern long bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;
extern const int bpf_prog_active __ksym;
extern unsigned int CONFIG_HZ __kconfig;
extern int CONFIG_MISSING_OPTION __kconfig __weak;

SEC("syscall")
int count_elems(void *ctx)
{
	return bpf_map_sum_elem_count((const struct bpf_map *)&counted);
}

SEC("socket")
int use_ksym(struct __sk_buff *skb)
{
	const int *active = bpf_this_cpu_ptr(&bpf_prog_active);

	return *active + CONFIG_HZ + CONFIG_MISSING_OPTION;
}

char LICENSE[] SEC("license") = "GPL";
