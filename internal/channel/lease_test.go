package channel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
	"golang.org/x/crypto/bcrypt"
)

// TestLeaseTakeover claims a delivery and never finishes it, as a node that crashed in the
// middle of sending would: once the lease ends another sender delivers it, and the crashed
// claim can no longer write an outcome.
func TestLeaseTakeover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		defer srv.Close()
		c := chat.New(db, nil)
		messageID := queuedReply(t, db, c, srv.URL)
		cfg := WebhookConfig{Lease: 300 * time.Millisecond, Timeout: 100 * time.Millisecond, BaseBackoff: 20 * time.Millisecond}
		crashed := New(db, c, cfg, nil)
		if _, _, _, err := queue.Pass(ctx, db); err != nil {
			t.Fatal(err)
		}
		claims, err := crashed.claimDue(ctx)
		if err != nil || len(claims) != 1 {
			t.Fatalf("claims %v, %v", claims, err)
		}
		other := New(db, c, cfg, nil)
		if found, err := other.sendDue(ctx); found || err != nil {
			t.Fatalf("a leased delivery was taken at once: %v %v", found, err)
		}
		time.Sleep(350 * time.Millisecond)
		if found, err := other.sendDue(ctx); !found || err != nil {
			t.Fatalf("the expired lease was not taken over: %v %v", found, err)
		}
		if err := crashed.record(ctx, claims[0], true, context.DeadlineExceeded); err != nil {
			t.Fatal(err)
		}
		var state string
		var attempts int
		err = db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, "SELECT state, attempts FROM channel_deliveries WHERE message_id = ?", messageID).Scan(&state, &attempts)
		})
		if err != nil || state != string(Delivered) || attempts != 2 {
			t.Fatalf("state %s after %d attempts (%v), want delivered by the second claim", state, attempts, err)
		}
	})
}

// queuedReply makes an http channel session with an operator's reply and returns its id.
func queuedReply(t *testing.T, db *store.DB, c *chat.Service, webhook string) string {
	ctx := context.Background()
	a := auth.New(db, nil)
	a.BcryptCost = bcrypt.MinCost
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	admin, err := a.CreateUser(ctx, auth.NewUser{Login: "boss", DisplayName: "Boss", Password: "password-boss"})
	must(err)
	must(a.AddMember(ctx, auth.AdministratorsID, admin.ID))
	admin, err = a.User(ctx, admin.ID)
	must(err)
	lc, err := c.CreateLiveChat(ctx, chat.NewLiveChat{Name: "L", OperatorGroups: []string{auth.AdministratorsID}, SupervisorGroups: []string{auth.AdministratorsID}})
	must(err)
	ch, err := c.CreateChannel(ctx, lc.ID, chat.NewChannel{Type: chat.ChannelHTTP, Name: "H", WebhookURL: webhook})
	must(err)
	r, err := c.Receive(ctx, chat.Inbound{ChannelID: ch.ID, Identity: "x", Text: "hi"})
	must(err)
	m, err := c.PostMessage(ctx, chat.Reply{SessionID: r.Session.ID, Text: "hello", By: chat.UserActor(admin)})
	must(err)
	return m.ID
}
