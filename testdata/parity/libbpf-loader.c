// The libbpf oracle of the parity harness (src/testutils/parity.ts): opens and loads one BPF
// object with the system's libbpf, as bpftool prog loadall would, and prints one JSON line:
//   {"loaded":true,"programs":[{"name":"x","tag":"0123456789abcdef"}],"warnings":"..."}
//   {"loaded":false,"stage":"open"|"load","errno":13,"warnings":"..."}
// warnings holds libbpf's warning output (the failing program and its verifier log).
// Usage: libbpf-loader OBJECT PIN_ROOT   (PIN_ROOT: where maps pinned by name go)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static char warnings[1 << 20];
static size_t warnings_len;

static int on_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	int n;

	if (level == LIBBPF_DEBUG || warnings_len >= sizeof(warnings) - 1)
		return 0;
	n = vsnprintf(warnings + warnings_len, sizeof(warnings) - warnings_len, fmt, args);
	if (n > 0)
		warnings_len += (size_t)n < sizeof(warnings) - warnings_len ? (size_t)n : sizeof(warnings) - warnings_len - 1;
	return 0;
}

static void put_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			printf("\\n");
		else if (c == '\t')
			printf("\\t");
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int finish(const char *stage, int err)
{
	printf("{\"loaded\":false,\"stage\":\"%s\",\"errno\":%d,\"warnings\":", stage, err < 0 ? -err : err);
	put_string(warnings);
	printf("}\n");
	return 0;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err, first = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: %s OBJECT PIN_ROOT\n", argv[0]);
		return 2;
	}
	libbpf_set_print(on_print);
	opts.pin_root_path = argv[2];
	obj = bpf_object__open_file(argv[1], &opts);
	err = libbpf_get_error(obj);
	if (err)
		return finish("open", err);
	err = bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		return finish("load", err);
	}
	printf("{\"loaded\":true,\"programs\":[");
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int i;

		if (bpf_program__fd(prog) < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			return finish("info", -errno);
		printf("%s{\"name\":", first ? "" : ",");
		put_string(bpf_program__name(prog));
		printf(",\"tag\":\"");
		for (i = 0; i < 8; i++)
			printf("%02x", info.tag[i]);
		printf("\"}");
		first = 0;
	}
	printf("],\"warnings\":");
	put_string(warnings);
	printf("}\n");
	bpf_object__close(obj);
	return 0;
}
