-- How allocation writes its rows (src/pg/heap_write.c, writer.c): through
-- the table access method by default, through SQL statements when a table
-- carries a trigger of its own, row level security applies, or
-- lastmile.direct_writes is off.  Both give the same rows; what SQL gave
-- for free (defaults, generated columns, constraints, unique indexes,
-- privileges, user triggers) still holds.  Concurrency: test/specs/42_writes_race.spec.
BEGIN;
SELECT plan(22);

SET client_min_messages = warning;
\set n 400
\i test/fixtures/40_generate.sql

-- scans of a table and its indexes in this transaction
CREATE FUNCTION pg_temp.scans(t regclass) RETURNS bigint LANGUAGE sql AS $$
    SELECT pg_stat_get_xact_numscans(t)
           + (SELECT coalesce(sum(pg_stat_get_xact_numscans(indexrelid)), 0) FROM pg_index WHERE indrelid = t)::bigint
$$;

-- One wave, written one way then the other, each rolled back after its rows
-- are kept (tracking numbers start from the same block both times).
CREATE FUNCTION pg_temp.wave_rows(direct bool) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    res text;
    req_scans bigint := pg_temp.scans('lastmile.transport_request');
    pkg_scans bigint := pg_temp.scans('lastmile.package');
BEGIN
    BEGIN
        PERFORM set_config('lastmile.direct_writes', direct::text, true);
        PERFORM setval('lastmile.tracking_block_seq', 700);
        PERFORM count(*) FROM lastmile.allocate_pending();
        -- scans of the tables while writing (their reading is the same both ways)
        req_scans := pg_temp.scans('lastmile.transport_request') - req_scans;
        pkg_scans := pg_temp.scans('lastmile.package') - pkg_scans;
        SELECT jsonb_build_object(
                   'requests', (SELECT jsonb_agg(to_jsonb(r) ORDER BY r.request_id) FROM lastmile.transport_request r),
                   'allocations', (SELECT jsonb_agg(to_jsonb(a) - 'allocation_id' ORDER BY a.allocation_id)
                                   FROM lastmile.allocation a),
                   'packages', (SELECT jsonb_agg(to_jsonb(p) ORDER BY p.package_id) FROM lastmile.package p),
                   'counters', (SELECT jsonb_agg(to_jsonb(d) ORDER BY d.carrier_id, d.ship_date)
                                FROM lastmile.carrier_day d),
                   'scans', jsonb_build_object('requests', req_scans, 'packages', pkg_scans))::text
        INTO res;
        RAISE EXCEPTION 'roll back' USING DETAIL = res;
    EXCEPTION WHEN raise_exception THEN
        GET STACKED DIAGNOSTICS res = PG_EXCEPTION_DETAIL;
    END;
    RETURN res::jsonb;
END
$$;
CREATE TEMP TABLE ways AS SELECT pg_temp.wave_rows(true) AS direct, pg_temp.wave_rows(false) AS sql;

SELECT is((SELECT jsonb_array_length(direct->'allocations') FROM ways), 400, 'the wave decided 400 requests');
SELECT ok((SELECT (direct->'packages')::text LIKE '%"tracking": "G%' FROM ways), 'tracking numbers were written');
SELECT is((SELECT direct->'requests' FROM ways), (SELECT sql->'requests' FROM ways),
          'direct writes: the same request rows as SQL (status, carrier, price)');
SELECT is((SELECT direct->'allocations' FROM ways), (SELECT sql->'allocations' FROM ways),
          'direct writes: the same allocation rows, in the same order, defaults included');
SELECT is((SELECT direct->'packages' FROM ways), (SELECT sql->'packages' FROM ways),
          'direct writes: the same tracking numbers on the same packages');
SELECT is((SELECT direct->'counters' FROM ways), (SELECT sql->'counters' FROM ways),
          'direct writes: the same capacity counters');
SELECT ok((SELECT (direct->'scans'->>'packages')::int < (sql->'scans'->>'packages')::int
              AND (direct->'scans'->>'requests')::int < (sql->'scans'->>'requests')::int FROM ways),
          'direct writes find the rows by ctid: no scan of requests or packages to write them');

-- A DBA's triggers and rules still fire: a table carrying one is written through SQL.
CREATE TABLE public.lastmile_test_fired (tbl text, op text, n int);
CREATE FUNCTION public.lastmile_test_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.lastmile_test_fired SELECT TG_TABLE_NAME, TG_OP, count(*) FROM new_rows;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit AFTER INSERT ON lastmile.allocation REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.lastmile_test_audit();
CREATE TRIGGER audit AFTER UPDATE ON lastmile.transport_request REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.lastmile_test_audit();
CREATE TRIGGER audit AFTER UPDATE ON lastmile.package REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.lastmile_test_audit();
SELECT isnt(lastmile.allocate(100016), NULL, 'allocate with triggers on the three tables');
SELECT results_eq($$SELECT tbl, op, n FROM public.lastmile_test_fired ORDER BY 1$$,
                  $$VALUES ('allocation', 'INSERT', 1), ('package', 'UPDATE', 2), ('transport_request', 'UPDATE', 1)$$,
                  'each trigger fired once, with the rows written');
SELECT ok((SELECT status = 'allocated' AND carrier_id IS NOT NULL FROM lastmile.transport_request WHERE request_id = 100016)
          AND (SELECT bool_and(lastmile.tracking_valid(tracking)) FROM lastmile.package WHERE request_id = 100016),
          'and the rows were written');
DELETE FROM public.lastmile_test_fired;
SELECT is((SELECT count(*)::int FROM lastmile.allocate_pending('gen2', '2026-11-24')), 200, 'a wave with the triggers');
SELECT results_eq($$SELECT tbl, op, n FROM public.lastmile_test_fired ORDER BY 1$$,
                  $$SELECT * FROM (VALUES ('allocation', 'INSERT', 200)) v
                    UNION ALL SELECT 'package', 'UPDATE', count(*)::int FROM lastmile.package p
                              JOIN lastmile.transport_request r USING (request_id)
                              WHERE r.retailer_id = 'gen2' AND p.tracking IS NOT NULL
                    UNION ALL VALUES ('transport_request', 'UPDATE', 200) ORDER BY 1$$,
                  'a wave fires each statement trigger with all its rows');
DROP TRIGGER audit ON lastmile.allocation;
DROP TRIGGER audit ON lastmile.transport_request;
DROP TRIGGER audit ON lastmile.package;
-- and a rule
DELETE FROM public.lastmile_test_fired;
CREATE RULE audit AS ON UPDATE TO lastmile.package
    DO ALSO INSERT INTO public.lastmile_test_fired VALUES ('package rule', 'UPDATE', 1);
SELECT lastmile.allocate(100028) \g /dev/null
SELECT results_eq($$SELECT tbl, count(*)::int FROM public.lastmile_test_fired GROUP BY 1$$,
                  $$VALUES ('package rule', 2)$$, 'a rule on package applies to each package updated');
DROP RULE audit ON lastmile.package;

-- Columns a DBA adds to the log: defaults, identities and generated columns are filled.
ALTER TABLE lastmile.allocation ADD COLUMN note text DEFAULT 'by default',
    ADD COLUMN twice float8 GENERATED ALWAYS AS (score * 2) STORED,
    ADD COLUMN serial_no bigint GENERATED ALWAYS AS IDENTITY;
SELECT isnt(lastmile.allocate(100004), NULL, 'allocate with three more columns on allocation');
SELECT results_eq($$SELECT note, twice = score * 2, serial_no IS NOT NULL, decided_at = now()
                    FROM lastmile.allocation WHERE request_id = 100004$$,
                  $$VALUES ('by default', true, true, true)$$,
                  'a default, a generated column and an identity are filled; decided_at is now()');
-- and the constraints added too
ALTER TABLE lastmile.allocation ADD CONSTRAINT price_cap CHECK (price < 0.01) NOT VALID;
SELECT throws_ok($$SELECT lastmile.allocate(100006)$$, '23514', NULL, 'a CHECK constraint of allocation is checked');
ALTER TABLE lastmile.allocation DROP CONSTRAINT price_cap;
ALTER TABLE lastmile.transport_request ADD CONSTRAINT dear CHECK (price IS NULL OR price > 1000) NOT VALID;
SELECT throws_ok($$SELECT lastmile.allocate(100006)$$, '23514', NULL, 'a CHECK constraint of transport_request is checked');
ALTER TABLE lastmile.transport_request DROP CONSTRAINT dear;

-- A tracking number already taken: the unique index refuses it.
SELECT setval('lastmile.tracking_block_seq', 900) \g /dev/null
SELECT lastmile.allocate(100012) \g /dev/null
SELECT tracking AS taken FROM lastmile.package WHERE request_id = 100012 ORDER BY package_id LIMIT 1 \gset
UPDATE lastmile.package SET tracking = NULL WHERE request_id = 100012;
UPDATE lastmile.package SET tracking = :'taken'
WHERE package_id = (SELECT min(package_id) FROM lastmile.package WHERE request_id = 100014);
SELECT setval('lastmile.tracking_block_seq', 900) \g /dev/null
SELECT throws_ok($$SELECT lastmile.allocate(100012, force => true)$$, '23505',
                 'duplicate key value violates unique constraint "package_tracking_key"',
                 'a duplicate tracking number raises unique_violation');

-- Privileges: checked as SQL would, with its error.
CREATE ROLE lastmile_test_writer BYPASSRLS;
GRANT USAGE ON SCHEMA lastmile TO lastmile_test_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA lastmile TO lastmile_test_writer;
GRANT USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA lastmile TO lastmile_test_writer;
GRANT UPDATE ON lastmile.transport_request TO lastmile_test_writer;
GRANT INSERT ON lastmile.allocation TO lastmile_test_writer;
SET ROLE lastmile_test_writer;
SELECT throws_ok($$SELECT lastmile.allocate(100018)$$, '42501', 'permission denied for table package',
                 'no UPDATE on package: permission denied');
RESET ROLE;
GRANT UPDATE (tracking) ON lastmile.package TO lastmile_test_writer;
SET ROLE lastmile_test_writer;
SELECT isnt(lastmile.allocate(100018), NULL, 'UPDATE on the column tracking is enough');
RESET ROLE;
REVOKE INSERT ON lastmile.allocation FROM lastmile_test_writer;
SET ROLE lastmile_test_writer;
SELECT throws_ok($$SELECT lastmile.allocate(100024)$$, '42501', 'permission denied for table allocation',
                 'no INSERT on allocation: permission denied');
RESET ROLE;
REVOKE UPDATE ON lastmile.transport_request FROM lastmile_test_writer;
GRANT INSERT ON lastmile.allocation TO lastmile_test_writer;
GRANT UPDATE (carrier_id, price) ON lastmile.transport_request TO lastmile_test_writer;
SET ROLE lastmile_test_writer;
SELECT throws_ok($$SELECT lastmile.allocate(100024)$$, '42501', 'permission denied for table transport_request',
                 'no UPDATE on transport_request.status: permission denied');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
