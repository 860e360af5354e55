-- Leases on the parts of the outbox (see leases.go): each node running a dispatcher says it is
-- alive in automation_nodes and holds about its share of the parts in automation_leases, so
-- that nodes dispatch their own parts rather than all try every part. Times are PostgreSQL's
-- clock in milliseconds, so that nodes' clocks need not agree.
CREATE TABLE automation_nodes (
    node TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);
CREATE TABLE automation_leases (
    part INTEGER PRIMARY KEY,
    node TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO automation_leases (part) SELECT p FROM generate_series(0, 15) AS p;
-- One renewal of a node's leases as one statement (see leases.go): the node says it is alive,
-- keeps its leases, lets go of those beyond its share of the live nodes, and takes expired
-- ones up to its share. It returns the parts the node holds. The lines of the body end in
-- comments because the migration runner splits statements at a line-ending ';'.
CREATE FUNCTION parley_lease_parts(me TEXT, ttl_ms BIGINT) RETURNS SETOF INTEGER LANGUAGE plpgsql AS $$
DECLARE
    now_ms BIGINT := (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT; -- the database's clock
    live INTEGER; -- nodes seen within one lease time
    parts INTEGER; -- how many parts there are
    share INTEGER; -- this node's share of them
    held INTEGER; -- how many this node holds
BEGIN
    INSERT INTO automation_nodes (node, seen_at) VALUES (me, now_ms)
        ON CONFLICT (node) DO UPDATE SET seen_at = EXCLUDED.seen_at; -- alive
    DELETE FROM automation_nodes WHERE seen_at < now_ms - 10 * ttl_ms; -- long gone
    SELECT count(*) INTO live FROM automation_nodes WHERE seen_at >= now_ms - ttl_ms; -- alive
    SELECT count(*) INTO parts FROM automation_leases; -- all parts
    share := (parts + live - 1) / live; -- rounded up, so that every part has a holder
    UPDATE automation_leases SET expires_at = now_ms + ttl_ms WHERE node = me; -- renew
    GET DIAGNOSTICS held = ROW_COUNT; -- held now
    IF held > share THEN
        UPDATE automation_leases SET node = '', expires_at = 0 WHERE part IN (
            SELECT part FROM automation_leases WHERE node = me ORDER BY part DESC LIMIT held - share); -- let go
    ELSIF held < share THEN
        UPDATE automation_leases SET node = me, expires_at = now_ms + ttl_ms WHERE part IN (
            SELECT part FROM automation_leases WHERE expires_at < now_ms
            ORDER BY random() LIMIT share - held FOR UPDATE SKIP LOCKED); -- take free ones
    END IF; -- balanced
    RETURN QUERY SELECT part FROM automation_leases WHERE node = me ORDER BY part; -- held
END
$$;
-- A node that stops lets go of its parts at once, for the others to take at their next renewal.
CREATE FUNCTION parley_release_parts(me TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    UPDATE automation_leases SET node = '', expires_at = 0 WHERE node = me; -- let go
    DELETE FROM automation_nodes WHERE node = me; -- gone
END
$$;
