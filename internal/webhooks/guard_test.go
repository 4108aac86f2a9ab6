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
		{"192.88.99.1", false}, // 6to4 relay anycast
		// IPv6 forms that reach IPv4: judged by the IPv4 address they
		// carry when it can be read, refused when it cannot.
		{"::ffff:8.8.8.8", true},
		{"::ffff:169.254.169.254", false},
		{"64:ff9b::8.8.8.8", true},          // NAT64 to a public address
		{"64:ff9b::7f00:1", false},          // NAT64 to loopback
		{"64:ff9b::10.0.0.1", false},        // NAT64 to a private network
		{"64:ff9b::169.254.169.254", false}, // NAT64 to cloud metadata
		{"64:ff9b:1::a00:1", false},         // local-use NAT64
		{"64:ff9b:1::808:808", false},
		{"::127.0.0.1", false}, // IPv4-compatible (deprecated)
		{"::10.0.0.1", false},
		{"::8.8.8.8", false},
		{"::ffff:0:10.0.0.1", false},   // SIIT IPv4-translated
		{"2002:a00:1::1", false},       // 6to4 embedding 10.0.0.1
		{"2002:7f00:1::1", false},      // 6to4 embedding 127.0.0.1
		{"2002:a9fe:a9fe::1", false},   // 6to4 embedding 169.254.169.254
		{"2002:c0a8:101::1", false},    // 6to4 embedding 192.168.1.1
		{"2002:808:808::1", true},      // 6to4 embedding 8.8.8.8
		{"2001:0:4136:e378::1", false}, // Teredo
		{"2001:2::1", false},           // benchmarking
		{"2001:db8::1", false},         // documentation
		{"3fff::1", false},             // documentation
		{"fc00::1", false},             // unique local
		{"fec0::1", false},             // site-local
		{"fe80::1%eth0", false},        // link-local with a zone
		{"ff02::1", false},             // multicast
		{"ff0e::1", false},             // global multicast
		{"100::1", false},              // discard
		{"5f00::1", false},             // SRv6
		{"2a00:1450:4001:80b::200e", true},
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
