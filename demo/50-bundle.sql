-- Step 5: bundling.  The retailers ship from their own warehouses all over
-- France; what if they handed their parcels for the Paris area to one shared
-- city hub at Rungis?  The requests of the busiest day whose destination is
-- within 30 km of it are moved to that hub, bundled first retailer by
-- retailer, then all together (lastmile.bundle), vans and drivers are booked
-- (lastmile.assign_resources) and the tours are drawn (lastmile.bundle_svg).
-- All in one transaction, rolled back at the end: the demo data stay as
-- they were.  See docs/bundling.md.
SET TimeZone = 'Europe/Paris';   -- departures default to 08:00 local time
SET lastmile.bundle_time_limit_ms = 1500;
BEGIN;
INSERT INTO lastmile.place (retailer_id, kind, name, location, city)
VALUES (NULL, 'hub', 'Hub Rungis (shared)', ST_SetSRID(ST_MakePoint(2.35, 48.75), 4326), 'Rungis')
RETURNING place_id AS hub \gset
CREATE TEMP TABLE city AS
SELECT r.request_id, r.retailer_id, r.ship_date
FROM lastmile.transport_request r
WHERE r.status <> 'cancelled'
  AND NOT EXISTS (SELECT 1 FROM lastmile.bundle_stop s WHERE s.request_id = r.request_id)
  AND ST_DWithin(r.destination::geography, (SELECT location::geography FROM lastmile.place WHERE place_id = :hub), 30000);
SELECT count(*) > 0 AS have_requests FROM city \gset
\if :have_requests
SELECT ship_date AS day FROM city GROUP BY ship_date ORDER BY count(*) DESC, ship_date LIMIT 1 \gset
DELETE FROM city WHERE ship_date <> :'day';

\echo
\echo The Paris-area requests of the busiest day, per retailer:
SELECT c.retailer_id, count(*) AS requests, count(r.time_window) AS with_window,
       round(sum(k.kg)::numeric) AS kg
FROM city c
JOIN lastmile.transport_request r USING (request_id)
LEFT JOIN LATERAL (SELECT sum(weight_kg) AS kg FROM lastmile.package WHERE request_id = c.request_id) k ON true
GROUP BY c.retailer_id ORDER BY c.retailer_id;

\echo
\echo Each retailer alone: its own vans from the hub (600 kg / 12 m3, at most 30 stops, 30 km/h, 5 min per stop)
CREATE TEMP TABLE alone (retailer_id text, loads int, stops int, km float8);
CREATE TEMP TABLE solo_hub (retailer_id text, place_id bigint);
WITH ins AS (
    INSERT INTO lastmile.place (retailer_id, kind, name, location)
    SELECT x.retailer_id, 'hub', 'Rungis, ' || x.retailer_id || ' alone',
           (SELECT location FROM lastmile.place WHERE place_id = :hub)
    FROM (SELECT DISTINCT retailer_id FROM city) x
    RETURNING retailer_id, place_id)
INSERT INTO solo_hub SELECT retailer_id, place_id FROM ins;
UPDATE lastmile.transport_request r SET origin_id = s.place_id
FROM city c JOIN solo_hub s USING (retailer_id) WHERE r.request_id = c.request_id;
INSERT INTO alone
SELECT s.retailer_id, count(*), sum(b.stops), sum(b.distance_km)
FROM solo_hub s, LATERAL lastmile.bundle(s.place_id, :'day', capacity_kg => 600, capacity_m3 => 12,
                                           max_stops => 30) b
GROUP BY s.retailer_id;
SELECT retailer_id, loads, stops, round(km::numeric) AS km FROM alone ORDER BY retailer_id;
-- forget those loads: the same requests, now shared
DELETE FROM lastmile.bundle WHERE origin_id IN (SELECT place_id FROM solo_hub);
UPDATE lastmile.transport_request r SET origin_id = :hub
FROM city c WHERE r.request_id = c.request_id;

\echo
\echo All together, one shared fleet (lastmile.bundle):
SELECT clock_timestamp() AS t0 \gset
CREATE TEMP TABLE shared AS
SELECT * FROM lastmile.bundle(:hub, :'day', capacity_kg => 600, capacity_m3 => 12, max_stops => 30);
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 2) AS seconds,
       count(*) AS loads, sum(stops) AS stops, round(avg(stops), 1) AS stops_per_load,
       round(100 * avg(weight_kg) / 600) AS mean_fill_pct,
       round(sum(distance_km)::numeric) AS km,
       (SELECT sum(loads) FROM alone) AS loads_alone,
       round((SELECT sum(km) FROM alone)::numeric) AS km_alone,
       round(100 * (1 - sum(distance_km) / (SELECT sum(km) FROM alone))::numeric, 1) AS km_saved_pct
FROM shared;

\echo
\echo The shared loads: how many retailers ride in each, when they leave and come back
SELECT bundle_id, stops, round(weight_kg::numeric, 1) AS kg, round(volume_m3::numeric, 2) AS m3,
       round(distance_km::numeric, 1) AS km, retailers,
       to_char(depart_at, 'HH24:MI') AS departs, to_char(return_at, 'HH24:MI') AS returns,
       stops_outside_window AS late
FROM lastmile.bundle_summary
WHERE bundle_id IN (SELECT bundle_id FROM shared)
ORDER BY bundle_id;

\echo
\echo Vans and drivers at the hub: three sizes of van, one more van than loads, a driver per load
INSERT INTO lastmile.resource (place_id, kind, name, capacity_kg, capacity_m3)
SELECT :hub, 'vehicle', format('van %s (%s kg)', k, (ARRAY[400, 600, 900])[1 + k % 3]),
       (ARRAY[400, 600, 900])[1 + k % 3], (ARRAY[8, 12, 16])[1 + k % 3]
FROM generate_series(1, (SELECT count(*) FROM shared)::int + 1) k;
INSERT INTO lastmile.resource (place_id, kind, name)
SELECT :hub, 'driver', format('driver %s', k)
FROM generate_series(1, (SELECT count(*) FROM shared)::int) k;
\echo Booking them for the tours (lastmile.assign_resources; a NOTICE says who got none and why) ...
SELECT a.bundle_id, v.name AS vehicle, d.name AS driver
FROM lastmile.assign_resources(:hub, :'day') a
LEFT JOIN lastmile.resource v ON v.resource_id = a.vehicle_id
LEFT JOIN lastmile.resource d ON d.resource_id = a.driver_id
ORDER BY a.bundle_id;

\echo
\echo The map of the shared tours over the départements: /tmp/lastmile-bundles.svg (lastmile.bundle_svg)
\pset format unaligned
\pset tuples_only on
SELECT lastmile.bundle_svg(:hub, :'day', 1000) \g /tmp/lastmile-bundles.svg
\pset format aligned
\pset tuples_only off
\else
\echo No request within 30 km of Rungis.
\endif
ROLLBACK;
