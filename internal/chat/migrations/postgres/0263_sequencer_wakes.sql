-- A run of the outbox sequencer that also wakes the cluster's readers of the outbox, with a
-- NOTIFY sent by its own commit: the node used to send it afterwards, as a transaction of its
-- notifier, about one for every run. The lines of the body end in comments because the
-- migration runner splits statements at a line-ending ';'.
CREATE FUNCTION parley_sequence_outbox(max_rows INTEGER, wake TEXT, payload TEXT) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    n BIGINT; -- rows numbered
BEGIN
    n := parley_sequence_outbox(max_rows); -- the run of 0221, in this transaction
    IF n > 0 THEN PERFORM pg_notify(wake, payload); END IF; -- delivered once the run commits
    RETURN n; -- to the caller
END
$$;
