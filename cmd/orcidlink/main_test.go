package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startSandbox runs "orcidlink sandbox" in-process on a free port, as the
// README's first command does, and returns its base URL.
func startSandbox(t *testing.T, args ...string) (base string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		code := run(ctx, append([]string{"sandbox", "--listen", "127.0.0.1:0"}, args...), noEnv, pw, &stderr)
		pw.Close()
		done <- code
	}()
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "ORCID sandbox listening on "); ok {
			base = u
			break
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("sandbox did not say where it listens; exit %d, stderr:\n%s", <-done, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	return base, func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("sandbox did not shut down")
			return -1
		}
	}
}

func TestSandboxCommandServesAndPersists(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "registry.db")
	seed := filepath.Join(dir, "seed.json")
	os.WriteFile(seed, []byte(`{"clients": [{"client_id": "APP-0000000000000001", "client_secret": "s3cret", "name": "Journal",
	  "redirect_uris": ["http://127.0.0.1:9/cb"]}], "researchers": [{"orcid": "0000-0002-1825-0097", "given_names": "Josiah",
	  "family_names": "Carberry", "email": "josiah@example.org", "password": "password1"}]}`), 0o600)

	base, stop := startSandbox(t, "--db", db, "--seed", seed)
	var disco struct {
		Issuer string `json:"issuer"`
	}
	getJSON(t, base+"/.well-known/openid-configuration", &disco)
	if disco.Issuer != base {
		t.Fatalf("issuer %q, want %q", disco.Issuer, base)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit code %d after shutdown", code)
	}

	// Restarted on the same database, without the seed: still there.
	base, stop = startSandbox(t, "--db", db)
	defer stop()
	var researchers []struct {
		ORCID string `json:"orcid"`
	}
	getJSON(t, base+"/_sandbox/researchers", &researchers)
	if len(researchers) != 1 || researchers[0].ORCID != "0000-0002-1825-0097" {
		t.Fatalf("after restart: %+v", researchers)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"clients": [{"nme": "typo"}]}`), 0o600)
	tests := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{nil, 2, "Usage"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"sandbox", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"sandbox", "extra"}, 2, "unexpected argument"},
		{[]string{"sandbox", "--listen", "127.0.0.1:0", "--db", ":memory:", "--seed", filepath.Join(dir, "missing.json")}, 1, "missing.json"},
		{[]string{"sandbox", "--listen", "127.0.0.1:0", "--db", ":memory:", "--seed", bad}, 1, `unknown field "nme"`},
		{[]string{"sandbox", "--listen", "not-an-address"}, 1, "listen"},
		{[]string{"sandbox", "--listen", "127.0.0.1:0", "--db", ":memory:", "--base-url", "ftp://x"}, 1, "base URL"},
		{[]string{"sandbox", "--help"}, 0, "--seed FILE"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tc.args, noEnv, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.inStderr) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d mentioning %q", code, stderr.String(), tc.code, tc.inStderr)
			}
			if strings.Contains(stderr.String(), "goroutine ") {
				t.Fatalf("stack trace in output:\n%s", stderr.String())
			}
		})
	}
}

func noEnv(string) string { return "" }
