-- lastmile 0.1.0 — install script, assembled from sql/NN-*.sql.
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION lastmile CASCADE" to load this file. \quit

-- Every object lives in schema lastmile, which the script creates itself so
-- that it is a member of the extension and DROP EXTENSION removes it too
-- (a schema named in the control file would stay behind).  Functions pin
-- the path set here (SET search_path FROM CURRENT): lastmile, then the
-- schemas of postgis and btree_gist that CREATE EXTENSION put on the path.
CREATE SCHEMA lastmile;
COMMENT ON SCHEMA lastmile IS 'lastmile: last-mile delivery orchestration (tables, types, functions, views).';
SELECT pg_catalog.set_config('search_path', 'lastmile, ' || pg_catalog.current_setting('search_path'), true);

