// Command test is the probe the test suites register as an actor
// (abacosamples/test): each environment variable asks it to show or do one
// thing, so one image covers the whole in-container protocol.
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	fmt.Printf("Contents of MSG: %s\n", os.Getenv("MSG"))
	printEnv()
	fmt.Printf("uid=%d gid=%d\n", os.Getuid(), os.Getgid())
	printGroups()
	catFiles(os.Getenv("CAT"))
	writeFile(os.Getenv("WRITE"))
	if ct := contentType(); ct == "application/octet-stream" {
		readBinary()
	}
	for i := 1; i <= intEnv("RESULTS"); i++ {
		sendResult([]byte(fmt.Sprintf("result-%d", i)))
	}
	allocate(intEnv("ALLOC_MB"))
	writeX(intEnv("OUTPUT_BYTES"))
	if s := os.Getenv("STDERR"); s != "" {
		fmt.Fprintln(os.Stderr, s)
	}
	if s := os.Getenv("SLEEP"); s != "" {
		secs, err := strconv.ParseFloat(s, 64)
		if err != nil {
			fail("SLEEP", err)
		}
		fmt.Println("sleeping")
		time.Sleep(time.Duration(secs * float64(time.Second)))
	}
	if os.Getenv("EXIT") != "" {
		os.Exit(intEnv("EXIT"))
	}
}

// printGroups shows the supplementary groups, as `id` would.
func printGroups() {
	gs, err := os.Getgroups()
	if err != nil {
		fmt.Printf("groups: %v\n", err)
		return
	}
	ss := make([]string, len(gs))
	for i, g := range gs {
		ss[i] = strconv.Itoa(g)
	}
	fmt.Printf("groups=%s\n", strings.Join(ss, ","))
}

// allocate touches n MiB of memory, one page at a time, to show that the
// memory limit holds: past it the kernel kills the process.
func allocate(n int) {
	if n <= 0 {
		return
	}
	fmt.Printf("allocating %d MiB\n", n)
	held := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		held = append(held, b)
	}
	fmt.Printf("allocated %d MiB\n", len(held))
}

// printEnv shows the context Abaco gave the actor, sorted so tests can
// compare it line by line.
func printEnv() {
	echo := strings.Split(os.Getenv("ECHO_VARS"), ",")
	var names []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "_abaco") || name == "MSG" || slices.Contains(echo, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Printf("%s=%s\n", name, os.Getenv(name))
	}
}

// contentType reads both spellings: the server sets the underscore one,
// tapipy reads the hyphen one.
func contentType() string {
	if ct := os.Getenv("_abaco_Content_Type"); ct != "" {
		return ct
	}
	return os.Getenv("_abaco_Content-Type")
}

// catFiles prints the files named in CAT (comma separated), e.g. a mounted
// file or /proc/self/status to show the confinement.
func catFiles(list string) {
	for path := range strings.SplitSeq(list, ",") {
		if path == "" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			fmt.Printf("cat %s: %v\n", path, err)
			continue
		}
		os.Stdout.Write(b)
	}
}

// writeFile tries to create the file named in WRITE, to show whether a
// mount is writable.
func writeFile(path string) {
	if path == "" {
		return
	}
	if err := os.WriteFile(path, []byte("written by abacosamples/test\n"), 0o644); err != nil {
		fmt.Printf("write %s: %v\n", path, err)
		return
	}
	fmt.Printf("write %s: ok\n", path)
}

// writeX writes n bytes of 'x', a newline after every 100 (newlines are not
// counted), to exercise log capture and its size cap.
func writeX(n int) {
	w := bufio.NewWriter(os.Stdout)
	line := strings.Repeat("x", 100)
	for ; n >= 100; n -= 100 {
		w.WriteString(line + "\n")
	}
	if n > 0 {
		w.WriteString(line[:n] + "\n")
	}
	w.Flush()
}

// intEnv reads a whole number from env; unset is 0.
func intEnv(name string) int {
	s := os.Getenv(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		fail(name, err)
	}
	return n
}

// fail ends the run on a malformed request, visibly, so a test written
// against the probe cannot pass by accident.
func fail(name string, err error) {
	fmt.Fprintf(os.Stderr, "bad %s: %v\n", name, err)
	os.Exit(2)
}
