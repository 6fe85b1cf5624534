-- delivery_options (the checkout) and every error path and NULL argument
-- of the orchestration functions, on the world of test/fixtures/40_world.sql.
BEGIN;
SET LOCAL extra_float_digits = 0;
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
\i test/fixtures/40_world.sql

-- 1. A cart like request 1 (3, 43.5), 10x10x10 of 2 kg, shipped on Monday
--    2026-11-23; no origin: shop's nearest place is place 1 at (3, 43)
--    (0.5° away; place 2 at (9, 49) is far).  Same prices and scores as
--    ranking(1): alpha 3.96 (Z2, transit 1 → Tuesday 24th), bravo 6.00
--    (transit 3 → Thursday 26th).
SELECT rank, carrier_id, price, eta, round(co2_g::numeric, 2) AS co2_g, round(score::numeric, 6) AS score
FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326),
                               ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[],
                               'delivery', '2026-11-23');
-- same figures as ranking(1)
SELECT d.carrier_id, d.price = r.price AS same_price, d.score = r.score AS same_score, d.co2_g = r.co2_g AS same_co2
FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326),
                               ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[],
                               'delivery', '2026-11-23') d
JOIN lastmile.ranking(1) r USING (carrier_id) ORDER BY 1;

-- 2. Working days: shipped Friday 27th: alpha +1 → Monday 30th; bravo +3 →
--    Wednesday 2 December.  Shipped Saturday 28th: +1 → Monday 30th, +3 →
--    Wednesday 2nd.  Shipped Sunday 29th: the same.
SELECT s.ship, o.carrier_id, o.eta, to_char(o.eta, 'Dy') AS day
FROM (VALUES (date '2026-11-27'), (date '2026-11-28'), (date '2026-11-29')) AS s(ship),
     lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326),
                               ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[],
                               'delivery', s.ship) o
ORDER BY 1, 2;

-- 3. Two packages (60x40x30 of 3 kg and 10x10x10 of 1 kg) at (5, 45), the
--    parcels of request 6: alpha 17.52 (transit max(2, 1) = 2), bravo 12.00.
SELECT rank, carrier_id, price, eta
FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(5, 45), 4326),
                               ARRAY['60x40x30', '10x10x10']::lastmile.dims[], ARRAY[3, 1]::float8[],
                               ship_date => '2026-11-23');

-- 4. An explicit origin (place 2 at (9, 49)) changes the CO2, not the price.
SELECT carrier_id, price, round(co2_g::numeric, 2) AS co2_g
FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326),
                               ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[],
                               'delivery', '2026-11-23', 2) ORDER BY 1;
SELECT round((ST_DistanceSphere(ST_SetSRID(ST_MakePoint(9, 49), 4326),
                                ST_SetSRID(ST_MakePoint(3, 43.5), 4326)) / 1000 * 50)::numeric, 2) AS bravo_co2_expected;

-- The origin follows the places: once place 1 moves away, place 2 is the
-- nearest and the CO2 is the one of the explicit origin 2 above; a new
-- place near the destination becomes the origin (the places cached for the
-- checkout are refreshed by a change to lastmile.place).
UPDATE lastmile.place SET location = ST_SetSRID(ST_MakePoint(20, 60), 4326) WHERE place_id = 1;
SELECT carrier_id, round(co2_g::numeric, 2) AS co2_g
FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326),
                               ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[],
                               'delivery', '2026-11-23') ORDER BY 1;
INSERT INTO lastmile.place (place_id, retailer_id, kind, name, location)
VALUES (90, 'shop', 'store', 'next door', ST_SetSRID(ST_MakePoint(3, 43.5), 4326));
SELECT carrier_id, co2_g
FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326),
                               ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[],
                               'delivery', '2026-11-23') ORDER BY 1;
DELETE FROM lastmile.place WHERE place_id = 90;
UPDATE lastmile.place SET location = ST_SetSRID(ST_MakePoint(3, 43), 4326) WHERE place_id = 1;

-- 5. Service and capacity: pickup → bravo does not do it; on a day bravo is
--    full it is left out.
SELECT carrier_id FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326),
       ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[], 'pickup', '2026-11-23');
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, status, carrier_id) VALUES
 (200, 'cheap', 3, ST_SetSRID(ST_MakePoint(5, 45), 4326), '2026-11-25', 'allocated', 'bravo'),
 (201, 'cheap', 3, ST_SetSRID(ST_MakePoint(5, 45), 4326), '2026-11-25', 'labelled', 'bravo');
SELECT carrier_id FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326),
       ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[], 'delivery', '2026-11-25');
-- outside every area: no option
SELECT count(*) FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(30, 45), 4326),
       ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[]);
-- a point on the border lon = 10 is inside both areas
SELECT carrier_id, price FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(10, 45), 4326),
       ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[], 'delivery', '2026-11-23') ORDER BY 1;
-- a retailer without places: no origin, CO2 0, every environment score 1
INSERT INTO lastmile.retailer (retailer_id) VALUES ('nowhere');
INSERT INTO lastmile.contract (retailer_id, carrier_id) VALUES ('nowhere', 'bravo');
SELECT carrier_id, price, co2_g, score FROM lastmile.delivery_options('nowhere', ST_SetSRID(ST_MakePoint(3, 43.5), 4326),
       ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[], 'delivery', '2026-11-23');
-- NULL service and ship_date take their defaults
SELECT count(*) FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326),
       ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[], NULL, NULL, NULL);

-- 6. Bad arguments of delivery_options: 22023, naming the bad value.
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options(NULL, ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('nobody', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', NULL, ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_MakePoint(3, 43.5), ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 3857), ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_MakeEnvelope(0, 0, 1, 1, 4326), ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', 'SRID=4326;POINT EMPTY'::geometry, ARRAY['10x10x10']::lastmile.dims[], ARRAY[2]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), NULL, ARRAY[2]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY['10x10x10']::lastmile.dims[], NULL)$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY['10x10x10']::lastmile.dims[], ARRAY[2, 3]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY[]::lastmile.dims[], ARRAY[]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY['10x10x10']::lastmile.dims[], ARRAY[0]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY['10x10x10']::lastmile.dims[], ARRAY[-1]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY['10x10x10']::lastmile.dims[], ARRAY['NaN']::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY[NULL]::lastmile.dims[], ARRAY[1]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY['10x10x10']::lastmile.dims[], ARRAY[NULL]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY[['10x10x10']]::lastmile.dims[], ARRAY[[1]]::float8[])$$);
SELECT pg_temp.try($$SELECT * FROM lastmile.delivery_options('shop', ST_SetSRID(ST_MakePoint(3, 43.5), 4326), ARRAY['10x10x10']::lastmile.dims[], ARRAY[1]::float8[], 'delivery', '2026-11-23', 424242)$$);

-- 7. Unknown requests: P0002 from every function that takes one.
SELECT pg_temp.try('SELECT * FROM lastmile.eligibility(424242)');
SELECT pg_temp.try('SELECT lastmile.price(424242, ''alpha'')');
SELECT pg_temp.try('SELECT * FROM lastmile.ranking(424242)');
SELECT pg_temp.try('SELECT lastmile.allocate(424242)');
SELECT pg_temp.try('SELECT lastmile.allocate(424242, true)');

-- 8. Every function with each argument NULL: no crash.
SELECT count(*) FROM lastmile.eligibility(NULL);
SELECT lastmile.price(NULL, 'alpha') IS NULL AS a, lastmile.price(1, NULL) IS NULL AS b, lastmile.price(NULL, NULL) IS NULL AS c;
SELECT lastmile.price(1, 'nobody') IS NULL AS unknown_carrier;
SELECT count(*) FROM lastmile.ranking(NULL);
SELECT pg_temp.try('SELECT lastmile.allocate(NULL, NULL)');
SELECT lastmile.tracking_valid(NULL) IS NULL AS tracking_null;
-- allocate(id, NULL) means force => false
SELECT lastmile.allocate(1, NULL);
SELECT pg_temp.try('SELECT lastmile.allocate(1, NULL)');
-- allocate_pending with NULL filters takes every new request
SELECT count(*) FROM lastmile.allocate_pending(NULL, NULL);
SELECT count(*) FROM lastmile.allocate_pending(NULL, NULL);
SELECT count(*) FROM lastmile.allocate_pending('nobody', NULL);

ROLLBACK;
