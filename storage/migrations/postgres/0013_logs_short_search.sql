-- Full-text search of short logs without reading the table. A search of
-- logs reads every log of the caller's actors that might match (a term in
-- all of them: every one) to count the matches exactly, and the logs of an
-- actor lie one here, one there across the table, as they were written
-- between others' executions: 10,000 logs of a user were 10,000 heap pages,
-- most of them read from the OS cache (shared_buffers cannot hold the
-- table), 25-35 ms of a backend's time per search in the scale bench. The
-- GIN index (0006) does not help: an index scan's matches are still
-- fetched from the heap to be counted, and walking a term found in every
-- log costs about as much again.
--
-- Short logs, the common case, are now searched in an index that holds
-- their documents, an actor's logs side by side in it: the search is an
-- index-only scan (the newest-first page and the count from it; the page's
-- rows are then read by key), 100-odd index pages for those 10,000 logs.
-- A log is short when its text is at most 256 bytes: its tsvector is then
-- at most about 1.2 KB (hyphenated words of two letters are the worst
-- found, 1,122 bytes), which leaves room in a btree tuple (at most 2,704
-- bytes) for the tenant and ids. Longer logs are found through
-- logs_long_by_actor and read from the table, as before. The two partial
-- indexes replace logs_by_actor, so a log still enters as many indexes as
-- before; a search reads the two parts as a UNION ALL (storage/search.go's
-- logsSearched), and the predicates must stay written exactly as here for
-- the planner to use the indexes.
CREATE INDEX logs_short_search ON logs (tenant, actor_id, seq) INCLUDE (execution_id, search_doc)
    WHERE octet_length(text) <= 256;
CREATE INDEX logs_long_by_actor ON logs (tenant, actor_id, seq) WHERE octet_length(text) > 256;
DROP INDEX logs_by_actor;
