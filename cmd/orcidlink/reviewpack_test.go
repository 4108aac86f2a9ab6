package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/reviewpack"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// TestReviewPack is issue 14's "done when": `orcidlink review-pack` against
// the built-in sandbox writes one HTML file with every researcher step's
// screenshot and the documentation ORCID cannot see. Without Chromium it
// still writes the documentation and says what it left out; with no server
// running it starts one for the run.
func TestReviewPack(t *testing.T) {
	for _, tc := range []struct {
		name     string
		chromium bool // a browser on the PATH
		running  bool // an orcidlink already serves the data directory
	}{
		{name: "every step, against a running server", chromium: true, running: true},
		{name: "no browser, no server running", chromium: false, running: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.chromium {
				sandboxtest.RequireTool(t, "chromium")
			} else {
				t.Setenv("PATH", t.TempDir()) // no chromium to be found
			}
			data := t.TempDir()
			out := filepath.Join(t.TempDir(), "pack.html")
			args := []string{"review-pack", "--data", data, "--tenant", "demo", "--out", out}
			if tc.running {
				banner, stop := startServe(t, nil, "--data", data)
				defer stop()
				args = append(args, "--url", baseOf(t, banner))
			} else {
				args = append(args, "--listen", freeAddr(t))
			}
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), args, noEnv, &stdout, &stderr); code != 0 {
				t.Fatalf("review-pack exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			page := string(b)
			// Self-contained: nothing fetched from anywhere.
			if regexp.MustCompile(`(?i)<(script|link)\b|src="http`).MatchString(page) {
				t.Error("the pack refers to outside resources")
			}
			for _, id := range []string{"api-version", "scopes", "storage", "read-back", "call-log"} {
				if !strings.Contains(page, `id="`+id+`"`) {
					t.Errorf("the pack lacks the section %q", id)
				}
			}
			if !strings.Contains(page, "Member API v3.0") || !strings.Contains(page, "AES-256-GCM") ||
				!strings.Contains(page, "<code>/activities/update</code>") {
				t.Error("the documentation does not give the API version, the sealing or the scopes asked")
			}
			img := regexp.MustCompile(`<img src="data:image/png;base64,[A-Za-z0-9+/=]{500,}" alt="[^"]*" data-step="([a-z-]+)">`)
			shots := map[string]bool{}
			for _, m := range img.FindAllStringSubmatch(page, -1) {
				shots[m[1]] = true
			}
			if !tc.chromium {
				if len(shots) != 0 || !strings.Contains(page, `id="left-out"`) || !strings.Contains(page, "no Chromium was found") {
					t.Errorf("without a browser: %d screenshots, and the pack does not say what it left out", len(shots))
				}
				return
			}
			for _, id := range reviewpack.StepIDs() {
				if !shots[id] {
					t.Errorf("no screenshot of step %q", id)
				}
			}
			if strings.Contains(page, `id="left-out"`) {
				t.Errorf("a complete run says it left something out:\n%s", page[strings.Index(page, `id="left-out"`):][:800])
			}
			// The call log of the run: the token exchange, the work written,
			// the record read back and the revocation.
			for _, call := range []string{"/oauth/token", "/work", "/record", "/oauth/revoke"} {
				if !strings.Contains(page, call) {
					t.Errorf("the call log lacks %s", call)
				}
			}
			if !strings.Contains(page, "put-code <code>") {
				t.Error("the pack does not give the put-code of the work written")
			}
		})
	}
}

// freeAddr is a loopback address with a port free at the time of asking.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
