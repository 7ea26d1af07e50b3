// Global variables in .data, .bss, .rodata and named sections, plus string literals.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

volatile const __u32 filter_pid = 0;        /* .rodata, set before load */
volatile const char greeting[8] = "hello";  /* .rodata */
__u64 hits = 1;                             /* .data */
__u32 misses;                               /* .bss */
__u64 packets[4];                           /* .bss */
__u64 counter_a SEC(".data.counters") = 7;  /* .data.counters */
__u64 counter_b SEC(".data.counters") = 9;
static __u32 hidden_state = 3;              /* static, still in .data */

SEC("socket")
int use_globals(struct __sk_buff *skb)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (filter_pid && pid != filter_pid)
		return 0;
	hits++;
	misses += 2;
	packets[1]++;
	counter_a += counter_b;
	hidden_state ^= 1;
	bpf_printk("hit %d %s", pid, greeting);
	return greeting[0] + hidden_state;
}

/* String literals land in .rodata.str1.1, a data section without BTF variables. */
SEC("socket")
int use_strings(struct __sk_buff *skb)
{
	const char *p = skb->len > 10 ? "long packet" : "short";
	char buf[4];

	bpf_probe_read_kernel(buf, sizeof(buf), p);
	return buf[1];
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
__u32 _version SEC("version") = 0x060c00;
