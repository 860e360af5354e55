-- SQLite's writer takes the outbox's seqs from memory from 0264; PostgreSQL's sequencer is unchanged.
SELECT 1;
