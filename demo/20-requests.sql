-- Step 2: carriers, rate grids, retailers, contracts, places and a few
-- thousand transport requests, generated deterministically (demo/generate.sql).
\i demo/generate.sql
RESET search_path;
\echo Generating 8 carriers, 3 retailers and 3,000 requests (seed 1) ...
SELECT * FROM lastmile_demo.generate(carriers => 8, retailers => 3, requests => 3000, seed => 1);

\echo
\echo Carriers: limits, quality, CO2, capacity, and how many départements they cover
SELECT c.carrier_id, c.name, c.services, c.max_weight_kg AS max_kg, c.max_dims,
       c.max_developed_cm AS max_dev_cm, c.quality, c.co2_g_per_km AS co2_g_km, c.daily_capacity AS per_day,
       count(v.area_id) AS areas, count(DISTINCT v.zone) AS zones,
       (SELECT count(*) FROM lastmile.rate r WHERE r.carrier_id = c.carrier_id) AS rate_bands
FROM lastmile.carrier c LEFT JOIN lastmile.coverage v USING (carrier_id)
GROUP BY c.carrier_id ORDER BY c.carrier_id;

\echo Requests per retailer and service (over the ship dates)
SELECT retailer_id, count(*) AS requests,
       count(*) FILTER (WHERE service = 'delivery') AS delivery,
       count(*) FILTER (WHERE service = 'pickup') AS pickup,
       count(*) FILTER (WHERE service = 'return') AS return,
       count(*) FILTER (WHERE service = 'installation') AS installation,
       count(*) FILTER (WHERE service = 'takeback') AS takeback,
       count(*) FILTER (WHERE service = 'pickup_point') AS pickup_point,
       count(DISTINCT ship_date) AS ship_dates, count(time_window) AS with_window,
       (SELECT count(*) FROM lastmile.package p JOIN lastmile.transport_request q USING (request_id)
        WHERE q.retailer_id = r.retailer_id) AS packages
FROM lastmile.transport_request r
GROUP BY retailer_id ORDER BY retailer_id;

\echo A few requests, their packages, and the départements that contain their destination
SELECT r.request_id, r.retailer_id, r.order_ref, o.name AS origin, r.city,
       round(ST_X(r.destination)::numeric, 4) AS lon, round(ST_Y(r.destination)::numeric, 4) AS lat,
       (SELECT string_agg(a.code || ' ' || a.name, ', ') FROM lastmile.area a
        WHERE ST_Covers(a.geom, r.destination)) AS in_areas,
       (SELECT string_agg(p.dims::text || ' ' || p.weight_kg || ' kg', ' + ' ORDER BY p.package_id)
        FROM lastmile.package p WHERE p.request_id = r.request_id) AS packages
FROM lastmile.transport_request r JOIN lastmile.place o ON o.place_id = r.origin_id
WHERE r.request_id % 300 = 1
ORDER BY r.request_id;

\echo Destinations in no département at all (at sea, abroad): no carrier can serve them
SELECT count(*) AS outside_every_area FROM lastmile.transport_request r
WHERE NOT EXISTS (SELECT 1 FROM lastmile.area a WHERE ST_Covers(a.geom, r.destination));
