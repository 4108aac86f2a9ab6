package webhooks_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/orcidlink/orcidlink/internal/webhooks"
)

func TestIsPublic(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
	}{
		{"93.184.215.14", true},
		{"2606:4700:4700::1111", true},
		{"8.8.8.8", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"100.64.0.1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"fd00::1", false},
		{"fe80::1", false},
		{"::ffff:127.0.0.1", false}, // IPv4-mapped loopback
		{"::ffff:10.0.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"198.18.0.1", false},
		{"192.0.2.10", false},
	} {
		if got := webhooks.IsPublic(netip.MustParseAddr(tc.addr)); got != tc.public {
			t.Errorf("IsPublic(%s) = %v, want %v", tc.addr, got, tc.public)
		}
	}
}

// TestPublicTransportRefusesLocal: the production transport will not
// connect to this machine, whatever the URL says.
func TestPublicTransportRefusesLocal(t *testing.T) {
	reached := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, u := range []string{srv.URL, "http://localhost:" + port} {
		c := &http.Client{Transport: webhooks.PublicTransport()}
		resp, err := c.Post(u, "application/json", nil)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: delivered to a local address", u)
		}
		if !errors.Is(err, webhooks.ErrPrivateAddress) {
			t.Fatalf("%s: %v, want ErrPrivateAddress", u, err)
		}
	}
	if reached {
		t.Fatal("the local server was reached")
	}
}
