-- The rules of SPEC §3 one by one on the world of test/fixtures/40_world.sql:
-- every reason code alone, the zone of the smallest area and its tie-break,
-- each term of the price, quotes, scores, tracking numbers, the catalog
-- cache following changes.
BEGIN;
SELECT plan(44);
SET client_min_messages = warning;
\i test/fixtures/40_world.sql

CREATE FUNCTION pg_temp.reasons(req bigint, car text) RETURNS text[] LANGUAGE sql AS
$$ SELECT e.reasons FROM lastmile.eligibility(req) e WHERE e.carrier_id = car $$;
CREATE FUNCTION pg_temp.req(id bigint, svc lastmile.service, lon float8, lat float8, pkgs text[], kgs float8[])
RETURNS void LANGUAGE sql AS $$
    INSERT INTO lastmile.transport_request (request_id, retailer_id, service, origin_id, destination, ship_date)
    VALUES (id, 'shop', svc, 1, ST_SetSRID(ST_MakePoint(lon, lat), 4326), '2026-11-23');
    INSERT INTO lastmile.package (request_id, dims, weight_kg)
    SELECT id, d::lastmile.dims, w FROM unnest(pkgs, kgs) AS u(d, w);
$$;

-- Each reason alone
SELECT pg_temp.req(301, 'pickup', 3, 43.5, '{10x10x10}', '{2}');
SELECT is(pg_temp.reasons(301, 'bravo'), '{service}', 'service alone: bravo does no pickup');
SELECT is(pg_temp.reasons(301, 'alpha'), '{}', 'alpha does pickup');
SELECT pg_temp.req(302, 'delivery', 10, 45, '{10x10x10}', '{6}');
SELECT is(pg_temp.reasons(302, 'charlie'), '{weight}', 'weight alone: 6 kg > 5 kg');
SELECT pg_temp.req(303, 'delivery', 3, 43.5, '{101x10x10}', '{1}');
SELECT is(pg_temp.reasons(303, 'alpha'), '{dimensions}', 'dimensions alone: 101 cm > 100 cm');
SELECT pg_temp.req(304, 'delivery', 3, 43.5, '{100x55x55}', '{1}');
SELECT is(pg_temp.reasons(304, 'alpha'), '{developed}', 'developed alone: 100 + 110 + 110 = 320 > 300, fits 100x60x60');
SELECT is(pg_temp.reasons(5, 'alpha'), '{sector}', 'sector alone: outside every area');
SELECT is(pg_temp.reasons(4, 'bravo'), '{no_rate}', 'no_rate alone: 10 kg between [0,10) and (10,20]');
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, status, carrier_id)
SELECT 400 + i, 'cheap', 3, ST_SetSRID(ST_MakePoint(5, 45), 4326), '2026-11-23', 'allocated', 'bravo' FROM generate_series(1, 2) i;
SELECT is(pg_temp.reasons(1, 'bravo'), '{capacity}', 'capacity alone: bravo holds 2 of 2');
SELECT is(pg_temp.reasons(2, 'bravo'), '{service,no_rate,capacity}', 'combined, in SPEC order');
SELECT is(pg_temp.reasons(2, 'alpha'), '{service,weight,dimensions,developed}', 'four package reasons, in order');
SELECT is((SELECT array_agg(carrier_id) FROM lastmile.eligibility(1)), '{alpha,bravo,charlie}',
          'only active contracts, ordered by carrier_id');

-- Zones: the smallest covering area; equal sizes → the lower area_id
SELECT is((SELECT zone FROM lastmile.eligibility(1) WHERE carrier_id = 'alpha'), 'Z2', 'smallest area gives the zone');
INSERT INTO lastmile.area (area_id, name, geom) VALUES (4, 'small twin', ST_Multi(ST_MakeEnvelope(2, 42, 4, 44, 4326)));
INSERT INTO lastmile.coverage (carrier_id, area_id, zone) VALUES ('alpha', 4, 'Z3');
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('alpha', 'Z3', '[0,)', 1);
SELECT is((SELECT zone FROM lastmile.eligibility(1) WHERE carrier_id = 'alpha'), 'Z2', 'tie on size: lower area_id');
DELETE FROM lastmile.coverage WHERE carrier_id = 'alpha' AND area_id = 2;
SELECT is((SELECT zone FROM lastmile.eligibility(1) WHERE carrier_id = 'alpha'), 'Z3', 'the catalog follows coverage changes');
SELECT is(lastmile.price(1, 'alpha'), 0.99, 'and the price with it: 1 · 0.9 · 1.1 = 0.99');
DELETE FROM lastmile.coverage WHERE carrier_id = 'alpha' AND area_id = 4;
INSERT INTO lastmile.coverage (carrier_id, area_id, zone) VALUES ('alpha', 2, 'Z2');
SELECT is((SELECT zone FROM lastmile.eligibility(3) WHERE carrier_id = 'charlie'), 'E', 'a border point is inside');

-- Price terms (alpha: factor 0.9, surcharge 10 %, divisor 5000)
SELECT is(lastmile.price(1, 'alpha'), 3.96, 'band price · factor · surcharge: 4.00 · 0.9 · 1.1');
SELECT is(lastmile.price(4, 'alpha'), 10.40, 'per-kg step: (8.00 + 0.50 · 5) · 0.99 = 10.395 → 10.40');
SELECT is(lastmile.price(6, 'alpha'), 17.52, 'volumetric 14.4 kg and a sum over packages: 17.70 · 0.99 = 17.523 → 17.52');
SELECT is(lastmile.price(6, 'bravo'), 12.00, 'no divisor: actual weight');
UPDATE lastmile.contract SET price_factor = 1 WHERE retailer_id = 'shop' AND carrier_id = 'alpha';
SELECT is(lastmile.price(1, 'alpha'), 4.40, 'factor 1: 4.00 · 1.1');
UPDATE lastmile.carrier SET fuel_surcharge_pct = 0.125 WHERE carrier_id = 'alpha';
SELECT is(lastmile.price(1, 'alpha'), 4.01, 'surcharge 0.125 %: 4.005 → 4.01 (half away from zero)');
UPDATE lastmile.carrier SET fuel_surcharge_pct = 10 WHERE carrier_id = 'alpha';
UPDATE lastmile.contract SET price_factor = 0.9 WHERE retailer_id = 'shop' AND carrier_id = 'alpha';
SELECT is(lastmile.price(2, 'alpha'), 19.55, 'price() ignores the other reasons');
SELECT is(lastmile.price(4, 'bravo'), NULL, 'no band: NULL');
SELECT is(lastmile.price(5, 'alpha'), NULL, 'outside the sector: NULL');

-- Quotes
INSERT INTO lastmile.quote (carrier_id, request_id, price, expires_at) VALUES ('bravo', 4, 15.5, now() + interval '1 day');
SELECT is(lastmile.price(4, 'bravo'), 15.5, 'a live quote wins, as is');
SELECT is(pg_temp.reasons(4, 'bravo'), '{capacity}', 'a live quote lifts no_rate');
UPDATE lastmile.quote SET expires_at = now() - interval '1 second' WHERE request_id = 4;
SELECT is(lastmile.price(4, 'bravo'), NULL, 'an expired quote is ignored');

-- Scores of request 1 (bravo full: alpha alone → cost 1, env 1, score (1+0.9+1)/3)
SELECT is((SELECT count(*) FROM lastmile.ranking(1)), 1::bigint, 'a full carrier is not ranked');
SELECT ok((SELECT abs(score - 2.9 / 3) < 1e-12 FROM lastmile.ranking(1)), 'score of a lone carrier');
DELETE FROM lastmile.transport_request WHERE retailer_id = 'cheap';
SELECT ok((SELECT abs(score - 0.8) < 1e-12 AND abs(cost_score - 1) < 1e-15 FROM lastmile.ranking(1) WHERE carrier_id = 'alpha'),
          'alpha: (1 + 0.9 + 0.5) / 3 = 0.8');
SELECT ok((SELECT abs(score - 0.72) < 1e-12 AND abs(cost_score - 0.66) < 1e-12 FROM lastmile.ranking(1) WHERE carrier_id = 'bravo'),
          'bravo: (3.96/6 + 0.5 + 1) / 3 = 0.72');
UPDATE lastmile.retailer SET w_cost = 0, w_quality = 0, w_environment = 1 WHERE retailer_id = 'shop';
SELECT is((SELECT carrier_id FROM lastmile.ranking(1) WHERE rank = 1), 'bravo', 'environment only: the lower CO2 first');
UPDATE lastmile.retailer SET w_cost = 1, w_quality = 1, w_environment = 1 WHERE retailer_id = 'shop';

-- allocate writes what ranking says
SELECT is(lastmile.allocate(1), 'alpha', 'allocate picks rank 1');
SELECT is((SELECT ranking->0->>'carrier_id' || '/' || (ranking->0->>'price') || '/' || (ranking->1->>'carrier_id')
           FROM lastmile.allocation WHERE request_id = 1), 'alpha/3.96/bravo', 'ranking jsonb best first');
SELECT ok((SELECT bool_and(lastmile.tracking_valid(tracking)) FROM lastmile.package WHERE request_id = 1), 'tracking numbers valid');
SELECT is(lastmile.tracking_valid('ALPH00000000000100'), false, 'a wrong check is refused');
SELECT throws_ok('SELECT lastmile.allocate(1)', '55000', NULL, 'a request not new is refused');
SELECT is(lastmile.allocate(1, true), 'alpha', 'force re-allocates');
SELECT is((SELECT used FROM lastmile.carrier_day WHERE carrier_id = 'alpha' AND ship_date = '2026-11-23'), 1,
          'force released the old unit before taking the new one');

-- the numerics allocate writes (built in C in the on-disk format) equal numeric_in's
CREATE FUNCTION pg_temp.fast_numeric(int8, int4) RETURNS numeric
    AS '$libdir/lastmile', 'lastmile_numeric_selftest' LANGUAGE C STRICT;
SELECT is((SELECT count(*) FROM (
              SELECT (CASE WHEN i % 3 = 0 THEN -1 ELSE 1 END) * (abs(hashint4(i)) % (10::int8 ^ (i % 19))::int8) AS m,
                     (i % 60) - 20 AS s
              FROM generate_series(1, 100000) i) x
           WHERE numeric_send(pg_temp.fast_numeric(m, s)) <> numeric_send((m::text || 'e' || (-s)::text)::numeric)
              OR pg_temp.fast_numeric(m, s)::text <> (m::text || 'e' || (-s)::text)::numeric::text),
          0::bigint, 'C-built numerics are identical to numeric_in''s on 100,000 values');
-- the jsonb scores are to_jsonb of the float8 scores
SELECT ok((SELECT bool_and(ranking->0->'score' = to_jsonb(score) AND ranking->0->'price' = to_jsonb(price))
           FROM lastmile.allocation WHERE carrier_id IS NOT NULL), 'jsonb score and price equal to_jsonb of the columns');

-- row level security: the catalog cache follows the role and the session's retailer
SET LOCAL ROLE lastmile_app;
SET LOCAL lastmile.retailer = 'shop';
SELECT count(*) AS shop_options FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(5, 45), 4326),
       '{10x10x10}', '{2}', 'delivery', '2026-11-23') \gset
SET LOCAL lastmile.retailer = 'cheap';
SELECT count(*) AS cheap_options FROM lastmile.delivery_options('cheap', ST_SetSRID(ST_MakePoint(5, 45), 4326),
       '{10x10x10}', '{2}', 'delivery', '2026-11-23') \gset
RESET ROLE;
SELECT is(:shop_options::int, 2, 'an app session of shop sees its options');
SELECT is(:cheap_options::int, 2, 'the same backend as the app of cheap sees cheap''s contracts');

SELECT * FROM finish();
ROLLBACK;
