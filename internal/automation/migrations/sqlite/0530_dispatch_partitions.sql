-- PostgreSQL's dispatcher gains a cursor per part of the outbox in 0530 (see partitions.go).
-- SQLite has one writer and one dispatcher, which keeps its single cursor; this records the
-- version only.
SELECT 1;
