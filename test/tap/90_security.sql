-- Who may see what (SPEC §5): the four roles, their rights, and row level
-- security keeping one retailer from another's rows.
BEGIN;
SELECT plan(34);
-- pgTAP keeps its state in temporary tables; let the roles under test use them.
GRANT ALL ON TABLE __tcache__ TO PUBLIC;
GRANT ALL ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO PUBLIC;

SELECT has_role(r, r || ' exists') FROM unnest(ARRAY['lastmile_admin', 'lastmile_app', 'lastmile_analyst', 'lastmile_auditor']) r;
SELECT is((SELECT bool_or(rolcanlogin) FROM pg_roles WHERE rolname LIKE 'lastmile\_%'), false, 'the roles are NOLOGIN');

-- Two retailers, each with a store, a request and a package; one shared hub.
INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('sec-a', 'A'), ('sec-b', 'B');
INSERT INTO lastmile.carrier (carrier_id) VALUES ('sec-c');
INSERT INTO lastmile.place (place_id, retailer_id, kind, name, location) VALUES
    (990001, 'sec-a', 'store', 'A store', ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326)),
    (990002, 'sec-b', 'store', 'B store', ST_SetSRID(ST_MakePoint(4.83, 45.76), 4326)),
    (990003, NULL, 'hub', 'Shared hub', ST_SetSRID(ST_MakePoint(2.50, 48.90), 4326));
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, order_ref) VALUES
    (990001, 'sec-a', 990001, ST_SetSRID(ST_MakePoint(2.30, 48.80), 4326), 'A-1'),
    (990002, 'sec-b', 990002, ST_SetSRID(ST_MakePoint(4.80, 45.70), 4326), 'B-1');
INSERT INTO lastmile.package (request_id, dims, weight_kg) VALUES (990001, '30x20x10', 1), (990002, '30x20x10', 2);
INSERT INTO lastmile.notification (notification_id, request_id, event) VALUES (990001, 990001, 'x'), (990002, 990002, 'x');
INSERT INTO lastmile.message (notification_id, channel, recipient, body) VALUES
    (990001, 'email', 'a@example.org', 'a'), (990002, 'email', 'b@example.org', 'b');

-- An app session without a retailer sees no retailer's rows.
SET LOCAL ROLE lastmile_app;
SELECT is((SELECT count(*) FROM lastmile.transport_request WHERE request_id >= 990001), 0::bigint,
          'app without lastmile.retailer sees no request');
SELECT is((SELECT count(*) FROM lastmile.package WHERE request_id >= 990001), 0::bigint,
          'app without lastmile.retailer sees no package');
SELECT is((SELECT count(*) FROM lastmile.carrier WHERE carrier_id = 'sec-c'), 1::bigint, 'app reads the carrier catalog');

-- With its retailer, it sees exactly its own rows, and the shared hub.
SET LOCAL lastmile.retailer = 'sec-a';
SELECT is((SELECT array_agg(order_ref) FROM lastmile.transport_request WHERE request_id >= 990001), ARRAY['A-1'],
          'app sees its own request only');
SELECT is((SELECT array_agg(request_id) FROM lastmile.package WHERE request_id >= 990001), ARRAY[990001::bigint],
          'app sees its own packages only');
SELECT is((SELECT array_agg(recipient) FROM lastmile.message WHERE notification_id >= 990001), ARRAY['a@example.org'],
          'app sees its own messages only (two joins away)');
SELECT is((SELECT array_agg(name ORDER BY name) FROM lastmile.place WHERE place_id >= 990001), ARRAY['A store', 'Shared hub'],
          'app sees its own places and shared ones');
SELECT is((SELECT array_agg(retailer_id) FROM lastmile.retailer WHERE retailer_id LIKE 'sec-%'), ARRAY['sec-a'],
          'app sees its own retailer row only');
SELECT lives_ok($$ INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination)
                   VALUES (990003, 'sec-a', 990001, ST_SetSRID(ST_MakePoint(2.3, 48.8), 4326)) $$,
                'app creates a request for its own retailer');
SELECT throws_ok($$ INSERT INTO lastmile.transport_request (retailer_id, origin_id, destination)
                    VALUES ('sec-b', 990002, ST_SetSRID(ST_MakePoint(2.3, 48.8), 4326)) $$,
                 '42501', NULL, 'app cannot create a request for another retailer');
-- (these match no row for the app: checked below as the owner)
UPDATE lastmile.transport_request SET order_ref = 'hacked' WHERE request_id = 990002;
DELETE FROM lastmile.package WHERE request_id = 990002;
SELECT throws_ok($$ UPDATE lastmile.transport_request SET retailer_id = 'sec-b' WHERE request_id = 990001 $$,
                 '42501', NULL, 'app cannot hand its request to another retailer');
SELECT throws_ok($$ INSERT INTO lastmile.carrier (carrier_id) VALUES ('sec-x') $$,
                 '42501', NULL, 'app cannot change the carrier catalog');
SELECT throws_ok($$ INSERT INTO lastmile.place (retailer_id, kind, name, location)
                    VALUES (NULL, 'hub', 'my hub', ST_SetSRID(ST_MakePoint(2, 48), 4326)) $$,
                 '42501', NULL, 'app cannot create a shared place');

RESET ROLE;
SELECT is((SELECT order_ref FROM lastmile.transport_request WHERE request_id = 990002), 'B-1',
          'app cannot update another retailer''s request');
SELECT is((SELECT count(*) FROM lastmile.package WHERE request_id = 990002), 1::bigint,
          'app cannot delete another retailer''s package');
SET LOCAL ROLE lastmile_app;

-- A retailer that tries another's key sees nothing of the first.
SET LOCAL lastmile.retailer = 'sec-b';
SELECT is((SELECT array_agg(order_ref) FROM lastmile.transport_request WHERE request_id >= 990001), ARRAY['B-1'],
          'switching retailer shows the other retailer''s rows only');
RESET ROLE;

-- Analyst: read-only, own rows.
SET LOCAL ROLE lastmile_analyst;
SET LOCAL lastmile.retailer = 'sec-a';
SELECT is((SELECT count(*) FROM lastmile.transport_request WHERE request_id >= 990001), 2::bigint,
          'analyst reads its own retailer''s requests');
SELECT throws_ok($$ UPDATE lastmile.transport_request SET order_ref = 'x' WHERE request_id = 990001 $$,
                 '42501', NULL, 'analyst cannot write');
SELECT throws_ok($$ DELETE FROM lastmile.package $$, '42501', NULL, 'analyst cannot delete');
RESET lastmile.retailer;
SELECT is((SELECT count(*) FROM lastmile.transport_request WHERE request_id >= 990001), 0::bigint,
          'analyst without lastmile.retailer sees nothing');
RESET ROLE;

-- Auditor: read-only, every retailer.
SET LOCAL ROLE lastmile_auditor;
SELECT is((SELECT count(*) FROM lastmile.transport_request WHERE request_id >= 990001), 3::bigint,
          'auditor reads every retailer''s requests');
SELECT is((SELECT count(*) FROM lastmile.message WHERE notification_id >= 990001), 2::bigint,
          'auditor reads every retailer''s messages');
SELECT throws_ok($$ UPDATE lastmile.transport_request SET order_ref = 'x' $$, '42501', NULL, 'auditor cannot write');
RESET ROLE;

-- Admin: everything.
SET LOCAL ROLE lastmile_admin;
SELECT is((SELECT count(*) FROM lastmile.transport_request WHERE request_id >= 990001), 3::bigint,
          'admin reads every retailer''s requests');
SELECT lives_ok($$ INSERT INTO lastmile.carrier (carrier_id) VALUES ('sec-admin') $$, 'admin maintains the catalog');
SELECT lives_ok($$ UPDATE lastmile.transport_request SET order_ref = 'B-1b' WHERE request_id = 990002 $$,
                'admin writes any retailer''s rows');
RESET ROLE;

-- Every function pins its search_path, except pure C functions that look nothing up.
SELECT is((SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
           WHERE p.pronamespace = 'lastmile'::regnamespace AND l.lanname IN ('sql', 'plpgsql')
             AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')),
          NULL, 'every SQL and PL/pgSQL function pins search_path');
SELECT ok((SELECT bool_and(c.relrowsecurity) FROM pg_class c
           WHERE c.oid IN ('lastmile.retailer'::regclass, 'lastmile.contract'::regclass, 'lastmile.place'::regclass,
                           'lastmile.transport_request'::regclass, 'lastmile.package'::regclass, 'lastmile.quote'::regclass,
                           'lastmile.allocation'::regclass, 'lastmile.bundle'::regclass, 'lastmile.bundle_stop'::regclass,
                           'lastmile.notification'::regclass, 'lastmile.message'::regclass, 'lastmile.reservation'::regclass)),
          'row level security is on for every table holding a retailer''s rows');
SELECT is((SELECT string_agg(c.relname, ', ') FROM pg_class c WHERE c.relnamespace = 'lastmile'::regnamespace
           AND c.relkind = 'v' AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)),
          NULL, 'every view applies the querying role''s row level security');

SELECT * FROM finish();
ROLLBACK;
