package scheduler

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The in-container protocol's paths (reference §8).
const (
	containerResultsSocket = "/_abaco_results.sock"
	containerBinaryFIFO    = "/_abaco_binary_data"
	// maxResultBytes is the largest result datagram kept; longer ones are
	// truncated, as in the reference.
	maxResultBytes = 131072
	// maxSocketPath is the longest path a unix socket can bind on Linux.
	maxSocketPath = 107
)

// An execution's socket and FIFO are files of the run directory named by
// its id: no directory of their own to make and remove per execution.
func socketPath(runDir, executionID string) string {
	return filepath.Join(runDir, executionID+".sock")
}

func fifoPath(runDir, executionID string) string {
	return filepath.Join(runDir, executionID+".fifo")
}

// resultBuffers are the receive buffers of result datagrams, reused: one
// of maxResultBytes per execution would be most of what a short execution
// allocates.
var resultBuffers = sync.Pool{New: func() any { return new([maxResultBytes]byte) }}

// ipc is the host side of one execution's results socket and binary FIFO.
// Both are bind-mounted into the container, and bind mounts are resolved
// when the container starts, so recreating them before a (re)start is safe.
type ipc struct {
	socket   string
	fifoFile string // the FIFO's path, whether this run or one before a restart made it
	results  *net.UnixConn
	fifo     string
	pipe     *os.File // held open so the pipe keeps its data until read
}

// openIPC binds the results socket and, for a binary message, creates the
// FIFO and writes the whole message into it before the container starts.
func openIPC(runDir, executionID string, binary []byte, isBinary bool) (*ipc, error) {
	p := &ipc{socket: socketPath(runDir, executionID), fifoFile: fifoPath(runDir, executionID)}
	if err := os.Remove(p.socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: p.socket, Net: "unixgram"})
	if err != nil {
		return nil, fmt.Errorf("bind results socket: %w", err)
	}
	p.results = conn
	// Any container user must be able to send results.
	if err := os.Chmod(p.socket, 0o777); err != nil {
		p.Close()
		return nil, err
	}
	if isBinary {
		if err := p.openFIFO(runDir, executionID, binary); err != nil {
			p.Close()
			return nil, fmt.Errorf("write binary message: %w", err)
		}
	}
	return p, nil
}

func (p *ipc) openFIFO(runDir, executionID string, msg []byte) error {
	p.fifo = fifoPath(runDir, executionID)
	if err := os.Remove(p.fifo); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := syscall.Mkfifo(p.fifo, 0o644); err != nil {
		return err
	}
	if err := os.Chmod(p.fifo, 0o644); err != nil { // undo the umask
		return err
	}
	// O_RDWR: opening does not wait for a reader, and our descriptor keeps
	// the pipe's contents alive until the container reads them.
	f, err := os.OpenFile(p.fifo, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	p.pipe = f
	capacity := growPipe(f, len(msg))
	if len(msg) <= capacity {
		_, err := f.Write(msg)
		return err
	}
	// Bigger than any pipe we may make: the rest follows as the container reads.
	go f.Write(msg)
	return nil
}

// growPipe raises the pipe's capacity to hold n bytes if it can and returns
// the capacity it got. Root may exceed /proc/sys/fs/pipe-max-size.
func growPipe(f *os.File, n int) int {
	conn, err := f.SyscallConn()
	if err != nil {
		return 0
	}
	capacity := 0
	conn.Control(func(fd uintptr) {
		for _, want := range []int{n, 1 << 20} {
			if got, err := unix.FcntlInt(fd, unix.F_SETPIPE_SZ, max(want, 4096)); err == nil {
				capacity = got
				return
			}
		}
		capacity, _ = unix.FcntlInt(fd, unix.F_GETPIPE_SZ, 0)
	})
	return capacity
}

// drain returns the datagrams still queued on the results socket, without
// blocking; it is called once the collector has stopped.
func (p *ipc) drain() [][]byte {
	raw, err := p.results.SyscallConn()
	if err != nil {
		return nil
	}
	var out [][]byte
	buf := resultBuffers.Get().(*[maxResultBytes]byte)
	defer resultBuffers.Put(buf)
	for {
		n := -1
		raw.Control(func(fd uintptr) {
			got, _, err := unix.Recvfrom(int(fd), buf[:], unix.MSG_DONTWAIT)
			if err == nil {
				n = got
			}
		})
		if n < 0 {
			return out
		}
		out = append(out, append([]byte(nil), buf[:n]...))
	}
}

// Close releases the socket and the pipe; files stay until Remove.
func (p *ipc) Close() {
	if p.results != nil {
		p.results.Close()
	}
	if p.pipe != nil {
		p.pipe.Close()
	}
}

// Remove deletes the execution's socket and FIFO.
func (p *ipc) Remove() {
	os.Remove(p.socket)
	os.Remove(p.fifoFile)
}
