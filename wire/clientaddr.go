package wire

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the load balancers whose X-Forwarded-For header is believed:
// the client of a request is the first address, from the right, that such
// a proxy put there and that is not itself one of them.
type Proxies []netip.Prefix

// ParseProxies reads addresses (10.0.0.7, ::1) and CIDR ranges (10.0.0.0/8).
func ParseProxies(list []string) (Proxies, error) {
	out := make(Proxies, 0, len(list))
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want an address or a CIDR range", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (p Proxies) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, pre := range p {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr returns the address of the client of r: the connection's peer,
// unless the peer is a trusted proxy; then the last address of
// X-Forwarded-For that is not a trusted proxy (the leftmost if they all
// are). Entries a client wrote itself are left of those its proxies
// appended, so they are never reached while an untrusted hop comes first.
func (p Proxies) ClientAddr(r *http.Request) string {
	addr := peer(r.RemoteAddr)
	if !p.trusted(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := peer(strings.TrimSpace(hops[i]))
		if hop == "" {
			continue
		}
		addr = hop
		if !p.trusted(hop) {
			return hop
		}
	}
	return addr
}

// peer strips the port (and an IPv6 address's brackets) from a host:port.
func peer(hostport string) string {
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		return host
	}
	return strings.Trim(hostport, "[]")
}
