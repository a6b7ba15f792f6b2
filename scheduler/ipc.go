package scheduler

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

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

// A worker's results socket and an execution's FIFO are files of the run
// directory, named by the worker's and the execution's id: no directory of
// their own to make and remove. The socket is the worker's so that it
// serves the executions the worker runs one after another (binding,
// chmod and removing one per execution was 28% of the dispatch bench's
// CPU profile, which holds the server, the scheduler and the clients).
func socketPath(runDir, workerID string) string {
	return filepath.Join(runDir, workerID+".sock")
}

func fifoPath(runDir, executionID string) string {
	return filepath.Join(runDir, executionID+".fifo")
}

// resultBuffers are the receive buffers of result datagrams, reused: one
// of maxResultBytes per execution would be most of what a short execution
// allocates.
var resultBuffers = sync.Pool{New: func() any { return new([maxResultBytes]byte) }}

// ipc is the host side of a worker's results socket and of its current
// execution's binary FIFO. Both are bind-mounted into the container, and
// bind mounts are resolved when the container starts, so recreating them
// before a (re)start is safe.
type ipc struct {
	socket   string
	fifoFile string // the FIFO's path, whether this run or one before a restart made it
	results  *net.UnixConn
	fifo     string
	pipe     *os.File // held open so the pipe keeps its data until read
}

// openIPC binds the worker's results socket, unless kept is the one its
// previous execution used (its results all taken), and, for a binary
// message, creates the execution's FIFO and writes the whole message into
// it before the container starts.
func openIPC(runDir, workerID, executionID string, kept *ipc, binary []byte, isBinary bool) (*ipc, error) {
	p := kept
	if p == nil {
		var err error
		if p, err = bindResults(runDir, workerID); err != nil {
			return nil, err
		}
	} else if err := p.results.SetReadDeadline(time.Time{}); err != nil { // finalize set one
		return nil, err
	}
	p.fifoFile, p.fifo, p.pipe = fifoPath(runDir, executionID), "", nil
	if isBinary {
		if err := p.openFIFO(binary); err != nil {
			p.Close()
			return nil, fmt.Errorf("write binary message: %w", err)
		}
	}
	return p, nil
}

func bindResults(runDir, workerID string) (*ipc, error) {
	p := &ipc{socket: socketPath(runDir, workerID)}
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
	return p, nil
}

func (p *ipc) openFIFO(msg []byte) error {
	p.fifo = p.fifoFile
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
	p.closeFIFO()
}

// Remove deletes the socket and the execution's FIFO.
func (p *ipc) Remove() {
	os.Remove(p.socket)
	p.removeFIFO()
}

// closeFIFO releases the execution's pipe.
func (p *ipc) closeFIFO() {
	if p.pipe != nil {
		p.pipe.Close()
		p.pipe = nil
	}
}

// removeFIFO deletes the execution's FIFO.
func (p *ipc) removeFIFO() { os.Remove(p.fifoFile) }
