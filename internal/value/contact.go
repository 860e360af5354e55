package value

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Limits on text-shaped values, well above any real input, so that nonsense is refused early.
const (
	maxPhone = 64  // characters of a phone number as typed, with spaces and punctuation
	maxEmail = 254 // bytes of an address, the limit of RFC 5321 paths
	maxID    = 255 // bytes of a record id
)

// phone normalises a phone number to E.164. It returns the number, or the reason it is refused,
// or an internal error for a DefaultRegion that names no region.
func (o Options) phone(s string) (string, string, error) {
	if o.stored {
		return s, checkE164(s), nil
	}
	if utf8.RuneCountInString(s) > maxPhone {
		return "", "too long for a phone number", nil
	}
	region := strings.ToUpper(o.DefaultRegion)
	if region != "" && phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return "", "", internal("unknown default phone region %q", o.DefaultRegion)
	}
	num, err := phonenumbers.Parse(s, region)
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && region == "":
		return "", "no country code; write the number as +<country code><number>, e.g. +79991234567", nil
	case err != nil || !phonenumbers.IsValidNumber(num):
		return "", "not a valid phone number", nil
	case num.GetExtension() != "":
		return "", "extensions are not supported; give the number alone", nil
	}
	return phonenumbers.Format(num, phonenumbers.E164), "", nil
}

// checkE164 says what is wrong with a stored phone number, or "" when it has the E.164 shape:
// a plus and at most 15 digits, the first not 0.
func checkE164(s string) string {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' || !allDigits(s[1:]) {
		return "not an E.164 number such as +79991234567"
	}
	return ""
}

// email checks that s is one bare address and lower-cases its domain, which is case-insensitive;
// the local part is left alone because RFC 5321 lets a server tell its cases apart.
func email(s string) (string, string) {
	const notEmail = "not an email address such as ann@example.com"
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	switch {
	case len(s) > maxEmail || err != nil:
		return "", notEmail
	case a.Name != "" || a.Address != s:
		// Names, angle brackets, comments and quoted local parts all land here: they would
		// not survive being written back as a bare address.
		return "", "give the bare address, such as ann@example.com, without a name or brackets"
	}
	at := strings.LastIndexByte(s, '@')
	norm := s[:at+1] + strings.ToLower(s[at+1:])
	if b, err := mail.ParseAddress(norm); err != nil || b.Address != norm {
		return "", notEmail
	}
	return norm, ""
}

// checkID says what is wrong with the id of a user, session or item, or "" when it is fine.
// Whether the record exists is CheckRefs' business.
func checkID(s string) string {
	switch {
	case s == "":
		return "an id must not be empty"
	case len(s) > maxID:
		return "an id is at most 255 bytes long"
	case strings.TrimSpace(s) != s || strings.ContainsFunc(s, unicode.IsControl):
		return "an id must not hold control characters or spaces at its ends"
	}
	return ""
}
