package stack

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
)

// Labels on every container and network Up creates.
const (
	// LabelRun holds the run id; its presence marks a resource as ours.
	LabelRun = "vigil.stack"
	// LabelPID holds the pid of the process that ran Up.
	LabelPID = "vigil.stack.pid"
	// LabelHost holds the hostname of the machine that ran Up.
	LabelHost = "vigil.stack.host"
)

// labels returns the labels for resources of run id.
func labels(runID string) map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		LabelRun:  runID,
		LabelPID:  strconv.Itoa(os.Getpid()),
		LabelHost: host,
	}
}

// newRunID returns 12 random hex digits.
func newRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b[:])
}
