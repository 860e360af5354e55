package auth

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestDecoyHashAtTheRealCost checks that an unknown login is compared against a hash of the
// same cost as real passwords: a cheaper decoy answers unknown logins sooner and so tells
// which logins exist.
func TestDecoyHashAtTheRealCost(t *testing.T) {
	s := &Service{BcryptCost: bcrypt.MinCost + 2}
	cost, err := bcrypt.Cost(s.decoyHash())
	if err != nil || cost != s.BcryptCost {
		t.Fatalf("decoy cost %d (%v), want %d", cost, err, s.BcryptCost)
	}
}
