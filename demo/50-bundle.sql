-- Step 5: bundling.  The busiest origin and day: its requests of every
-- retailer grouped into shared van loads (bundle), vans and drivers booked
-- for the tours (assign_resources), what sharing saves against one trip per
-- request, and a map.  See docs/bundling.md.
SET TimeZone = 'Europe/Paris';   -- departures default to 08:00 local time
SELECT count(*) > 0 AS have_requests
FROM lastmile.transport_request WHERE status <> 'cancelled' \gset
\if :have_requests
SELECT origin_id, ship_date
FROM lastmile.transport_request
WHERE status <> 'cancelled'
GROUP BY origin_id, ship_date
ORDER BY count(*) DESC, origin_id, ship_date
LIMIT 1 \gset
\echo
\echo The busiest origin and day:
SELECT p.place_id AS origin_id, p.name, :'ship_date'::date AS ship_date,
       count(*) AS requests, count(DISTINCT r.retailer_id) AS retailers,
       round(sum(k.kg)::numeric, 1) AS kg
FROM lastmile.place p
JOIN lastmile.transport_request r ON r.origin_id = p.place_id
LEFT JOIN LATERAL (SELECT sum(weight_kg) AS kg FROM lastmile.package WHERE request_id = r.request_id) k ON true
WHERE p.place_id = :origin_id AND r.ship_date = :'ship_date' AND r.status <> 'cancelled'
GROUP BY p.place_id, p.name;

\echo
\echo Bundling them into 600 kg / 12 m3 vans of at most 30 stops, 30 km/h, 5 min per stop (lastmile.bundle) ...
SET lastmile.bundle_time_limit_ms = 2000;
SELECT clock_timestamp() AS t0 \gset
CREATE TEMP TABLE demo_loads AS
SELECT * FROM lastmile.bundle(:origin_id, :'ship_date', capacity_kg => 600, capacity_m3 => 12,
                              max_stops => 30);
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 2) AS seconds,
       count(*) AS loads, sum(stops) AS stops,
       round(avg(stops), 1) AS stops_per_load,
       round(100 * avg(weight_kg) / 600) AS mean_fill_pct,
       round(sum(distance_km)::numeric) AS km
FROM demo_loads;

\echo
\echo What sharing saves: the tours against one return trip per request (great-circle km)
SELECT round(sum(2 * ST_DistanceSphere(p.location, r.destination)) / 1000) AS one_trip_each_km,
       (SELECT round(sum(distance_km)::numeric) FROM demo_loads) AS bundled_km,
       round(100 * (1 - (SELECT sum(distance_km) FROM demo_loads)
                        / nullif(sum(2 * ST_DistanceSphere(p.location, r.destination)) / 1000, 0))::numeric, 1)
           AS saved_pct
FROM lastmile.bundle_stop s
JOIN demo_loads USING (bundle_id)
JOIN lastmile.transport_request r USING (request_id)
JOIN lastmile.place p ON p.place_id = r.origin_id;

\echo
\echo The loads, and how many retailers share each one:
SELECT bundle_id, stops, round(weight_kg::numeric, 1) AS kg, round(volume_m3::numeric, 2) AS m3,
       round(distance_km::numeric, 1) AS km, retailers,
       to_char(depart_at, 'HH24:MI') AS departs, to_char(return_at, 'HH24:MI') AS returns,
       stops_outside_window AS late
FROM lastmile.bundle_summary
WHERE bundle_id IN (SELECT bundle_id FROM demo_loads)
ORDER BY bundle_id;

\echo
\echo Vans and drivers based there: three sizes of van, one more van than loads, a driver per load
INSERT INTO lastmile.resource (place_id, kind, name, capacity_kg, capacity_m3)
SELECT :origin_id, 'vehicle', format('van %s (%s kg)', k, (ARRAY[400, 600, 900])[1 + k % 3]),
       (ARRAY[400, 600, 900])[1 + k % 3], (ARRAY[8, 12, 16])[1 + k % 3]
FROM generate_series(1, (SELECT count(*) FROM demo_loads)::int + 1) k;
INSERT INTO lastmile.resource (place_id, kind, name)
SELECT :origin_id, 'driver', format('driver %s', k)
FROM generate_series(1, (SELECT count(*) FROM demo_loads)::int) k;
\echo Booking them for the tours (lastmile.assign_resources; the NOTICEs say who got none) ...
SELECT a.bundle_id, v.name AS vehicle, d.name AS driver
FROM lastmile.assign_resources(:origin_id, :'ship_date') a
LEFT JOIN lastmile.resource v ON v.resource_id = a.vehicle_id
LEFT JOIN lastmile.resource d ON d.resource_id = a.driver_id
ORDER BY a.bundle_id;

\echo
\echo The map of the tours: /tmp/lastmile-bundles.svg (lastmile.bundle_svg)
\pset format unaligned
\pset tuples_only on
SELECT lastmile.bundle_svg(:origin_id, :'ship_date', 1000) \g /tmp/lastmile-bundles.svg
\pset format aligned
\pset tuples_only off
\else
\echo No requests to bundle.
\endif
