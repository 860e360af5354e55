package chat

import (
	"embed"
	"log/slog"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/store"
)

//go:embed migrations
var migrations embed.FS

func init() {
	store.RegisterMigrationsIn(migrations, "migrations")
	// Builds of main recorded 0264 twice over and took it back each time: the search index's
	// merging 16 segments at a time (reverted) and the mark of the outbox's seqs from the
	// writer's memory (moved to automation's 0570, where older binaries notice it).
	store.RetireMigrations(264)
}

// MaxText is the largest message text in bytes. Longer texts are refused whole (413): a chat
// message that big is a paste gone wrong or an attack, and cutting it would change its meaning.
const MaxText = 16 << 10

// Service is the live-chat service: live chats, channels, customers, sessions and messages.
type Service struct {
	db     *store.DB
	log    *slog.Logger
	files  FileStore
	limits FileLimits
}

// New returns the service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, log: log, files: DBFileStore{}, limits: DefaultFileLimits()}
}

// DB returns the database the service writes to, for callers that compose its Tx methods.
func (s *Service) DB() *store.DB { return s.db }

// State is where a session is in its life; see DOMAIN.md.
type State string

// The session states.
const (
	Waiting  State = "waiting"
	Assigned State = "assigned"
	Closed   State = "closed"
	Spam     State = "spam"
)

// Priority is a session's urgency.
type Priority string

// The priorities; new sessions are medium.
const (
	Low    Priority = "low"
	Medium Priority = "medium"
	High   Priority = "high"
)

func (p Priority) valid() bool { return p == Low || p == Medium || p == High }

// AuthorKind says who wrote a message.
type AuthorKind string

// The authors of messages. Only customer messages fire message_received.
const (
	AuthorCustomer AuthorKind = "customer"
	AuthorOperator AuthorKind = "operator"
	AuthorSystem   AuthorKind = "system"
	AuthorProcess  AuthorKind = "process"
)

// ChannelType is how customers reach a live chat.
type ChannelType string

// The channel types. A telegram channel is a Telegram bot; package channel talks to the Bot
// API and keeps the bot's token.
const (
	ChannelWidget   ChannelType = "widget"
	ChannelEmail    ChannelType = "email"
	ChannelHTTP     ChannelType = "http"
	ChannelTelegram ChannelType = "telegram"
)

// ActorKind is the kind of whoever changes a session.
type ActorKind string

// The kinds of actors.
const (
	ActorUser     ActorKind = "user"
	ActorProcess  ActorKind = "process"
	ActorSystem   ActorKind = "system"
	ActorAPI      ActorKind = "api"
	ActorCustomer ActorKind = "customer"
)

// Actor says who acts on a session. Staff users are checked against the live chat's rules;
// processes, the system and the API act with the rights the caller has already checked.
type Actor struct {
	Kind ActorKind
	// User is the acting staff user (ActorUser).
	User *auth.User
	// ID is the process instance id (ActorProcess), the API key owner (ActorAPI) or the
	// customer id (ActorCustomer).
	ID string
}

// UserActor is a staff user acting.
func UserActor(u *auth.User) Actor { return Actor{Kind: ActorUser, User: u} }

// ProcessActor is a process instance acting; instanceID may be empty when unknown.
func ProcessActor(instanceID string) Actor { return Actor{Kind: ActorProcess, ID: instanceID} }

// SystemActor is Parley itself acting.
func SystemActor() Actor { return Actor{Kind: ActorSystem} }

// APIActor is an integration acting with an API key issued to owner.
func APIActor(owner string) Actor { return Actor{Kind: ActorAPI, ID: owner} }

// String is the actor as recorded on events: "user:<id>", "process:<id>", "system", ...
func (a Actor) String() string {
	switch {
	case a.Kind == ActorUser && a.User != nil:
		return "user:" + a.User.ID
	case a.ID != "":
		return string(a.Kind) + ":" + a.ID
	}
	return string(a.Kind)
}
