package web

import (
	"bytes"
	"net/netip"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/config"
)

// clientIP is the address of the person behind a request: the key of every
// per-address rate limit and sign-in throttle.
//
// Without TRUSTED_PROXIES it is the peer's address. With it, and when the
// peer is a trusted proxy, it is the right-most address of X-Forwarded-For
// that is not a trusted proxy: each proxy appends the address it got the
// request from, so that address is the last one a proxy we trust wrote;
// everything to its left was sent by the client and proves nothing (nginx's
// $proxy_add_x_forwarded_for keeps what the client sent). Fiber's own
// c.IP() would take the whole header, which the client chooses, so it is
// not used (the app sets no ProxyHeader).
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	addr := peer.Unmap()
	if !s.isTrustedProxy(addr) {
		return addr.String()
	}
	hops := forwardedHops(c)
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			// Not an address: no trusted proxy wrote it, and the nearest
			// hop known is the proxy that forwarded it.
			return addr.String()
		}
		if !s.isTrustedProxy(hop) {
			return hop.String()
		}
		addr = hop
	}
	// Every hop is a trusted proxy: the request started at the left-most.
	return addr.String()
}

// forwardedHops lists the X-Forwarded-For entries of every such header, in
// order (several headers count as one list joined by commas).
func forwardedHops(c *fiber.Ctx) [][]byte {
	var hops [][]byte
	for _, h := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		for _, part := range bytes.Split(h, []byte{','}) {
			hops = append(hops, bytes.TrimSpace(part))
		}
	}
	return hops
}

// parseHop reads one X-Forwarded-For entry: an address, with or without a
// port ("203.0.113.7", "[2001:db8::1]:4711").
func parseHop(b []byte) (netip.Addr, bool) {
	s := string(b)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

func (s *Server) isTrustedProxy(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// trustedProxies reads TRUSTED_PROXIES (addresses and CIDR ranges); the
// configuration has checked them already.
func trustedProxies(cfg *config.Config) ([]netip.Prefix, error) {
	return config.ParseProxies(cfg.TrustedProxies)
}
