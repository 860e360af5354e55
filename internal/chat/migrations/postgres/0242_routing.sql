-- Automatic distribution and working hours per live chat (DOMAIN.md, "Routing").
-- routing_mode is manual, round_robin or least_busy; routing_limit caps an operator's open
-- sessions in the live chat (0: no cap); reassign_after is the hand-on time in seconds after
-- which an unanswered routed session goes to the next operator (0: never). working_hours is
-- the JSON of chat.WorkingHours, '' while none are set (always working).
ALTER TABLE live_chats ADD COLUMN routing_mode TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE live_chats ADD COLUMN routing_limit BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_chats ADD COLUMN reassign_after BIGINT NOT NULL DEFAULT 0;
ALTER TABLE live_chats ADD COLUMN working_hours TEXT NOT NULL DEFAULT '';

-- routed_at is when routing gave the session to its operator, NULL once the operator answered
-- or a person chose the operator: only routed, unanswered sessions are handed on.
-- off_hours_key names the out-of-hours period the auto reply was sent in (its end), so that a
-- session gets it once per period.
ALTER TABLE sessions ADD COLUMN routed_at BIGINT;
ALTER TABLE sessions ADD COLUMN off_hours_key BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sessions_routed ON sessions(routed_at) WHERE routed_at IS NOT NULL;

-- The round robin pointer, in the database so that every node takes turns from one queue:
-- turn grows by one per routed session in the live chat, and the operator with the lowest
-- turn (none: never routed to) is next.
CREATE TABLE routing_turns (
    live_chat_id TEXT NOT NULL REFERENCES live_chats(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    turn BIGINT NOT NULL,
    last_assigned_at BIGINT NOT NULL,
    PRIMARY KEY (live_chat_id, user_id)
);
