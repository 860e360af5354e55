-- One run of the outbox sequencer (see sequencer.go) as one statement, so that its lock is held
-- only while PostgreSQL runs it and commits: taken and released across client round trips, a
-- node that stalls (a CPU quota, a pause) held up every writer of the cluster. The lines of the
-- body end in comments because the migration runner splits statements at a line-ending ';'.
CREATE FUNCTION parley_sequence_outbox(max_rows INTEGER) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    n BIGINT; -- rows numbered
BEGIN
    PERFORM pg_advisory_xact_lock(7245019388); -- one run at a time in the cluster
    PERFORM set_config('synchronous_commit', 'off', true); -- see sequenceOnce
    UPDATE outbox o SET seq = x.seq FROM (
        SELECT wid, (SELECT COALESCE(MAX(seq), 0) FROM outbox) + row_number() OVER (ORDER BY wid) AS seq
        FROM outbox WHERE seq IS NULL ORDER BY wid LIMIT max_rows) x
    WHERE o.wid = x.wid; -- the events committed so far, in insert order
    GET DIAGNOSTICS n = ROW_COUNT; -- how many
    RETURN n; -- to the caller
END
$$;
