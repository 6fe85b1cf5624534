-- The roles through the functions: an app allocates and notifies for its own
-- retailer only (capacity counters, tracking numbers and the allocation log
-- are written for it without giving it those tables), an analyst and an
-- auditor cannot change anything, and nobody reaches another retailer's
-- request through a function.
BEGIN;
SELECT plan(19);
GRANT ALL ON TABLE __tcache__ TO PUBLIC;
GRANT ALL ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO PUBLIC;

INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('rf-a', 'A'), ('rf-b', 'B');
INSERT INTO lastmile.carrier (carrier_id, name, services, daily_capacity, quality, co2_g_per_km)
    VALUES ('rf-c', 'C', '{delivery}', 10, 0.9, 100);
INSERT INTO lastmile.area (area_id, name, geom) VALUES (970001, 'square', ST_Multi(ST_MakeEnvelope(2, 48, 3, 49, 4326)));
INSERT INTO lastmile.coverage (carrier_id, area_id, zone) VALUES ('rf-c', 970001, 'Z1');
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('rf-c', 'Z1', '[0,30)', 6.00);
INSERT INTO lastmile.contract (retailer_id, carrier_id) VALUES ('rf-a', 'rf-c'), ('rf-b', 'rf-c');
INSERT INTO lastmile.place (place_id, retailer_id, name, location) VALUES
    (970001, 'rf-a', 'A store', ST_SetSRID(ST_MakePoint(2.2, 48.7), 4326)),
    (970002, 'rf-b', 'B store', ST_SetSRID(ST_MakePoint(2.8, 48.3), 4326));
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date, recipient_phone) VALUES
    (970001, 'rf-a', 970001, ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326), '2026-12-01', '+33612345678'),
    (970002, 'rf-a', 970001, ST_SetSRID(ST_MakePoint(2.40, 48.80), 4326), '2026-12-01', '+33612345678'),
    (970003, 'rf-b', 970002, ST_SetSRID(ST_MakePoint(2.50, 48.60), 4326), '2026-12-01', '+33612345679');
INSERT INTO lastmile.package (request_id, dims, weight_kg)
    SELECT request_id, '40x30x20', 2 FROM lastmile.transport_request WHERE request_id BETWEEN 970001 AND 970003;

SET LOCAL ROLE lastmile_app;
SET LOCAL lastmile.retailer = 'rf-a';
SELECT is(lastmile.allocate(970001), 'rf-c', 'app allocates its own request');
SELECT throws_ok($$ SELECT lastmile.allocate(970003) $$, 'P0002', NULL,
                 'app cannot allocate another retailer''s request: to it, it does not exist');
SELECT is((SELECT count(*) FROM lastmile.allocate_pending(NULL, '2026-12-01')), 1::bigint,
          'allocate_pending of an app takes its own retailer''s new requests only');
SELECT is((SELECT status::text FROM lastmile.transport_request WHERE request_id = 970002), 'allocated',
          'the app''s second request is allocated');
SELECT is((SELECT count(*) FROM lastmile.delivery_options('rf-a', ST_SetSRID(ST_MakePoint(2.3, 48.9), 4326),
                                                          ARRAY['30x20x10']::lastmile.dims[], ARRAY[1.5],
                                                          ship_date => '2026-12-01')), 1::bigint,
          'app gets checkout options');
SELECT is((SELECT round(co2_g::numeric, 3) FROM lastmile.delivery_options('rf-a', ST_SetSRID(ST_MakePoint(2.3, 48.9), 4326),
                                                          ARRAY['30x20x10']::lastmile.dims[], ARRAY[1.5],
                                                          ship_date => '2026-12-01')),
          round((ST_DistanceSphere(ST_SetSRID(ST_MakePoint(2.2, 48.7), 4326),
                                   ST_SetSRID(ST_MakePoint(2.3, 48.9), 4326)) / 1000 * 100)::numeric, 3),
          'the checkout''s origin is the app''s own nearest store');
SELECT throws_ok($$ SELECT * FROM lastmile.delivery_options('rf-a', ST_SetSRID(ST_MakePoint(2.3, 48.9), 4326),
                                                          ARRAY['30x20x10']::lastmile.dims[], ARRAY[1.5],
                                                          'delivery', '2026-12-01', 970002) $$,
                 '22023', 'origin place 970002 does not exist',
                 'app cannot use another retailer''s store as the origin of a checkout: to it, it does not exist');
SELECT lives_ok($$ SELECT * FROM lastmile.delivery_options('rf-a', ST_SetSRID(ST_MakePoint(2.3, 48.9), 4326),
                                                          ARRAY['30x20x10']::lastmile.dims[], ARRAY[1.5],
                                                          'delivery', '2026-12-01', 970001) $$,
                'app uses its own store as the origin of a checkout');
SELECT throws_ok($$ UPDATE lastmile.carrier_day SET used = 0 $$, '42501', NULL,
                 'app cannot reset the capacity counters');
SELECT ok(lastmile.notify(970001, 'allocated', 'sms', '+33612345678', 'Votre colis est en route') > 0,
          'app notifies its own customer');
SELECT throws_ok($$ SELECT lastmile.notify(970003, 'allocated', 'sms', '+33612345679', 'x') $$, 'P0002', NULL,
                 'app cannot notify another retailer''s customer');
RESET ROLE;

SELECT is((SELECT used FROM lastmile.carrier_day WHERE carrier_id = 'rf-c' AND ship_date = '2026-12-01'), 2,
          'the capacity counter holds the app''s two allocations');
SELECT is((SELECT count(*) FROM lastmile.package WHERE request_id IN (970001, 970002) AND lastmile.tracking_valid(tracking)),
          2::bigint, 'the app''s packages got valid tracking numbers');
SELECT is((SELECT status::text FROM lastmile.transport_request WHERE request_id = 970003), 'new',
          'the other retailer''s request was not touched');

SET LOCAL ROLE lastmile_analyst;
SET LOCAL lastmile.retailer = 'rf-b';
SELECT throws_ok($$ SELECT lastmile.allocate(970003) $$, '42501', NULL, 'analyst cannot allocate');
SELECT is((SELECT count(*) FROM lastmile.ranking(970003)), 1::bigint, 'analyst reads the ranking of its own request');
SELECT throws_ok($$ SELECT * FROM lastmile.ranking(970001) $$, 'P0002', NULL,
                 'analyst cannot see the ranking of another retailer''s request');
RESET ROLE;

SET LOCAL ROLE lastmile_auditor;
SELECT is((SELECT count(*) FROM lastmile.current_allocation WHERE request_id BETWEEN 970001 AND 970003), 2::bigint,
          'auditor sees every retailer''s allocations through the analyst view');
SELECT throws_ok($$ SELECT lastmile.allocate(970003) $$, '42501', NULL, 'auditor cannot allocate');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
