package catalog

import (
	"context"
	"sync"

	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Apps is what publish checks of workspaces and apps: that a scope exists, and the fields an
// app task sets.
type Apps interface {
	// ScopeExists checks that a workspace ("crm") or an app ("crm/leads") exists.
	ScopeExists(ctx context.Context, tx *store.Tx, scope string) error
	// Fields returns the app's fields and their types; not_found when the app does not exist.
	Fields(ctx context.Context, tx *store.Tx, workspace, app string) (map[string]value.Type, error)
	// RequiredFields returns the codes of the app's required fields in the app's order;
	// not_found when the app does not exist.
	RequiredFields(ctx context.Context, tx *store.Tx, workspace, app string) ([]string, error)
}

// UnpublishHook runs inside the transaction that withdraws process code.
type UnpublishHook func(ctx context.Context, tx *store.Tx, code string) error

// Catalog is the processes' definitions and their published versions.
type Catalog struct {
	db *store.DB
	// apps is asked at each use, not kept: the engine's dependencies are its own to change.
	apps      func() Apps
	versions  sync.Map // versionKey -> *Version
	hooksMu   sync.RWMutex
	hooks     []PublishHook
	checks    []PublishHook
	unpublish []UnpublishHook
}

// New returns the catalog over db. apps gives the workspaces (nil when there are none: then
// only the global scope exists and app tasks are refused).
func New(db *store.DB, apps func() Apps) *Catalog {
	return &Catalog{db: db, apps: apps}
}

// OnUnpublish registers a hook that runs when a process is withdrawn, in the same
// transaction, such as the engine's dropping of its start events.
func (c *Catalog) OnUnpublish(h UnpublishHook) {
	c.hooksMu.Lock()
	defer c.hooksMu.Unlock()
	c.unpublish = append(c.unpublish, h)
}
