// The Go anchor of bench/ringbuf.ts: cilium/ebpf's ringbuf.Reader draining the same ring with
// its idiomatic loop, ReadInto into one reused Record (the form cilium/ebpf recommends for speed).
//
// Inherited fds: 3 = the BPF_MAP_TYPE_RINGBUF map, 4 = the producer program (a socket filter
// that emits 16-byte records { u64 seq; u64 index } per run), as for bench/c/ringbuf.c.
// Usage: ringbuf-go N REPEAT
//   One round per line read on stdin: test-run the producer REPEAT times (filling N records), then
//   time reading N records. Prints "consume <seconds> <records> <sum of seq>" per round.
//
// Built by bench/ringbuf.ts with the Debian packages golang-go and golang-github-cilium-ebpf-dev
// (GOPATH mode, no module download).
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"
)

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "ringbuf-go: %s: %v\n", what, err)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: ringbuf-go N REPEAT")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fail("N", err)
	}
	repeat, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fail("REPEAT", err)
	}
	m, err := ebpf.NewMapFromFD(3)
	if err != nil {
		fail("map fd 3", err)
	}
	prog, err := ebpf.NewProgramFromFD(4)
	if err != nil {
		fail("program fd 4", err)
	}
	rd, err := ringbuf.NewReader(m)
	if err != nil {
		fail("reader", err)
	}
	packet := make([]byte, 64)
	var rec ringbuf.Record
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for in.Scan() {
		if _, _, err := prog.Benchmark(packet, repeat, nil); err != nil {
			fail("fill", err)
		}
		var sum uint64
		t0 := time.Now()
		for i := 0; i < n; i++ {
			if err := rd.ReadInto(&rec); err != nil {
				fail("read", err)
			}
			sum += binary.LittleEndian.Uint64(rec.RawSample)
		}
		dt := time.Since(t0)
		fmt.Fprintf(out, "consume %.9f %d %d\n", dt.Seconds(), n, sum)
		out.Flush()
	}
}
