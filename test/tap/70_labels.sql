-- 70_labels.sql — pgTAP: behaviour of label_zpl, label_pdf, delivery_slip,
-- delivery_slip_pdf and transport_order: errors and their SQLSTATEs, NULL
-- arguments, injection attempts, UTF-8, ordering, honest declarations.
BEGIN;
SELECT plan(54);

INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('shop', 'Shop');
INSERT INTO lastmile.carrier (carrier_id, name) VALUES ('colis', 'Colis Rapide'), ('other', 'Other');
INSERT INTO lastmile.place (place_id, retailer_id, kind, name, location)
VALUES (10, 'shop', 'warehouse', 'Entrepôt', ST_SetSRID(ST_MakePoint(4.83, 45.72), 4326)),
       (11, 'shop', 'store', 'Store', ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326));
INSERT INTO lastmile.transport_request
    (request_id, retailer_id, order_ref, origin_id, destination, ship_date,
     recipient_name, address, postcode, city, status, carrier_id)
VALUES
    (1, 'shop', 'A-1', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23', 'Émile Ñandú', 'x', '69002', 'Lyon', 'allocated', 'colis'),
    (2, 'shop', 'A-2', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23', 'B', 'x', '69002', 'Lyon', 'shipped', 'colis'),
    (3, 'shop', 'A-3', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23', 'C', 'x', '69002', 'Lyon', 'bundled', 'colis'),
    (4, 'shop', 'A-4', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23', 'D', 'x', '69002', 'Lyon', 'new', NULL),
    (5, 'shop', 'A-5', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23', 'E', 'x', '69002', 'Lyon', 'unallocatable', NULL),
    (6, 'shop', 'A-6', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23', 'F', 'x', '69002', 'Lyon', 'cancelled', 'colis'),
    (7, 'shop', 'A-7', 11, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23', 'G', 'x', '69002', 'Lyon', 'allocated', 'colis'),
    (8, 'shop', 'A-8', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-24', 'H', 'x', '69002', 'Lyon', 'allocated', 'colis'),
    (9, 'shop', 'A-9', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23', 'I', 'x', '69002', 'Lyon', 'delivered', 'other'),
    -- status cancelled with a carrier but marked by a tricky name
    (10, 'shop', 'A-10', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23', 'J', 'x', '69002', 'Lyon', 'labelled', 'colis');
INSERT INTO lastmile.package (package_id, request_id, dims, weight_kg, tracking) VALUES
    (11, 1, '10x10x10', 1, 'T11'), (12, 1, '20x10x10', 2, 'T12'), (13, 1, '30x10x10', 3, 'T13'),
    (21, 2, '10x10x10', 1, 'T21'),
    (31, 3, '10x10x10', 1, 'T31'),
    (41, 4, '10x10x10', 1, NULL),
    (51, 5, '10x10x10', 1, NULL),
    (61, 6, '10x10x10', 1, 'T61'),
    (71, 7, '10x10x10', 1, 'T71'),
    (81, 8, '10x10x10', 1, 'T81'),
    (91, 9, '10x10x10', 1, 'T91'),
    (101, 10, '10x10x10', 1, 'T101');
INSERT INTO lastmile.bundle (bundle_id, origin_id, ship_date) VALUES (1, 10, '2026-11-23'), (2, 10, '2026-11-23');
-- bundle 1 visits request 10 then 3; bundle 2 visits request 2
INSERT INTO lastmile.bundle_stop (bundle_id, seq, request_id) VALUES (1, 1, 10), (1, 2, 3), (2, 1, 2);

-- errors and their SQLSTATEs
SELECT throws_ok('SELECT lastmile.label_zpl(-1)', 'P0002', 'package -1 does not exist', 'label_zpl: unknown package is P0002');
SELECT throws_ok('SELECT lastmile.label_pdf(-1)', 'P0002', 'package -1 does not exist', 'label_pdf: unknown package is P0002');
SELECT throws_ok('SELECT lastmile.label_zpl(41)', '55000', 'package 41 has no tracking number', 'label_zpl: no tracking is 55000');
SELECT throws_ok('SELECT lastmile.label_pdf(51)', '55000', 'package 51 has no tracking number', 'label_pdf: no tracking is 55000');
SELECT throws_ok('SELECT lastmile.label_zpl(61)', '55000', 'package 61 belongs to cancelled request 6', 'label_zpl: cancelled request is 55000');
SELECT throws_ok('SELECT lastmile.label_pdf(61)', '55000', 'package 61 belongs to cancelled request 6', 'label_pdf: cancelled request is 55000');
SELECT throws_ok($$SELECT * FROM lastmile.delivery_slip('zz', 10, '2026-11-23')$$, 'P0002', NULL, 'delivery_slip: unknown carrier is P0002');
SELECT throws_ok($$SELECT * FROM lastmile.delivery_slip('colis', -5, '2026-11-23')$$, 'P0002', NULL, 'delivery_slip: unknown origin is P0002');
SELECT throws_ok($$SELECT lastmile.delivery_slip_pdf('zz', 10, '2026-11-23')$$, 'P0002', NULL, 'delivery_slip_pdf: unknown carrier is P0002');
SELECT throws_ok($$SELECT lastmile.delivery_slip_pdf('colis', -5, '2026-11-23')$$, 'P0002', NULL, 'delivery_slip_pdf: unknown origin is P0002');
SELECT throws_ok($$SELECT lastmile.transport_order('zz', 10, '2026-11-23')$$, 'P0002', NULL, 'transport_order: unknown carrier is P0002');
SELECT throws_ok($$SELECT lastmile.transport_order('colis', -5, '2026-11-23')$$, 'P0002', NULL, 'transport_order: unknown origin is P0002');

-- NULL arguments never crash
SELECT is(lastmile.label_zpl(NULL), NULL, 'label_zpl(NULL) is NULL');
SELECT is(lastmile.label_pdf(NULL), NULL, 'label_pdf(NULL) is NULL');
SELECT is((SELECT count(*) FROM lastmile.delivery_slip(NULL, 10, '2026-11-23')), 0::bigint, 'delivery_slip with NULL carrier: no rows');
SELECT is((SELECT count(*) FROM lastmile.delivery_slip('colis', NULL, '2026-11-23')), 0::bigint, 'delivery_slip with NULL origin: no rows');
SELECT is((SELECT count(*) FROM lastmile.delivery_slip('colis', 10, NULL)), 0::bigint, 'delivery_slip with NULL date: no rows');
SELECT is(lastmile.delivery_slip_pdf(NULL, NULL, NULL), NULL, 'delivery_slip_pdf(NULL, NULL, NULL) is NULL');
SELECT is(lastmile.delivery_slip_pdf('colis', 10, NULL), NULL, 'delivery_slip_pdf with NULL date is NULL');
SELECT is(lastmile.transport_order('colis', NULL, '2026-11-23'), NULL, 'transport_order with NULL origin is NULL');

-- the slip: which packages, in which order
SELECT results_eq(
    $$SELECT line, package_id, request_id FROM lastmile.delivery_slip('colis', 10, '2026-11-23')$$,
    $$VALUES (1, 101::bigint, 10::bigint), (2, 31, 3), (3, 21, 2), (4, 11, 1), (5, 12, 1), (6, 13, 1)$$,
    'delivery_slip: bundle stops first (bundle, seq), then requests and packages by id; no new, unallocatable, cancelled, other origin, other date or other carrier');
SELECT results_eq(
    $$SELECT order_ref, tracking, weight_kg, dims::text, recipient FROM lastmile.delivery_slip('colis', 10, '2026-11-23') WHERE line = 4$$,
    $$VALUES ('A-1', 'T11', 1::float8, '10x10x10', 'Émile Ñandú')$$,
    'delivery_slip: row content');
SELECT is((SELECT count(*) FROM lastmile.delivery_slip('other', 10, '2026-11-23')), 1::bigint, 'delivery_slip: delivered counts as handed to the carrier');
SELECT is((SELECT count(*) FROM lastmile.delivery_slip('colis', 11, '2026-11-23')), 1::bigint, 'delivery_slip: per origin');
SELECT is((SELECT count(*) FROM lastmile.delivery_slip('colis', 10, '2026-11-25')), 0::bigint, 'delivery_slip: nothing that day, no rows');

-- label content
SELECT matches(lastmile.label_zpl(12), '\^FD2/3\^FS', 'label_zpl: package n/N by package_id within the request');
SELECT matches(lastmile.label_zpl(13), '\^FD3/3\^FS', 'label_zpl: last package is N/N');
SELECT matches(lastmile.label_zpl(11), '\^FDÉmile Ñandú\^FS', 'label_zpl: UTF-8 recipient kept as UTF-8');
SELECT matches(lastmile.label_zpl(11), '^\^XA\n\^CI28\n', 'label_zpl: starts with ^XA and selects UTF-8');
SELECT matches(lastmile.label_zpl(11), '\^BCN,[0-9]+,N,N,N\^FH\\\^FDT11\^FS', 'label_zpl: the tracking number as a Code 128');
SELECT matches(lastmile.label_zpl(11), '\^FDColis Rapide\^FS', 'label_zpl: carrier name');
SELECT matches(lastmile.label_zpl(11), '\^FD1 kg\^FS', 'label_zpl: weight');
SELECT matches(lastmile.label_zpl(11), '\^FDEntrepôt\^FS', 'label_zpl: sender');
SELECT ok(position('%PDF-' IN convert_from(substr(lastmile.label_pdf(11), 1, 8), 'SQL_ASCII')) = 1, 'label_pdf: a PDF');
SELECT ok(position('%%EOF' IN encode(substr(lastmile.label_pdf(11), length(lastmile.label_pdf(11)) - 6), 'escape')) > 0, 'label_pdf: a complete PDF');
SELECT ok(length(lastmile.delivery_slip_pdf('colis', 10, '2026-11-23')) > 1000, 'delivery_slip_pdf: a non-trivial document');

-- injection: whatever the recipient, one ^XA/^XZ pair and no raw ^ or ~ in fields
CREATE TEMP TABLE payload (s text);
INSERT INTO payload VALUES ('^XZ'), ('^XA^XZ^XA'), ('~JA'), ('~DGR:A.GRF,1,1,FF'), (E'^FS\n^XZ\r\n^XA'),
    ('\5EXZ'), ('_5EXZ'), ('^CC~'), ('~CC^'), ('^FH_^FD_5EXZ'), (repeat('^XZ', 300)), (E'\x01\x02\x1b^XZ');
CREATE TEMP TABLE rendered (s text, zpl text);
DO $$
DECLARE p record;
BEGIN
    FOR p IN SELECT s FROM payload LOOP
        UPDATE lastmile.transport_request SET recipient_name = p.s, address = p.s, city = p.s, order_ref = p.s WHERE request_id = 1;
        INSERT INTO rendered VALUES (p.s, lastmile.label_zpl(11));
    END LOOP;
END $$;
SELECT is((SELECT count(*) FROM rendered), 12::bigint, 'injection: every payload rendered');
SELECT is((SELECT count(*) FROM rendered WHERE (SELECT count(*) FROM regexp_matches(zpl, '\^XA', 'g')) = 1
                                            AND (SELECT count(*) FROM regexp_matches(zpl, '\^XZ', 'g')) = 1), 12::bigint,
          'injection: exactly one ^XA and one ^XZ in every label');
SELECT is((SELECT count(*) FROM rendered WHERE position('~' IN zpl) > 0), 0::bigint, 'injection: no ~ anywhere');
SELECT is((SELECT count(*) FROM rendered r, regexp_matches(r.zpl, '\^FD([^\n]*)\^FS', 'g') AS m
            WHERE m[1] ~ '[\^~]'), 0::bigint, 'injection: no ^ or ~ inside any field data');
SELECT is((SELECT count(*) FROM rendered WHERE zpl ~ '[\x01-\x09\x0b-\x1f]'), 0::bigint, 'injection: no control characters');
SELECT ok((SELECT bool_and(length(zpl) < 6000) FROM rendered), 'injection: long payloads are cut to the label');

-- UTF-8 names into the PDF: no error, real PDF
UPDATE lastmile.transport_request SET recipient_name = 'Łódź Straße Éloïse 東京 🚚', address = E'tab\there\nnewline' WHERE request_id = 1;
SELECT lives_ok('SELECT lastmile.label_pdf(11)', 'label_pdf: UTF-8 (Ł, ß, é, CJK, emoji) and control characters');
SELECT lives_ok('SELECT lastmile.label_zpl(11)', 'label_zpl: UTF-8 (Ł, ß, é, CJK, emoji) and control characters');

-- the transport order
SELECT is(lastmile.transport_order('colis', 10, '2026-11-23') -> 'totals',
          '{"shipments": 4, "packages": 6, "weight_kg": 9, "volume_m3": 0.009}'::jsonb,
          'transport_order: totals');
SELECT is((SELECT array_agg((e ->> 'request_id')::int ORDER BY o)
             FROM jsonb_array_elements(lastmile.transport_order('colis', 10, '2026-11-23') -> 'shipments')
                  WITH ORDINALITY AS t(e, o)),
          ARRAY[10, 3, 2, 1], 'transport_order: shipments in slip order');
SELECT is(lastmile.transport_order('colis', 10, '2026-11-23') #>> '{shipments,3,packages,1,tracking}', 'T12',
          'transport_order: packages with their tracking numbers');

-- honest declarations
SELECT is((SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'lastmile'
              AND p.proname IN ('label_zpl', 'label_pdf', 'delivery_slip', 'delivery_slip_pdf', 'transport_order')
              AND p.provolatile = 's' AND p.proisstrict
              AND EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=lastmile,%pg_temp')),
          5::bigint, 'all five STABLE STRICT with a pinned search_path');
SELECT ok((SELECT bool_and(obj_description(p.oid, 'pg_proc') IS NOT NULL)
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'lastmile'
              AND p.proname IN ('label_zpl', 'label_pdf', 'delivery_slip', 'delivery_slip_pdf', 'transport_order')),
          'all commented');

-- a temp table cannot hijack the lookups
CREATE TEMP TABLE package (package_id bigint, request_id bigint, tracking text, weight_kg float8);
INSERT INTO package VALUES (11, 1, 'HIJACK', 1);
SELECT matches(lastmile.label_zpl(11), '\^FDT11\^FS', 'a temp table named package is not used');

-- row level security: another retailer's app session sees no package, place or row
SET LOCAL ROLE lastmile_app;
SET LOCAL lastmile.retailer = 'shop';
SELECT matches(lastmile.label_zpl(11), '\^FDT11\^FS', 'RLS: the retailer''s own app session prints its label');
SET LOCAL lastmile.retailer = 'someone_else';
SELECT throws_ok('SELECT lastmile.label_zpl(11)', 'P0002', 'package 11 does not exist', 'RLS: another retailer cannot print it (P0002)');
SELECT throws_ok('SELECT lastmile.label_pdf(11)', 'P0002', 'package 11 does not exist', 'RLS: nor as PDF');
SELECT throws_ok($$SELECT * FROM lastmile.delivery_slip('colis', 10, '2026-11-23')$$, 'P0002', 'place 10 does not exist',
                 'RLS: another retailer''s place is unknown to the slip');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
