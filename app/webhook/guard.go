package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is a delivery refused because its address is not on
// the public internet (and not allowed by WEBHOOK_ALLOW_ADDRESSES).
var ErrForbiddenAddress = errors.New("webhook: address not allowed")

// Allow is the list of addresses an admin allowed through
// WEBHOOK_ALLOW_ADDRESSES despite the SSRF guard: an address alone (any
// port) or an address and port.
type Allow struct {
	addrs map[netip.Addr]bool
	ports map[netip.AddrPort]bool
}

// ParseAllow reads "127.0.0.1:9999,10.0.0.5,[::1]:8080". Anything that is
// not an IP address (with or without a port) is an error: a host name could
// resolve anywhere.
func ParseAllow(s string) (Allow, error) {
	a := Allow{addrs: map[netip.Addr]bool{}, ports: map[netip.AddrPort]bool{}}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if ap, err := netip.ParseAddrPort(item); err == nil {
			a.ports[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())] = true
			continue
		}
		ip, err := netip.ParseAddr(strings.Trim(item, "[]"))
		if err != nil {
			return Allow{}, fmt.Errorf("WEBHOOK_ALLOW_ADDRESSES: %q is not an IP address (with or without a port)", item)
		}
		a.addrs[ip.Unmap()] = true
	}
	return a, nil
}

// allowed tells whether ip:port was allowed by the admin.
func (a Allow) allowed(ip netip.Addr, port uint16) bool {
	ip = ip.Unmap()
	return a.addrs[ip] || a.ports[netip.AddrPortFrom(ip, port)]
}

var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",     // "this network"
		"100.64.0.0/10", // carrier-grade NAT
		"192.0.0.0/24",  // IETF protocol assignments
		"198.18.0.0/15", // benchmarking
		"240.0.0.0/4",   // reserved, broadcast
		"64:ff9b::/96",  // NAT64: may reach any IPv4 address
		"2002::/16",     // 6to4: likewise
		"100::/64",      // discard
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Public tells whether ip is an address a webhook may be delivered to
// without an admin's explicit permission: not loopback, private (RFC 1918,
// fc00::/7), link-local (169.254/16, fe80::/10), unspecified, multicast,
// carrier-grade NAT (100.64/10) or otherwise reserved.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// checkDial is the dialer's Control: it sees the address actually dialled,
// after name resolution, so a name that resolves (or re-resolves, DNS
// rebinding) to an internal address is refused all the same.
func (a Allow) checkDial(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if a.allowed(ap.Addr(), ap.Port()) || Public(ap.Addr()) {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
}

// CheckURL tells whether u may be registered: https (http only to an
// address the admin allowed), no credentials in it, a host; when the host
// is an IP address it must be public or allowed. A host name is checked
// when it is dialled.
func (a Allow) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return errors.New("invalid")
	}
	host, port := u.Hostname(), u.Port()
	ip, ipErr := netip.ParseAddr(host)
	allowed := false
	if ipErr == nil {
		p := uint16(443)
		if u.Scheme == "http" {
			p = 80
		}
		if port != "" {
			var n int
			if _, err := fmt.Sscan(port, &n); err != nil || n <= 0 || n > 65535 {
				return errors.New("invalid")
			}
			p = uint16(n)
		}
		allowed = a.allowed(ip, p)
		if !allowed && !Public(ip) {
			return ErrForbiddenAddress
		}
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if allowed {
			return nil
		}
		return errors.New("https only")
	}
	return errors.New("https only")
}

// NewClient is the HTTP client of deliveries: every connection is checked
// at dial time against the SSRF rule (see checkDial), no proxy from the
// environment (it would dial instead of us), redirects are not followed
// (the 3xx answer is the delivery's answer), and a delivery takes at most
// timeout.
func NewClient(allow Allow, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: allow.checkDial}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
