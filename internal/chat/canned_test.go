package chat_test

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

func (f *fixture) cannedTitles(liveChatID string) []string {
	f.t.Helper()
	list, err := f.chat.CannedResponses(f.ctx, f.operator, liveChatID)
	f.must(err)
	titles := []string{}
	for _, c := range list.Items {
		titles = append(titles, c.Title)
	}
	return titles
}

// A live chat offers the global canned responses and its own; its supervisor keeps its own,
// only administrators keep the global ones.
func TestCannedResponses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		global, err := f.chat.CreateCannedResponse(f.ctx, f.admin, "", chat.CannedInput{Title: "Greeting", Text: "Hello {customer.name}, this is {operator.name}."})
		f.must(err)
		own, err := f.chat.CreateCannedResponse(f.ctx, f.supervisor, f.lc.ID, chat.CannedInput{Title: " Bye ", Text: "Thanks for writing to {liveChat.name}."})
		f.must(err)
		if own.Title != "Bye" || own.LiveChatID != f.lc.ID || global.LiveChatID != "" {
			t.Fatalf("created %+v and %+v", own, global)
		}
		if got := f.cannedTitles(f.lc.ID); len(got) != 2 || got[0] != "Bye" || got[1] != "Greeting" {
			t.Fatalf("Support offers %v, want [Bye Greeting]", got)
		}
		if _, err := f.chat.CreateCannedResponse(f.ctx, f.supervisor, "", chat.CannedInput{Title: "x", Text: "y"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("supervisor's global response: %v, want forbidden", err)
		}
		if _, err := f.chat.UpdateCannedResponse(f.ctx, f.supervisor, global.ID, chat.CannedInput{Title: "x", Text: "y"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("supervisor edits a global response: %v, want forbidden", err)
		}
		if _, err := f.chat.CreateCannedResponse(f.ctx, f.operator, f.lc.ID, chat.CannedInput{Title: "x", Text: "y"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("operator's response: %v, want forbidden", err)
		}
		if _, err := f.chat.CannedResponses(f.ctx, f.stranger, f.lc.ID); err == nil {
			t.Fatal("another live chat's operator listed Support's responses")
		}
		changed, err := f.chat.UpdateCannedResponse(f.ctx, f.supervisor, own.ID, chat.CannedInput{Title: "Goodbye", Text: "Bye {customer.name}"})
		f.must(err)
		if changed.Title != "Goodbye" || changed.LiveChatID != f.lc.ID {
			t.Fatalf("updated %+v", changed)
		}
		f.must(f.chat.DeleteCannedResponse(f.ctx, f.admin, global.ID))
		if got := f.cannedTitles(f.lc.ID); len(got) != 1 || got[0] != "Goodbye" {
			t.Fatalf("after delete Support offers %v", got)
		}
		if err := f.chat.DeleteCannedResponse(f.ctx, f.admin, global.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleting twice: %v, want not found", err)
		}
	})
}

func TestCannedResponseChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cases := []struct {
			in    chat.CannedInput
			field string
		}{
			{chat.CannedInput{Text: "x"}, "title"},
			{chat.CannedInput{Title: "x"}, "text"},
			{chat.CannedInput{Title: "x", Text: "Hi {customer.email}"}, "text"},
		}
		for _, c := range cases {
			_, err := f.chat.CreateCannedResponse(f.ctx, f.admin, f.lc.ID, c.in)
			if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), c.field) {
				t.Fatalf("%+v: %v, want invalid naming %s", c.in, err, c.field)
			}
		}
		if _, err := f.chat.CreateCannedResponse(f.ctx, f.admin, "lch_none", chat.CannedInput{Title: "x", Text: "y"}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown live chat: %v, want not found", err)
		}
		if got := f.cannedTitles(f.lc.ID); len(got) != 0 {
			t.Fatalf("refused responses were stored: %v", got)
		}
	})
}
