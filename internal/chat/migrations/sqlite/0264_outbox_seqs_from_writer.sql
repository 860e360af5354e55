-- From this version the single writer gives events their seqs from memory (chat's takeSeqs),
-- no longer by advancing outbox_counter, which stays as a floor for the seqs written before.
-- The version is recorded so that an older parley, which would take seqs from the counter
-- and collide with the newer events, refuses this database instead.
SELECT 1;
