package waits_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	_ "github.com/parleychat/parley/internal/process" // the process tables
	"github.com/parleychat/parley/internal/process/waits"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestSessionWaitsOfARound reads a round's session waits at once and then changes them as the
// round's deliveries do: every lookup must answer what a query at that moment answers. A wait
// that the round adds to a session read without waits is found; a wait found and delivered is
// not offered again.
func TestSessionWaitsOfARound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// The checks run inside the transaction and report by returning: t.Fatal there would
		// leave the transaction open.
		err := db.Tx(ctx, func(tx *store.Tx) error {
			subscribe := func(ctx context.Context, instance, session string, after int64) error {
				return waits.Subscribe(ctx, tx, waits.Subscription{Instance: instance, Token: 1, Element: "ask", Session: session, After: after})
			}
			for _, s := range []struct {
				instance, session string
				after             int64
			}{{"pi_a", "ses_1", 5}, {"pi_b", "ses_1", 9}, {"pi_named", "", 0}} {
				if err := subscribe(ctx, s.instance, s.session, s.after); err != nil {
					return err
				}
			}
			// More sessions than one SQLite query names, with the read ones last.
			var sessions []string
			for i := range 1200 {
				sessions = append(sessions, fmt.Sprintf("ses_idle_%d", i))
			}
			round, err := waits.WithSessionWaits(ctx, tx, append(sessions, "ses_1", "ses_2", "ses_1"), 20)
			if err != nil {
				return err
			}
			lookup := func(session string, seq int64, want ...string) ([]waits.Subscription, error) {
				got, err := waits.SessionWaits(round, tx, session, seq)
				if err != nil {
					return nil, err
				}
				now, err := waits.SessionWaits(ctx, tx, session, seq)
				if err != nil {
					return nil, err
				}
				var ids []string
				for _, s := range got {
					ids = append(ids, s.Instance)
				}
				if !reflect.DeepEqual(ids, want) || !reflect.DeepEqual(got, now) {
					return nil, fmt.Errorf("%s at seq %d: the round offers %+v, the database %+v; want %v", session, seq, got, now, want)
				}
				return got, nil
			}
			for _, l := range []struct {
				session string
				seq     int64
			}{{"ses_2", 10}, {"ses_idle_3", 10}, {"ses_1", 5}} {
				if _, err := lookup(l.session, l.seq); err != nil {
					return err
				}
			}
			if err := subscribe(round, "pi_c", "ses_2", 7); err != nil { // a delivery of the round starts a wait
				return err
			}
			if _, err := lookup("ses_2", 12, "pi_c"); err != nil {
				return err
			}
			found, err := lookup("ses_1", 10, "pi_a", "pi_b")
			if err != nil {
				return err
			}
			for _, s := range found { // delivered
				if _, ok, err := waits.DeleteSubscription(round, tx, s); err != nil || !ok {
					return fmt.Errorf("deleting %+v: found %v, %v", s, ok, err)
				}
			}
			if _, err := lookup("ses_1", 11); err != nil {
				return err
			}
			_, err = lookup("ses_1", 30) // past the round's read
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
