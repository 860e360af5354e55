package web_test

import (
	"strings"
	"testing"
)

// TestPrivateNoteStaysWithStaff has an operator add a note on a session: it is shown in the
// session's notes, apart from the conversation, the focus stays in the note box for the
// next one, and the note is still there after a reload.
func TestPrivateNoteStaysWithStaff(t *testing.T) {
	env := demoEnv(t)
	op := onlineOperator(startBrowser(t, env.URL), "olga")
	path := sessionPathOf(t, env, "Ann Example")
	op.Open(path)
	op.WaitText(sessionState, "Waiting")
	const note = "Called her yesterday, prefers email."
	op.Fill("#note-text", note)
	op.Click("[data-note-form] [type=submit]")
	op.WaitText("[data-notes] li", note)
	op.ExpectFocus("#note-text")
	if strings.Contains(op.Text("[data-messages]"), note) {
		t.Fatal("the note is shown in the conversation")
	}
	op.Shot("private-note")
	op.Open(path)
	op.WaitText("[data-notes] li", note)
}
