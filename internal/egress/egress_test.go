package egress

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestBlocked(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": true, "10.1.2.3": true, "192.168.0.9": true, "172.16.5.5": true, "169.254.169.254": true,
		"100.64.0.1": true, "0.0.0.0": true, "::1": true, "fe80::1": true, "fc00::1": true, "224.0.0.1": true,
		"93.184.216.34": false, "2606:4700::1111": false, "8.8.8.8": false,
	} {
		if got := Blocked(net.ParseIP(addr)); got != want {
			t.Errorf("Blocked(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestClientRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	if _, err := Client(false).Get(srv.URL); !errors.Is(err, ErrBlocked) {
		t.Fatalf("a loopback call: %v, want ErrBlocked", err)
	}
	resp, err := Client(true).Get(srv.URL)
	if err != nil {
		t.Fatalf("with private networks allowed: %v", err)
	}
	resp.Body.Close()
}
