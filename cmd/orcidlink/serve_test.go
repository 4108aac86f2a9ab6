package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// startServe runs "orcidlink serve" in-process on a free port and returns
// what it printed up to the first blank-free block, and a stop function.
func startServe(t *testing.T, env map[string]string, args ...string) (banner string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	getenv := func(k string) string { return env[k] }
	go func() {
		code := run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), getenv, pw, &stderr)
		pw.Close()
		done <- code
	}()
	var b strings.Builder
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		b.WriteString(lines.Text() + "\n")
		if strings.Contains(lines.Text(), "emails ") || strings.Contains(lines.Text(), "ORCID sandbox") && env["ORCIDLINK_SMTP_HOST"] != "" {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if !strings.Contains(b.String(), "orcidlink listening on ") {
		cancel()
		t.Fatalf("serve did not start; exit %d\nstdout:\n%s\nstderr:\n%s", <-done, b.String(), stderr.String())
	}
	return b.String(), func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not shut down")
			return -1
		}
	}
}

func baseOf(t *testing.T, banner string) string {
	t.Helper()
	for _, l := range strings.Split(banner, "\n") {
		if u, ok := strings.CutPrefix(l, "orcidlink listening on "); ok {
			return u
		}
	}
	t.Fatalf("no address in:\n%s", banner)
	return ""
}

func status(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestServeWithNothingConfigured is the README's first command: SQLite in
// the data directory, the built-in sandbox, an administrator whose password
// is printed once.
func TestServeWithNothingConfigured(t *testing.T) {
	data := t.TempDir()
	banner, stop := startServe(t, nil, "--data", data)
	base := baseOf(t, banner)
	if !strings.Contains(banner, "administrator      admin@example.org / ") {
		t.Fatalf("first start does not show the administrator's password:\n%s", banner)
	}
	for path, want := range map[string]int{
		"/healthz": 200, "/readyz": 200, "/admin/signin": 200, "/metrics": 200,
		"/api/v1/openapi.json": 200, "/api/v1/people": 401,
		"/sandbox/.well-known/openid-configuration": 200, "/sandbox/_sandbox/faults": 200, "/sandbox/v3.0/0000-0002-1825-0097": 403, "/sandbox/pub/v3.0/0000-0002-1825-0097": 404,
	} {
		if got := status(t, base+path); got != want {
			t.Errorf("GET %s: %d, want %d", path, got, want)
		}
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d after shutdown", code)
	}
	banner, stop = startServe(t, nil, "--data", data)
	defer stop()
	if strings.Contains(banner, "administrator ") {
		t.Fatalf("the password is shown again on restart:\n%s", banner)
	}
}

func TestCheckConfig(t *testing.T) {
	var stdout, stderr bytes.Buffer
	env := map[string]string{"ORCIDLINK_PUBLIC_URL": "https://orcid.example.org", "ORCIDLINK_SMTP_HOST": "mail.example.org",
		"ORCIDLINK_LOG_LEVEL": "loud", "ORCIDLINK_SMTP_PORT": "x"}
	code := run(t.Context(), []string{"check-config"}, func(k string) string { return env[k] }, &stdout, &stderr)
	for _, want := range []string{"ORCIDLINK_SMTP_PORT", "encryption_keys", "smtp.from", "log_level"} {
		if code != 1 || !strings.Contains(stderr.String(), want) {
			t.Errorf("exit %d; problem %q not reported:\n%s", code, want, stderr.String())
		}
	}
	stdout.Reset()
	if code := run(t.Context(), []string{"check-config", "--data", t.TempDir()}, noEnv, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "configuration OK") {
		t.Fatalf("exit %d, stdout %q", code, stdout.String())
	}
}

func TestRotateKey(t *testing.T) {
	data := t.TempDir()
	const k1 = "k1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	const k2 = "k2:1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"
	open := func(keys ...string) *store.Store {
		t.Helper()
		return storetest.OpenDSN(t, "sqlite", filepath.Join(data, "orcidlink.db"), func(c *store.Config) { c.Sealer = storetest.Ring(t, keys...) })
	}
	st := open(k1)
	cred, err := st.CreateCredential(t.Context(), store.Credential{Name: "c", Env: orcid.Sandbox, API: orcid.MemberAPI,
		ClientID: "APP-0000000000000001", ClientSecret: "the-client-secret", ClientName: "Journal"})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	env := map[string]string{"ORCIDLINK_ENCRYPTION_KEYS": k2 + "," + k1}
	code := run(t.Context(), []string{"rotate-key", "--data", data}, func(k string) string { return env[k] }, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), `now sealed with key "k2"`) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	st = open(k2) // the old key is gone
	got, err := st.Credential(t.Context(), cred.ID)
	if err != nil || got.ClientSecret != "the-client-secret" {
		t.Fatalf("after rotation with only the new key: %+v, %v", got, err)
	}
}

// With an https public URL (production), the built-in sandbox's control
// API answers only a signed-in site administrator, /metrics only the
// bearer token, and a request whose body trickles in is cut off at the
// read timeout.
func TestServeProductionProtections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	const password, token = "a long admin password", "a-metrics-token-of-some-length"
	_, stop := startServe(t, map[string]string{"ORCIDLINK_PUBLIC_URL": "https://orcid.example.org",
		"ORCIDLINK_ENCRYPTION_KEYS": "k1:" + strings.Repeat("ab", 32), "ORCIDLINK_ADMIN_PASSWORD": password,
		"ORCIDLINK_METRICS_TOKEN": token, "ORCIDLINK_HTTP_READ_TIMEOUT": "1s", "ORCIDLINK_HTTP_READ_HEADER_TIMEOUT": "1s"},
		"--data", t.TempDir(), "--listen", addr)
	defer stop()
	base := "http://" + addr
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path, header, value string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if header != "" {
			req.Header.Set(header, value)
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	// The session cookie is Secure (https public URL); the test speaks
	// plain HTTP to the listener, as a TLS-terminating proxy would, so
	// the cookie is carried by hand.
	res, err := noRedirect.PostForm(base+"/admin/signin", url.Values{"email": {"admin@example.org"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session string
	for _, c := range res.Cookies() {
		if c.Name == "orcidlink_session" {
			session = c.Name + "=" + c.Value
		}
	}
	if res.StatusCode != http.StatusSeeOther || session == "" {
		t.Fatalf("sign in: %d, cookie %q", res.StatusCode, session)
	}
	for _, tc := range []struct {
		path, header, value string
		want                int
	}{
		{"/metrics", "", "", http.StatusUnauthorized},
		{"/metrics", "Authorization", "Bearer wrong", http.StatusUnauthorized},
		{"/metrics", "Authorization", "Bearer " + token, http.StatusOK},
		{"/sandbox/_sandbox/clients", "", "", http.StatusNotFound},
		{"/sandbox/_sandbox/faults", "", "", http.StatusNotFound},
		{"/sandbox/%5Fsandbox/clients", "", "", http.StatusNotFound},
		{"/sandbox/_sandbox/clients", "Cookie", "orcidlink_session=forged", http.StatusNotFound},
		{"/sandbox/_sandbox/clients", "Cookie", session, http.StatusOK},
		{"/sandbox/.well-known/openid-configuration", "", "", http.StatusOK},
		{"/healthz", "", "", http.StatusOK},
	} {
		if got := get(tc.path, tc.header, tc.value); got != tc.want {
			t.Errorf("GET %s (%s %.20q): %d, want %d", tc.path, tc.header, tc.value, got, tc.want)
		}
	}

	// A body announced and never sent: the connection is closed at the
	// read timeout (1s here), not held.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /admin/signin HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nemail=", addr)
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Errorf("the slow request's connection was not closed by the server: %v", err)
	}
}
