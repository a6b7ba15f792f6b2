// Command wc is the quickstart actor: it counts the words of its message
// and sends the count back as a result.
package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// resultsSocket is where Abaco mounts the execution's results socket.
const resultsSocket = "/_abaco_results.sock"

func main() {
	n := len(strings.Fields(os.Getenv("MSG")))
	fmt.Printf("Number of words is: %d\n", n)
	sendResult(strconv.Itoa(n))
}

// sendResult sends one result datagram; run outside Abaco there is no
// socket, and the count on stdout is all there is.
func sendResult(r string) {
	conn, err := net.Dial("unixgram", resultsSocket)
	if err != nil {
		return
	}
	defer conn.Close()
	conn.Write([]byte(r))
}
