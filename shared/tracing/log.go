package tracing

import (
	"context"
	"log/slog"
)

// LogKey is the member of a log line that holds its trace id (the root),
// the id the X-Ray console and `aws xray batch-get-traces` take.
const LogKey = "traceId"

// LogHandler adds the trace id of each record's context to the record.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (l logHandler) Handle(ctx context.Context, r slog.Record) error {
	if h, ok := current(ctx); ok {
		r.AddAttrs(slog.String(LogKey, h.Root))
	}
	return l.Handler.Handle(ctx, r)
}

func (l logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{l.Handler.WithAttrs(attrs)}
}

func (l logHandler) WithGroup(name string) slog.Handler {
	return logHandler{l.Handler.WithGroup(name)}
}
