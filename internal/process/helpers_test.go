package process

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/process/bpmntest"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
	"github.com/parleychat/parley/internal/value"
	"golang.org/x/crypto/bcrypt"
)

// corpusFile is one file of the public BPMN corpus (see bpmntest for where it is found).
func corpusFile(t testing.TB, name string) string {
	t.Helper()
	return bpmntest.File(t, name)
}

// env is one engine over one test database, with a fake clock and an administrator.
type env struct {
	t     testing.TB
	db    *store.DB
	svc   *Service
	auth  *auth.Service
	clock *storetest.Clock
	admin context.Context
	chat  *fakeChat
}

// with returns a copy of e that reports to the subtest t.
func (e *env) with(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

// each runs fn on SQLite and, when configured, PostgreSQL.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, newEnv(t, "sqlite", Options{})) })
	if storetest.PostgresURL(t) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, newEnv(t, "postgres", Options{})) })
	}
}

func openDB(t testing.TB, dialect string, clock *storetest.Clock) *store.DB {
	if dialect == "postgres" {
		return storetest.Postgres(t, storetest.Options{Clock: clock})
	}
	return storetest.SQLite(t, storetest.Options{Clock: clock})
}

func newEnv(t testing.TB, dialect string, opts Options) *env {
	t.Helper()
	clock := &storetest.Clock{}
	return newEnvOn(t, openDB(t, dialect, clock), clock, opts)
}

func newEnvOn(t testing.TB, db *store.DB, clock *storetest.Clock, opts Options) *env {
	t.Helper()
	e := &env{t: t, db: db, clock: clock, auth: auth.New(db, nil), chat: newFakeChat()}
	e.auth.BcryptCost = bcrypt.MinCost
	e.svc = New(db, Deps{Chat: e.chat}, opts)
	ctx := context.Background()
	if _, _, err := e.auth.EnsureAdmin(ctx, "admin-password-1"); err != nil {
		t.Fatal(err)
	}
	admin, err := e.auth.UserByLogin(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	e.admin = auth.WithPrincipal(ctx, &auth.Principal{User: admin})
	return e
}

// user creates an online staff user in the named groups (created when missing) and returns a
// context acting as them.
func (e *env) user(login string, groups ...string) context.Context {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.auth.CreateUser(ctx, auth.NewUser{Login: login, DisplayName: login, Password: "password-123456"})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, name := range groups {
		g, err := e.auth.GroupByName(ctx, name)
		if err != nil {
			g, err = e.auth.CreateGroup(ctx, name)
		}
		if err != nil {
			e.t.Fatal(err)
		}
		if err := e.auth.AddMember(ctx, g.ID, u.ID); err != nil {
			e.t.Fatal(err)
		}
	}
	// Online, as someone who works on tasks is: an offline user completes nothing.
	u, err = e.auth.SetPresence(ctx, u.ID, auth.Online)
	if err != nil {
		e.t.Fatal(err)
	}
	return auth.WithPrincipal(ctx, &auth.Principal{User: u})
}

// deploy creates and publishes a process.
func (e *env) deploy(code, xml string, vars ...Variable) *Version {
	e.t.Helper()
	p, err := e.tryDeploy(code, xml, vars...)
	if err != nil {
		e.t.Fatalf("deploy %s: %v", code, err)
	}
	return p.Version
}

func (e *env) tryDeploy(code, xml string, vars ...Variable) (*Published, error) {
	if _, err := e.svc.CreateDraft(e.admin, Draft{Code: code, Name: code, Variables: vars, BPMN: xml}); err != nil {
		return nil, err
	}
	return e.svc.Publish(e.admin, code)
}

func (e *env) start(code string, inputs map[string]value.Value, session string) *Instance {
	e.t.Helper()
	inst, err := e.tryStart(code, inputs, session)
	if err != nil {
		e.t.Fatalf("start %s: %v", code, err)
	}
	return inst
}

func (e *env) tryStart(code string, inputs map[string]value.Value, session string) (*Instance, error) {
	var inst *Instance
	err := e.db.Tx(context.Background(), func(tx *store.Tx) (err error) {
		inst, err = e.svc.StartTx(context.Background(), tx, Start{Code: code, Inputs: inputs, SessionID: session})
		return err
	})
	return inst, err
}

func (e *env) instance(id string) *Instance {
	e.t.Helper()
	inst, err := e.svc.Instance(e.admin, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return inst
}

// runJobs runs every due job, as the worker would.
func (e *env) runJobs() int {
	e.t.Helper()
	n, err := e.svc.RunDueJobs(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// active renders an instance's active elements as "el:wait" in order, for comparisons.
func active(inst *Instance) string {
	parts := make([]string, len(inst.Active))
	for i, a := range inst.Active {
		parts[i] = a.Element + ":" + a.Wait
	}
	return strings.Join(parts, " ")
}

// trail renders an instance's history as "element event" lines, for comparisons.
func trail(inst *Instance) string {
	parts := make([]string, len(inst.History))
	for i, h := range inst.History {
		parts[i] = strings.TrimSpace(h.Element + " " + h.Event)
	}
	return strings.Join(parts, ", ")
}

func v(t value.Type, raw string) value.Value {
	x, err := value.Parse(t, []byte(raw))
	if err != nil {
		panic(err)
	}
	return x
}

func typ(s string) value.Type {
	t, err := value.ParseType(s)
	if err != nil {
		panic(err)
	}
	return t
}

func variable(name, t string) Variable { return Variable{Name: name, Type: typ(t)} }

// diagram wraps process content in a BPMN file with the Parley namespace declared.
func diagram(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:parley="https://parley.dev/schema/bpmn/1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:process id="P" isExecutable="true">
<bpmn:startEvent id="start"/>
` + body + `
</bpmn:process>
</bpmn:definitions>`
}

// chain draws sequence flows between consecutive element ids.
func chain(ids ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(ids); i++ {
		fmt.Fprintf(&b, `<bpmn:sequenceFlow id="f_%s_%s" sourceRef="%s" targetRef="%s"/>`+"\n", ids[i], ids[i+1], ids[i], ids[i+1])
	}
	return b.String()
}

func cond(id, from, to, expr string) string {
	return fmt.Sprintf(`<bpmn:sequenceFlow id="%s" sourceRef="%s" targetRef="%s"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">%s</bpmn:conditionExpression></bpmn:sequenceFlow>`+"\n",
		id, from, to, expr)
}

// fakeChat records what processes do to sessions.
type fakeChat struct {
	mu        sync.Mutex
	replies   map[string][]string
	closed    map[string]bool
	operators map[string]string
	seq       int64
	failReply int
	// failSeq makes that many LastEventSeq calls fail, as a chat outbox that cannot be read.
	failSeq int
	// sessions are the sessions that exist, for session values.
	sessions map[string]bool
}

func newFakeChat() *fakeChat {
	return &fakeChat{replies: map[string][]string{}, closed: map[string]bool{}, operators: map[string]string{},
		sessions: map[string]bool{}}
}

// addSession makes a session exist.
func (c *fakeChat) addSession(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sessions[id] = true
}

func (c *fakeChat) SessionExists(ctx context.Context, tx *store.Tx, session string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessions[session], nil
}

func (c *fakeChat) Reply(ctx context.Context, tx *store.Tx, session, text string, _ []value.File) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failReply > 0 {
		c.failReply--
		return fmt.Errorf("the chat is down")
	}
	c.replies[session] = append(c.replies[session], text)
	return nil
}

func (c *fakeChat) Close(ctx context.Context, tx *store.Tx, session string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed[session] = true
	return nil
}

func (c *fakeChat) Assign(ctx context.Context, tx *store.Tx, session, user string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.operators[session] = user
	return nil
}

func (c *fakeChat) Operator(ctx context.Context, tx *store.Tx, session string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.operators[session], nil
}

func (c *fakeChat) LastEventSeq(ctx context.Context, tx *store.Tx) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failSeq > 0 {
		c.failSeq--
		return 0, fmt.Errorf("the chat outbox cannot be read")
	}
	return c.seq, nil
}

var pageAll = store.Page{Limit: store.MaxLimit}

// deliver hands a customer's message to the session waits, as the chat consumer does.
func (e *env) deliver(session string, seq int64, text string) {
	e.t.Helper()
	err := e.db.Tx(context.Background(), func(tx *store.Tx) error {
		return e.svc.DeliverCustomerMessageTx(context.Background(), tx, session, seq, text)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// publishCount publishes a message as the administrator and returns how many instances it
// reached.
func (e *env) publishCount(_ context.Context, m Message) (int, error) {
	res, err := e.svc.PublishMessage(e.admin, m)
	return res.Delivered, err
}

func itoa(n int) string { return strconv.Itoa(n) }
