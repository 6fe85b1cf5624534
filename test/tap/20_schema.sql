-- The data model of SPEC §2: tables, the contract's columns and types, keys
-- and the constraints that reject bad rows.
BEGIN;
SELECT plan(165);

-- Every table of the contract, and nothing renamed.
SELECT has_table('lastmile', t, 'table lastmile.' || t || ' exists')
FROM unnest(ARRAY['retailer', 'carrier', 'area', 'coverage', 'rate', 'contract', 'place',
                  'transport_request', 'package', 'quote', 'allocation', 'bundle', 'bundle_stop',
                  'resource', 'reservation', 'notification', 'message', 'sms_rate']) AS t;

-- The contract's columns with their types.
SELECT col_type_is('lastmile', t, c, ty, format('%s.%s is %s', t, c, ty))
FROM (VALUES
    ('retailer', 'retailer_id', 'text'), ('retailer', 'name', 'text'),
    ('retailer', 'w_cost', 'double precision'), ('retailer', 'w_quality', 'double precision'),
    ('retailer', 'w_environment', 'double precision'),
    ('carrier', 'carrier_id', 'text'), ('carrier', 'name', 'text'),
    ('carrier', 'services', 'lastmile.service[]'), ('carrier', 'max_weight_kg', 'double precision'),
    ('carrier', 'max_dims', 'lastmile.dims'), ('carrier', 'max_developed_cm', 'double precision'),
    ('carrier', 'volumetric_divisor', 'double precision'), ('carrier', 'quality', 'double precision'),
    ('carrier', 'co2_g_per_km', 'double precision'), ('carrier', 'fuel_surcharge_pct', 'numeric'),
    ('carrier', 'daily_capacity', 'integer'),
    ('area', 'area_id', 'bigint'), ('area', 'name', 'text'), ('area', 'geom', 'geometry(MultiPolygon,4326)'),
    ('coverage', 'carrier_id', 'text'), ('coverage', 'area_id', 'bigint'), ('coverage', 'zone', 'text'),
    ('rate', 'carrier_id', 'text'), ('rate', 'zone', 'text'), ('rate', 'weight_kg', 'numrange'),
    ('rate', 'price', 'numeric'), ('rate', 'per_kg', 'numeric'), ('rate', 'transit_days', 'integer'),
    ('contract', 'retailer_id', 'text'), ('contract', 'carrier_id', 'text'),
    ('contract', 'active', 'boolean'), ('contract', 'price_factor', 'numeric'),
    ('place', 'place_id', 'bigint'), ('place', 'retailer_id', 'text'), ('place', 'kind', 'lastmile.place_kind'),
    ('place', 'name', 'text'), ('place', 'location', 'geometry(Point,4326)'),
    ('transport_request', 'request_id', 'bigint'), ('transport_request', 'retailer_id', 'text'),
    ('transport_request', 'order_ref', 'text'), ('transport_request', 'service', 'lastmile.service'),
    ('transport_request', 'origin_id', 'bigint'), ('transport_request', 'destination', 'geometry(Point,4326)'),
    ('transport_request', 'ship_date', 'date'), ('transport_request', 'time_window', 'tstzrange'),
    ('transport_request', 'recipient_name', 'text'), ('transport_request', 'recipient_phone', 'text'),
    ('transport_request', 'recipient_email', 'text'), ('transport_request', 'address', 'text'),
    ('transport_request', 'postcode', 'text'), ('transport_request', 'city', 'text'),
    ('transport_request', 'country', 'text'), ('transport_request', 'status', 'lastmile.request_status'),
    ('transport_request', 'carrier_id', 'text'), ('transport_request', 'price', 'numeric'),
    ('package', 'package_id', 'bigint'), ('package', 'request_id', 'bigint'), ('package', 'dims', 'lastmile.dims'),
    ('package', 'weight_kg', 'double precision'), ('package', 'tracking', 'text'),
    ('quote', 'carrier_id', 'text'), ('quote', 'request_id', 'bigint'), ('quote', 'price', 'numeric'),
    ('quote', 'expires_at', 'timestamp with time zone'),
    ('allocation', 'allocation_id', 'bigint'), ('allocation', 'request_id', 'bigint'),
    ('allocation', 'carrier_id', 'text'), ('allocation', 'price', 'numeric'),
    ('allocation', 'score', 'double precision'), ('allocation', 'cost_score', 'double precision'),
    ('allocation', 'quality_score', 'double precision'), ('allocation', 'environment_score', 'double precision'),
    ('allocation', 'ranking', 'jsonb'), ('allocation', 'rejected', 'jsonb'),
    ('allocation', 'decided_at', 'timestamp with time zone'),
    ('bundle', 'bundle_id', 'bigint'), ('bundle', 'origin_id', 'bigint'), ('bundle', 'ship_date', 'date'),
    ('bundle', 'weight_kg', 'double precision'), ('bundle', 'volume_m3', 'double precision'),
    ('bundle', 'distance_km', 'double precision'),
    ('bundle_stop', 'bundle_id', 'bigint'), ('bundle_stop', 'seq', 'integer'),
    ('bundle_stop', 'request_id', 'bigint'), ('bundle_stop', 'eta', 'timestamp with time zone'),
    ('resource', 'resource_id', 'bigint'), ('resource', 'place_id', 'bigint'),
    ('resource', 'kind', 'lastmile.resource_kind'), ('resource', 'name', 'text'),
    ('resource', 'capacity_kg', 'double precision'), ('resource', 'capacity_m3', 'double precision'),
    ('resource', 'available', 'tstzrange'),
    ('reservation', 'reservation_id', 'bigint'), ('reservation', 'resource_id', 'bigint'),
    ('reservation', 'during', 'tstzrange'), ('reservation', 'bundle_id', 'bigint'),
    ('notification', 'notification_id', 'bigint'), ('notification', 'request_id', 'bigint'),
    ('notification', 'event', 'text'), ('notification', 'created_at', 'timestamp with time zone'),
    ('message', 'message_id', 'bigint'), ('message', 'notification_id', 'bigint'),
    ('message', 'channel', 'lastmile.channel'), ('message', 'recipient', 'text'), ('message', 'body', 'text'),
    ('message', 'segments', 'integer'), ('message', 'price', 'numeric'),
    ('sms_rate', 'prefix', 'text'), ('sms_rate', 'country', 'text'), ('sms_rate', 'price', 'numeric'),
    ('sms_rate', 'sender_allowed', 'boolean')
) AS spec(t, c, ty);

-- Keys.
SELECT col_is_pk('lastmile', 'coverage', ARRAY['carrier_id', 'area_id'], 'coverage key is (carrier_id, area_id)');
SELECT col_is_pk('lastmile', 'contract', ARRAY['retailer_id', 'carrier_id'], 'contract key is (retailer_id, carrier_id)');
SELECT col_is_unique('lastmile', 'message', ARRAY['notification_id'], 'one message per notification');
SELECT col_is_unique('lastmile', 'bundle_stop', ARRAY['request_id'], 'a request is in at most one bundle');
SELECT col_is_unique('lastmile', 'package', ARRAY['tracking'], 'tracking numbers are unique');
SELECT has_index('lastmile', 'area', 'area_geom_idx', 'area.geom has a GiST index');
SELECT is((SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 'lastmile.area_geom_idx'::regclass)::text,
          'gist', 'area_geom_idx is GiST');
SELECT ok((SELECT bool_and(attidentity = 'd') FROM pg_attribute
           WHERE attrelid::regclass::text LIKE 'lastmile.%' AND attidentity <> ''),
          'every identity column is GENERATED BY DEFAULT');

-- Enumerations hold the contract's values.
SELECT enum_has_labels('lastmile', 'service',
    ARRAY['delivery', 'pickup', 'return', 'installation', 'takeback', 'pickup_point'], 'service labels');
SELECT enum_has_labels('lastmile', 'request_status',
    ARRAY['new', 'allocated', 'unallocatable', 'bundled', 'labelled', 'shipped', 'delivered', 'cancelled'],
    'request_status labels');

-- Inserting only the contract's columns works.
INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('tap-r', 'Tap retailer');
INSERT INTO lastmile.carrier (carrier_id, name) VALUES ('tap-c', 'Tap carrier');
INSERT INTO lastmile.place (retailer_id, kind, name, location)
    VALUES ('tap-r', 'store', 'Tap store', ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326));
SELECT lives_ok($$
    INSERT INTO lastmile.transport_request (retailer_id, origin_id, destination, ship_date)
    SELECT 'tap-r', place_id, ST_SetSRID(ST_MakePoint(2.30, 48.80), 4326), '2026-12-01'
    FROM lastmile.place WHERE name = 'Tap store' $$, 'a request with only contract columns');
SELECT is((SELECT (status, service, country)::text FROM lastmile.transport_request WHERE retailer_id = 'tap-r'),
          '(new,delivery,FR)', 'request defaults: status new, service delivery, country FR');
SELECT lives_ok($$
    INSERT INTO lastmile.package (request_id, dims, weight_kg)
    SELECT request_id, '60x40x30', 2.5 FROM lastmile.transport_request WHERE retailer_id = 'tap-r' $$,
    'a package with only contract columns');
SELECT lives_ok($$ INSERT INTO lastmile.retailer (retailer_id, w_cost, w_quality, w_environment)
                   VALUES ('tap-id', 1, 0, 0) $$, 'a loader may choose the weights');
SELECT lives_ok($$ INSERT INTO lastmile.area (area_id, name, geom)
                   VALUES (900001, 'own id', ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326))) $$,
                'a loader may supply its own identity values');

-- Constraints reject bad rows.
SELECT throws_ok($$ INSERT INTO lastmile.retailer (retailer_id, w_cost) VALUES ('bad', -1) $$,
                 '23514', NULL, 'negative weight rejected');
SELECT throws_ok($$ INSERT INTO lastmile.retailer (retailer_id, w_cost, w_quality, w_environment)
                    VALUES ('bad', 0, 0, 0) $$, '23514', NULL, 'all weights zero rejected');
SELECT throws_ok($$ INSERT INTO lastmile.carrier (carrier_id, quality) VALUES ('bad', 1.5) $$,
                 '23514', NULL, 'quality above 1 rejected');
SELECT throws_ok($$ INSERT INTO lastmile.carrier (carrier_id, quality) VALUES ('bad', -0.1) $$,
                 '23514', NULL, 'quality below 0 rejected');
SELECT throws_ok($$ INSERT INTO lastmile.carrier (carrier_id, co2_g_per_km) VALUES ('bad', -1) $$,
                 '23514', NULL, 'negative CO2 rejected');
SELECT throws_ok($$ INSERT INTO lastmile.package (request_id, dims, weight_kg)
                    SELECT request_id, '10x10x10', 0 FROM lastmile.transport_request WHERE retailer_id = 'tap-r' $$,
                 '23514', NULL, 'package weight 0 rejected');
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('tap-c', 'Z1', '[0,5)', 5);
SELECT lives_ok($$ INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('tap-c', 'Z1', '[5,10)', 7) $$,
                'adjacent band accepted');
SELECT throws_ok($$ INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('tap-c', 'Z1', '[4,6)', 6) $$,
                 '23P01', NULL, 'overlapping band of the same carrier and zone rejected');
SELECT lives_ok($$ INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('tap-c', 'Z2', '[4,6)', 6) $$,
                'the same band in another zone accepted');
SELECT throws_ok($$ INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('tap-c', 'Z3', '(,5)', 6) $$,
                 '23514', NULL, 'band without lower bound rejected');
SELECT throws_ok($$ INSERT INTO lastmile.contract (retailer_id, carrier_id, price_factor) VALUES ('tap-r', 'tap-c', 0) $$,
                 '23514', NULL, 'price factor 0 rejected');
SELECT throws_ok($$ INSERT INTO lastmile.transport_request (retailer_id, origin_id, destination)
                    VALUES ('tap-r', -1, ST_SetSRID(ST_MakePoint(2, 48), 4326)) $$,
                 '23503', NULL, 'unknown origin rejected');
SELECT throws_ok($$ INSERT INTO lastmile.transport_request (retailer_id, origin_id, destination)
                    SELECT 'tap-r', place_id, ST_SetSRID(ST_MakePoint(2, 48), 2154) FROM lastmile.place WHERE name = 'Tap store' $$,
                 '22023', NULL, 'destination without SRID 4326 rejected');
SELECT throws_ok($$ UPDATE lastmile.allocation SET price = 0 $$, '55000', NULL, 'the allocation log is append-only');

-- One message per notification.
INSERT INTO lastmile.notification (request_id, event)
    SELECT request_id, 'allocated' FROM lastmile.transport_request WHERE retailer_id = 'tap-r';
INSERT INTO lastmile.message (notification_id, channel, recipient, body)
    SELECT notification_id, 'email', 'a@example.org', 'hello' FROM lastmile.notification n
    JOIN lastmile.transport_request r USING (request_id) WHERE r.retailer_id = 'tap-r';
SELECT throws_ok($$ INSERT INTO lastmile.message (notification_id, channel, recipient, body)
                    SELECT notification_id, 'email', 'b@example.org', 'again' FROM lastmile.notification n
                    JOIN lastmile.transport_request r USING (request_id) WHERE r.retailer_id = 'tap-r' $$,
                 '23505', NULL, 'a second message for one notification rejected');

-- No double booking of a resource.
INSERT INTO lastmile.resource (place_id, kind, name, capacity_kg)
    SELECT place_id, 'vehicle', 'Van 1', 800 FROM lastmile.place WHERE name = 'Tap store';
INSERT INTO lastmile.reservation (resource_id, during)
    SELECT resource_id, '[2026-12-01 08:00Z, 2026-12-01 12:00Z)' FROM lastmile.resource WHERE name = 'Van 1';
SELECT throws_ok($$ INSERT INTO lastmile.reservation (resource_id, during)
                    SELECT resource_id, '[2026-12-01 11:00Z, 2026-12-01 13:00Z)' FROM lastmile.resource WHERE name = 'Van 1' $$,
                 '23P01', NULL, 'overlapping reservation of one resource rejected');
SELECT lives_ok($$ INSERT INTO lastmile.reservation (resource_id, during)
                   SELECT resource_id, '[2026-12-01 12:00Z, 2026-12-01 13:00Z)' FROM lastmile.resource WHERE name = 'Van 1' $$,
                'back-to-back reservation accepted');
SELECT throws_ok($$ INSERT INTO lastmile.sms_rate (prefix, price) VALUES ('+33', 0.05) $$,
                 '23514', NULL, 'SMS prefix must be digits only');

-- Every table and column a user sees is commented.
SELECT is((SELECT count(*) FROM pg_class c
           WHERE c.relnamespace = 'lastmile'::regnamespace AND c.relkind IN ('r', 'v', 'm')
             AND obj_description(c.oid, 'pg_class') IS NULL), 0::bigint, 'every table and view has a comment');
SELECT is((SELECT string_agg(c.relname || '.' || a.attname, ', ') FROM pg_class c
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           WHERE c.relnamespace = 'lastmile'::regnamespace AND c.relkind IN ('r', 'v', 'm')
             AND col_description(c.oid, a.attnum) IS NULL), NULL, 'every column has a comment');
SELECT is((SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p
           WHERE p.pronamespace = 'lastmile'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL),
          NULL, 'every function has a comment');

SELECT * FROM finish();
ROLLBACK;
