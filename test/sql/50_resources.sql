-- assign_resources(): smallest vehicle that carries the load, a free driver,
-- availability and existing reservations, NOTICEs for bundles that get
-- nothing, a second call, errors and NULL arguments.
SET client_min_messages = notice;
SET TimeZone = 'UTC';
SET lastmile.bundle_time_limit_ms = 60000;
SET lastmile.bundle_max_iterations = 2000;
BEGIN;
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

INSERT INTO lastmile.place (place_id, kind, name, location) VALUES
    (9101, 'hub', 'hub', ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326)),
    (9102, 'hub', 'other hub', ST_SetSRID(ST_MakePoint(4.83, 45.76), 4326)),
    (9103, 'hub', 'hub without vehicles', ST_SetSRID(ST_MakePoint(5.37, 43.30), 4326));
INSERT INTO lastmile.resource (resource_id, place_id, kind, name, capacity_kg, capacity_m3, available) VALUES
    (9201, 9101, 'vehicle', 'van 3000 kg',  3000, NULL, '[2026-09-01 00:00+00, 2026-09-02 00:00+00)'),
    (9202, 9101, 'vehicle', 'van 1000 kg',  1000, 5,    '[2026-09-01 00:00+00, 2026-09-02 00:00+00)'),
    (9203, 9101, 'vehicle', 'van 500 kg',    500, 2,    NULL),
    (9204, 9102, 'vehicle', 'truck elsewhere', 10000, NULL, NULL),
    (9211, 9101, 'driver',  'Ann', NULL, NULL, '[2026-09-01 07:00+00, 2026-09-01 13:00+00)'),
    (9212, 9101, 'driver',  'Bob', NULL, NULL, '[2026-09-01 07:00+00, 2026-09-01 17:00+00)'),
    (9213, 9102, 'driver',  'Cid (elsewhere)', NULL, NULL, NULL),
    (9221, 9101, 'dock',    'dock 1', NULL, NULL, NULL);
INSERT INTO lastmile.bundle (bundle_id, origin_id, ship_date, weight_kg, volume_m3, distance_km, depart_at, return_at) VALUES
    (9301, 9101, '2026-09-01',  800, 4, 50, '2026-09-01 08:00+00', '2026-09-01 12:00+00'),
    (9302, 9101, '2026-09-01',  300, 1, 30, '2026-09-01 09:00+00', '2026-09-01 11:00+00'),
    (9303, 9101, '2026-09-01', 5000, 1, 30, '2026-09-01 09:00+00', '2026-09-01 11:00+00'),
    (9304, 9101, '2026-09-01',  100, 0.5, 20, '2026-09-01 14:00+00', '2026-09-01 16:00+00'),
    (9305, 9101, '2026-09-01',  100, 0.5, 20, '2026-09-01 10:00+00', '2026-09-01 10:30+00'),
    (9306, 9101, '2026-09-01',  100, 0.5, 20, NULL, NULL),
    (9307, 9101, '2026-09-02',  800, 3, 20, '2026-09-02 08:00+00', '2026-09-02 12:00+00'),
    (9308, 9103, '2026-09-01',  100, 0.5, 20, '2026-09-01 08:00+00', '2026-09-01 12:00+00');

-- 9301 (800 kg, 4 m3) → the 1000 kg van and Ann; 9302 (300 kg) → the 500 kg
-- van and Bob (Ann is busy); 9303 (5000 kg) → nothing; 9304 (14:00-16:00)
-- → the 500 kg van again and Bob (Ann's day ends at 13:00); 9305
-- (10:00-10:30) → the 3000 kg van is free but no driver is: nothing, and the
-- van is not kept; 9306 has no tour span.
SELECT * FROM lastmile.assign_resources(9101, '2026-09-01') ORDER BY bundle_id;
SELECT x.bundle_id, rs.name, x.during
FROM lastmile.reservation x JOIN lastmile.resource rs USING (resource_id)
ORDER BY x.bundle_id, rs.kind, rs.resource_id;
SELECT bundle_id, assigned_at IS NOT NULL AS assigned FROM lastmile.bundle
WHERE bundle_id BETWEEN 9301 AND 9306 ORDER BY 1;
SELECT bundle_id, vehicle_id, driver_id FROM lastmile.bundle_summary
WHERE bundle_id BETWEEN 9301 AND 9306 ORDER BY 1;

-- a second call handles only the bundles still without a reservation
SELECT * FROM lastmile.assign_resources(9101, '2026-09-01') ORDER BY bundle_id;

-- a maintenance slot of the 3000 kg van: 9305 now finds no vehicle
-- it may use (the two small vans are busy, the big one is in the garage)
INSERT INTO lastmile.reservation (resource_id, during) VALUES (9201, '[2026-09-01 10:00+00, 2026-09-01 10:20+00)');
SELECT * FROM lastmile.assign_resources(9101, '2026-09-01') ORDER BY bundle_id;

-- the next day the two big vans are not available; 9307 (800 kg) fits none
-- that is
SELECT * FROM lastmile.assign_resources(9101, '2026-09-02');
-- a place without vehicles; a day without bundles
SELECT * FROM lastmile.assign_resources(9103, '2026-09-01');
SELECT * FROM lastmile.assign_resources(9101, '2026-12-25');

-- end to end: bundle() then assign_resources(); the reservation spans the
-- tour from departure to return
INSERT INTO lastmile.retailer (retailer_id) VALUES ('rr');
INSERT INTO lastmile.resource (resource_id, place_id, kind, name) VALUES (9214, 9101, 'driver', 'Dee');
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, time_window)
SELECT 9400 + k, 'rr', 9101, ST_SetSRID(ST_MakePoint(2.35 + k * 0.01, 48.85), 4326), '2026-09-03',
       '[2026-09-03 09:00+00, 2026-09-03 18:00+00)'
FROM generate_series(1, 5) k;
INSERT INTO lastmile.package (request_id, dims, weight_kg)
SELECT request_id, '40x30x20', 20 FROM lastmile.transport_request WHERE request_id BETWEEN 9401 AND 9405;
SELECT stops, weight_kg FROM lastmile.bundle(9101, '2026-09-03', 450);
SELECT vehicle_id, driver_id FROM lastmile.assign_resources(9101, '2026-09-03');
-- (the 500 kg van and Dee)
SELECT x.during = tstzrange(b.depart_at, b.return_at) AS span_is_tour,
       lower(x.during) <= min(s.eta) AND upper(x.during) > max(s.eta) AS covers_stops
FROM lastmile.bundle b
JOIN lastmile.reservation x USING (bundle_id)
JOIN lastmile.bundle_stop s USING (bundle_id)
WHERE b.ship_date = '2026-09-03'
GROUP BY x.reservation_id, b.bundle_id ORDER BY x.reservation_id;

-- errors and NULLs
SELECT pg_temp.err(q) AS result FROM (VALUES
    ('SELECT * FROM lastmile.assign_resources(424242, ''2026-09-01'')'),
    ('SELECT * FROM lastmile.assign_resources(NULL, ''2026-09-01'')'),
    ('SELECT * FROM lastmile.assign_resources(9101, NULL)'),
    ('SELECT * FROM lastmile.assign_resources(NULL, NULL)')) v(q);
ROLLBACK;
