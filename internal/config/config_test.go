package config

import (
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
	err := c.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, setting := range []string{"listen:", "public_url:", "database_url:", "encryption_keys:", "admin_email:",
		"admin_password:", "smtp.port:", "smtp.from:", "smtp.tls:", "log_level:", "log_format:",
		"api_rate:", "api_burst:"} {
		if !strings.Contains(err.Error(), setting) {
			t.Errorf("problem with %s not reported in:\n%v", setting, err)
		}
	}
	bad := []string{"ORCIDLINK_SANDBOX", "ORCIDLINK_SMTP_PORT", "ORCIDLINK_CALL_LOG_RETENTION",
		"ORCIDLINK_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "ORCIDLINK_API_RATE", "ORCIDLINK_API_BURST"}
	_, err = Load("", env(map[string]string{bad[0]: "maybe", bad[1]: "x", bad[2]: "soon", bad[3]: "perhaps",
		bad[4]: "fast", bad[5]: "many"}))
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
