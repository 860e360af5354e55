package process

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/auth/policy"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/value"
)

// Trigger kinds: how an instance was started.
const (
	TriggerAutomatic = "automatic" // by an automation binding on a chat event
	TriggerManual    = "manual"    // by a person from a session page
	TriggerAPI       = "api"       // through POST /api/v1/processes/{code}/instances
)

// Trigger records how an instance started, so that a session's process list can say so.
type Trigger struct {
	Kind       string `json:"kind"`
	Event      string `json:"event,omitempty"`
	EventID    string `json:"event_id,omitempty"`
	LiveChatID string `json:"livechat_id,omitempty"`
	UserID     string `json:"user_id,omitempty"`
	// Key is the owner of the worker key that started the instance ("worker:<name>").
	Key string `json:"key,omitempty"`
}

// Start asks for a new instance.
type Start struct {
	Code string
	// Version is the version to start; 0 means the newest published one.
	Version   int
	Inputs    map[string]value.Value
	SessionID string
	Trigger   Trigger
	// StartEvent is the id of the message or timer start event the instance begins at; empty
	// means the none start event.
	StartEvent string
}

// StartTx starts an instance inside the caller's transaction and runs it forward to its
// first wait state, writing its history: when tx commits, the instance exists and is waiting
// (or finished); when it rolls back, nothing happened. The inputs are checked against the
// version's variables: each unknown name, missing required variable and wrong type is named.
func (s *Service) StartTx(ctx context.Context, tx *store.Tx, in Start) (*Instance, error) {
	out, err := s.StartManyTx(ctx, tx, []Start{in})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// StartManyTx is StartTx for a batch: the instances' rows are written together, a few
// statements per batch rather than per instance, which is how a dispatcher that claims events
// in batches starts thousands of instances per second. The first refused start's error is
// returned; the caller's transaction should then be rolled back (or the batch run inside a
// savepoint), since the earlier starts of the batch are not undone.
func (s *Service) StartManyTx(ctx context.Context, tx *store.Tx, starts []Start) ([]*Instance, error) {
	b := newBatch()
	versions := map[string]*Version{}
	out := make([]*Instance, len(starts))
	inSession := false
	for i, in := range starts {
		inst, err := s.startOne(ctx, tx, in, b, versions)
		if err != nil {
			return nil, err
		}
		out[i], inSession = inst, inSession || in.SessionID != ""
	}
	if inSession {
		if err := tx.Notify(ctx, SessionProcessesChannel); err != nil {
			return nil, err
		}
	}
	return out, b.flush(ctx, tx)
}

// SessionProcessesChannel is the wake-up channel (store.DB.Subscribe) notified when an
// instance linked to a session starts; the staff WebSocket turns it into "processes_changed".
// One channel for all sessions keeps it cheap: a batch notifies once, and the frame names
// nothing, so it tells nobody about a session they may not see.
const SessionProcessesChannel = "session_processes"

func (s *Service) startOne(ctx context.Context, tx *store.Tx, in Start, b *batch, versions map[string]*Version) (*Instance, error) {
	key := versionKey(in.Code, in.Version)
	v := versions[key]
	if v == nil {
		var err error
		if v, err = s.startVersion(ctx, tx, in); err != nil {
			return nil, err
		}
		versions[key] = v
	}
	start, err := startElement(v, in.StartEvent)
	if err != nil {
		return nil, err
	}
	vars, err := v.CheckInputs(in.Inputs)
	if err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, tx, vars); err != nil {
		return nil, err
	}
	if in.Trigger.Kind == "" {
		in.Trigger.Kind = TriggerAPI
	}
	st := &state{id: store.NewID("pi"), v: v, vars: vars, status: StateActive, sessionID: in.SessionID,
		trigger: in.Trigger, created: tx.Now(), isNew: true}
	r := s.newRunner(ctx, tx, st)
	r.b, r.shared = b, true
	r.record(start, evStarted, in.Trigger.Kind)
	if err := r.beginProcess(st.toks.NewToken(start.ID), start); err != nil {
		return nil, err
	}
	if err := r.run(); err != nil {
		return nil, err
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	return st.instance(), nil
}

func (s *Service) startVersion(ctx context.Context, tx *store.Tx, in Start) (*Version, error) {
	if in.Version == 0 {
		return s.LatestVersionTx(ctx, tx, in.Code)
	}
	return s.VersionTx(ctx, tx, in.Code, in.Version)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// CanStart says whether a user may start instances of a version by hand: any staff user may
// start any published process; administrators always may. Live-chat rules (online operators,
// spam sessions) are checked by the caller that knows the session.
func CanStart(ctx context.Context, user *auth.User, v *Version) error {
	if user == nil {
		return errs.New(errs.Unauthorized, "log in as a staff user")
	}
	if v == nil {
		return errs.New(errs.NotFound, "process not found")
	}
	return nil
}

// StartRequest is a start through the API, without a session.
type StartRequest struct {
	Inputs map[string]json.RawMessage `json:"inputs"`
	// Idempotency, when set, makes a repeat of the same start by the same user return the
	// first instance instead of starting a second.
	Idempotency store.Idempotency `json:"-"`
}

// StartByAPI starts the newest published version of a process without a session link, for an
// administrator or a worker key (policy.ProcessStart); the trigger names the user or the key.
func (s *Service) StartByAPI(ctx context.Context, code string, req StartRequest) (*Instance, error) {
	if err := policy.Check(ctx, policy.ProcessStart); err != nil {
		return nil, err
	}
	trig := Trigger{Kind: TriggerAPI}
	if p := auth.FromContext(ctx); p.User != nil {
		trig.UserID = p.User.ID
	} else {
		trig.Key = p.APIKeyOwner
	}
	return s.StartOnce(ctx, req.Idempotency, func(tx *store.Tx) (Start, error) {
		v, err := s.LatestVersionTx(ctx, tx, code)
		if err != nil {
			return Start{}, err
		}
		inputs, err := v.ParseInputs(req.Inputs)
		return Start{Code: code, Version: v.Number, Inputs: inputs, Trigger: trig}, err
	})
}

// StartOnce starts the instance that prepare describes, in one transaction, unless an earlier
// start with the same Idempotency-Key by the same user made one: then it answers with that
// instance as a start answers, and starts nothing. The instance row carries the key, written
// in the transaction that starts it.
func (s *Service) StartOnce(ctx context.Context, idem store.Idempotency, prepare func(tx *store.Tx) (Start, error)) (*Instance, error) {
	return store.CreateOnce(ctx, s.db, idem, store.Target{Table: "process_instances", IDColumn: "id"},
		func(tx *store.Tx, id string) (*Instance, error) {
			st, err := s.loadState(ctx, tx, id, false)
			if err != nil {
				return nil, err
			}
			return st.instance(), nil
		},
		func(tx *store.Tx) (*Instance, error) {
			in, err := prepare(tx)
			if err != nil {
				return nil, err
			}
			inst, err := s.StartTx(ctx, tx, in)
			if err != nil || !idem.Set() {
				return inst, err
			}
			_, err = tx.Exec(ctx, "UPDATE process_instances SET created_by = ?, idempotency_key = ?, idempotency_hash = ? WHERE id = ?",
				idem.By, idem.Key, idem.Hash, inst.ID)
			return inst, err
		})
}

// versionKey names version n of process code in the maps that hold something per version.
func versionKey(code string, n int) string { return code + "\x00" + strconv.Itoa(n) }
