-- Orchestration (SPEC §3, §4): eligibility, price, ranking, allocate,
-- delivery_options on a small world whose every figure is worked out by
-- hand in the comments.  Everything runs in one transaction, rolled back.
BEGIN;
SET LOCAL extra_float_digits = 0;
-- runs a statement, returns 'ok' or its SQLSTATE and message
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- The world (areas, carriers, rates, contracts, places, requests):
-- see test/fixtures/40_world.sql for every value used below.
\i test/fixtures/40_world.sql
SET client_min_messages = warning;

-- 1. Request 1 at (3, 43.5): in "small" and "big".
--    alpha: zone Z2 (small is the smaller area); chargeable max(2, 1000/5000) = 2 kg
--           → band [0,5) 4.00; price = 4.00 · 0.9 · (1 + 10/100) = 3.96
--    bravo: zone A; 2 kg → [0,10) 6.00; price 6.00
--    charlie: covers only "east" → sector
--    delta (inactive contract) and echo (no contract) never appear.
SELECT * FROM lastmile.eligibility(1);
SELECT lastmile.price(1, 'alpha') AS alpha, lastmile.price(1, 'bravo') AS bravo,
       lastmile.price(1, 'charlie') AS charlie, lastmile.price(1, 'echo') AS echo;
-- great-circle 3,43 → 3,43.5 = 0.5° · 6371008.77 m · π/180 = 55.5975 km
--   co2: alpha 100 g/km → 5559.75 g; bravo 50 g/km → 2779.88 g
--   cost: alpha 3.96/3.96 = 1; bravo 3.96/6 = 0.66
--   environment: alpha 2779.88/5559.75 = 0.5; bravo 1
--   score: alpha (1 + 0.9 + 0.5)/3 = 0.8; bravo (0.66 + 0.5 + 1)/3 = 0.72
SELECT rank, carrier_id, price, round(co2_g::numeric, 2) AS co2_g, round(cost_score::numeric, 6) AS cost,
       quality_score AS quality, round(environment_score::numeric, 6) AS env, round(score::numeric, 6) AS score
FROM lastmile.ranking(1);

-- 2. Request 2: service 'return', one package 40 kg of 120x50x50.
--    alpha: service (return ∉ {delivery,pickup}), weight (40 > 30), dimensions
--           (120 > 100), developed (120 + 2·50 + 2·50 = 320 > 300); zone Z2,
--           chargeable max(40, 300000/5000 = 60) = 60 kg → [5,) 6.00 + 0.25·55
--           = 19.75 · 0.9 · 1.1 = 19.5525 → 19.55 (price() ignores other reasons)
--    bravo: service only; 40 kg falls in no band of A → no_rate too
--    charlie: service, weight (40 > 5), sector
SELECT * FROM lastmile.eligibility(2);
SELECT lastmile.price(2, 'alpha') AS alpha, lastmile.price(2, 'bravo') AS bravo;
SELECT count(*) AS eligible FROM lastmile.ranking(2);

-- 3. Request 3 on the border lon = 10 between big and east: inside both.
--    alpha Z1 (big), bravo A, charlie E: all covered; charlie: 2 kg ≤ 5.
SELECT * FROM lastmile.eligibility(3);
SELECT lastmile.price(3, 'alpha') AS alpha, lastmile.price(3, 'bravo') AS bravo, lastmile.price(3, 'charlie') AS charlie;

-- 4. Request 4 at (5,45), big only, 10 kg.
--    alpha Z1: [5,30] 8.00 + 0.50 · (10 − 5) = 10.50 · 0.9 · 1.1 = 10.395
--              → 10.40 (numeric rounds half away from zero; a double would give 10.39)
--    bravo A: 10 is in neither [0,10) nor (10,20] → no_rate, price NULL
SELECT * FROM lastmile.eligibility(4);
SELECT lastmile.price(4, 'alpha') AS alpha, lastmile.price(4, 'bravo') AS bravo;

-- 5. Request 5 outside every area: sector everywhere, zone NULL, price NULL.
SELECT * FROM lastmile.eligibility(5);
SELECT lastmile.price(5, 'alpha') AS alpha;
SELECT * FROM lastmile.ranking(5);

-- 6. Request 6 at (5,45): packages 60x40x30 3 kg and 10x10x10 1 kg.
--    alpha Z1: volumetric 72000/5000 = 14.4 kg > 3 → [5,30] 8.00 + 0.5·9.4 = 12.70;
--              1 kg → [0,5) 5.00; Σ 17.70 · 0.9 · 1.1 = 17.523 → 17.52
--    bravo (no divisor): 3 kg → 6.00, 1 kg → 6.00 = 12.00
SELECT lastmile.price(6, 'alpha') AS alpha, lastmile.price(6, 'bravo') AS bravo;
--    quotes: an expired one is ignored; of two live ones the most recently
--    written wins (created_at, then quote_id); the quote is taken as is.
INSERT INTO lastmile.quote (carrier_id, request_id, price, expires_at, created_at) VALUES
 ('bravo', 6, 1.11, now() - interval '1 minute', now() - interval '1 hour'),
 ('bravo', 6, 7.777, NULL, now() - interval '2 hours'),
 ('bravo', 6, 8.5, now() + interval '1 hour', now() - interval '30 minutes');
SELECT lastmile.price(6, 'bravo') AS bravo_quote;
INSERT INTO lastmile.quote (carrier_id, request_id, price, expires_at, created_at) VALUES
 ('bravo', 6, 9.25, NULL, now() - interval '30 minutes');   -- same created_at, higher quote_id
SELECT lastmile.price(6, 'bravo') AS bravo_quote;
--    as is: its scale too
INSERT INTO lastmile.quote (carrier_id, request_id, price, created_at) VALUES ('bravo', 6, 9.80, now());
SELECT lastmile.price(6, 'bravo') AS bravo_quote;
--    a live quote also lifts no_rate: request 4 with a quote from bravo
INSERT INTO lastmile.quote (carrier_id, request_id, price) VALUES ('bravo', 4, 15);
SELECT * FROM lastmile.eligibility(4);

-- 7. Ties: retailer "cheap" weighs cost only; request 7 at (5,45), 2 kg:
--    alpha Z1 5.00 · 1 · 1.1 = 5.50; bravo 6.00 → alpha first.
--    With alpha's surcharge at 20 %: 5.00 · 1.2 = 6.00 = bravo: equal score 1,
--    equal price → carrier_id order: alpha then bravo.
SELECT rank, carrier_id, price, cost_score, score FROM lastmile.ranking(7);
UPDATE lastmile.carrier SET fuel_surcharge_pct = 20 WHERE carrier_id = 'alpha';
SELECT rank, carrier_id, price, cost_score, score FROM lastmile.ranking(7);
UPDATE lastmile.carrier SET fuel_surcharge_pct = 10 WHERE carrier_id = 'alpha';

-- 8. Capacity: bravo takes 2 requests per day.  Two requests of another
--    retailer allocated to bravo on 2026-11-23 fill it.
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, status, carrier_id) VALUES
 (100, 'cheap', 3, ST_SetSRID(ST_MakePoint(5, 45), 4326), '2026-11-23', 'allocated', 'bravo'),
 (101, 'cheap', 3, ST_SetSRID(ST_MakePoint(5, 45), 4326), '2026-11-23', 'shipped', 'bravo'),
 (102, 'cheap', 3, ST_SetSRID(ST_MakePoint(5, 45), 4326), '2026-11-23', 'cancelled', 'bravo'),
 (103, 'cheap', 3, ST_SetSRID(ST_MakePoint(5, 45), 4326), '2026-11-24', 'allocated', 'bravo');
SELECT * FROM lastmile.carrier_day ORDER BY 1, 2;
SELECT * FROM lastmile.eligibility(1) WHERE carrier_id = 'bravo';
-- cancelling one frees a unit
UPDATE lastmile.transport_request SET status = 'cancelled' WHERE request_id = 101;
SELECT * FROM lastmile.eligibility(1) WHERE carrier_id = 'bravo';
UPDATE lastmile.transport_request SET status = 'delivered' WHERE request_id = 101;
-- all reasons at once, in order: service … capacity
SELECT * FROM lastmile.eligibility(2) WHERE carrier_id = 'bravo';

-- 9. allocate: request 1 → alpha (score 0.8); one allocation row, status,
--    price, tracking numbers.
SELECT lastmile.allocate(1);
SELECT request_id, status, carrier_id, price FROM lastmile.transport_request WHERE request_id = 1;
SELECT request_id, carrier_id, price, round(score::numeric, 6) AS score, zone, round(co2_g::numeric, 2) AS co2_g,
       jsonb_array_length(ranking) AS ranked, ranking->0->>'carrier_id' AS first,
       ranking->0->'rank' AS first_rank, ranking->1->>'carrier_id' AS second, rejected
FROM lastmile.allocation WHERE request_id = 1;
SELECT tracking ~ '^ALPH[0-9]{14}$' AS format, lastmile.tracking_valid(tracking) AS valid
FROM lastmile.package WHERE request_id = 1;
SELECT * FROM lastmile.carrier_day WHERE carrier_id = 'alpha';
-- not new any more; unknown request; NULL request
SELECT pg_temp.try('SELECT lastmile.allocate(1)');
SELECT pg_temp.try('SELECT lastmile.allocate(999999)');
SELECT pg_temp.try('SELECT lastmile.allocate(NULL)');
-- nothing eligible: unallocatable, carrier and price NULL, rejected lists all
SELECT lastmile.allocate(5) IS NULL AS none;
SELECT request_id, status, carrier_id, price FROM lastmile.transport_request WHERE request_id = 5;
SELECT carrier_id, price, score, ranking, rejected FROM lastmile.allocation WHERE request_id = 5;
-- force: request 1 again, after alpha lost its Z2 zone → bravo is full,
-- charlie out of sector → unallocatable, and alpha's unit is released
DELETE FROM lastmile.coverage WHERE carrier_id = 'alpha';
SELECT lastmile.allocate(1, force => true) IS NULL AS none;
SELECT request_id, status, carrier_id, price FROM lastmile.transport_request WHERE request_id = 1;
SELECT tracking FROM lastmile.package WHERE request_id = 1;
SELECT * FROM lastmile.carrier_day WHERE carrier_id = 'alpha';
SELECT count(*) AS decisions FROM lastmile.allocation WHERE request_id = 1;

-- request 3 (on the border) now: alpha covers nothing, bravo is full → charlie
SELECT lastmile.allocate(3);

-- 10. Views
SELECT request_id, retailer_id, ship_date, status, carrier_id, zone, price, eligible_carriers
FROM lastmile.current_allocation ORDER BY request_id;
SELECT * FROM lastmile.rejection_detail ORDER BY request_id, carrier_id, reason;
SELECT * FROM lastmile.rejection_reasons ORDER BY carrier_id, reason;
SELECT retailer_id, ship_date, carrier_id, requests, share_pct, spend FROM lastmile.carrier_share ORDER BY 1, 2, 3;

ROLLBACK;
