package jobs

import (
	"context"
	"log/slog"
)

// riverLogger is the logger River gets: its routine lines (a producer's
// heartbeat every 30 seconds per queue, elections, periodic jobs inserted)
// come at INFO and would bury what an operator must read, the first
// administrator's password among them. They go to DEBUG; River's warnings
// and errors stay as they are.
func riverLogger(l *slog.Logger) *slog.Logger {
	return slog.New(quietHandler{l.Handler()})
}

// quietHandler lowers INFO records to DEBUG.
type quietHandler struct{ h slog.Handler }

func (q quietHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return q.h.Enabled(ctx, quieter(level))
}

func (q quietHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = quieter(r.Level)
	return q.h.Handle(ctx, r)
}

func (q quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietHandler{q.h.WithAttrs(attrs)}
}
func (q quietHandler) WithGroup(name string) slog.Handler { return quietHandler{q.h.WithGroup(name)} }

func quieter(l slog.Level) slog.Level {
	if l < slog.LevelWarn {
		return min(l, slog.LevelDebug)
	}
	return l
}
