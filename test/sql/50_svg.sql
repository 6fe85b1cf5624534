-- bundle_svg(): an SVG map of one origin's tours of a day, drawn over the
-- areas it covers; one polyline per bundle, the origin marked.
SET client_min_messages = notice;
SET TimeZone = 'UTC';
SET lastmile.bundle_time_limit_ms = 60000;
SET lastmile.bundle_max_iterations = 2000;
BEGIN;
INSERT INTO lastmile.retailer (retailer_id) VALUES ('svg');
INSERT INTO lastmile.area (area_id, name, geom) VALUES
    (9701, 'West & <square>', ST_Multi(ST_MakeEnvelope(-1, -1, 0, 1, 4326))),
    (9702, 'East square', ST_Multi(ST_MakeEnvelope(0, -1, 1, 1, 4326))),
    (9703, 'Far away', ST_Multi(ST_MakeEnvelope(50, 50, 51, 51, 4326)));
INSERT INTO lastmile.place (place_id, kind, name, location)
VALUES (9711, 'hub', 'svg hub', ST_SetSRID(ST_MakePoint(0, 0), 4326));
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date)
SELECT 97100 + k, 'svg', 9711, ST_SetSRID(ST_MakePoint(CASE WHEN k <= 3 THEN 0.3 ELSE -0.3 END, 0.05 * k), 4326), '2026-11-02'
FROM generate_series(1, 6) k;
INSERT INTO lastmile.package (request_id, dims, weight_kg)
SELECT request_id, '30x30x30', 10 FROM lastmile.transport_request WHERE origin_id = 9711;
SELECT count(*) AS loads FROM lastmile.bundle(9711, '2026-11-02', 30);
SELECT left(s, 40) AS head,
       right(s, 6) AS tail,
       (length(s) - length(replace(s, '<polyline', ''))) / length('<polyline') AS tours,
       (length(s) - length(replace(s, '<circle', ''))) / length('<circle') AS stops,
       (length(s) - length(replace(s, '<path', ''))) / length('<path') AS areas,
       s LIKE '%West &amp; &lt;square&gt;%' AS names_escaped,
       xml_is_well_formed_document(s) AS well_formed
FROM lastmile.bundle_svg(9711, '2026-11-02') s;
-- a day without bundles: the origin alone; NULL arguments give NULL
SELECT xml_is_well_formed_document(s) AS well_formed, s LIKE '%origin 9711%' AS origin_marked
FROM lastmile.bundle_svg(9711, '2026-11-03') s;
SELECT lastmile.bundle_svg(NULL, '2026-11-02') IS NULL AS null_origin,
       lastmile.bundle_svg(9711, NULL) IS NULL AS null_day;
\set VERBOSITY terse
SELECT lastmile.bundle_svg(424242, '2026-11-02');
\set VERBOSITY default
ROLLBACK;

-- bundle_geojson(): the same day as GeoJSON for web maps
BEGIN;
INSERT INTO lastmile.retailer (retailer_id) VALUES ('geo');
INSERT INTO lastmile.place (place_id, kind, name, location)
VALUES (9721, 'hub', 'geo hub', ST_SetSRID(ST_MakePoint(0, 0), 4326));
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, time_window)
VALUES (97201, 'geo', 9721, ST_SetSRID(ST_MakePoint(0.1, 0), 4326), '2026-11-02', '[2026-11-02 09:00+00, 2026-11-02 10:00+00)'),
       (97202, 'geo', 9721, ST_SetSRID(ST_MakePoint(0.2, 0), 4326), '2026-11-02', NULL);
SELECT count(*) AS loads FROM lastmile.bundle(9721, '2026-11-02', 100);
SELECT f->'properties'->>'kind' AS kind, f->'geometry'->>'type' AS geometry,
       jsonb_array_length(f->'geometry'->'coordinates') AS points,
       f->'properties'->>'seq' AS seq, f->'properties'->>'request_id' AS request_id,
       f->'properties'->>'eta' AS eta
FROM jsonb_array_elements(lastmile.bundle_geojson(9721, '2026-11-02')->'features') f;
SELECT lastmile.bundle_geojson(9721, '2026-11-02')->>'type' AS type,
       lastmile.bundle_geojson(9721, '2026-12-25')->'features' AS empty_day,
       lastmile.bundle_geojson(424242, '2026-11-02') IS NULL AS unknown_origin,
       lastmile.bundle_geojson(NULL, '2026-11-02') IS NULL AS null_origin;
ROLLBACK;
