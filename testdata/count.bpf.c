// The seed program, shared with examples/seed: tests compile it from testdata like the other fixtures.
#include "../examples/seed/seed.bpf.c"
