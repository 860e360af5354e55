package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"golang.org/x/crypto/bcrypt"
)

// Prefixes tell the kinds of secrets apart at a glance, in logs and in the auth middleware.
const (
	TokenPrefix   = "pt_"
	APIKeyPrefix  = "pk_"
	VisitorPrefix = "pv_"
)

// NewSecret returns a new random secret with the prefix, and the hash to store for it.
func NewSecret(prefix string) (plain, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	plain = prefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, HashSecret(plain)
}

// HashSecret is the stored form of a token, API key or visitor token. Secrets have 256 bits of
// entropy, so a fast hash is enough; nothing can be guessed from the hash.
func HashSecret(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// errBadLogin is the one answer to every failed login: it does not say whether the login or
// the password was wrong.
var errBadLogin = errs.New(errs.Unauthorized, "invalid login or password")

// decoyHash is compared against when the login is unknown, so that a wrong login takes as
// long as a wrong password: it is made at the cost real passwords are hashed with (a cheaper
// one would answer unknown logins sooner, and tell which logins exist).
func (s *Service) decoyHash() []byte {
	s.decoyOnce.Do(func() {
		s.decoy, _ = bcrypt.GenerateFromPassword([]byte("parley-decoy-password"), s.BcryptCost)
	})
	return s.decoy
}

// Login checks a login and password and returns a new token for the user.
func (s *Service) Login(ctx context.Context, login, password string) (string, *User, error) {
	var id, hash string
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, "SELECT id, password_hash FROM users WHERE login = ?", strings.ToLower(login)).Scan(&id, &hash)
	})
	if errs.Is(err, errs.NotFound) {
		_ = bcrypt.CompareHashAndPassword(s.decoyHash(), []byte(password))
		return "", nil, errBadLogin
	}
	if err != nil {
		return "", nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return "", nil, errBadLogin
	}
	token, tokenHash := NewSecret(TokenPrefix)
	var u *User
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO auth_tokens (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			tokenHash, id, store.TS(tx.Now()), store.TS(tx.Now().Add(s.TokenTTL)))
		if err != nil {
			return err
		}
		u, err = getUser(ctx, tx, id)
		return err
	})
	return token, u, err
}

// Logout revokes a login token; the token is refused from then on.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE auth_tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL", store.TS(tx.Now()), HashSecret(token))
		return err
	})
}

// errBadCredentials answers an unknown, expired or revoked token or key.
var errBadCredentials = errs.New(errs.Unauthorized, "the token or API key is not valid (unknown, expired or revoked)")

// Authenticate returns the principal behind a login token or an API key.
func (s *Service) Authenticate(ctx context.Context, secret string) (*Principal, error) {
	switch {
	case strings.HasPrefix(secret, TokenPrefix):
		return s.authToken(ctx, secret)
	case strings.HasPrefix(secret, APIKeyPrefix):
		return s.authAPIKey(ctx, secret)
	}
	return nil, errBadCredentials
}

func (s *Service) authToken(ctx context.Context, token string) (*Principal, error) {
	var p *Principal
	err := s.db.Read(ctx, func(tx *store.Tx) error {
		var userID string
		err := tx.QueryRow(ctx, "SELECT user_id FROM auth_tokens WHERE hash = ? AND revoked_at IS NULL AND expires_at > ?",
			HashSecret(token), store.TS(tx.Now())).Scan(&userID)
		if errs.Is(err, errs.NotFound) {
			return errBadCredentials
		}
		if err != nil {
			return err
		}
		u, err := getUser(ctx, tx, userID)
		p = &Principal{User: u}
		return err
	})
	return p, err
}

// badCredentials turns a missing row into the answer to a bad secret.
func badCredentials(err error) error {
	if errs.Is(err, errs.NotFound) {
		return errBadCredentials
	}
	return err
}

// CreateAPIKey issues a key for owner (such as "channel:<id>") inside the caller's
// transaction and returns it; only its hash is kept, so it can be shown once.
func CreateAPIKey(ctx context.Context, tx *store.Tx, owner string) (string, error) {
	key, hash := NewSecret(APIKeyPrefix)
	_, err := tx.Exec(ctx, "INSERT INTO api_keys (id, hash, owner, created_at) VALUES (?, ?, ?, ?)",
		store.NewID("key"), hash, owner, store.TS(tx.Now()))
	return key, err
}

// RevokeAPIKeys revokes every key of owner inside the caller's transaction. This node
// refuses them as soon as the transaction commits; other nodes within APIKeyTTL.
func RevokeAPIKeys(ctx context.Context, tx *store.Tx, owner string) error {
	_, err := tx.Exec(ctx, "UPDATE api_keys SET revoked_at = ? WHERE owner = ? AND revoked_at IS NULL", store.TS(tx.Now()), owner)
	forgetAPIKeysAfter(tx)
	return err
}

// forgetAPIKeysAfter empties this node's API-key cache once tx commits a revocation, so the
// revoking node refuses the key at once (other nodes within APIKeyTTL).
func forgetAPIKeysAfter(tx *store.Tx) {
	db := tx.DB()
	tx.AfterCommit(func() { apiKeys(db).Clear() })
}

// EnsureAdmin creates the administrator "admin" when the database has no users at all. With
// an empty password it generates one; the password is returned so the caller can show it
// once. created is false when users already existed.
func (s *Service) EnsureAdmin(ctx context.Context, password string) (created bool, pw string, err error) {
	var any bool
	err = s.db.Read(ctx, func(tx *store.Tx) (err error) {
		any, err = tx.Exists(ctx, "SELECT 1 FROM users")
		return err
	})
	if err != nil || any {
		return false, "", err
	}
	if password == "" {
		password = GeneratePassword()
	}
	u, err := s.CreateUser(ctx, NewUser{Login: "admin", DisplayName: "Administrator", Password: password})
	if err != nil {
		return false, "", err
	}
	return true, password, s.AddMember(ctx, AdministratorsID, u.ID)
}

// GeneratePassword returns a random password that is easy to copy.
func GeneratePassword() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
