-- allocate_pending gives exactly the result of allocate() on each new
-- request in request_id order: 3,000 generated requests (test/fixtures/
-- 40_generate.sql) over two ship dates, two carriers whose daily capacity
-- binds, quotes, gaps in a rate grid, requests outside every area.
BEGIN;
SELECT plan(16);

SET client_min_messages = warning;
\set n 3000
\i test/fixtures/40_generate.sql

-- One by one, in a subtransaction rolled back after its results are kept.
CREATE TEMP TABLE one_by_one (request_id bigint, status text, carrier_id text, price numeric,
                              score float8, zone text, ranking jsonb, rejected jsonb, tracked bigint);
DO $$
DECLARE
    res text;
    id bigint;
BEGIN
    BEGIN
        FOR id IN SELECT r.request_id FROM lastmile.transport_request r WHERE r.status = 'new' ORDER BY 1 LOOP
            PERFORM lastmile.allocate(id);
        END LOOP;
        SELECT jsonb_agg(jsonb_build_object(
                   'request_id', r.request_id, 'status', r.status, 'carrier_id', r.carrier_id,
                   'price', r.price, 'score', a.score, 'zone', a.zone, 'ranking', a.ranking,
                   'rejected', a.rejected,
                   'tracked', (SELECT count(*) FROM lastmile.package p
                               WHERE p.request_id = r.request_id AND lastmile.tracking_valid(p.tracking))))::text
        INTO res
        FROM lastmile.transport_request r JOIN lastmile.allocation a ON a.request_id = r.request_id;
        RAISE EXCEPTION 'roll back' USING DETAIL = res;
    EXCEPTION WHEN raise_exception THEN
        GET STACKED DIAGNOSTICS res = PG_EXCEPTION_DETAIL;
    END;
    INSERT INTO one_by_one
    SELECT * FROM jsonb_to_recordset(res::jsonb)
        AS x(request_id bigint, status text, carrier_id text, price numeric, score float8, zone text,
             ranking jsonb, rejected jsonb, tracked bigint);
END
$$;

SELECT is((SELECT count(*) FROM one_by_one), 3000::bigint, 'allocate decided every request');
SELECT ok((SELECT count(*) FROM lastmile.allocation) = 0, 'the one-by-one run was rolled back');

CREATE TEMP TABLE wave AS SELECT * FROM lastmile.allocate_pending();
SELECT is((SELECT count(*) FROM wave), 3000::bigint, 'allocate_pending returns one row per request');
SELECT is((SELECT array_agg(request_id ORDER BY request_id) FROM wave),
          (SELECT array_agg(request_id ORDER BY request_id) FROM one_by_one), 'the same requests');

CREATE TEMP TABLE pending AS
SELECT r.request_id, r.status::text, r.carrier_id, r.price, a.score, a.zone, a.ranking, a.rejected,
       (SELECT count(*) FROM lastmile.package p WHERE p.request_id = r.request_id
        AND lastmile.tracking_valid(p.tracking)) AS tracked
FROM lastmile.transport_request r JOIN lastmile.allocation a ON a.request_id = r.request_id;

SELECT is((SELECT count(*) FROM pending p JOIN one_by_one o USING (request_id)
           WHERE p.carrier_id IS DISTINCT FROM o.carrier_id), 0::bigint, 'same carrier for every request');
SELECT is((SELECT count(*) FROM pending p JOIN one_by_one o USING (request_id)
           WHERE p.price IS DISTINCT FROM o.price), 0::bigint, 'same price, to the cent');
SELECT is((SELECT count(*) FROM pending p JOIN one_by_one o USING (request_id)
           WHERE p.score IS DISTINCT FROM o.score OR p.zone IS DISTINCT FROM o.zone), 0::bigint,
          'same score and zone');
SELECT is((SELECT count(*) FROM pending p JOIN one_by_one o USING (request_id)
           WHERE p.status IS DISTINCT FROM o.status), 0::bigint, 'same status');
SELECT is((SELECT count(*) FROM pending p JOIN one_by_one o USING (request_id)
           WHERE p.ranking IS DISTINCT FROM o.ranking OR p.rejected IS DISTINCT FROM o.rejected), 0::bigint,
          'same ranking and rejected jsonb');
SELECT is((SELECT count(*) FROM pending p JOIN one_by_one o USING (request_id)
           WHERE p.tracked IS DISTINCT FROM o.tracked), 0::bigint, 'same number of tracked packages');
SELECT is((SELECT count(*) FROM wave w JOIN pending p USING (request_id)
           WHERE w.carrier_id IS DISTINCT FROM p.carrier_id OR w.price IS DISTINCT FROM p.price
              OR w.score IS DISTINCT FROM p.score), 0::bigint, 'the rows returned are the rows written');

-- the data exercised what it should
SELECT ok((SELECT count(*) FROM pending WHERE rejected::text LIKE '%capacity%') > 0,
          'daily capacity binds on some requests');
SELECT ok((SELECT count(*) FILTER (WHERE status = 'allocated') > 1000
                  AND count(*) FILTER (WHERE status = 'unallocatable') > 100 FROM pending),
          'many allocated, some unallocatable');

-- capacity never exceeded, counters equal to the requests
SELECT is((SELECT count(*) FROM lastmile.carrier c JOIN lastmile.carrier_day d USING (carrier_id)
           WHERE d.used > c.daily_capacity), 0::bigint, 'no carrier over its daily capacity');
SELECT is((SELECT count(*) FROM (
              SELECT carrier_id, ship_date, count(*)::int AS n FROM lastmile.transport_request
              WHERE status = 'allocated' GROUP BY 1, 2) x
           FULL JOIN lastmile.carrier_day d USING (carrier_id, ship_date)
           WHERE x.n IS DISTINCT FROM d.used AND coalesce(d.used, 0) <> 0), 0::bigint,
          'carrier_day counts the allocated requests');
SELECT is((SELECT count(*) - count(DISTINCT tracking) FROM lastmile.package WHERE tracking IS NOT NULL),
          0::bigint, 'tracking numbers are unique');

SELECT * FROM finish();
ROLLBACK;
