package automation

import (
	"context"
	"testing"

	"github.com/parleychat/parley/internal/chat"
	"github.com/parleychat/parley/internal/store"
	"github.com/parleychat/parley/internal/store/storetest"
)

// TestChainOfProcessesIsBounded closes a session on behalf of an instance that is already
// the third link of an automatic chain: the session_closed binding must not start a fourth.
// A close by an instance outside any chain still starts, one link deep.
func TestChainOfProcessesIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStack(t, db)
		a := New(db, s.chat, s.process, nil, Options{})
		_, err := a.SaveBinding(s.ctx, s.chatID, chat.EventSessionClosed, BindingInput{Process: "echo"})
		must(t, err)
		ctx := context.Background()
		must(t, db.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO automation_log (id, event_id, event_seq, event, live_chat_id, session_id,
				process_code, outcome, reason, instance_id, chain_depth, at) VALUES ('l1', 'e1', 0, 'session_closed', ?, 's', 'echo', 'started', '', 'pi_deep', ?, 0)`,
				s.chatID, MaxChainDepth)
			return err
		}))
		s.write(t, 2, 1)
		sessions := s.sessionIDs(t)
		_, err = s.chat.Close(ctx, sessions[0], chat.ProcessActor("pi_deep"))
		must(t, err)
		_, err = s.chat.Close(ctx, sessions[1], chat.ProcessActor("pi_manual"))
		must(t, err)
		drainAll(t, a)
		outcome := map[string]string{}
		depth := map[string]int{}
		must(t, db.Read(ctx, func(tx *store.Tx) error {
			rows, err := tx.Query(ctx, "SELECT session_id, outcome, chain_depth FROM automation_log WHERE id <> 'l1'")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var sess, out string
				var d int
				if err := rows.Scan(&sess, &out, &d); err != nil {
					return err
				}
				outcome[sess], depth[sess] = out, d
			}
			return rows.Err()
		}))
		if outcome[sessions[0]] != Skipped || outcome[sessions[1]] != Started || depth[sessions[1]] != 1 {
			t.Fatalf("outcomes %v, depths %v; want the deep chain skipped and the short one started at depth 1", outcome, depth)
		}
	})
}

func (s *stack) sessionIDs(t *testing.T) []string {
	var ids []string
	must(t, s.db.Read(s.ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(s.ctx, "SELECT id FROM sessions ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	}))
	return ids
}
