package chat

import (
	"context"

	"github.com/parleychat/parley/internal/store"
)

// EventsBySeq returns the events with the given seqs, in seq order; seqs that name no event
// are left out. Consumers that recorded an event's seq use it to read its snapshot again.
func EventsBySeq(ctx context.Context, tx *store.Tx, seqs []int64) ([]Event, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	args := make([]any, len(seqs))
	for i, seq := range seqs {
		args[i] = seq
	}
	return queryEvents(ctx, tx, "WHERE seq "+store.In(len(seqs))+" ORDER BY seq", args...)
}

// RecentScan bounds how many of the newest outbox events RecentEvents looks through. The
// outbox is indexed by seq only (see the migration), so a search by live chat reads a range
// of the newest seqs; the bound keeps that read small whatever the outbox's size.
const RecentScan = 50000

// RecentEvents returns up to limit of a live chat's newest events of one type, newest first,
// found among the newest RecentScan events of the outbox.
func RecentEvents(ctx context.Context, tx *store.Tx, liveChatID, typ string, limit int) ([]Event, error) {
	latest, err := LatestSeq(ctx, tx)
	if err != nil {
		return nil, err
	}
	return queryEvents(ctx, tx, "WHERE seq > ? AND live_chat_id = ? AND type = ? ORDER BY seq DESC LIMIT ?",
		latest-RecentScan, liveChatID, typ, limit)
}
