package chat_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// search returns the sessions the user finds with q, by id.
func (f *fixture) search(u *auth.User, q string) map[string]*chat.SearchHit {
	f.t.Helper()
	list, err := f.chat.Search(f.ctx, u, q)
	f.must(err)
	out := map[string]*chat.SearchHit{}
	for _, h := range list.Items {
		out[h.Session.ID] = h
	}
	return out
}

// otherChatCustomer sends a message to the Sales live chat, which Support's staff do not see.
func (f *fixture) otherChatCustomer(text string) *chat.Receipt {
	f.t.Helper()
	list, err := f.chat.LiveChats(f.ctx, f.admin, store.Page{})
	f.must(err)
	for _, lc := range list.Items {
		if lc.Name == "Sales" {
			r, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: lc.Channels[0].ID, Identity: "olga", Text: text, Customer: chat.CustomerInfo{Name: "Olga"}})
			f.must(err)
			return r
		}
	}
	f.t.Fatal("no Sales live chat")
	return nil
}

// The search finds sessions by the customer's name and by message text in any script, as a
// prefix of each word, and only in the live chats the caller works in.
func TestSearchFindsByNameAndText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cyr, err := f.chat.Receive(f.ctx, chat.Inbound{ChannelID: f.widget.ID, Identity: "ivan", Text: "Здравствуйте, где мой заказ номер 4711?",
			Customer: chat.CustomerInfo{Name: "Иван Петров"}})
		f.must(err)
		latin := f.customer("The parcel arrived broken")
		other := f.otherChatCustomer("Иван from Sales asks about a broken parcel")

		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"иван", []string{cyr.Session.ID}},
			{"ПЕТР", []string{cyr.Session.ID}},
			{"заказ 4711", []string{cyr.Session.ID}},
			{"broken parcel", []string{latin.Session.ID}},
			{"Ann visitor", []string{latin.Session.ID}},
			{"nothing-like-this", nil},
		} {
			got := f.search(f.operator, tc.q)
			if len(got) != len(tc.want) {
				t.Errorf("%q found %d sessions, want %v", tc.q, len(got), tc.want)
			}
			for _, id := range tc.want {
				if got[id] == nil {
					t.Errorf("%q did not find %s", tc.q, id)
				}
			}
			if got[other.Session.ID] != nil {
				t.Errorf("%q found another live chat's session", tc.q)
			}
		}
		hit := f.search(f.operator, "заказ")[cyr.Session.ID]
		if hit.Match != "message" || !strings.Contains(hit.Snippet, "заказ номер 4711") || hit.Session.Customer.Name != "Иван Петров" {
			t.Fatalf("hit = %+v", hit)
		}
		if hit := f.search(f.operator, "Иван")[cyr.Session.ID]; hit.Match != "customer" {
			t.Fatalf("a name's hit says %q, want customer", hit.Match)
		}
		if got := f.search(f.stranger, "broken"); len(got) != 1 || got[other.Session.ID] == nil {
			t.Fatalf("Sales' operator found %v, want Sales' session alone", got)
		}
		if got := f.search(f.admin, "broken"); len(got) != 2 {
			t.Fatalf("an administrator found %d sessions, want both live chats'", len(got))
		}
	})
}

// Notes are searched for staff, and a customer's later message is found as soon as it is
// committed: the index is kept in the writing transaction.
func TestSearchFollowsWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sess := f.customer("hello").Session
		_, err := f.chat.AddNote(f.ctx, f.operator, sess.ID, "Promised a refund by Friday")
		f.must(err)
		if hit := f.search(f.operator, "refund")[sess.ID]; hit == nil || hit.Match != "note" {
			t.Fatalf("note search = %+v", hit)
		}
		f.send("visitor-1", "Ещё вопрос про доставку")
		if hit := f.search(f.operator, "доставк")[sess.ID]; hit == nil || hit.Match != "message" {
			t.Fatalf("a new message is not found: %+v", hit)
		}
	})
}

func TestSearchRefusesEmptyQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, q := range []string{"", "  ", "!!! ---", strings.Repeat("a", chat.MaxSearchQuery+1)} {
			_, err := f.chat.Search(f.ctx, f.operator, q)
			var e *errs.Error
			if !errs.Is(err, errs.Invalid) || !errors.As(err, &e) || !strings.HasPrefix(e.Message, "q:") {
				t.Errorf("query %q: %v, want invalid naming q", q, err)
			}
		}
		// Quotes and operators of the index's syntax are only punctuation here.
		f.customer(`say "hello" OR NOT`)
		if got := f.search(f.operator, `"hello" OR (`); len(got) != 1 {
			t.Fatalf("a query with syntax characters found %d sessions", len(got))
		}
	})
}
