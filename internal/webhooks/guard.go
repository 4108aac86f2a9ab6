package webhooks

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrPrivateAddress is the error of a delivery to an address that is not
// on the public internet (loopback, private networks, link-local, cloud
// metadata services...), when those are not allowed.
var ErrPrivateAddress = errors.New("webhook endpoints on private or local network addresses are not allowed (set webhooks_allow_private_networks to allow them)")

// PublicTransport is the transport for webhook deliveries in production:
// it connects only to public addresses. A tenant administrator chooses the
// endpoint URL, and without this orcidlink would post to whatever the
// server itself can reach (an internal service, a cloud metadata
// endpoint). The address is checked when the connection is made, after
// DNS resolution, so a name that resolves to a private address is refused
// too, and so is a DNS answer that changes between check and use.
func PublicTransport() *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: publicOnly}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // a proxy would connect on our behalf, unchecked
	t.DialContext = d.DialContext
	return t
}

func publicOnly(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhooks: dial %s: %w", address, err)
	}
	if !IsPublic(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrPrivateAddress, ap.Addr())
	}
	return nil
}

// IsPublic reports whether an address is on the public internet. An IPv6
// address counts only when it is global unicast (2000::/3) outside the
// special-purpose ranges, and a form that carries an IPv4 address (IPv4-
// mapped, NAT64's well-known prefix, 6to4) counts only when that IPv4
// address is public itself: otherwise "::ffff:10.0.0.1", "64:ff9b::a00:1"
// or "2002:a00:1::" would reach the private network the IPv4 rules keep
// out. Forms whose destination cannot be read from the address (Teredo,
// local-use NAT64, IPv4-compatible "::a.b.c.d") are refused.
func IsPublic(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	// A zone never matches a prefix; the zone says nothing about where
	// the address leads anyway.
	a = a.WithZone("")
	if a.Is4In6() {
		return publicIPv4(a.Unmap())
	}
	if a.Is4() {
		return publicIPv4(a)
	}
	// Everything outside 2000::/3 is special: ::/8 (unspecified, loopback,
	// IPv4-compatible and SIIT forms, NAT64), 100::/64 (discard), fc00::/7
	// (unique local), fe80::/10 (link-local), fec0::/10 (site-local),
	// ff00::/8 (multicast), 5f00::/16 (SRv6) and the unassigned rest.
	if !globalUnicast6.Contains(a) {
		if nat64.Contains(a) {
			b := a.As16()
			return publicIPv4(netip.AddrFrom4([4]byte(b[12:16])))
		}
		return false
	}
	for _, p := range nonPublic6 {
		if p.Contains(a) {
			return false
		}
	}
	if sixToFour.Contains(a) {
		b := a.As16()
		return publicIPv4(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return true
}

func publicIPv4(a netip.Addr) bool {
	if a.IsUnspecified() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsMulticast() {
		return false
	}
	for _, p := range nonPublic4 {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

var (
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
	// nat64 is the well-known NAT64 prefix (RFC 6052): the IPv4 address is
	// the last 32 bits, and the gateway reaches whatever it names.
	nat64 = netip.MustParsePrefix("64:ff9b::/96")
	// sixToFour embeds the IPv4 address of the site after 2002 (RFC 3056).
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// nonPublic4 are the special-purpose IPv4 ranges netip has no predicate
// for (IANA's special-purpose address registry).
var nonPublic4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast (deprecated)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
}

// nonPublic6 are the special-purpose ranges inside 2000::/3.
var nonPublic6 = []netip.Prefix{
	// IETF protocol assignments: Teredo (2001::/32, whose server and
	// client IPv4 addresses are obfuscated), benchmarking, ORCHID.
	netip.MustParsePrefix("2001::/23"),
	netip.MustParsePrefix("2001:db8::/32"), // documentation
	netip.MustParsePrefix("3fff::/20"),     // documentation (RFC 9637)
}
