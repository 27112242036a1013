package tracing

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
)

// FileEnv names the JSON-lines file that the local stack has each function
// append its subsegments to; DaemonEnv is the X-Ray daemon's address,
// which Lambda sets for a function with active tracing.
const (
	FileEnv   = "TRACE_FILE"
	DaemonEnv = "AWS_XRAY_DAEMON_ADDRESS"
)

// Subsegment is an X-Ray subsegment document of one AWS SDK call: sent on
// its own, it names its trace and its parent.
type Subsegment struct {
	Name      string    `json:"name"` // the service, e.g. "DynamoDB"
	ID        string    `json:"id"`
	TraceID   string    `json:"trace_id"`
	ParentID  string    `json:"parent_id,omitempty"`
	Type      string    `json:"type"` // "subsegment"
	Namespace string    `json:"namespace"`
	StartTime float64   `json:"start_time"` // seconds since the epoch
	EndTime   float64   `json:"end_time"`
	AWS       AWSCall   `json:"aws"`
	HTTP      *HTTPCall `json:"http,omitempty"`
	Error     bool      `json:"error,omitempty"`    // a 4xx
	Throttle  bool      `json:"throttle,omitempty"` // a throttle as the SDK's retryer counts one (instrument.go)
	Fault     bool      `json:"fault,omitempty"`    // a 5xx or no answer
	Cause     *Cause    `json:"cause,omitempty"`
}

// AWSCall is the call's operation.
type AWSCall struct {
	Operation string `json:"operation"`
	Region    string `json:"region,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// HTTPCall is the call's answer.
type HTTPCall struct {
	Response struct {
		Status int `json:"status"`
	} `json:"response"`
}

// Cause is why the call failed.
type Cause struct {
	Exceptions []Exception `json:"exceptions"`
}

// Exception is one error of a Cause.
type Exception struct {
	ID      string `json:"id"`
	Message string `json:"message"`
}

// Recorder keeps subsegments. It never fails a call: a subsegment it
// cannot send is lost.
type Recorder interface {
	Record(Subsegment)
}

// FromEnv is the Recorder the environment names: the X-Ray daemon, else
// the local stack's file, else none (nil): the trace header is still sent.
func FromEnv(getenv func(string) string) (Recorder, error) {
	if addr := getenv(DaemonEnv); addr != "" {
		return Daemon(addr)
	}
	if path := getenv(FileEnv); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("trace file: %w", err)
		}
		return &Lines{w: f}, nil
	}
	return nil, nil
}

// daemonHeader starts every datagram to the daemon.
const daemonHeader = `{"format":"json","version":1}` + "\n"

// Daemon sends each subsegment to the X-Ray daemon at addr over UDP: addr
// is "host:port", or Lambda's "tcp:host:port udp:host:port".
func Daemon(addr string) (Recorder, error) {
	for part := range strings.FieldsSeq(addr) {
		if rest, ok := strings.CutPrefix(part, "udp:"); ok {
			addr = rest
		}
	}
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("X-Ray daemon %s: %w", addr, err)
	}
	return daemon{conn}, nil
}

type daemon struct{ conn net.Conn }

func (d daemon) Record(s Subsegment) {
	doc, err := json.Marshal(s)
	if err != nil {
		return
	}
	_, _ = d.conn.Write(append([]byte(daemonHeader), doc...))
}

// Lines writes each subsegment as one JSON line, in one write, so that the
// functions of the local stack can share a file opened for appending.
type Lines struct {
	mu sync.Mutex
	w  interface{ Write([]byte) (int, error) }
}

func (l *Lines) Record(s Subsegment) {
	doc, err := json.Marshal(s)
	if err != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.w.Write(append(doc, '\n'))
}
