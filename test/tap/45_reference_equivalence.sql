-- Three implementations of SPEC §3 agree on a realistic wave: the C
-- allocate_pending(), allocate() called on each request in request_id
-- order, and the pure-SQL reference of make bench (test/bench/reference.sql).
-- Data: demo/generate.sql (8 carriers, 3 retailers, 3,000 requests over two
-- ship dates, capacity binding on both) on 23 real départements, so that
-- part of the destinations fall outside every area.
BEGIN;
SELECT plan(18);

SET client_min_messages = warning;

-- Île-de-France, Rhône, Bouches-du-Rhône, Nord, Gironde, Haute-Garonne,
-- Alpes-Maritimes, Hérault, Loire-Atlantique, Bas-Rhin, Corsica, Guadeloupe, La Réunion
\set doc `cat data/fr-departements.geojson`
SELECT lastmile.load_geojson(jsonb_build_object('type', 'FeatureCollection', 'features',
           (SELECT jsonb_agg(f) FROM jsonb_array_elements((:'doc')::jsonb -> 'features') f
            WHERE f -> 'properties' ->> 'code' IN ('75', '77', '78', '91', '92', '93', '94', '95', '69', '13',
                                                  '59', '33', '31', '06', '34', '44', '67', '2A', '2B',
                                                  '971', '974', '38', '35')))) AS loaded \gset
\unset doc
SELECT is(:loaded::bigint, 23::bigint, '23 départements loaded');

\i demo/generate.sql
\i test/bench/reference.sql
SET client_min_messages = warning;

SELECT is((SELECT n FROM lastmile_demo.generate(8, 3, 3000, 7, '2026-12-07', 2) WHERE what = 'requests'),
          3000::bigint, 'generated 3000 requests');
SELECT cmp_ok((SELECT count(*) FROM lastmile.transport_request WHERE status = 'new'), '>', 2900::bigint,
              'most of them new (some allocated earlier, some cancelled)');
SELECT ok(lastmile_ref.prepare() > 0, 'reference: covered areas cut');

-- The SQL reference decides first (it writes nothing).
SELECT is(lastmile_ref.decide(), (SELECT count(*) FROM lastmile.transport_request WHERE status = 'new'),
          'reference decided every new request');
CREATE TEMP TABLE by_sql AS
SELECT request_id, carrier_id, price, rejected,
       ARRAY(SELECT e ->> 'carrier_id' FROM jsonb_array_elements(ranking) e) AS ranked
FROM ref_decision;

-- allocate() one by one in request_id order, in a subtransaction rolled
-- back once its results are kept.
CREATE TEMP TABLE one_by_one (request_id bigint, carrier_id text, price numeric, rejected jsonb, ranked text[]);
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
                   'request_id', a.request_id, 'carrier_id', a.carrier_id, 'price', a.price,
                   'rejected', a.rejected,
                   'ranked', ARRAY(SELECT e ->> 'carrier_id' FROM jsonb_array_elements(a.ranking) e)))::text
        INTO res
        FROM lastmile.allocation a;
        RAISE EXCEPTION 'roll back' USING DETAIL = res;
    EXCEPTION WHEN raise_exception THEN
        GET STACKED DIAGNOSTICS res = PG_EXCEPTION_DETAIL;
    END;
    INSERT INTO one_by_one
    SELECT * FROM jsonb_to_recordset(res::jsonb)
        AS x(request_id bigint, carrier_id text, price numeric, rejected jsonb, ranked text[]);
END
$$;
SELECT is((SELECT count(*) FROM one_by_one), (SELECT count(*) FROM by_sql), 'allocate() decided every request');

-- The wave, for real.
CREATE TEMP TABLE wave AS SELECT * FROM lastmile.allocate_pending();
CREATE TEMP TABLE by_wave AS
SELECT a.request_id, a.carrier_id, a.price, a.rejected,
       ARRAY(SELECT e ->> 'carrier_id' FROM jsonb_array_elements(a.ranking) e) AS ranked
FROM lastmile.allocation a;
SELECT is((SELECT count(*) FROM by_wave), (SELECT count(*) FROM by_sql), 'allocate_pending() decided every request');

-- the data exercise what they should
SELECT is((SELECT array_agg(DISTINCT r ORDER BY r) FROM by_wave, jsonb_each(rejected) j,
                  jsonb_array_elements_text(j.value) r),
          '{capacity,developed,dimensions,no_rate,sector,service,weight}'::text[],
          'every reason code occurs');
SELECT ok(EXISTS (SELECT FROM lastmile.carrier c JOIN lastmile.transport_request t USING (carrier_id)
                  WHERE t.status = 'allocated'
                  GROUP BY c.carrier_id, t.ship_date, c.daily_capacity
                  HAVING count(*) = c.daily_capacity),
          'some carrier is filled to its daily capacity');
SELECT cmp_ok((SELECT count(DISTINCT t.ship_date) FROM by_wave w JOIN lastmile.transport_request t USING (request_id)
               WHERE w.rejected::text LIKE '%capacity%'), '=', 2::bigint,
              'capacity rejects carriers on both ship dates');
SELECT cmp_ok((SELECT count(*) FROM by_wave WHERE carrier_id IS NOT NULL), '>', 1500::bigint,
              'more than half of the requests allocated');

-- agreement: carrier and price
SELECT is((SELECT count(*) FROM by_wave w JOIN one_by_one o USING (request_id)
           WHERE w.carrier_id IS DISTINCT FROM o.carrier_id OR w.price IS DISTINCT FROM o.price),
          0::bigint, 'allocate_pending = allocate one by one (carrier and price)');
SELECT is((SELECT count(*) FROM by_wave w JOIN by_sql s USING (request_id)
           WHERE w.carrier_id IS DISTINCT FROM s.carrier_id OR w.price IS DISTINCT FROM s.price),
          0::bigint, 'allocate_pending = SQL reference (carrier and price)');
SELECT is((SELECT count(*) FROM one_by_one o JOIN by_sql s USING (request_id)
           WHERE o.carrier_id IS DISTINCT FROM s.carrier_id OR o.price IS DISTINCT FROM s.price),
          0::bigint, 'allocate one by one = SQL reference (carrier and price)');
-- agreement: every rejected carrier with its reasons, every ranking
SELECT is((SELECT count(*) FROM by_wave w JOIN by_sql s USING (request_id)
           WHERE w.rejected IS DISTINCT FROM s.rejected),
          0::bigint, 'allocate_pending = SQL reference (rejected carriers and reasons)');
SELECT is((SELECT count(*) FROM by_wave w JOIN by_sql s USING (request_id)
           WHERE w.ranked IS DISTINCT FROM s.ranked),
          0::bigint, 'allocate_pending = SQL reference (ranking order)');

-- the generator is deterministic
CREATE FUNCTION pg_temp.fingerprint() RETURNS text LANGUAGE sql AS $$
    SELECT md5((SELECT string_agg(t::text, '|' ORDER BY t.request_id)
                FROM (SELECT request_id, retailer_id, service, origin_id, destination, ship_date, time_window,
                             status, carrier_id, price, recipient_name, postcode FROM lastmile.transport_request) t)
               || (SELECT string_agg(p::text, '|' ORDER BY p.package_id)
                   FROM (SELECT package_id, request_id, dims, weight_kg, tracking FROM lastmile.package) p)
               || (SELECT string_agg(r::text, '|' ORDER BY r.carrier_id, r.zone, lower(r.weight_kg))
                   FROM (SELECT carrier_id, zone, weight_kg, price, per_kg, transit_days FROM lastmile.rate) r)
               || (SELECT string_agg(c::text, '|' ORDER BY c.carrier_id, c.area_id) FROM lastmile.coverage c)
               || (SELECT string_agg(q::text, '|' ORDER BY q.request_id, q.created_at)
                   FROM (SELECT request_id, carrier_id, price, expires_at, created_at FROM lastmile.quote) q))
$$;
SELECT lastmile_demo.clear();
SELECT count(*) FROM lastmile_demo.generate(5, 2, 300, 3) \gset
SELECT pg_temp.fingerprint() AS first \gset
SELECT lastmile_demo.clear();
SELECT count(*) FROM lastmile_demo.generate(5, 2, 300, 3) \gset
SELECT is(pg_temp.fingerprint(), :'first', 'same seed, same rows');
SELECT lastmile_demo.clear();
SELECT count(*) FROM lastmile_demo.generate(5, 2, 300, 4) \gset
SELECT isnt(pg_temp.fingerprint(), :'first', 'another seed, other rows');

SELECT * FROM finish();
ROLLBACK;
