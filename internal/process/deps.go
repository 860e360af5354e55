package process

import (
	"context"
	"log/slog"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Deps are the services the engine acts on. A nil Chat or Workspace makes the tasks that need
// it fail with an incident naming what is missing, and makes scopes other than "global" unknown.
type Deps struct {
	Chat      Chat
	Workspace Workspace
	Logger    *slog.Logger
}

// Chat is what service tasks and waits need of the live chat: every call runs inside the
// engine's transaction, so a reply and the step that sends it commit together.
type Chat interface {
	// Reply posts a process message into the session, with copies of the stored files.
	Reply(ctx context.Context, tx *store.Tx, sessionID, text string, files []value.File) error
	// Close closes the session on behalf of the process.
	Close(ctx context.Context, tx *store.Tx, sessionID string) error
	// Assign makes the user the session's operator on behalf of the process.
	Assign(ctx context.Context, tx *store.Tx, sessionID, userID string) error
	// Operator returns the id of the session's operator, "" when it has none; not_found when
	// the session does not exist.
	Operator(ctx context.Context, tx *store.Tx, sessionID string) (string, error)
	// LastEventSeq returns the sequence number of the newest chat event, so that a session
	// wait starting now is completed only by a message after it.
	LastEventSeq(ctx context.Context, tx *store.Tx) (int64, error)
	// SessionExists reports whether a session has the id, so that session values link to
	// real sessions.
	SessionExists(ctx context.Context, tx *store.Tx, sessionID string) (bool, error)
}

// Workspace is what app tasks and scopes need of workspaces and apps.
type Workspace interface {
	// ScopeExists checks that a workspace ("crm") or an app ("crm/leads") exists.
	ScopeExists(ctx context.Context, tx *store.Tx, scope string) error
	// Fields returns the app's fields and their types; not_found when the app does not exist.
	Fields(ctx context.Context, tx *store.Tx, workspace, app string) (map[string]value.Type, error)
	// RequiredFields returns the codes of the app's required fields in the app's order;
	// not_found when the app does not exist.
	RequiredFields(ctx context.Context, tx *store.Tx, workspace, app string) ([]string, error)
	// CreateItem creates an item and returns its id.
	CreateItem(ctx context.Context, tx *store.Tx, workspace, app string, values map[string]value.Value, by string) (string, error)
	// UpdateItem changes some values of an item.
	UpdateItem(ctx context.Context, tx *store.Tx, workspace, app, id string, values map[string]value.Value, by string) error
	// ItemExists reports whether the app has an item with the id, so that item values link to
	// real items.
	ItemExists(ctx context.Context, tx *store.Tx, workspace, app, id string) (bool, error)
}
