-- PostgreSQL's dispatchers hold leases on the parts of the outbox from 0550 (see leases.go).
-- SQLite has one node and one dispatcher; this records the version only.
SELECT 1;
