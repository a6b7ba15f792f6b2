package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"syscall"
)

// binaryPath is where Abaco mounts the FIFO holding a binary message.
const binaryPath = "/_abaco_binary_data"

// readBinary reports the binary message's size and digest, and sends the
// digest back as a result so tests can check the bytes arrived whole.
func readBinary() {
	data, err := readFIFO(binaryPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "binary message: %v\n", err)
		return
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	fmt.Printf("binary bytes: %d sha256: %s\n", len(data), digest)
	sendResult([]byte(digest))
}

// readFIFO reads the FIFO exactly as tapipy's get_binary_message does, so
// the probe fails where a Python actor would: non-blocking, in 4096-byte
// chunks, stopping at the first empty read or EAGAIN. The whole message must
// therefore be in the pipe before the container reads it. It uses raw system
// calls because os.File would hand a non-blocking descriptor to the poller,
// which waits instead of reporting EAGAIN.
func readFIFO(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer syscall.Close(fd)
	var data []byte
	buf := make([]byte, 4096)
	for {
		n, err := syscall.Read(fd, buf)
		if n > 0 {
			data = append(data, buf[:n]...)
		}
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN || (err == nil && n == 0):
			return data, nil
		case err != nil:
			return data, fmt.Errorf("read %s: %w", path, err)
		}
	}
}
