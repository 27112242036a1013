package function

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestLogLevel(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    slog.Level
		wantErr bool
	}{
		{"nothing set", nil, slog.LevelInfo, false},
		{"the stack's setting", map[string]string{"LOG_LEVEL": "DEBUG"}, slog.LevelDebug, false},
		{"lower case", map[string]string{"LOG_LEVEL": "warn"}, slog.LevelWarn, false},
		{"Lambda's LoggingConfig wins", map[string]string{"LOG_LEVEL": "DEBUG", "AWS_LAMBDA_LOG_LEVEL": "ERROR"}, slog.LevelError, false},
		{"Lambda's TRACE is below DEBUG", map[string]string{"AWS_LAMBDA_LOG_LEVEL": "TRACE"}, slog.LevelDebug - 4, false},
		{"Lambda's FATAL is above ERROR", map[string]string{"AWS_LAMBDA_LOG_LEVEL": "FATAL"}, slog.LevelError + 4, false},
		{"unknown name", map[string]string{"LOG_LEVEL": "LOUD"}, slog.LevelInfo, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LogLevel(func(k string) string { return tt.env[k] })
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("LogLevel = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestNeedNamesEveryMissingSetting(t *testing.T) {
	env := map[string]string{"A": "1", "C": "3"}
	got, err := Need(func(k string) string { return env[k] }, "A", "C")
	if err != nil || got["A"] != "1" || got["C"] != "3" || len(got) != 2 {
		t.Fatalf("Need(A, C) = %v, %v", got, err)
	}
	if _, err := Need(func(k string) string { return env[k] }, "A", "B"); err == nil || err.Error() != "environment variable B is not set" {
		t.Fatalf("Need(A, B) error = %v, want B named", err)
	}
	if _, err := Need(func(k string) string { return env[k] }, "A", "B", "D"); err == nil || err.Error() != "environment variables not set: [B D]" {
		t.Fatalf("Need(A, B, D) error = %v, want B and D named", err)
	}
}

func TestLoggerWritesTheTraceID(t *testing.T) {
	t.Setenv("_X_AMZN_TRACE_ID", "")
	var buf bytes.Buffer
	// The key and value aws-lambda-go gives an invocation's context.
	ctx := context.WithValue(context.Background(), "x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
	NewLogger(&buf, slog.LevelInfo, "delivery").InfoContext(ctx, "delivered")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["traceId"] != "1-5759e988-bd862e3fe1be46a994272793" || line["function"] != "delivery" || line["msg"] != "delivered" {
		t.Errorf("log line %v", line)
	}
}
