package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsAreValid(t *testing.T) {
	c, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.DatabaseDriver() != "sqlite" || c.DatabaseDSN() != filepath.Join("data", "orcidlink.db") || !c.Sandbox {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orcidlink.json")
	os.WriteFile(path, []byte(`{"listen": "0.0.0.0:9000", "public_url": "http://a.example.org", "call_log_retention": "30d"}`), 0o600)
	c, err := Load(path, env(map[string]string{"ORCIDLINK_PUBLIC_URL": "http://b.example.org", "ORCIDLINK_SANDBOX": "false",
		"ORCIDLINK_DATABASE_URL": "postgres://u@db/orcidlink", "ORCIDLINK_WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:9000" || c.PublicURL != "http://b.example.org" || c.Sandbox ||
		time.Duration(c.CallLogRetention) != 30*24*time.Hour || c.DatabaseDriver() != "postgres" || !c.WebhooksAllowPrivateNetworks {
		t.Fatalf("got %+v", c)
	}
}

func TestUnknownKeyInFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orcidlink.json")
	os.WriteFile(path, []byte(`{"listn": ":80"}`), 0o600)
	if _, err := Load(path, env(nil)); err == nil || !strings.Contains(err.Error(), "listn") {
		t.Fatalf("misspelt key: %v", err)
	}
}

// TestValidateReportsEverything: check-config must list every problem at
// once, each naming its setting.
func TestValidateReportsEverything(t *testing.T) {
	c := Default()
	c.Listen = "nope"
	c.PublicURL = "https://x.example.org/?a=b"
	c.DatabaseURL = "mysql://x"
	c.EncryptionKeys = []string{"bad"}
	c.AdminEmail = "not-an-email"
	c.AdminPassword = "short"
	c.SMTP = SMTP{Host: "mail", Port: 0, From: "", TLS: "ssl"}
	c.LogLevel = "loud"
	c.LogFormat = "xml"
	c.APIRate, c.APIBurst = 0, 0
	c.TrustedProxies = []string{"10.0.0.0/8", "proxy.example.org"}
	c.SignInHashConcurrency = -1
	c.MetricsToken = "short"
	c.MetricsListen = "9090"
	c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout = 0, 0, 0, 0
	c.DatabaseMaxConns, c.DatabaseConnMaxIdleTime = 1, 0
	err := c.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, setting := range []string{"listen:", "public_url:", "database_url:", "encryption_keys:", "admin_email:",
		"admin_password:", "smtp.port:", "smtp.from:", "smtp.tls:", "log_level:", "log_format:",
		"api_rate:", "api_burst:", "trusted_proxies:", "signin_hash_concurrency:", "metrics_token:", "metrics_listen:",
		"http_read_header_timeout:", "http_read_timeout:", "http_write_timeout:", "http_idle_timeout:",
		"database_max_conns:", "database_conn_max_idle_time:"} {
		if !strings.Contains(err.Error(), setting) {
			t.Errorf("problem with %s not reported in:\n%v", setting, err)
		}
	}
	bad := []string{"ORCIDLINK_SANDBOX", "ORCIDLINK_SMTP_PORT", "ORCIDLINK_CALL_LOG_RETENTION",
		"ORCIDLINK_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "ORCIDLINK_API_RATE", "ORCIDLINK_API_BURST",
		"ORCIDLINK_SIGNIN_HASH_CONCURRENCY", "ORCIDLINK_HTTP_READ_TIMEOUT", "ORCIDLINK_HTTP_IDLE_TIMEOUT"}
	_, err = Load("", env(map[string]string{bad[0]: "maybe", bad[1]: "x", bad[2]: "soon", bad[3]: "perhaps",
		bad[4]: "fast", bad[5]: "many", bad[6]: "all", bad[7]: "a while", bad[8]: "-"}))
	for _, name := range bad {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("bad %s not reported: %v", name, err)
		}
	}
}

func TestProductionNeedsKeys(t *testing.T) {
	c := Default()
	c.PublicURL = "https://orcid.example.org"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "encryption_keys") {
		t.Fatalf("https without keys: %v", err)
	}
	c.EncryptionKeys = []string{"k1:" + strings.Repeat("ab", 32)}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

// The load-protection settings come from the environment, and /metrics is
// open only in development unless a token or its own address is given.
func TestLoadProtectionSettings(t *testing.T) {
	c, err := Load("", env(map[string]string{"ORCIDLINK_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7,::1",
		"ORCIDLINK_SIGNIN_HASH_CONCURRENCY": "3", "ORCIDLINK_HTTP_READ_TIMEOUT": "2m", "ORCIDLINK_METRICS_TOKEN": "a-long-enough-token"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxyPrefixes() {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.0.2.7/32 ::1/128" || c.SignInHashConcurrency != 3 ||
		time.Duration(c.ReadTimeout) != 2*time.Minute || time.Duration(c.ReadHeaderTimeout) != 10*time.Second {
		t.Fatalf("got proxies %v, %+v", got, c)
	}
	for _, tc := range []struct {
		public, token, listen string
		served, needsToken    bool
	}{
		{"", "", "", true, false},
		{"http://orcid.example.org", "", "", true, false},
		{"https://orcid.example.org", "", "", false, false},
		{"https://orcid.example.org", "a-long-enough-token", "", true, true},
		{"http://orcid.example.org", "a-long-enough-token", "", true, true},
		{"https://orcid.example.org", "", "127.0.0.1:9090", false, false},
		{"http://orcid.example.org", "a-long-enough-token", "127.0.0.1:9090", false, false},
	} {
		c := Default()
		c.PublicURL, c.MetricsToken, c.MetricsListen = tc.public, tc.token, tc.listen
		if served, needs := c.MetricsOnListen(); served != tc.served || needs != tc.needsToken {
			t.Errorf("public %q token %q listen %q: served %v needs token %v; want %v, %v", tc.public, tc.token, tc.listen,
				served, needs, tc.served, tc.needsToken)
		}
	}
}

// The database pool's settings: sized by default, read from the
// environment, refused when they could not work.
func TestDatabasePoolSettings(t *testing.T) {
	cases := []struct {
		name      string
		env       map[string]string
		wantConns int
		wantIdle  time.Duration
		wantErr   string
	}{
		{name: "defaults", env: nil, wantConns: 16, wantIdle: 5 * time.Minute},
		{name: "set", env: map[string]string{"ORCIDLINK_DATABASE_MAX_CONNS": "40", "ORCIDLINK_DATABASE_CONN_MAX_IDLE_TIME": "90s"},
			wantConns: 40, wantIdle: 90 * time.Second},
		{name: "not a number", env: map[string]string{"ORCIDLINK_DATABASE_MAX_CONNS": "lots"}, wantErr: "ORCIDLINK_DATABASE_MAX_CONNS"},
		{name: "too small", env: map[string]string{"ORCIDLINK_DATABASE_MAX_CONNS": "1"}, wantErr: "database_max_conns"},
		{name: "no idle time", env: map[string]string{"ORCIDLINK_DATABASE_CONN_MAX_IDLE_TIME": "0s"}, wantErr: "database_conn_max_idle_time"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load("", env(tc.env))
			err = errors.Join(err, c.Validate())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one about %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.DatabaseMaxConns != tc.wantConns || time.Duration(c.DatabaseConnMaxIdleTime) != tc.wantIdle {
				t.Fatalf("max conns %d, idle time %v; want %d, %v", c.DatabaseMaxConns, time.Duration(c.DatabaseConnMaxIdleTime),
					tc.wantConns, tc.wantIdle)
			}
		})
	}
}
