-- SQLite workload of scripts/test-programs.mjs, run by the SQLite shell (shell.c + sqlite3.c from
-- the SQLite amalgamation that the npm package sqlite3 ships) on an in-memory database:
--   sqlite3 -batch :memory: < (the line "CREATE TABLE params AS SELECT <rows> AS n;" + this file)
-- The script sets the row count; everything else is fixed, and the output (list mode, one line per
-- result row) depends only on it: no random(), no clock, no float printed without round().
-- Each block ends with a checksum of what it built (the shell's sha3 functions), so a malloc that
-- corrupts a row, a page or an index shows up as a different line; integrity checks (the b-trees
-- and the FTS5 index) stop the script with an error.
.bail on
.headers off
PRAGMA cache_size = -32768;
PRAGMA temp_store = memory;

-- 1. a table of n deterministic rows of integers, text, reals and blobs of 0..299 bytes
CREATE TABLE t1(id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c REAL, d BLOB);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < (SELECT n FROM params))
INSERT INTO t1
SELECT i,
       (i * 7919) % 100003,
       printf('name-%08d-%s', (i * 31337) % 1000003,
              substr('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', 1 + i % 26, 1 + (i * 13) % 27)),
       (i % 1000) / 8.0,
       CAST(printf('%.*c', i % 300, char(65 + i % 26)) AS BLOB)
FROM s;
SELECT 'rows', count(*), sum(a), sum(length(b)), sum(length(d)), round(total(c), 3) FROM t1;

-- 2. indexes, then updates and deletes that move rows through them
CREATE INDEX t1_a ON t1(a);
CREATE INDEX t1_b ON t1(b);
CREATE INDEX t1_ca ON t1(c, a DESC);
UPDATE t1 SET b = b || '-updated', c = c * 2 WHERE a % 5 = 0;
UPDATE t1 SET d = CAST(printf('%.*c', 400 + id % 200, 'z') AS BLOB) WHERE id % 11 = 0;
DELETE FROM t1 WHERE id % 7 = 3;
SELECT 'after changes', count(*), sum(a), sum(length(b)), sum(length(d)) FROM t1;
SELECT 'index a', count(*) FROM t1 WHERE a BETWEEN 1000 AND 50000;
SELECT 'index b', count(*), min(b), max(b) FROM t1 WHERE b LIKE 'name-0001%';
PRAGMA integrity_check;
SELECT 'hash t1', lower(hex(sha3_query('SELECT * FROM t1 ORDER BY id', 256)));

-- 3. joins, grouping, sorting through temporary b-trees, window functions
CREATE TABLE groups(g INTEGER PRIMARY KEY, label TEXT);
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 96)
INSERT INTO groups SELECT i, 'group-' || hex(i * 2654435761 % 65536) FROM s;
SELECT 'groups', count(*), sum(cnt), sum(total_a), max(longest)
FROM (SELECT g.label, count(*) AS cnt, sum(t1.a) AS total_a, max(length(t1.b)) AS longest
      FROM t1 JOIN groups AS g ON g.g = t1.a % 97 GROUP BY g.label ORDER BY total_a DESC);
SELECT 'window', lower(hex(sha3_query(
  'SELECT id, sum(a) OVER (ORDER BY id ROWS BETWEEN 50 PRECEDING AND CURRENT ROW),
          rank() OVER (PARTITION BY a % 13 ORDER BY b),
          lag(b, 3) OVER (ORDER BY a, id)
   FROM t1 ORDER BY id', 256)));
SELECT 'distinct', count(DISTINCT substr(b, 1, 9)), count(DISTINCT a % 1000) FROM t1;

-- 4. long strings and JSON built in memory and taken apart again
SELECT 'group_concat', length(x), lower(hex(sha3(x, 256)))
FROM (SELECT group_concat(b, ';') AS x FROM (SELECT b FROM t1 ORDER BY a, id));
CREATE TABLE docs(id INTEGER PRIMARY KEY, doc TEXT);
INSERT INTO docs
SELECT id, json_object('id', id, 'name', b, 'tags', json_array(a % 10, a % 100, a % 1000),
                       'nested', json_object('k', printf('%.*c', id % 50, 'q'), 'v', a))
FROM t1 WHERE id % 3 = 0;
SELECT 'json', count(*), sum(json_extract(doc, '$.nested.v')), sum(json_array_length(doc, '$.tags')),
       sum(length(json_extract(doc, '$.nested.k')))
FROM docs;
SELECT 'json_group_array', length(j), lower(hex(sha3(j, 256)))
FROM (SELECT json_group_array(json(doc)) AS j FROM (SELECT doc FROM docs ORDER BY id LIMIT 20000));
SELECT 'json_each', count(*), sum(CAST(value AS INTEGER))
FROM docs, json_each(docs.doc, '$.tags') WHERE docs.id % 10 = 0;

-- 5. full-text search (FTS5): an index built from the rows, queried, rebuilt, optimized
CREATE VIRTUAL TABLE fts USING fts5(title, body);
INSERT INTO fts(rowid, title, body)
SELECT id, b,
       printf('word%d alpha%d beta%d %s gamma%d', a % 50, a % 7, id % 13, substr(b, 6, 8), id % 101)
FROM t1;
SELECT 'fts match', count(*) FROM fts WHERE fts MATCH 'alpha3 AND beta5';
SELECT 'fts prefix', count(*) FROM fts WHERE fts MATCH 'word1*';
SELECT 'fts phrase', count(*) FROM fts WHERE fts MATCH '"alpha2 beta7"';
SELECT 'fts rank', lower(hex(sha3_query(
  'SELECT rowid FROM fts WHERE fts MATCH ''gamma42 OR word7'' ORDER BY bm25(fts), rowid', 256)));
INSERT INTO fts(fts) VALUES('rebuild');
INSERT INTO fts(fts) VALUES('optimize');
SELECT 'fts after rebuild', count(*) FROM fts WHERE fts MATCH 'alpha3 AND beta5';
DELETE FROM fts WHERE rowid % 4 = 0;
SELECT 'fts after delete', count(*) FROM fts WHERE fts MATCH 'word1*';
INSERT INTO fts(fts) VALUES('integrity-check');

-- 6. a table built, copied, dropped and vacuumed away, then everything left hashed: the rows of
-- every table and the schema. Not FTS5's own b-trees (fts_data, fts_idx): when FTS5 flushes its
-- pending terms depends on how large its hash table has grown, which counts pointer-sized fields,
-- so their layout differs between 32-bit wasm and 64-bit native builds (the FTS5 content and the
-- integrity-check above cover them).
CREATE TABLE copy AS SELECT id, upper(b) AS b, a * 3 AS a3, d FROM t1 WHERE id % 2 = 0;
CREATE INDEX copy_b ON copy(b);
SELECT 'copy', count(*), sum(a3), sum(length(d)) FROM copy;
DROP TABLE copy;
VACUUM;
PRAGMA integrity_check;
SELECT 'tables', group_concat(name, ',') FROM (SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name);
SELECT 'hash all', lower(hex(sha3_query(
  'SELECT * FROM t1 ORDER BY id; SELECT * FROM docs ORDER BY id; SELECT * FROM groups ORDER BY g;
   SELECT * FROM params; SELECT rowid, title, body FROM fts ORDER BY rowid;
   SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name', 256)));
