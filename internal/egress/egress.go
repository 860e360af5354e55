// Package egress is how Parley calls outside servers on behalf of its users — process http
// tasks, files an http channel hands over by URL — without becoming a way into the network
// it runs in (SSRF): unless private networks are allowed, the dialer refuses loopback,
// private, link-local and unspecified addresses, checked after DNS resolution and again on
// every redirect, so neither a name that resolves inside nor a redirect can get around it.
package egress

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"
)

// ErrBlocked is the guard's refusal.
var ErrBlocked = errors.New("the address is loopback, private, link-local or unspecified; Parley may not call it")

// Client returns an HTTP client whose every connection passes the guard, unless allowPrivate.
func Client(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		d.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || Blocked(ip) {
				return fmt.Errorf("%s: %w", host, ErrBlocked)
			}
			return nil
		}
	}
	tr := &http.Transport{DialContext: d.DialContext, Proxy: nil, TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns: 16, IdleConnTimeout: time.Minute}
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		return nil
	}}
}

var sharedAddressSpace = &net.IPNet{IP: net.IP{100, 64, 0, 0}, Mask: net.CIDRMask(10, 32)}

// Blocked reports the addresses the guard refuses unless private networks are allowed.
func Blocked(ip net.IP) bool {
	if v4 := ip.To4(); v4 != nil {
		ip = v4
	}
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() ||
		sharedAddressSpace.Contains(ip) || (len(ip) == net.IPv4len && ip[0] == 0)
}
