package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// TestCannedResponseFromSlash has an operator answer with canned responses from the keyboard
// alone: "/" opens the search, Escape closes it leaving the reply untouched, the arrows pick,
// typing filters, Enter inserts the text with the customer's, the operator's and the live
// chat's names filled in, and the reply is sent as written.
func TestCannedResponseFromSlash(t *testing.T) {
	env := demoEnv(t)
	path := sessionPathOf(t, env, "Ann Example")
	var sess struct {
		LiveChatID string `json:"live_chat_id"`
	}
	env.MustDo("GET", "/api/v1/sessions/"+strings.TrimPrefix(path, "/console/sessions/"), env.Admin, nil, 200, &sess)
	env.MustDo("POST", "/api/v1/canned-responses", env.Admin, map[string]any{"title": "Greeting",
		"text": "Hello {customer.name}, this is {operator.name} from {liveChat.name}."}, 201, nil)
	env.MustDo("POST", "/api/v1/livechats/"+sess.LiveChatID+"/canned-responses", env.Admin, map[string]any{"title": "Refund policy",
		"text": "Refunds take five days."}, 201, nil)

	op := onlineOperator(startBrowser(t, env.URL), "olga")
	op.Open(path)
	op.WaitText(sessionState, "Waiting")
	op.Click("#reply-text")
	op.Press("/")
	op.ExpectFocus("#canned-search")
	op.WaitText("#canned-list", "Refund policy")
	op.Press(kb.Escape)
	op.ExpectFocus("#reply-text")
	if !op.Has("[data-canned][hidden]") || op.value("#reply-text") != "" {
		t.Fatalf("after Escape the picker shows or the reply holds %q", op.value("#reply-text"))
	}
	op.Press("/")
	op.WaitText("#canned-list", "Greeting")
	op.Press(kb.ArrowDown)
	op.WaitFor(`#canned-list [aria-selected="true"]#canned-opt-1`)
	if got := op.attr("#canned-search", "aria-activedescendant"); got != "canned-opt-1" {
		t.Fatalf("aria-activedescendant = %q, want canned-opt-1", got)
	}
	op.Shot("canned-picker")
	op.Press(kb.Enter)
	op.ExpectFocus("#reply-text")
	op.Press(" /")
	op.ExpectFocus("#canned-search")
	op.Press("greet")
	op.WaitTrue(`document.querySelectorAll('#canned-list [role=option]').length === 1`)
	op.Press(kb.Enter)
	want := "Refunds take five days. Hello Ann Example, this is olga from Support."
	if got := op.value("#reply-text"); got != want {
		t.Fatalf("the reply holds %q, want %q", got, want)
	}
	op.Click("[data-reply] [type=submit]")
	op.WaitText("[data-messages] .msg-operator", want)
}

func (p *Tab) value(sel string) string {
	var v string
	p.Eval(`document.querySelector(`+jsString(sel)+`).value`, &v)
	return v
}

func (p *Tab) attr(sel, name string) string {
	var v string
	p.Eval(`document.querySelector(`+jsString(sel)+`).getAttribute(`+jsString(name)+`) || ''`, &v)
	return v
}
