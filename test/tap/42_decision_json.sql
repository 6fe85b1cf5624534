-- The decision log's jsonb (allocation.ranking and allocation.rejected),
-- written by src/pg/decision_json.c directly in jsonb's on-disk format:
-- byte for byte what jsonb_in makes of the same text, compact ranking
-- objects of six keys, and the same figures as lastmile.ranking().
-- Part 1: a generated wave (demo/generate.sql) on real départements.
-- Part 2: edge cases on a small hand-made world far from France: no
-- eligible carrier, no rejected carrier, quotes with 0 and 3 decimals, a
-- zero price, zero CO2, floats printed with an exponent, long and
-- multi-byte carrier ids, and more than 32 elements / keys (JB_OFFSET_STRIDE).
BEGIN;
SELECT plan(37);

SET client_min_messages = warning;

-- the bytes of a jsonb (any varlena) after its varlena header
CREATE FUNCTION pg_temp.img(jsonb) RETURNS bytea
    AS '$libdir/lastmile', 'lastmile_jsonb_image' LANGUAGE C STRICT;

-- the numerics of the decision (prices, scores, CO2, ranks), built in C
-- in numeric's on-disk format: the same bytes as numeric_in's, over
-- scales -25..64 and 1 to 19 digits
CREATE FUNCTION pg_temp.fast_numeric(int8, int4) RETURNS numeric
    AS '$libdir/lastmile', 'lastmile_numeric_selftest' LANGUAGE C STRICT;
CREATE FUNCTION pg_temp.nimg(numeric) RETURNS bytea
    AS '$libdir/lastmile', 'lastmile_jsonb_image' LANGUAGE C STRICT;
SELECT is((SELECT count(*) FROM (
              SELECT (CASE WHEN i % 3 = 0 THEN -1 ELSE 1 END) * (abs(hashint4(i)) % (10::int8 ^ (i % 19))::int8) AS m,
                     (i % 90) - 25 AS s
              FROM generate_series(1, 100000) i) x
           WHERE pg_temp.nimg(pg_temp.fast_numeric(m, s)) <> pg_temp.nimg((m::text || 'e' || (-s)::text)::numeric)),
          0::bigint, 'C-built numerics: the same bytes as numeric_in''s on 100,000 values');

-- Part 1 ---------------------------------------------------------------

\set doc `cat data/fr-departements.geojson`
SELECT lastmile.load_geojson(jsonb_build_object('type', 'FeatureCollection', 'features',
           (SELECT jsonb_agg(f) FROM jsonb_array_elements((:'doc')::jsonb -> 'features') f
            WHERE f -> 'properties' ->> 'code' IN ('75', '92', '93', '94', '69', '13', '33', '2A', '971')))) AS loaded \gset
\unset doc
SELECT is(:loaded::bigint, 9::bigint, '9 départements loaded');

\i demo/generate.sql
SET client_min_messages = warning;
SELECT is((SELECT n FROM lastmile_demo.generate(12, 3, 1500, 11, '2026-12-07', 2) WHERE what = 'requests'),
          1500::bigint, 'generated 1500 requests');

-- what ranking() says of each new request before the wave
CREATE TEMP TABLE before AS
SELECT t.request_id, r.rank, r.carrier_id, r.price, r.score, r.co2_g,
       r.cost_score, r.quality_score, r.environment_score
FROM lastmile.transport_request t, LATERAL lastmile.ranking(t.request_id) r
WHERE t.status = 'new';

-- what the pure-SQL reference of make bench writes for the same wave
\i test/bench/reference.sql
SET client_min_messages = warning;
SELECT ok(lastmile_ref.prepare() > 0, 'reference: covered areas cut');
SELECT is(lastmile_ref.decide(), (SELECT count(*) FROM lastmile.transport_request WHERE status = 'new'),
          'reference decided every new request');
CREATE TEMP TABLE by_sql AS SELECT request_id, ranking, rejected FROM ref_decision;

CREATE TEMP TABLE wave AS SELECT * FROM lastmile.allocate_pending();
SELECT cmp_ok((SELECT count(*) FROM wave), '>', 1400::bigint, 'the wave decided the new requests');

-- every element of every ranking of the wave
CREATE TEMP TABLE elem AS
SELECT a.request_id, x.i, x.e
FROM lastmile.allocation a, jsonb_array_elements(a.ranking) WITH ORDINALITY AS x(e, i);

SELECT is((SELECT count(*) FROM lastmile.allocation
           WHERE ranking::text::jsonb <> ranking OR rejected::text::jsonb <> rejected),
          0::bigint, 'ranking and rejected read back equal from their text');
SELECT is((SELECT count(*) FROM lastmile.allocation
           WHERE pg_temp.img(ranking) <> pg_temp.img(ranking::text::jsonb)),
          0::bigint, 'ranking: the same bytes as jsonb_in gives for its text');
SELECT is((SELECT count(*) FROM lastmile.allocation
           WHERE pg_temp.img(rejected) <> pg_temp.img(rejected::text::jsonb)),
          0::bigint, 'rejected: the same bytes as jsonb_in gives for its text');
SELECT is((SELECT count(*) FROM lastmile.allocation
           WHERE jsonb_send(ranking) <> jsonb_send(ranking::text::jsonb)
              OR jsonb_send(rejected) <> jsonb_send(rejected::text::jsonb)),
          0::bigint, 'jsonb_send of both equal to that of their text');
SELECT is((SELECT count(*) FROM lastmile.allocation a JOIN by_sql s USING (request_id)
           WHERE pg_temp.img(a.ranking) <> pg_temp.img(s.ranking)
              OR pg_temp.img(a.rejected) <> pg_temp.img(s.rejected))
          + abs((SELECT count(*) FROM lastmile.allocation) - (SELECT count(*) FROM by_sql)),
          0::bigint, 'the SQL reference writes the same ranking and rejected jsonb, byte for byte');
SELECT cmp_ok((SELECT count(*) FROM elem), '>', 1500::bigint, 'thousands of ranking objects checked');
SELECT cmp_ok((SELECT count(*) FROM lastmile.allocation WHERE rejected <> '{}'), '>', 1000::bigint,
              'and a thousand rejected objects');

SELECT is((SELECT count(*) FROM elem
           WHERE ARRAY(SELECT k FROM jsonb_object_keys(e) k ORDER BY k)
                 <> '{carrier_id,co2_g,price,rank,score,zone}'::text[]),
          0::bigint, 'every ranking object has exactly rank, carrier_id, price, score, co2_g and zone');
SELECT is((SELECT count(*) FROM elem
           WHERE jsonb_typeof(e -> 'rank') <> 'number' OR (e ->> 'rank')::bigint <> i),
          0::bigint, 'ranks are 1..n in array order');
SELECT is((SELECT count(*) FROM elem
           WHERE jsonb_typeof(e -> 'price') <> 'number'
              OR e ->> 'price' <> lastmile.price(request_id, e ->> 'carrier_id')::text),
          0::bigint, 'every price is price()''s, digit for digit');
SELECT is((SELECT count(*) FROM elem
           WHERE scale((e ->> 'price')::numeric) <> 2
             AND NOT EXISTS (SELECT FROM lastmile.quote q
                             WHERE q.request_id = elem.request_id AND q.carrier_id = e ->> 'carrier_id')),
          0::bigint, 'prices from the rate grid have two decimals');
SELECT is((SELECT count(*) FROM lastmile.allocation a
           WHERE a.carrier_id IS NOT NULL
             AND (a.ranking -> 0 ->> 'carrier_id' <> a.carrier_id
                  OR a.ranking -> 0 ->> 'price' <> a.price::text
                  OR a.ranking -> 0 ->> 'score' <> a.score::text
                  OR a.ranking -> 0 ->> 'co2_g' <> a.co2_g::text
                  OR a.ranking -> 0 ->> 'zone' <> a.zone)),
          0::bigint, 'the first object is the winner of the row, figure for figure');
SELECT is((SELECT count(*) FROM lastmile.allocation a
           WHERE (a.carrier_id IS NULL) <> (a.ranking = '[]')),
          0::bigint, 'an empty ranking exactly when nothing was eligible');

-- ranking() before the wave: the same list wherever the wave's capacity
-- did not change the eligible carriers.  Counters only grow during the
-- wave, so a request that saw no carrier full when it was decided (none
-- rejected for capacity) saw the eligible carriers ranking() saw before.
CREATE TEMP TABLE same_cap AS
SELECT a.request_id FROM lastmile.allocation a
WHERE NOT a.rejected::text LIKE '%capacity%';
SELECT cmp_ok((SELECT count(*) FROM same_cap), '>', 500::bigint, 'hundreds of requests saw no carrier full');
SELECT is((SELECT count(*)
           FROM (SELECT b.request_id, b.rank::bigint AS i, b.carrier_id, b.price::text AS price,
                        b.score::text AS score, b.co2_g::text AS co2_g
                 FROM before b JOIN same_cap USING (request_id)) b
           FULL JOIN (SELECT request_id, i, e ->> 'carrier_id' AS carrier_id, e ->> 'price' AS price,
                             e ->> 'score' AS score, e ->> 'co2_g' AS co2_g
                      FROM elem JOIN same_cap USING (request_id)) w USING (request_id, i)
           WHERE b IS DISTINCT FROM w),
          0::bigint, 'ranking jsonb = ranking() before the wave: carrier order, price, score, co2_g');
-- the partial scores left out of the jsonb follow from it (docs/orchestration.md)
SELECT is((SELECT count(*)
           FROM (SELECT x.request_id, x.i,
                        CASE WHEN (x.e ->> 'price')::numeric = 0 THEN 1
                             ELSE min((x.e ->> 'price')::float8) OVER w / (x.e ->> 'price')::float8 END AS cost_score,
                        c.quality AS quality_score,
                        CASE WHEN (x.e ->> 'co2_g')::float8 = 0 THEN 1
                             ELSE min((x.e ->> 'co2_g')::float8) OVER w / (x.e ->> 'co2_g')::float8 END AS environment_score
                 FROM elem x JOIN same_cap USING (request_id)
                 JOIN lastmile.carrier c ON c.carrier_id = x.e ->> 'carrier_id'
                 WINDOW w AS (PARTITION BY x.request_id)) r
           JOIN before b ON b.request_id = r.request_id AND b.rank = r.i
           WHERE (b.cost_score, b.quality_score, b.environment_score)
                 IS DISTINCT FROM (r.cost_score, r.quality_score, r.environment_score)),
          0::bigint, 'cost, quality and environment scores recomputed from the jsonb = ranking()''s');
SELECT is((SELECT count(*) FROM elem
           JOIN lastmile.eligibility(elem.request_id) g ON g.carrier_id = elem.e ->> 'carrier_id'
           WHERE elem.request_id % 4 = 0 AND g.zone IS DISTINCT FROM elem.e ->> 'zone'),
          0::bigint, 'zone = eligibility()''s zone');

-- Part 2 ---------------------------------------------------------------

-- 40 carriers on one area (lon 100..110, lat 10..20): c01..c05 do delivery
-- and pickup, c06..c36 delivery, and four pickup only with long or
-- multi-byte ids; c03 emits no CO2, c04 next to none (1e-7 g/km), c05 a
-- lot (1e15 g/km).
INSERT INTO lastmile.area (area_id, name, geom)
VALUES (900001, 'far', ST_Multi(ST_MakeEnvelope(100, 10, 110, 20, 4326)));
INSERT INTO lastmile.retailer (retailer_id, w_cost, w_quality, w_environment) VALUES
 ('r42', 1, 1, 1), ('r42few', 2, 1, 0.5);
INSERT INTO lastmile.place (place_id, retailer_id, kind, location) VALUES
 (900001, 'r42', 'warehouse', ST_SetSRID(ST_MakePoint(101, 11), 4326)),
 (900002, 'r42few', 'warehouse', ST_SetSRID(ST_MakePoint(101, 11), 4326));
CREATE TEMP TABLE car42 AS
SELECT id, services, co2
FROM (SELECT format('c%s', lpad(k::text, 2, '0')) AS id,
             CASE WHEN k <= 5 THEN '{delivery,pickup}' ELSE '{delivery}' END::lastmile.service[] AS services,
             CASE k WHEN 3 THEN 0 WHEN 4 THEN 1e-7 WHEN 5 THEN 1e15 ELSE 50 + k END::float8 AS co2
      FROM generate_series(1, 36) k
      UNION ALL
      SELECT id, '{pickup}', 80
      FROM unnest(ARRAY[repeat('x', 200), 'transports_élan_ñandú', 'zz' || repeat('é', 60), 'a']) id) c;
INSERT INTO lastmile.carrier (carrier_id, services, quality, co2_g_per_km)
SELECT id, services, 0.5 + (length(id) % 5) / 10.0, co2 FROM car42;
INSERT INTO lastmile.coverage (carrier_id, area_id, zone) SELECT id, 900001, 'far' FROM car42;
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price)
SELECT id, 'far', '[0,)', 3.1 + length(id) + (ascii(right(id, 1)) % 7) * 0.7 FROM car42;
UPDATE lastmile.rate SET price = 9.8 WHERE carrier_id = 'c06';
INSERT INTO lastmile.contract (retailer_id, carrier_id) SELECT 'r42', id FROM car42;
INSERT INTO lastmile.contract (retailer_id, carrier_id) VALUES ('r42few', 'c01'), ('r42few', 'c02'), ('r42few', 'c03');
INSERT INTO lastmile.transport_request (request_id, retailer_id, service, origin_id, destination, ship_date) VALUES
 (900001, 'r42', 'delivery', 900001, ST_SetSRID(ST_MakePoint(102, 12), 4326), '2026-12-07'),  -- 36 eligible, 4 rejected
 (900002, 'r42', 'pickup',   900001, ST_SetSRID(ST_MakePoint(120, 12), 4326), '2026-12-07'),  -- outside: 40 rejected
 (900003, 'r42few', 'delivery', 900002, ST_SetSRID(ST_MakePoint(102, 12), 4326), '2026-12-07'), -- 3 eligible, none rejected
 (900004, 'r42', 'pickup',   900001, ST_SetSRID(ST_MakePoint(102, 12), 4326), '2026-12-07');  -- 9 eligible, 31 rejected
INSERT INTO lastmile.package (request_id, dims, weight_kg)
SELECT r, '30x20x10', 1.5 FROM generate_series(900001, 900004) r;
-- quotes win as is: 3 decimals, none, zero
INSERT INTO lastmile.quote (carrier_id, request_id, price) VALUES
 ('c01', 900003, 12.345), ('c02', 900003, 7), ('c03', 900003, 0);

SELECT is(lastmile.allocate(r), w, format('request %s allocated', r))
FROM (VALUES (900001::bigint, (SELECT carrier_id FROM lastmile.ranking(900001) WHERE rank = 1)),
             (900002, NULL), (900003, 'c03'),
             (900004, (SELECT carrier_id FROM lastmile.ranking(900004) WHERE rank = 1))) v(r, w)
ORDER BY r;

CREATE TEMP TABLE edge AS SELECT * FROM lastmile.allocation WHERE request_id >= 900001;
SELECT is((SELECT string_agg(format('%s:%s/%s', request_id, jsonb_array_length(ranking),
                                    (SELECT count(*) FROM jsonb_object_keys(rejected))), ' ' ORDER BY request_id)
           FROM edge),
          '900001:36/4 900002:0/40 900003:3/0 900004:9/31',
          'eligible / rejected counts: over 32 elements, over 32 keys, none, and none rejected');
SELECT is((SELECT count(*) FROM edge
           WHERE pg_temp.img(ranking) <> pg_temp.img(ranking::text::jsonb)
              OR pg_temp.img(rejected) <> pg_temp.img(rejected::text::jsonb)),
          0::bigint, 'edge cases: the same bytes as jsonb_in');
SELECT is((SELECT pg_temp.img(ranking) FROM edge WHERE request_id = 900002), '\x00000040'::bytea,
          'nothing eligible: [] as jsonb_in writes it');
SELECT is((SELECT pg_temp.img(rejected) FROM edge WHERE request_id = 900003), '\x00000020'::bytea,
          'nothing rejected: {} as jsonb_in writes it');
SELECT is((SELECT ranking::text FROM edge WHERE request_id = 900003),
          '[{"rank": 1, "zone": "far", "co2_g": 0, "price": 0, "score": 0.9428571428571428, "carrier_id": "c03"}, '
          '{"rank": 2, "zone": "far", "co2_g": 8095.46447595236, "price": 7, "score": 0.2285714285714286, "carrier_id": "c02"}, '
          '{"rank": 3, "zone": "far", "co2_g": 7939.78246679943, "price": 12.345, "score": 0.2285714285714286, "carrier_id": "c01"}]',
          'quotes as written (0, 7, 12.345), zero CO2, scores (2·cost + quality + 0.5·environment) / 3.5');
SELECT is((SELECT e ->> 'price' FROM edge, jsonb_array_elements(ranking) e
           WHERE request_id = 900001 AND e ->> 'carrier_id' = 'c06'),
          '9.80', 'a rate price keeps its cents (9.8 · 1 · 1 → 9.80)');
-- float8out prints these two with an exponent; jsonb keeps the same
-- decimal (its numeric prints without one)
SELECT is((SELECT string_agg(co2_g::text, ' ' ORDER BY carrier_id) FROM lastmile.ranking(900001)
           WHERE carrier_id IN ('c04', 'c05')),
          '1.5568200915293e-05 1.5568200915292998e+17', 'tiny and huge CO2 (float8out uses an exponent)');
SELECT is((SELECT string_agg(e ->> 'co2_g', ' ' ORDER BY e ->> 'carrier_id') FROM edge, jsonb_array_elements(ranking) e
           WHERE request_id = 900001 AND e ->> 'carrier_id' IN ('c04', 'c05')),
          '0.000015568200915293 155682009152929980', 'the same decimals in the ranking jsonb');
SELECT is((SELECT ARRAY(SELECT k FROM jsonb_object_keys(rejected) k) FROM edge WHERE request_id = 900004)
          @> ARRAY[repeat('x', 200), 'transports_élan_ñandú', 'zz' || repeat('é', 60), 'a'] IS FALSE
          AND (SELECT ARRAY(SELECT e ->> 'carrier_id' FROM jsonb_array_elements(ranking) e) FROM edge WHERE request_id = 900004)
          @> ARRAY[repeat('x', 200), 'transports_élan_ñandú', 'zz' || repeat('é', 60), 'a'],
          true, 'long and multi-byte carrier ids ranked as they are');
SELECT is((SELECT rejected -> repeat('x', 200) FROM edge WHERE request_id = 900001), '["service"]'::jsonb,
          'and found as keys of rejected');

SELECT * FROM finish();
ROLLBACK;
