// Layouts for tsbpf gen codec tests: padding, nesting, arrays, unions, enums, bitfields,
// 64/128-bit integers. `fill` writes known values from BPF; `check` verifies values written from
// TypeScript and returns 0, or the number of the first field that differs.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum color { RED = 1, GREEN = 2, BLUE = -1 };

struct inner {
	__u16 x;
	__u8 tag[3];
};

union value {
	__u32 u;
	__s16 s;
	__u8 raw[8];
};

struct flags {
	__u32 a : 3;
	__s32 b : 5;
	__u32 c : 24;
	__u64 big : 40;
	_Bool on : 1;
	enum color hue : 4;
};

struct record {
	__u8 kind;
	__u64 id;
	__s32 delta;
	enum color color;
	char name[12];
	struct inner inners[2];
	__u32 matrix[2][3];
	union value val;
	struct flags fl;
	struct {
		__u32 ax;
		__u16 ay;
	};
	union {
		__u32 ua;
		__u64 ub;
	};
	__s64 neg;
	unsigned char bytes[5];
	_Bool ok;
	__s8 small;
	__u16 tail;
	unsigned __int128 wide;
};

typedef struct record record_t;

struct opaque;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, record_t);
	__uint(max_entries, 8);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct inner);
	__uint(max_entries, 2);
} percpu SEC(".maps");

struct record g_record;
struct inner g_inner = { .x = 7, .tag = { 1, 2, 3 } };
char g_label[8] = "abc";
__u64 g_counter;
struct opaque *g_opaque;
const volatile struct inner c_inner = {};
const volatile __u32 c_scale = 1;

static void fill_record(struct record *r)
{
	r->kind = 7;
	r->id = 0x1122334455667788ULL;
	r->delta = -5;
	r->color = BLUE;
	__builtin_memcpy(r->name, "hello", 6);
	r->inners[0].x = 0x1234;
	r->inners[0].tag[0] = 1;
	r->inners[0].tag[1] = 2;
	r->inners[0].tag[2] = 3;
	r->inners[1].x = 0xfedc;
	r->inners[1].tag[0] = 4;
	r->inners[1].tag[1] = 5;
	r->inners[1].tag[2] = 6;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			r->matrix[i][j] = i * 10 + j + 1;
	r->val.u = 0x11223344;
	r->fl.a = 5;
	r->fl.b = -3;
	r->fl.c = 0xabcdef;
	r->fl.big = 0x123456789aULL;
	r->fl.on = 1;
	r->fl.hue = GREEN;
	r->ax = 0xdeadbeef;
	r->ay = 0x4242;
	r->ub = 0x0102030405060708ULL;
	r->neg = -1234567890123LL;
	r->bytes[0] = 9;
	r->bytes[1] = 8;
	r->bytes[2] = 7;
	r->bytes[3] = 6;
	r->bytes[4] = 5;
	r->ok = 1;
	r->small = -100;
	r->tail = 0xbeef;
	r->wide = ((unsigned __int128)0x0102030405060708ULL << 64) | 0x1112131415161718ULL;
}

SEC("socket")
int fill(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct record r = {};
	struct inner in = { .x = 0x55, .tag = { 9, 9, 9 } };

	fill_record(&r);
	bpf_map_update_elem(&records, &k, &r, BPF_ANY);
	fill_record(&g_record);
	bpf_map_update_elem(&percpu, &k, &in, BPF_ANY);
	g_counter += 1;
	return 0;
}

#define CHECK(n, cond) \
	if (!(cond))   \
	return n

SEC("socket")
int check(struct __sk_buff *skb)
{
	__u32 k = 1;
	struct record *r = bpf_map_lookup_elem(&records, &k);
	const __u8 *b;
	const __u64 *w;

	if (!r)
		return 999;
	b = (const __u8 *)r;
	for (int i = 1; i < 8; i++)
		CHECK(100 + i, b[i] == 0); /* padding after kind */
	CHECK(1, r->kind == 200);
	CHECK(2, r->id == 0xfffffffffffffffeULL);
	CHECK(3, r->delta == -77);
	CHECK(4, r->color == GREEN);
	CHECK(5, r->name[0] == 'w' && r->name[1] == 'o' && r->name[2] == 'r' && r->name[3] == 'l' && r->name[4] == 'd' && r->name[5] == 0 && r->name[11] == 0);
	CHECK(6, r->inners[0].x == 11 && r->inners[0].tag[2] == 33 && r->inners[1].x == 44 && r->inners[1].tag[0] == 55);
	CHECK(7, r->matrix[0][0] == 100 && r->matrix[1][2] == 600);
	CHECK(8, r->val.u == 0xa1b2c3d4);
	CHECK(9, r->fl.a == 6 && r->fl.b == -16 && r->fl.c == 0x123456 && r->fl.big == 0xfedcba9876ULL && r->fl.on == 1 && r->fl.hue == RED);
	CHECK(10, r->ax == 1 && r->ay == 2);
	CHECK(11, r->ua == 0xcafe && r->ub == 0xcafe);
	CHECK(12, r->neg == -9);
	CHECK(13, r->bytes[0] == 0xff && r->bytes[4] == 0x80);
	CHECK(14, r->ok == 0);
	CHECK(15, r->small == 127);
	CHECK(16, r->tail == 0x1234);
	w = (const __u64 *)&r->wide;
	CHECK(17, w[0] == 0x8877665544332211ULL && w[1] == 0x0000000000000001ULL);
	CHECK(18, c_inner.x == 0x4321 && c_inner.tag[0] == 0xaa && c_scale == 3);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
