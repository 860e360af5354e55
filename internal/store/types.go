package store

import (
	"crypto/rand"
	"database/sql/driver"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Timestamp stores a time as integer microseconds since the Unix epoch, the same in both
// dialects; the zero time is stored as NULL. Pass Timestamp{t} as an argument and scan into
// a *Timestamp: never pass a time.Time to a query directly.
type Timestamp struct{ time.Time }

// TS wraps t for a query argument.
func TS(t time.Time) Timestamp { return Timestamp{t} }

// Value implements driver.Valuer.
func (t Timestamp) Value() (driver.Value, error) {
	if t.IsZero() {
		return nil, nil
	}
	return t.UnixMicro(), nil
}

// Scan implements sql.Scanner.
func (t *Timestamp) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
	case int64:
		t.Time = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("timestamp: cannot scan %T", src)
	}
	return nil
}

// Micros returns t as stored: microseconds since the epoch.
func Micros(t time.Time) int64 { return t.UnixMicro() }

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new id: the prefix, then 48 bits of milliseconds and 80 random bits in
// lower-case base32, so ids sort by creation time and never collide in practice.
func NewID(prefix string) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + "_" + strings.ToLower(idEncoding.EncodeToString(b[:]))
}
