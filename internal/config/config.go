// Package config is orcidlink's configuration: one typed struct, read from
// an optional JSON file and then ORCIDLINK_* environment variables (which
// win), validated at once with every problem reported together, and passed
// explicitly to whatever needs it. Nothing here is global.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/seal"
)

// Config is everything orcidlink serve needs to start.
type Config struct {
	// Listen is the address the HTTP server binds.
	Listen string `json:"listen"`
	// PublicURL is how browsers and ORCID reach this server; redirect URIs
	// registered with ORCID are derived from it, so it must be exact.
	PublicURL string `json:"public_url"`
	// DataDir holds the SQLite database and, in development, generated keys.
	DataDir string `json:"data_dir"`
	// DatabaseURL is "postgres://..." for PostgreSQL; empty means SQLite
	// at DataDir/orcidlink.db; "sqlite:PATH" names another file.
	DatabaseURL string `json:"database_url"`
	// DatabaseMaxConns is how many connections to PostgreSQL this process
	// keeps for requests and jobs, all of them kept open while idle (a
	// pool that closes what it cannot keep idle opens a new session,
	// milliseconds of PostgreSQL's time, for most requests under load);
	// the job queue has half as many again of its own. Several processes
	// share the server's max_connections. SQLite always has one.
	DatabaseMaxConns int `json:"database_max_conns"`
	// DatabaseConnMaxIdleTime closes a connection unused that long, so a
	// quiet process gives its sessions back.
	DatabaseConnMaxIdleTime Duration `json:"database_conn_max_idle_time"`
	// EncryptionKeys seal tokens and secrets at rest, "KEYID:KEY" each; the
	// first seals, all open (rotation). Empty in development: a key is
	// generated into DataDir/encryption.key.
	EncryptionKeys []string `json:"encryption_keys"`
	// Sandbox mounts the offline ORCID registry at /sandbox with a demo
	// tenant, so the product works with nothing configured.
	Sandbox bool `json:"sandbox"`
	// Admin bootstraps the first site administrator.
	AdminEmail    string `json:"admin_email"`
	AdminPassword string `json:"admin_password"`
	// SMTP; an empty host keeps every email in the outbox only.
	SMTP SMTP `json:"smtp"`
	// CallLogRetention is how long the log of ORCID calls is kept.
	CallLogRetention Duration `json:"call_log_retention"`
	// WebhooksAllowPrivateNetworks lets webhook endpoints be on loopback
	// or private addresses. Off, deliveries go only to the public
	// internet: tenant administrators choose the URLs, and must not be
	// able to make the server post to services only it can reach.
	WebhooksAllowPrivateNetworks bool `json:"webhooks_allow_private_networks"`
	// APIRate and APIBurst are each REST API key's request budget in each
	// process: APIRate requests per second on average, APIBurst at once.
	APIRate   float64 `json:"api_rate"`
	APIBurst  int     `json:"api_burst"`
	LogLevel  string  `json:"log_level"`  // debug, info, warn, error
	LogFormat string  `json:"log_format"` // text or json

	// TrustedProxies are the addresses or CIDRs of reverse proxies whose
	// X-Forwarded-For is believed when telling who sent a request (sign-in
	// throttling). Anyone else's header is ignored: a client could write
	// any address into it.
	TrustedProxies []string `json:"trusted_proxies"`
	// SignInHashConcurrency is how many password hashes (19 MiB and tens
	// of milliseconds of a core each) may run at once; 0 means half the
	// CPUs, at least one. A flood of sign-ins then waits its turn instead
	// of taking the server's memory.
	SignInHashConcurrency int `json:"signin_hash_concurrency"`
	// MetricsToken, if set, is the bearer token /metrics requires.
	// MetricsListen, if set, is a separate address that serves /metrics
	// (and only it), which then is not on Listen. With an https public URL
	// and neither, /metrics is not served: it tells strangers about every
	// tenant's traffic.
	MetricsToken  string `json:"metrics_token"`
	MetricsListen string `json:"metrics_listen"`
	// HTTP server timeouts, so that slow or idle connections cannot be
	// held open for ever: the request headers, the whole request with its
	// body (uploads of batch files get longer, see web and api), the
	// response, and an idle keep-alive connection.
	ReadHeaderTimeout Duration `json:"http_read_header_timeout"`
	ReadTimeout       Duration `json:"http_read_timeout"`
	WriteTimeout      Duration `json:"http_write_timeout"`
	IdleTimeout       Duration `json:"http_idle_timeout"`
}

// SMTP is the outgoing mail server.
type SMTP struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Username string `json:"username"`
	Password string `json:"password"`
	From     string `json:"from"`
	// TLS is "starttls" (default), "tls" (implicit, port 465) or "none".
	TLS string `json:"tls"`
}

// Duration reads "720h" or "30d" in JSON and the environment.
type Duration time.Duration

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"720h\" or \"30d\"")
	}
	v, err := parseDuration(s)
	*d = Duration(v)
	return err
}

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return v, nil
}

// Default is the configuration with nothing configured: SQLite in ./data,
// the built-in sandbox, mail kept in the outbox.
func Default() Config {
	return Config{
		Listen:           "127.0.0.1:8080",
		DataDir:          "data",
		Sandbox:          true,
		CallLogRetention: Duration(90 * 24 * time.Hour),
		// Measured with `orcidlink bench http` (doc/performance.md).
		DatabaseMaxConns:        16,
		DatabaseConnMaxIdleTime: Duration(5 * time.Minute),
		APIRate:                 20,
		APIBurst:                40,
		LogLevel:                "info",
		LogFormat:               "text",
		SMTP:                    SMTP{Port: 587, TLS: "starttls"},
		// Generous for a person on a slow link, short for a connection
		// that sends a byte a minute.
		ReadHeaderTimeout: Duration(10 * time.Second),
		ReadTimeout:       Duration(60 * time.Second),
		WriteTimeout:      Duration(120 * time.Second),
		IdleTimeout:       Duration(120 * time.Second),
	}
}

// ErrFile marks a configuration file that cannot be read or decoded;
// problems in the environment are reported separately, together.
var ErrFile = errors.New("config file")

// Load reads the file (if path is not empty) over the defaults, then the
// environment. It does not validate: call Validate.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("%w: %w", ErrFile, err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("%w %s: %w", ErrFile, path, err)
		}
	}
	return c, c.applyEnv(getenv)
}

// Env lists the environment variables Load reads, for documentation and
// check-config.
var Env = []string{
	"ORCIDLINK_LISTEN", "ORCIDLINK_PUBLIC_URL", "ORCIDLINK_DATA", "ORCIDLINK_DATABASE_URL",
	"ORCIDLINK_DATABASE_MAX_CONNS", "ORCIDLINK_DATABASE_CONN_MAX_IDLE_TIME",
	"ORCIDLINK_ENCRYPTION_KEYS", "ORCIDLINK_SANDBOX", "ORCIDLINK_ADMIN_EMAIL", "ORCIDLINK_ADMIN_PASSWORD",
	"ORCIDLINK_SMTP_HOST", "ORCIDLINK_SMTP_PORT", "ORCIDLINK_SMTP_USERNAME", "ORCIDLINK_SMTP_PASSWORD",
	"ORCIDLINK_SMTP_FROM", "ORCIDLINK_SMTP_TLS", "ORCIDLINK_CALL_LOG_RETENTION", "ORCIDLINK_LOG_LEVEL", "ORCIDLINK_LOG_FORMAT",
	"ORCIDLINK_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "ORCIDLINK_API_RATE", "ORCIDLINK_API_BURST",
	"ORCIDLINK_TRUSTED_PROXIES", "ORCIDLINK_SIGNIN_HASH_CONCURRENCY", "ORCIDLINK_METRICS_TOKEN", "ORCIDLINK_METRICS_LISTEN",
	"ORCIDLINK_HTTP_READ_HEADER_TIMEOUT", "ORCIDLINK_HTTP_READ_TIMEOUT", "ORCIDLINK_HTTP_WRITE_TIMEOUT", "ORCIDLINK_HTTP_IDLE_TIMEOUT",
}

func (c *Config) applyEnv(getenv func(string) string) error {
	var errs []error
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("ORCIDLINK_LISTEN", &c.Listen)
	str("ORCIDLINK_PUBLIC_URL", &c.PublicURL)
	str("ORCIDLINK_DATA", &c.DataDir)
	str("ORCIDLINK_DATABASE_URL", &c.DatabaseURL)
	str("ORCIDLINK_ADMIN_EMAIL", &c.AdminEmail)
	str("ORCIDLINK_ADMIN_PASSWORD", &c.AdminPassword)
	str("ORCIDLINK_SMTP_HOST", &c.SMTP.Host)
	str("ORCIDLINK_SMTP_USERNAME", &c.SMTP.Username)
	str("ORCIDLINK_SMTP_PASSWORD", &c.SMTP.Password)
	str("ORCIDLINK_SMTP_FROM", &c.SMTP.From)
	str("ORCIDLINK_SMTP_TLS", &c.SMTP.TLS)
	str("ORCIDLINK_LOG_LEVEL", &c.LogLevel)
	str("ORCIDLINK_LOG_FORMAT", &c.LogFormat)
	str("ORCIDLINK_METRICS_TOKEN", &c.MetricsToken)
	str("ORCIDLINK_METRICS_LISTEN", &c.MetricsListen)
	if v := getenv("ORCIDLINK_ENCRYPTION_KEYS"); v != "" {
		c.EncryptionKeys = strings.Split(v, ",")
	}
	if v := getenv("ORCIDLINK_TRUSTED_PROXIES"); v != "" {
		c.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
		}
	}
	boolean := func(name string, dst *bool) {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want true or false", name, v))
			}
			*dst = b
		}
	}
	boolean("ORCIDLINK_SANDBOX", &c.Sandbox)
	boolean("ORCIDLINK_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", &c.WebhooksAllowPrivateNetworks)
	integer := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want a number", name, v))
			}
			*dst = n
		}
	}
	integer("ORCIDLINK_SMTP_PORT", &c.SMTP.Port)
	integer("ORCIDLINK_DATABASE_MAX_CONNS", &c.DatabaseMaxConns)
	integer("ORCIDLINK_API_BURST", &c.APIBurst)
	integer("ORCIDLINK_SIGNIN_HASH_CONCURRENCY", &c.SignInHashConcurrency)
	if v := getenv("ORCIDLINK_API_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("ORCIDLINK_API_RATE=%q: want a number", v))
		}
		c.APIRate = r
	}
	duration := func(name string, dst *Duration) {
		if v := getenv(name); v != "" {
			d, err := parseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			*dst = Duration(d)
		}
	}
	duration("ORCIDLINK_CALL_LOG_RETENTION", &c.CallLogRetention)
	duration("ORCIDLINK_DATABASE_CONN_MAX_IDLE_TIME", &c.DatabaseConnMaxIdleTime)
	duration("ORCIDLINK_HTTP_READ_HEADER_TIMEOUT", &c.ReadHeaderTimeout)
	duration("ORCIDLINK_HTTP_READ_TIMEOUT", &c.ReadTimeout)
	duration("ORCIDLINK_HTTP_WRITE_TIMEOUT", &c.WriteTimeout)
	duration("ORCIDLINK_HTTP_IDLE_TIMEOUT", &c.IdleTimeout)
	return errors.Join(errs...)
}

// Validate reports every problem at once, each naming its setting.
func (c Config) Validate() error {
	var errs []error
	add := func(setting, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", setting, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		add("listen", "%q is not host:port", c.Listen)
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
			add("public_url", "%q must be an absolute http(s) URL", c.PublicURL)
		case u.RawQuery != "" || u.Fragment != "":
			add("public_url", "%q must not have a query or fragment", c.PublicURL)
		}
	}
	if c.DataDir == "" {
		add("data_dir", "must not be empty")
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") &&
		!strings.HasPrefix(c.DatabaseURL, "postgresql://") && !strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		add("database_url", "must start with postgres://, postgresql:// or sqlite:")
	}
	if c.DatabaseMaxConns < 2 {
		add("database_max_conns", "must be at least 2")
	}
	if c.DatabaseConnMaxIdleTime <= 0 {
		add("database_conn_max_idle_time", "must be more than 0")
	}
	for i, k := range c.EncryptionKeys {
		if _, err := seal.ParseKey(k); err != nil {
			add("encryption_keys", "key %d: %v", i+1, err)
		}
	}
	if c.AdminEmail != "" {
		if _, err := mail.ParseAddress(c.AdminEmail); err != nil {
			add("admin_email", "%q is not an email address", c.AdminEmail)
		}
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 12 {
		add("admin_password", "must be at least 12 characters")
	}
	if c.SMTP.Host != "" {
		if c.SMTP.Port <= 0 || c.SMTP.Port > 65535 {
			add("smtp.port", "%d is not a port", c.SMTP.Port)
		}
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
			add("smtp.from", "%q is not an email address (needed when smtp.host is set)", c.SMTP.From)
		}
		switch c.SMTP.TLS {
		case "starttls", "tls", "none":
		default:
			add("smtp.tls", "%q must be starttls, tls or none", c.SMTP.TLS)
		}
	}
	if c.CallLogRetention < 0 {
		add("call_log_retention", "must not be negative")
	}
	if !(c.APIRate > 0) {
		add("api_rate", "must be more than 0 requests per second")
	}
	if c.APIBurst < 1 {
		add("api_burst", "must be at least 1")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		add("log_level", "%q must be debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		add("log_format", "%q must be text or json", c.LogFormat)
	}
	for _, p := range c.TrustedProxies {
		if _, err := parsePrefix(p); err != nil {
			add("trusted_proxies", "%q is not an IP address or CIDR", p)
		}
	}
	if c.SignInHashConcurrency < 0 {
		add("signin_hash_concurrency", "must not be negative (0 means half the CPUs)")
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		add("metrics_token", "must be at least 16 characters")
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			add("metrics_listen", "%q is not host:port", c.MetricsListen)
		} else if c.MetricsListen == c.Listen {
			add("metrics_listen", "must differ from listen")
		}
	}
	for _, t := range []struct {
		setting string
		d       Duration
	}{{"http_read_header_timeout", c.ReadHeaderTimeout}, {"http_read_timeout", c.ReadTimeout},
		{"http_write_timeout", c.WriteTimeout}, {"http_idle_timeout", c.IdleTimeout}} {
		// Zero would mean no timeout at all, which is the problem these
		// settings exist to prevent.
		if t.d <= 0 {
			add(t.setting, "must be more than 0")
		}
	}
	if c.ReadHeaderTimeout > c.ReadTimeout && c.ReadTimeout > 0 {
		add("http_read_header_timeout", "must not be longer than http_read_timeout")
	}
	if c.Production() {
		if len(c.EncryptionKeys) == 0 {
			add("encryption_keys", "required when public_url is https (production): generated development keys must not guard real tokens")
		}
	}
	return errors.Join(errs...)
}

// TrustedProxyPrefixes are TrustedProxies parsed (a bare address is a
// prefix of its full length); call it on a validated configuration.
func (c Config) TrustedProxyPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		if p, err := parsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// MetricsOnListen reports whether /metrics is served on Listen, and
// whether it then needs MetricsToken.
func (c Config) MetricsOnListen() (served, needsToken bool) {
	switch {
	case c.MetricsListen != "":
		return false, false
	case c.MetricsToken != "":
		return true, true
	default:
		return !c.Production(), false
	}
}

// Production reports whether the server is published over HTTPS; stricter
// rules apply then.
func (c Config) Production() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// DatabaseDriver and DatabaseDSN resolve DatabaseURL for the store.
func (c Config) DatabaseDriver() string {
	if strings.HasPrefix(c.DatabaseURL, "postgres") {
		return "postgres"
	}
	return "sqlite"
}

func (c Config) DatabaseDSN() string {
	if p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok {
		return p
	}
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "orcidlink.db")
}
