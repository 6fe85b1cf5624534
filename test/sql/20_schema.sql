-- The data model's constraints, with the messages a loader sees, and the
-- GeoJSON loader.  Rows made here are removed at the end.
\set VERBOSITY terse
INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('s-r', 'Schema test retailer');
INSERT INTO lastmile.carrier (carrier_id, name) VALUES ('s-c', 'Schema test carrier');
SELECT retailer_id, w_cost, w_quality, w_environment FROM lastmile.retailer WHERE retailer_id = 's-r';
SELECT carrier_id, services, quality, co2_g_per_km, fuel_surcharge_pct, daily_capacity
FROM lastmile.carrier WHERE carrier_id = 's-c';

-- weights
INSERT INTO lastmile.retailer (retailer_id, w_cost) VALUES ('bad', -1);
INSERT INTO lastmile.retailer (retailer_id, w_cost, w_quality, w_environment) VALUES ('bad', 0, 0, 0);
INSERT INTO lastmile.retailer (retailer_id, w_cost) VALUES ('bad', 'NaN');
-- carriers
INSERT INTO lastmile.carrier (carrier_id, quality) VALUES ('bad', 1.01);
INSERT INTO lastmile.carrier (carrier_id, max_weight_kg) VALUES ('bad', 0);
INSERT INTO lastmile.carrier (carrier_id, volumetric_divisor) VALUES ('bad', -5000);
INSERT INTO lastmile.carrier (carrier_id, daily_capacity) VALUES ('bad', -1);
INSERT INTO lastmile.carrier (carrier_id, services) VALUES ('bad', '{teleport}');
-- rate bands
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('s-c', 'Z1', '[0,2)', 4.90), ('s-c', 'Z1', '[2,5)', 6.50);
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('s-c', 'Z1', '[1,3)', 5);
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('s-c', 'Z1', 'empty', 5);
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('s-c', 'Z1', '[5,10)', -1);
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('nobody', 'Z1', '[5,10)', 1);
-- contracts
INSERT INTO lastmile.contract (retailer_id, carrier_id, price_factor) VALUES ('s-r', 's-c', -0.5);
INSERT INTO lastmile.contract (retailer_id, carrier_id) VALUES ('s-r', 's-c');
INSERT INTO lastmile.contract (retailer_id, carrier_id) VALUES ('s-r', 's-c');
SELECT active, price_factor FROM lastmile.contract WHERE retailer_id = 's-r';
-- places and requests
INSERT INTO lastmile.place (place_id, retailer_id, name, location)
    VALUES (980001, 's-r', 'Lille store', ST_SetSRID(ST_MakePoint(3.0573, 50.6292), 4326));
INSERT INTO lastmile.place (retailer_id, name, location)
    VALUES ('s-r', 'polygon', ST_SetSRID(ST_MakeEnvelope(0, 0, 1, 1), 4326));
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, time_window)
    VALUES (980001, 's-r', 980001, ST_SetSRID(ST_MakePoint(3.1, 50.6), 4326), '2026-12-01', 'empty');
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date)
    VALUES (980001, 's-r', 980001, ST_SetSRID(ST_MakePoint(3.1, 50.6), 4326), '2026-12-01');
SELECT request_id, service, status, country, carrier_id FROM lastmile.transport_request WHERE request_id = 980001;
INSERT INTO lastmile.transport_request (retailer_id, origin_id, destination, status)
    VALUES ('s-r', 980001, ST_SetSRID(ST_MakePoint(3.1, 50.6), 4326), 'lost');
-- packages
INSERT INTO lastmile.package (request_id, dims, weight_kg) VALUES (980001, '60x40x30', -2);
INSERT INTO lastmile.package (request_id, dims, weight_kg) VALUES (980002, '60x40x30', 2);
INSERT INTO lastmile.package (request_id, dims, weight_kg, tracking) VALUES (980001, '60x40x30', 2, 'T1'), (980001, '30x20x10', 1, 'T1');
-- the allocation log is append-only
INSERT INTO lastmile.allocation (request_id, carrier_id, price) VALUES (980001, 's-c', 4.90);
UPDATE lastmile.allocation SET price = 0 WHERE request_id = 980001;
-- reservations never overlap for one resource
INSERT INTO lastmile.resource (resource_id, place_id, kind, name, capacity_kg) VALUES (980001, 980001, 'vehicle', 'Van', 900);
INSERT INTO lastmile.reservation (resource_id, during) VALUES (980001, '[2026-12-01 08:00+00, 2026-12-01 12:00+00)');
INSERT INTO lastmile.reservation (resource_id, during) VALUES (980001, '[2026-12-01 10:00+00, 2026-12-01 14:00+00)');

-- GeoJSON loader
SELECT lastmile.load_geojson('{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"code": "T1", "nom": "Square one"},
   "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
  {"type": "Feature", "properties": {"code": "T2", "nom": "Bow tie (repaired)"},
   "geometry": {"type": "Polygon", "coordinates": [[[0,0],[2,2],[2,0],[0,2],[0,0]]]}}]}', 'test');
SELECT code, name, ST_GeometryType(geom), ST_SRID(geom), ST_IsValid(geom), round(size_km2)
FROM lastmile.area WHERE kind = 'test' ORDER BY code;
-- loading again replaces the shape of the same kind and code
SELECT lastmile.load_geojson('{"type": "Feature", "properties": {"code": "T1", "nom": "Square one, moved"},
   "geometry": {"type": "MultiPolygon", "coordinates": [[[[10,10],[11,10],[11,11],[10,11],[10,10]]]]}}', 'test');
SELECT code, name, ST_AsText(geom) FROM lastmile.area WHERE kind = 'test' ORDER BY code;
SELECT lastmile.load_geojson(NULL);
SELECT lastmile.load_geojson('[1, 2]');
SELECT lastmile.load_geojson('{"type": "FeatureCollection", "features": {}}');
SELECT lastmile.load_geojson('{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"code": "P"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}]}', 'test');

-- clean up
DELETE FROM lastmile.area WHERE kind = 'test';
DELETE FROM lastmile.allocation WHERE request_id = 980001;
DELETE FROM lastmile.resource WHERE resource_id = 980001;
DELETE FROM lastmile.transport_request WHERE request_id = 980001;
DELETE FROM lastmile.place WHERE place_id = 980001;
DELETE FROM lastmile.carrier WHERE carrier_id = 's-c';
DELETE FROM lastmile.retailer WHERE retailer_id = 's-r';
SELECT (SELECT count(*) FROM lastmile.retailer) + (SELECT count(*) FROM lastmile.carrier)
     + (SELECT count(*) FROM lastmile.transport_request) + (SELECT count(*) FROM lastmile.area) AS rows_left;
