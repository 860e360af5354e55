package chat_test

import (
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/auth"
	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

func (f *fixture) list(u *auth.User, filter chat.SessionFilter) []string {
	f.t.Helper()
	list, err := f.chat.Sessions(f.ctx, u, filter)
	f.must(err)
	ids := []string{}
	for _, s := range list.Items {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestVisibility(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		waiting := f.customer("waiting").Session.ID
		mine := f.sessionIn(chat.Assigned) // assigned to op
		spam := f.sessionIn(chat.Spam)
		closed := f.sessionIn(chat.Closed)
		open := []string{closed, mine, waiting} // spam hidden
		cases := []struct {
			name   string
			user   *auth.User
			filter chat.SessionFilter
			want   []string
		}{
			{"admin sees all but spam", f.admin, chat.SessionFilter{}, open},
			{"supervisor sees all but spam", f.supervisor, chat.SessionFilter{}, open},
			{"an offline operator still reads", f.offline, chat.SessionFilter{}, open},
			{"a stranger sees nothing", f.stranger, chat.SessionFilter{}, []string{}},
			{"spam only when asked for", f.operator, chat.SessionFilter{States: []chat.State{chat.Spam}}, []string{spam}},
			{"several states", f.operator, chat.SessionFilter{States: []chat.State{chat.Waiting, chat.Assigned}}, []string{mine, waiting}},
			{"mine", f.operator, chat.SessionFilter{Mine: true}, []string{mine}},
			{"one live chat", f.admin, chat.SessionFilter{LiveChatID: f.lc.ID}, open},
		}
		for _, c := range cases {
			// Ids sort by millisecond only, so the order within one is not fixed here.
			got := f.list(c.user, c.filter)
			slices.Sort(got)
			slices.Sort(c.want)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		_, err := f.chat.Sessions(f.ctx, f.stranger, chat.SessionFilter{LiveChatID: f.lc.ID})
		wantCode(t, err, errs.Forbidden)
		_, err = f.chat.Sessions(f.ctx, f.admin, chat.SessionFilter{States: []chat.State{"lost"}})
		wantCode(t, err, errs.Invalid)
		// Another live chat's session is concealed: not found, as if it did not exist.
		_, err = f.chat.Session(f.ctx, f.stranger, waiting)
		wantCode(t, err, errs.NotFound)
		_, err = f.chat.Messages(f.ctx, f.stranger, waiting, store.Page{})
		wantCode(t, err, errs.NotFound)
		_, err = f.chat.Messages(f.ctx, f.offline, waiting, store.Page{})
		wantCode(t, err, "")
	})
}

func TestSessionsPaged(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var want []string
		for i := 0; i < 5; i++ {
			want = append([]string{f.customer("hi").Session.ID}, want...)
			time.Sleep(2 * time.Millisecond) // ids sort by millisecond
		}
		var got []string
		p := store.Page{Limit: 2}
		for {
			list, err := f.chat.Sessions(f.ctx, f.operator, chat.SessionFilter{Page: p})
			f.must(err)
			for _, s := range list.Items {
				got = append(got, s.ID)
			}
			if list.NextCursor == "" {
				break
			}
			p.Cursor = list.NextCursor
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pages %v, want %v", got, want)
		}
	})
}

func TestVisibleLiveChats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.must(db.Read(f.ctx, func(tx *store.Tx) error {
			ids, all, err := chat.VisibleLiveChats(f.ctx, tx, f.operator)
			if err != nil || all || !slices.Equal(ids, []string{f.lc.ID}) {
				t.Errorf("operator: %v %v %v", ids, all, err)
			}
			_, all, err = chat.VisibleLiveChats(f.ctx, tx, f.admin)
			if err != nil || !all {
				t.Errorf("admin: %v %v", all, err)
			}
			return nil
		}))
	})
}
