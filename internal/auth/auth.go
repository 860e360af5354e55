// Package auth holds users, groups, presence, login tokens and API keys, and answers who a
// request comes from. Passwords are hashed with bcrypt; tokens and API keys are random and
// stored only as SHA-256 hashes, so a copy of the database does not let anyone log in.
package auth

import (
	"context"
	"embed"
	"log/slog"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/store"
	"golang.org/x/crypto/bcrypt"
)

//go:embed migrations
var migrations embed.FS

func init() { store.RegisterMigrationsIn(migrations, "migrations") }

// AdministratorsID is the id of the built-in group Administrators, which always exists.
const AdministratorsID = "grp_administrators"

// AdministratorsName is the name of the built-in group.
const AdministratorsName = "Administrators"

// Service is the users-and-groups service.
type Service struct {
	db  *store.DB
	log *slog.Logger
	// BcryptCost is the work factor of new password hashes; tests lower it.
	BcryptCost int
	// TokenTTL is how long a login token stays valid.
	TokenTTL time.Duration

	decoyOnce sync.Once
	decoy     []byte
}

// New returns the service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, log: log, BcryptCost: bcrypt.DefaultCost, TokenTTL: 30 * 24 * time.Hour}
}

// Presence is an operator's availability.
type Presence string

// The presences of DOMAIN.md.
const (
	Online  Presence = "online"
	Away    Presence = "away"
	Offline Presence = "offline"
)

// GroupRef names a group a user belongs to.
type GroupRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// User is a person who logs in: an administrator, supervisor or operator.
type User struct {
	ID          string     `json:"id"`
	Login       string     `json:"login"`
	DisplayName string     `json:"display_name"`
	Email       string     `json:"email"`
	Presence    Presence   `json:"presence"`
	Groups      []GroupRef `json:"groups"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Colleague is what staff see of each other, for pickers: no login, no email (those are for
// administrators and the user themself).
type Colleague struct {
	ID          string     `json:"id"`
	DisplayName string     `json:"display_name"`
	Presence    Presence   `json:"presence"`
	Groups      []GroupRef `json:"groups"`
}

// Colleague returns the directory entry of the user.
func (u *User) Colleague() Colleague {
	return Colleague{ID: u.ID, DisplayName: u.DisplayName, Presence: u.Presence, Groups: u.Groups}
}

// IsAdmin reports whether the user is in Administrators.
func (u *User) IsAdmin() bool { return u.InGroup(AdministratorsID) }

// InGroup reports whether the user is a member of the group with that id.
func (u *User) InGroup(groupID string) bool {
	for _, g := range u.Groups {
		if g.ID == groupID {
			return true
		}
	}
	return false
}

// InAnyGroup reports whether the user is a member of one of the groups.
func (u *User) InAnyGroup(groupIDs []string) bool {
	for _, id := range groupIDs {
		if u.InGroup(id) {
			return true
		}
	}
	return false
}

// Group is a named set of users; live chats name groups as operators and supervisors.
type Group struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Builtin   bool      `json:"builtin"`
	Members   []string  `json:"members"`
	CreatedAt time.Time `json:"created_at"`
}

// Ping checks the database, for readiness probes.
func (s *Service) Ping(ctx context.Context) error { return s.db.Ping(ctx) }
