package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// TestRiverLoggerQuiet: River's routine INFO lines go to DEBUG, so that at
// the default level (info) they are not written, and with --verbose they
// are; its warnings and errors stay as they are.
func TestRiverLoggerQuiet(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler slog.Level
		line    slog.Level
		written bool
		as      string
	}{
		{"routine line at info", slog.LevelInfo, slog.LevelInfo, false, ""},
		{"routine line when verbose", slog.LevelDebug, slog.LevelInfo, true, "level=DEBUG"},
		{"debug stays debug", slog.LevelDebug, slog.LevelDebug, true, "level=DEBUG"},
		{"warning", slog.LevelInfo, slog.LevelWarn, true, "level=WARN"},
		{"error", slog.LevelInfo, slog.LevelError, true, "level=ERROR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := riverLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.handler}))).
				With("component", "river")
			l.Log(context.Background(), tc.line, "producer: heartbeat", "queue", "default")
			out := buf.String()
			if (out != "") != tc.written {
				t.Fatalf("written %q, want written=%v", out, tc.written)
			}
			if tc.written && (!strings.Contains(out, tc.as) || !strings.Contains(out, "component=river")) {
				t.Fatalf("written %q, want %s with its attributes", out, tc.as)
			}
		})
	}
}
