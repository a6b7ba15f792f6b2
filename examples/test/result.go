package main

import "net"

// resultsSocket is where Abaco mounts the execution's results socket.
const resultsSocket = "/_abaco_results.sock"

// sendResult sends r as one datagram, as tapipy's send_bytes_result does;
// outside Abaco there is no socket and nothing is sent.
func sendResult(r []byte) {
	conn, err := net.Dial("unixgram", resultsSocket)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.Write(r)
}
