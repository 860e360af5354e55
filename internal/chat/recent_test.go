package chat_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestEventsReadBackAsStored: events read back carry the snapshot as stored, also when a
// rolled-back change had taken the same seqs before.
func TestEventsReadBackAsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		seq := f.latest()
		f.send("v", "hi")
		f.sendUndone("v", "undone")
		f.send("v", "kept")
		var texts []string
		for _, ev := range f.events(seq) {
			var stored string
			f.must(db.Read(f.ctx, func(tx *store.Tx) error {
				return tx.QueryRow(f.ctx, "SELECT snapshot FROM outbox WHERE id = ?", ev.ID).Scan(&stored)
			}))
			var want chat.Snapshot
			f.must(json.Unmarshal([]byte(stored), &want))
			got, _ := json.Marshal(ev.Snapshot)
			again, _ := json.Marshal(want)
			if string(got) != string(again) {
				t.Fatalf("event %d read back as %s, stored as %s", ev.Seq, got, again)
			}
			if ev.Type == chat.EventMessageReceived {
				texts = append(texts, ev.Snapshot.LastMessage.Text)
			}
		}
		if want := []string{"hi", "kept"}; !slices.Equal(texts, want) {
			t.Fatalf("messages read back %v, want %v", texts, want)
		}
	})
}
