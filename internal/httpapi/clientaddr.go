package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the peers whose X-Forwarded-For and X-Forwarded-Proto headers are believed:
// the load balancers in front of Parley. Anyone else could write those headers to pass for
// another client, so without a trusted proxy they are ignored.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of CIDRs or single addresses, such as
// "10.0.0.0/8, 192.168.1.7"; an empty string trusts no proxy.
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (ps Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peer is the address of the connection's other end.
func peer(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// clientAddr is the address limits count the caller by: the peer's, or, when the peer is a
// trusted proxy, the nearest address in X-Forwarded-For that is not a trusted proxy itself.
func (s *Server) clientAddr(r *http.Request) string {
	a := peer(r)
	if !s.cfg.TrustedProxies.trusts(a) {
		return a.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a garbled hop: trust nothing written before it
		}
		a = h.Unmap()
		if !s.cfg.TrustedProxies.trusts(a) {
			break
		}
	}
	return a.String()
}

// secure reports whether the browser reached Parley over HTTPS: directly, or through a
// trusted proxy that says so in X-Forwarded-Proto.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.cfg.TrustedProxies.trusts(peer(r)) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
