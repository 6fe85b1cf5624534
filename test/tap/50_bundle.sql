-- pgTAP: bundle() and assign_resources() on a random day of 120 requests
-- (three retailers, windows, weights, volumes): every invariant of the
-- contract checked row by row, determinism, and the declarations.
BEGIN;
SELECT plan(31);

SET LOCAL TimeZone = 'Europe/Paris';
-- a generous clock and an iteration cap: the same loads under any load
SET LOCAL lastmile.bundle_time_limit_ms = 60000;
SET LOCAL lastmile.bundle_max_iterations = 3000;
SET LOCAL lastmile.bundle_seed = 7;
SET LOCAL client_min_messages = warning;

-- declarations
SELECT has_function('lastmile', 'bundle',
    ARRAY['bigint', 'date', 'double precision', 'double precision', 'integer',
          'double precision', 'double precision', 'timestamp with time zone'],
    'bundle(origin_id, ship_date, capacity_kg, capacity_m3, max_stops, speed_kmh, stop_minutes, depart_at) exists');
SELECT has_function('lastmile', 'assign_resources', ARRAY['bigint', 'date'],
    'assign_resources(origin_id, ship_date) exists');
SELECT is((SELECT provolatile::text FROM pg_proc WHERE oid = 'lastmile.bundle'::regproc), 'v',
    'bundle() is VOLATILE');
SELECT ok((SELECT proconfig::text LIKE '%search_path%' FROM pg_proc WHERE oid = 'lastmile.bundle'::regproc)
          AND (SELECT proconfig::text LIKE '%search_path%' FROM pg_proc WHERE oid = 'lastmile.assign_resources'::regproc),
    'bundle() and assign_resources() pin search_path');
SELECT ok(obj_description('lastmile.route_matrix'::regclass, 'pg_class') IS NOT NULL
          AND obj_description('lastmile.bundle_summary'::regclass, 'pg_class') IS NOT NULL,
    'route_matrix and bundle_summary are commented');

-- a random day: 120 requests around a hub, a third with morning windows, a
-- third with afternoon windows, 1-3 packages each
INSERT INTO lastmile.retailer (retailer_id) VALUES ('t1'), ('t2'), ('t3');
INSERT INTO lastmile.place (place_id, kind, name, location)
VALUES (9801, 'hub', 'tap hub', ST_SetSRID(ST_MakePoint(4.85, 45.75), 4326));
SELECT setseed(0.25);
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, time_window)
SELECT 98000 + k, 't' || (1 + k % 3), 9801,
       ST_SetSRID(ST_MakePoint(4.85 + (random() - 0.5) * 0.6, 45.75 + (random() - 0.5) * 0.4), 4326),
       '2026-06-10',
       CASE k % 3 WHEN 0 THEN tstzrange('2026-06-10 08:00', '2026-06-10 12:00')
                  WHEN 1 THEN tstzrange('2026-06-10 13:30', '2026-06-10 18:00') END
FROM generate_series(1, 120) k;
INSERT INTO lastmile.package (request_id, dims, weight_kg)
SELECT 98000 + k, ((30 + (k * j) % 40) || 'x30x20')::lastmile.dims, 2 + (k * 7 + j) % 25
FROM generate_series(1, 120) k, generate_series(1, 1 + k % 3) j;
-- one request too heavy for any load, and one cancelled
UPDATE lastmile.package SET weight_kg = 900 WHERE request_id = 98005;
UPDATE lastmile.transport_request SET status = 'cancelled' WHERE request_id = 98006;

CREATE TEMP TABLE made AS
SELECT * FROM lastmile.bundle(9801, '2026-06-10', 300, capacity_m3 => 1.2, max_stops => 18,
                              speed_kmh => 35, stop_minutes => 4);
-- the same loads again under a savepoint: determinism
SAVEPOINT again;
DELETE FROM lastmile.bundle WHERE bundle_id IN (SELECT bundle_id FROM made);
CREATE TEMP TABLE made2 AS
SELECT * FROM lastmile.bundle(9801, '2026-06-10', 300, capacity_m3 => 1.2, max_stops => 18,
                              speed_kmh => 35, stop_minutes => 4);
SELECT string_agg(route, ' | ' ORDER BY route) AS routes2 FROM (
    SELECT string_agg(s.request_id::text || '@' || s.eta::text, ' ' ORDER BY s.seq) AS route
    FROM made2 m JOIN lastmile.bundle_stop s USING (bundle_id) GROUP BY m.bundle_id) x \gset
ROLLBACK TO SAVEPOINT again;

CREATE TEMP VIEW st AS
SELECT s.*, r.destination, r.time_window, b.depart_at, b.return_at,
       lag(r.destination) OVER w AS prev_dest, lag(s.eta) OVER w AS prev_eta,
       count(*) OVER (PARTITION BY s.bundle_id) AS n
FROM lastmile.bundle_stop s
JOIN made b0 USING (bundle_id)
JOIN lastmile.bundle b USING (bundle_id)
JOIN lastmile.transport_request r USING (request_id)
WINDOW w AS (PARTITION BY s.bundle_id ORDER BY s.seq);

SELECT cmp_ok((SELECT count(*) FROM made), '>=', 7::bigint, 'at least ceil(total kg / 300) loads');
SELECT is((SELECT sum(stops)::int FROM made), 118,
    'every candidate but the too heavy one is bundled (the cancelled one is no candidate)');
SELECT is((SELECT count(*)::int FROM lastmile.bundle_stop WHERE request_id IN (98005, 98006)), 0,
    'the too heavy and the cancelled requests are in no bundle');
SELECT is((SELECT count(*)::int FROM made WHERE weight_kg > 300 + 1e-9), 0, 'no load above capacity_kg');
SELECT is((SELECT count(*)::int FROM made WHERE volume_m3 > 1.2 + 1e-9), 0, 'no load above capacity_m3');
SELECT is((SELECT count(*)::int FROM made WHERE stops > 18), 0, 'no load above max_stops');
SELECT is((SELECT count(*)::int FROM made m
           WHERE abs(m.weight_kg - (SELECT sum(p.weight_kg) FROM lastmile.bundle_stop s
                                    JOIN lastmile.package p USING (request_id)
                                    WHERE s.bundle_id = m.bundle_id)) > 1e-6), 0,
    'weight_kg is the sum of the packages');
SELECT is((SELECT count(*)::int FROM made m
           WHERE abs(m.volume_m3 - (SELECT sum(lastmile.volume_cm3(p.dims)) / 1e6 FROM lastmile.bundle_stop s
                                    JOIN lastmile.package p USING (request_id)
                                    WHERE s.bundle_id = m.bundle_id)) > 1e-9), 0,
    'volume_m3 is the sum of volume_cm3(dims) / 1e6');
SELECT is((SELECT count(*)::int FROM made m JOIN lastmile.bundle b USING (bundle_id)
           WHERE (m.stops, m.weight_kg, m.volume_m3, m.distance_km)
                 IS DISTINCT FROM (m.stops, b.weight_kg, b.volume_m3, b.distance_km)
              OR b.origin_id <> 9801 OR b.ship_date <> '2026-06-10'), 0,
    'the rows returned are the rows written');
SELECT is((SELECT count(*)::int FROM st WHERE seq > n OR seq < 1), 0, 'seq runs 1..stops in each load');
SELECT is((SELECT count(*)::int FROM st WHERE NOT (eta <@ time_window)), 0, 'every eta is inside its window');
SELECT is((SELECT count(*)::int FROM st WHERE prev_eta IS NOT NULL
           AND eta < prev_eta + interval '4 min'
                     + make_interval(secs => ST_DistanceSphere(prev_dest, destination) / 1000 / 35 * 3600 - 1)), 0,
    'each stop starts no earlier than the previous one + 4 min + the drive at 35 km/h');
SELECT is((SELECT count(*)::int FROM st s JOIN lastmile.place o ON o.place_id = 9801
           WHERE s.seq = 1
             AND s.eta < s.depart_at + make_interval(secs => ST_DistanceSphere(o.location, s.destination) / 1000 / 35 * 3600 - 1)), 0,
    'the first stop is reached from depart_at');
SELECT is((SELECT count(*)::int FROM st s JOIN lastmile.place o ON o.place_id = 9801
           WHERE s.seq = s.n
             AND abs(extract(epoch FROM s.return_at - s.eta)
                     - 240 - ST_DistanceSphere(s.destination, o.location) / 1000 / 35 * 3600) > 1), 0,
    'return_at = last eta + 4 min + the drive back');
SELECT is((SELECT count(*)::int FROM made m
           WHERE abs(m.distance_km - (
               SELECT sum(ST_DistanceSphere(coalesce(prev_dest, (SELECT location FROM lastmile.place WHERE place_id = 9801)),
                                            destination)) / 1000
                      + (SELECT ST_DistanceSphere(destination, (SELECT location FROM lastmile.place WHERE place_id = 9801)) / 1000
                         FROM st s2 WHERE s2.bundle_id = m.bundle_id AND s2.seq = s2.n)
               FROM st WHERE st.bundle_id = m.bundle_id)) > 1e-6), 0,
    'distance_km = origin → stops in seq → origin, great-circle (ST_DistanceSphere)');
SELECT is((SELECT count(DISTINCT retailers)::int > 0 AND max(retailers) = 3 FROM lastmile.bundle_summary
           WHERE bundle_id IN (SELECT bundle_id FROM made)), true,
    'loads are shared by several retailers');
SELECT is(:'routes2',
          (SELECT string_agg(route, ' | ' ORDER BY route) FROM (
               SELECT string_agg(s.request_id::text || '@' || s.eta::text, ' ' ORDER BY s.seq) AS route
               FROM made m JOIN lastmile.bundle_stop s USING (bundle_id) GROUP BY m.bundle_id) x),
    'the same requests and seed give the same loads, stops and etas');
SELECT is((SELECT count(*)::int FROM lastmile.bundle(9801, '2026-06-10', 300)), 0,
    'a second call bundles nothing new');

-- resources for the day: vans of several sizes, drivers
INSERT INTO lastmile.resource (place_id, kind, name, capacity_kg, capacity_m3)
SELECT 9801, 'vehicle', 'van ' || k, 200 + 50 * k, 2 FROM generate_series(1, 6) k;
INSERT INTO lastmile.resource (place_id, kind, name)
SELECT 9801, 'driver', 'driver ' || k FROM generate_series(1, 5) k;
CREATE TEMP TABLE got AS SELECT * FROM lastmile.assign_resources(9801, '2026-06-10');
SELECT is((SELECT count(*)::int FROM got), (SELECT count(*)::int FROM made),
    'assign_resources() answers for every bundle of the day');
SELECT is((SELECT count(*)::int FROM got g JOIN made m USING (bundle_id)
           JOIN lastmile.resource v ON v.resource_id = g.vehicle_id
           WHERE v.capacity_kg < m.weight_kg OR v.capacity_m3 < m.volume_m3 OR v.kind <> 'vehicle'), 0,
    'every vehicle carries its load');
SELECT is((SELECT count(*)::int FROM lastmile.reservation a JOIN lastmile.reservation b
           ON a.resource_id = b.resource_id AND a.reservation_id < b.reservation_id AND a.during && b.during), 0,
    'no resource is booked twice at once');
SELECT is((SELECT count(*)::int FROM got WHERE (vehicle_id IS NULL) <> (driver_id IS NULL)), 0,
    'a bundle gets both a vehicle and a driver, or neither');
SELECT is((SELECT count(*)::int FROM got g JOIN lastmile.bundle b USING (bundle_id)
           JOIN lastmile.reservation x ON x.bundle_id = g.bundle_id
           WHERE x.during <> tstzrange(b.depart_at, b.return_at)), 0,
    'reservations span the tour, departure to return');
-- row level security: a retailer's analyst sees only its own stops of the
-- shared loads, and an app cannot bundle (loads mix retailers)
SET LOCAL ROLE lastmile_analyst;
SET LOCAL lastmile.retailer = 't1';
SELECT (SELECT coalesce(sum(stops), 0) FROM lastmile.bundle_summary) AS analyst_stops,
       (SELECT count(*) FROM lastmile.bundle_summary) AS analyst_loads,
       (SELECT coalesce(max(retailers), 0) FROM lastmile.bundle_summary) AS analyst_retailers \gset
RESET ROLE;
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date)
VALUES (98999, 't1', 9801, ST_SetSRID(ST_MakePoint(4.86, 45.76), 4326), '2026-06-11');
SET LOCAL ROLE lastmile_app;
SET LOCAL lastmile.retailer = 't1';
DO $$
BEGIN
    PERFORM * FROM lastmile.bundle(9801, '2026-06-11', 300);
    PERFORM set_config('lastmile_test.app_bundle', 'ok', true);
EXCEPTION WHEN OTHERS THEN
    PERFORM set_config('lastmile_test.app_bundle', SQLSTATE, true);
END $$;
RESET ROLE;
SELECT is(:analyst_stops::int,
          (SELECT count(*)::int FROM lastmile.bundle_stop s JOIN lastmile.transport_request r USING (request_id)
           WHERE r.retailer_id = 't1' AND s.bundle_id IN (SELECT bundle_id FROM made)),
    'an analyst of t1 sees exactly t1''s stops in bundle_summary');
SELECT is(:analyst_retailers::int, 1, 'and no other retailer in the loads it sees');
SELECT is(current_setting('lastmile_test.app_bundle'), '42501',
    'an app role cannot bundle (insufficient_privilege): bundles are the operator''s');
SELECT * FROM finish();
ROLLBACK;
