-- Only instances started with an Idempotency-Key need the unique index: automatic starts,
-- nearly all of them, have none (NULL), and each paid an index entry that nothing reads.
-- The look-up (created_by = ? AND idempotency_key = ?) implies the condition, so it still
-- uses the index, and a repeat that races the first still fails on it.
DROP INDEX process_instances_idempotency;
CREATE UNIQUE INDEX process_instances_idempotency ON process_instances(created_by, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
