-- bundle(): loads whose optimum is known by construction, time windows,
-- capacity / volume / stop limits, left-out requests, idempotence, status,
-- the user's distance matrix, errors and NULL arguments.
--
-- The map is the sphere of ST_DistanceSphere near lon/lat 0: along the
-- equator and along a meridian the great circle is the line itself, so a
-- tour of points on one ray from the origin is exactly twice the farthest
-- point's distance.  km(d) below is the longitude (or latitude) in degrees of
-- a point d km away on such a line.
SET client_min_messages = notice;
SET TimeZone = 'UTC';
-- a generous clock and an iteration cap: the same loads on any machine
SET lastmile.bundle_time_limit_ms = 60000;
SET lastmile.bundle_max_iterations = 2000;
BEGIN;
CREATE FUNCTION pg_temp.deg(km float8) RETURNS float8
    LANGUAGE sql IMMUTABLE AS $$ SELECT degrees(km / 6371.0087714) $$;
CREATE FUNCTION pg_temp.pt(x float8, y float8) RETURNS geometry
    LANGUAGE sql IMMUTABLE AS $$ SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) $$;
-- runs a statement, returns its SQLSTATE and message (or 'ok')
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- the loads of a day as "requests in seq order", one line per load, sorted
CREATE FUNCTION pg_temp.loads(o bigint, d date) RETURNS TABLE(load text, stops int, kg float8, km numeric)
    LANGUAGE sql AS $$
    SELECT string_agg(s.request_id::text, ' ' ORDER BY s.seq), count(*)::int, b.weight_kg,
           round(b.distance_km::numeric, 3)
    FROM lastmile.bundle b JOIN lastmile.bundle_stop s USING (bundle_id)
    WHERE b.origin_id = o AND b.ship_date = d
    GROUP BY b.bundle_id ORDER BY min(s.request_id) $$;

INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('r1', 'One'), ('r2', 'Two'), ('r3', 'Three');
INSERT INTO lastmile.place (place_id, retailer_id, kind, name, location) VALUES
    (9001, NULL, 'hub', 'hub at 0,0', pg_temp.pt(0, 0)),
    (9002, 'r1', 'store', 'store at 5,5', pg_temp.pt(5, 5));

-- 1. Three clusters of four 10 kg requests, 40-50 km east, north and west of
-- the hub, three retailers mixed; capacity 40 kg = one cluster.  Optimum:
-- one load per cluster, each 2 × 50 km = 100 km.
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date)
SELECT 100 + 10 * c + k, (ARRAY['r1', 'r2', 'r3'])[1 + (c + k) % 3], 9001,
       CASE c WHEN 0 THEN pg_temp.pt(pg_temp.deg(40 + 10 * k / 3.0), 0)
              WHEN 1 THEN pg_temp.pt(0, pg_temp.deg(40 + 10 * k / 3.0))
              ELSE pg_temp.pt(-pg_temp.deg(40 + 10 * k / 3.0), 0) END,
       date '2026-06-01'
FROM generate_series(0, 2) c, generate_series(0, 3) k;
INSERT INTO lastmile.package (request_id, dims, weight_kg)
SELECT request_id, '50x40x30', 10 FROM lastmile.transport_request WHERE ship_date = '2026-06-01';

SELECT count(*) AS loads, sum(stops) AS stops, sum(weight_kg) AS kg,
       round(sum(distance_km)::numeric, 3) AS km
FROM lastmile.bundle(9001, '2026-06-01', capacity_kg => 40);
-- each load is one cluster, visited in a straight line out (or back)
SELECT load ~ '^10[0-3] 10[0-3] 10[0-3] 10[0-3]$|^11[0-3] 11[0-3] 11[0-3] 11[0-3]$|^12[0-3] 12[0-3] 12[0-3] 12[0-3]$' AS one_cluster,
       stops, kg, km
FROM pg_temp.loads(9001, '2026-06-01');
-- idempotence: a second call bundles nothing new
SELECT count(*) AS new_loads FROM lastmile.bundle(9001, '2026-06-01', 40);
-- a request added later is bundled alone by the next call
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date)
VALUES (199, 'r2', 9001, pg_temp.pt(0, -pg_temp.deg(25)), '2026-06-01');
SELECT stops, weight_kg, round(distance_km::numeric, 3) AS km
FROM lastmile.bundle(9001, '2026-06-01', 40);
-- the summary view: 4 loads, none outside a window
SELECT count(*) AS loads, sum(stops) AS stops, sum(stops_outside_window) AS late,
       max(retailers) AS max_retailers
FROM lastmile.bundle_summary WHERE origin_id = 9001 AND ship_date = '2026-06-01';

-- 2. Time windows force the order far → near on a ray east: C at 30 km,
-- B at 20 km, A at 10 km; 30 km/h, 5 min per stop, leaving 08:00.
-- C: arrives 09:00; B: arrives 09:25, waits to 10:00; A: arrives 10:25,
-- waits to 11:00; back 11:25.  One load of 60 km.
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, time_window) VALUES
    (201, 'r1', 9001, pg_temp.pt(pg_temp.deg(10), 0), '2026-06-02', '[2026-06-02 11:00, 2026-06-02 12:00)'),
    (202, 'r2', 9001, pg_temp.pt(pg_temp.deg(20), 0), '2026-06-02', '[2026-06-02 10:00, 2026-06-02 10:30)'),
    (203, 'r3', 9001, pg_temp.pt(pg_temp.deg(30), 0), '2026-06-02', '[2026-06-02 08:00, 2026-06-02 09:30)');
SELECT stops, round(distance_km::numeric, 3) AS km
FROM lastmile.bundle(9001, '2026-06-02', 100, depart_at => '2026-06-02 08:00+00');
SELECT s.seq, s.request_id, s.eta, s.eta <@ r.time_window AS in_window
FROM lastmile.bundle_stop s JOIN lastmile.transport_request r USING (request_id)
WHERE r.ship_date = '2026-06-02' ORDER BY s.seq;
SELECT depart_at, return_at FROM lastmile.bundle WHERE origin_id = 9001 AND ship_date = '2026-06-02';

-- 3. Every tour leaves at depart_at and waits at a stop it reaches early:
-- one stop 30 km away (1 h) with a window from 14:00; depart_at NULL =
-- 08:00 of the day: leaves 08:00, waits, serves at 14:00, back at 15:05.
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, time_window) VALUES
    (301, 'r1', 9001, pg_temp.pt(pg_temp.deg(30), 0), '2026-06-03', '[2026-06-03 14:00, 2026-06-03 15:00)');
SELECT stops FROM lastmile.bundle(9001, '2026-06-03', 100);
SELECT b.depart_at, s.eta, b.return_at
FROM lastmile.bundle b JOIN lastmile.bundle_stop s USING (bundle_id) WHERE b.ship_date = '2026-06-03';
-- a window opening at 06:00 that day moves the default departure to 06:00
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, time_window) VALUES
    (302, 'r1', 9001, pg_temp.pt(pg_temp.deg(15), 0), '2026-06-04', '[2026-06-04 06:00, 2026-06-04 06:45)');
SELECT stops FROM lastmile.bundle(9001, '2026-06-04', 100);
SELECT b.depart_at, s.eta, b.return_at
FROM lastmile.bundle b JOIN lastmile.bundle_stop s USING (bundle_id) WHERE b.ship_date = '2026-06-04';

-- 4. Left out, with a NOTICE each: too heavy, too bulky, window unreachable
-- (ends 07:50, 30 km away at 30 km/h, leaving 07:00); cancelled ones are not candidates.
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, time_window, status) VALUES
    (401, 'r1', 9001, pg_temp.pt(pg_temp.deg(5), 0), '2026-06-05', NULL, 'new'),
    (402, 'r2', 9001, pg_temp.pt(pg_temp.deg(6), 0), '2026-06-05', NULL, 'new'),
    (403, 'r3', 9001, pg_temp.pt(pg_temp.deg(30), 0), '2026-06-05', '[2026-06-05 07:00, 2026-06-05 07:50)', 'new'),
    (404, 'r1', 9001, pg_temp.pt(pg_temp.deg(7), 0), '2026-06-05', NULL, 'cancelled'),
    (405, 'r2', 9001, pg_temp.pt(pg_temp.deg(8), 0), '2026-06-05', NULL, 'new');
INSERT INTO lastmile.package (request_id, dims, weight_kg) VALUES
    (401, '60x40x40', 30), (401, '60x40x40', 30),   -- 60 kg > 50
    (402, '200x100x100', 20),                        -- 2 m3 > 1
    (403, '10x10x10', 1), (404, '10x10x10', 1), (405, '10x10x10', 1);
SELECT stops, weight_kg, volume_m3 FROM lastmile.bundle(9001, '2026-06-05', 50, capacity_m3 => 1,
                                                         depart_at => '2026-06-05 07:00+00');
SELECT request_id, status FROM lastmile.transport_request
WHERE request_id BETWEEN 401 AND 405 AND request_id NOT IN (SELECT request_id FROM lastmile.bundle_stop)
ORDER BY 1;

-- 5. Capacity, volume and stop limits: twelve 10 kg, 0.06 m3 requests in one
-- direction; each limit alone decides the number of loads.
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date)
SELECT 500 + 20 * v.i + k, 'r1', 9002, pg_temp.pt(5 + pg_temp.deg(k), 5), v.d
FROM generate_series(1, 12) k, (VALUES (0, date '2026-07-01'), (1, '2026-07-02'), (2, '2026-07-03')) v(i, d);
INSERT INTO lastmile.package (request_id, dims, weight_kg)
SELECT request_id, '50x40x30', 10 FROM lastmile.transport_request WHERE origin_id = 9002;
SELECT 'kg' AS limit, count(*) AS loads, max(stops) AS max_stops, max(weight_kg) AS max_kg
FROM lastmile.bundle(9002, '2026-07-01', 30);
SELECT 'm3' AS limit, count(*) AS loads, max(stops) AS max_stops, round(max(volume_m3)::numeric, 6) AS max_m3
FROM lastmile.bundle(9002, '2026-07-02', 1000, capacity_m3 => 0.25);
SELECT 'stops' AS limit, count(*) AS loads, max(stops) AS max_stops
FROM lastmile.bundle(9002, '2026-07-03', 1000, max_stops => 5);

-- 6. Status: an allocated request becomes bundled and keeps its carrier; a
-- new one stays new.
INSERT INTO lastmile.carrier (carrier_id, name) VALUES ('c1', 'Carrier one');
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, status, carrier_id) VALUES
    (701, 'r1', 9001, pg_temp.pt(pg_temp.deg(3), 0), '2026-08-01', 'allocated', 'c1'),
    (702, 'r2', 9001, pg_temp.pt(pg_temp.deg(4), 0), '2026-08-01', 'new', NULL);
SELECT count(*) AS loads FROM lastmile.bundle(9001, '2026-08-01', 100);
SELECT request_id, status, carrier_id FROM lastmile.transport_request WHERE request_id IN (701, 702) ORDER BY 1;
-- unbundle() undoes it: the bundle goes, the request is allocated again;
-- bundling again makes the same load; a labelled request blocks unbundle()
SELECT lastmile.unbundle(9001, '2026-08-01') AS unbundled;
SELECT request_id, status FROM lastmile.transport_request WHERE request_id IN (701, 702) ORDER BY 1;
SELECT count(*) AS stops_left FROM lastmile.bundle_stop WHERE request_id IN (701, 702);
SELECT stops FROM lastmile.bundle(9001, '2026-08-01', 100);
UPDATE lastmile.transport_request SET status = 'labelled' WHERE request_id = 701;
SELECT pg_temp.err($$SELECT lastmile.unbundle(9001, '2026-08-01')$$) AS result
UNION ALL SELECT pg_temp.err($$SELECT lastmile.unbundle(424242, '2026-08-01')$$)
UNION ALL SELECT pg_temp.err($$SELECT lastmile.unbundle(NULL, '2026-08-01')$$)
UNION ALL SELECT pg_temp.err($$SELECT lastmile.unbundle(9001, NULL)$$);
SELECT lastmile.unbundle(9001, '2026-12-25') AS nothing_to_undo;

-- 7. The user's matrix: with every pair given (road km = 3 × great circle,
-- 1 km per minute) it is used; with a pair missing a NOTICE says so and
-- great-circle distances are used.
-- (801's window makes it the first stop: 30 road km = 30 min, then 5 min
-- there and 30 min to 802.)
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, time_window) VALUES
    (801, 'r1', 9001, pg_temp.pt(pg_temp.deg(10), 0), '2026-08-02', '[2026-08-02 08:00, 2026-08-02 08:45)'),
    (802, 'r1', 9001, pg_temp.pt(pg_temp.deg(20), 0), '2026-08-02', NULL),
    (811, 'r1', 9001, pg_temp.pt(-pg_temp.deg(10), 0), '2026-08-03', NULL),
    (812, 'r1', 9001, pg_temp.pt(-pg_temp.deg(20), 0), '2026-08-03', NULL);
INSERT INTO lastmile.route_matrix (from_point, to_point, km, minutes, source)
SELECT a.g, b.g, 3 * ST_DistanceSphere(a.g, b.g) / 1000, 3 * ST_DistanceSphere(a.g, b.g) / 1000, 'test'
FROM (SELECT location FROM lastmile.place WHERE place_id = 9001
      UNION ALL SELECT destination FROM lastmile.transport_request WHERE request_id IN (801, 802, 811, 812)) a(g),
     (SELECT location FROM lastmile.place WHERE place_id = 9001
      UNION ALL SELECT destination FROM lastmile.transport_request WHERE request_id IN (801, 802, 811, 812)) b(g)
WHERE NOT ST_Equals(a.g, b.g);
DELETE FROM lastmile.route_matrix
WHERE ST_Equals(from_point, (SELECT destination FROM lastmile.transport_request WHERE request_id = 812))
  AND ST_Equals(to_point, (SELECT location FROM lastmile.place WHERE place_id = 9001));
SELECT stops, round(distance_km::numeric, 3) AS km FROM lastmile.bundle(9001, '2026-08-02', 100, speed_kmh => 60);
SELECT s.seq, s.request_id, s.eta FROM lastmile.bundle_stop s JOIN lastmile.transport_request r USING (request_id)
WHERE r.ship_date = '2026-08-02' ORDER BY s.seq;
SELECT stops, round(distance_km::numeric, 3) AS km FROM lastmile.bundle(9001, '2026-08-03', 100);

-- 8. Arguments: every bad value is 22023 naming it, an unknown origin is
-- P0002, and NULL never crashes.
SELECT pg_temp_err AS result FROM (VALUES
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', 0)'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', -5)'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', ''NaN'')'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', 10, capacity_m3 => 0)'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', 10, max_stops => 0)'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', 10, speed_kmh => 0)'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', 10, speed_kmh => ''Infinity'')'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', 10, stop_minutes => -1)'),
    ('SELECT * FROM lastmile.bundle(9001, ''infinity'', 10)'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', 10, depart_at => ''-infinity'')'),
    ('SELECT * FROM lastmile.bundle(424242, ''2026-06-01'', 10)'),
    ('SELECT * FROM lastmile.bundle(NULL, ''2026-06-01'', 10)'),
    ('SELECT * FROM lastmile.bundle(9001, NULL, 10)'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', NULL)'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', 10, speed_kmh => NULL)'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', 10, stop_minutes => NULL)'),
    ('SELECT * FROM lastmile.bundle(9001, ''2026-06-01'', 10, NULL, NULL, 30, 5, NULL)'),
    ('SELECT * FROM lastmile.bundle(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)')
) q(sql), LATERAL (SELECT pg_temp.err(q.sql) AS pg_temp_err) e;
ROLLBACK;
