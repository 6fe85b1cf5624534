-- Labels (ZPL II, PDF), delivery slip and transport order: exact output,
-- escaping, and every error with its SQLSTATE.  All data is rolled back.
\set SHOW_CONTEXT never
BEGIN;

-- SQLSTATE and message of a statement that must fail.
CREATE FUNCTION pg_temp.err(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('shop', 'Shop');
INSERT INTO lastmile.carrier (carrier_id, name) VALUES ('colis', 'Colis Rapide'), ('other', 'Other Carrier');
-- place 10 has a street address, printed as the sender's; place 11 has
-- none, its coordinates are printed instead
INSERT INTO lastmile.place (place_id, retailer_id, kind, name, location, address, postcode, city)
VALUES (10, 'shop', 'warehouse', 'Entrepôt Lyon Sud', ST_SetSRID(ST_MakePoint(4.83, 45.72), 4326), '5 rue du Port', '69007', 'Lyon'),
       (11, 'shop', 'store', 'Store', ST_SetSRID(ST_MakePoint(-1.5, -2.25), 4326), NULL, NULL, NULL);
INSERT INTO lastmile.transport_request
    (request_id, retailer_id, order_ref, service, origin_id, destination, ship_date,
     recipient_name, recipient_phone, address, postcode, city, country, status, carrier_id)
VALUES
    (100, 'shop', 'ORD-0001', 'delivery', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23',
     'Zoë Łukasiewicz-Straße', '+33612345678', '12 rue de la République', '69002', 'Lyon', 'FR', 'allocated', 'colis'),
    (101, 'shop', 'ORD-0002', 'pickup_point', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23',
     '^XZ^XA^FDevil~JA', NULL, E'a~b\\c_d\n^XZ', '69003', 'Lyon', 'FR', 'bundled', 'colis'),
    (102, 'shop', 'ORD-0003', 'delivery', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23',
     'Nobody Yet', NULL, 'x', '69003', 'Lyon', 'FR', 'new', NULL),
    (103, 'shop', 'ORD-0004', 'delivery', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23',
     'Cancelled Person', NULL, 'y', '69003', 'Lyon', 'FR', 'cancelled', 'colis'),
    (104, 'shop', 'ORD-0005-WITH-A-VERY-LONG-REFERENCE-THAT-GOES-ON', 'delivery', 10,
     ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23',
     'Maximilian Alexander Konstantin von und zu Großherzoglich-Mecklenburg', NULL,
     'Résidence Les Jardins de la Cathédrale, bâtiment C, escalier 4, 7e étage, appartement 712, code portail 4521B, sonner chez Dupont-Martin',
     '69005', 'Lyon', 'FR', 'labelled', 'colis'),
    (105, 'shop', 'ORD-0006', 'delivery', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23',
     'Other Carrier Person', NULL, 'z', '69003', 'Lyon', 'FR', 'allocated', 'other'),
    (106, 'shop', 'ORD-0007', 'delivery', 11, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-24',
     NULL, NULL, NULL, NULL, NULL, 'FR', 'allocated', 'colis');
INSERT INTO lastmile.package (package_id, request_id, dims, weight_kg, tracking) VALUES
    (1000, 100, '60x40x30', 2.5, 'COLI000000001000'),
    (1001, 100, '30x20x10', 1.25, 'COLI000000001001'),
    (1002, 101, '10x10x10', 0.5, 'COLI000000001002'),
    (1003, 102, '10x10x10', 0.5, NULL),
    (1004, 103, '10x10x10', 0.5, 'COLI000000001004'),
    (1005, 104, '120x80x60', 30, 'COLI000000001005'),
    (1006, 105, '10x10x10', 1, 'OTHE000000001006'),
    (1007, 106, '10x10x10', 1, 'COLI000000001007'),
    (1008, 104, '20x20x20', 3.333, 'A^B~C\D_E');
-- request 101 is the 1st stop of a bundle, so it comes first on the slip
INSERT INTO lastmile.bundle (bundle_id, origin_id, ship_date) VALUES (500, 10, '2026-11-23');
INSERT INTO lastmile.bundle_stop (bundle_id, seq, request_id) VALUES (500, 1, 101), (500, 2, 104);

-- the whole label of package 1001 (2nd of 2 of request 100)
SELECT lastmile.label_zpl(1001);

-- injection: the recipient and address come out hex-escaped, one ^XA/^XZ pair
SELECT (SELECT count(*) FROM regexp_matches(z, '\^XA', 'g')) AS xa,
       (SELECT count(*) FROM regexp_matches(z, '\^XZ', 'g')) AS xz,
       position('~' IN z) AS tilde_at,
       position('^FH\^FD\5EXZ\5EXA\5EFDevil\7EJA^FS' IN z) > 0 AS recipient_escaped,
       position('^FH\^FDa\7Eb\5Cc\5Fd \5EXZ^FS' IN z) > 0 AS address_escaped,
       position('^FH\^FDPICKUP POINT^FS' IN z) > 0 AS service
  FROM lastmile.label_zpl(1002) AS z;

-- long texts: recipient on 2 lines, address on 3, order ref on 2, cut with "..."
SELECT line FROM regexp_split_to_table(lastmile.label_zpl(1005), E'\n') AS line
 WHERE line ~ '^\^FO36,(3[2-9][0-9]|[4-6][0-9][0-9]|768|8[0-9][0-9])\^';

-- a tracking number with ZPL specials: hex-escaped in the barcode and the text
SELECT line FROM regexp_split_to_table(lastmile.label_zpl(1008), E'\n') AS line
 WHERE line LIKE '%^BC%' OR line LIKE '^FO0,1136%' OR line LIKE '^FO450,768%' OR line LIKE '^FO620,768%';

-- a request with no recipient data and an origin in the southern/western hemispheres
SELECT line FROM regexp_split_to_table(lastmile.label_zpl(1007), E'\n') AS line
 WHERE line LIKE '^FO36,%';

-- PDFs are PDFs
SELECT substr(lastmile.label_pdf(1000), 1, 5) = '%PDF-'::bytea AS label_pdf,
       substr(lastmile.delivery_slip_pdf('colis', 10, '2026-11-23'), 1, 5) = '%PDF-'::bytea AS slip_pdf,
       substr(lastmile.delivery_slip_pdf('colis', 10, '2030-01-01'), 1, 5) = '%PDF-'::bytea AS empty_slip_pdf;

-- errors
SELECT pg_temp.err('SELECT lastmile.label_zpl(999999)');
SELECT pg_temp.err('SELECT lastmile.label_pdf(999999)');
SELECT pg_temp.err('SELECT lastmile.label_zpl(1003)');
SELECT pg_temp.err('SELECT lastmile.label_pdf(1003)');
SELECT pg_temp.err('SELECT lastmile.label_zpl(1004)');
UPDATE lastmile.package SET tracking = 'LMé1' WHERE package_id = 1006;
SELECT pg_temp.err('SELECT lastmile.label_zpl(1006)');
SELECT pg_temp.err('SELECT lastmile.label_pdf(1006)');
UPDATE lastmile.package SET tracking = 'LM>1' WHERE package_id = 1006;
SELECT pg_temp.err('SELECT lastmile.label_zpl(1006)');
UPDATE lastmile.package SET tracking = repeat('X', 41) WHERE package_id = 1006;
SELECT pg_temp.err('SELECT lastmile.label_zpl(1006)');
UPDATE lastmile.package SET tracking = '' WHERE package_id = 1006;
SELECT pg_temp.err('SELECT lastmile.label_zpl(1006)');
SELECT pg_temp.err($$SELECT * FROM lastmile.delivery_slip('nope', 10, '2026-11-23')$$);
SELECT pg_temp.err($$SELECT * FROM lastmile.delivery_slip('colis', 999, '2026-11-23')$$);
SELECT pg_temp.err($$SELECT lastmile.delivery_slip_pdf('nope', 10, '2026-11-23')$$);
SELECT pg_temp.err($$SELECT lastmile.delivery_slip_pdf('colis', 999, '2026-11-23')$$);
SELECT pg_temp.err($$SELECT lastmile.transport_order('nope', 10, '2026-11-23')$$);
SELECT pg_temp.err($$SELECT lastmile.transport_order('colis', 999, '2026-11-23')$$);

-- NULL arguments: NULL results, no rows
SELECT lastmile.label_zpl(NULL) IS NULL AS zpl, lastmile.label_pdf(NULL) IS NULL AS pdf,
       lastmile.delivery_slip_pdf(NULL, 10, '2026-11-23') IS NULL AS slip1,
       lastmile.delivery_slip_pdf('colis', NULL, '2026-11-23') IS NULL AS slip2,
       lastmile.delivery_slip_pdf('colis', 10, NULL) IS NULL AS slip3,
       lastmile.transport_order(NULL, 10, '2026-11-23') IS NULL AS order1,
       (SELECT count(*) FROM lastmile.delivery_slip(NULL, NULL, NULL)) AS slip_rows;

-- the slip: bundle stops first (101 then 104), then request 100; not the
-- new (102), cancelled (103), other carrier (105) or other origin (106)
SELECT * FROM lastmile.delivery_slip('colis', 10, '2026-11-23');
SELECT * FROM lastmile.delivery_slip('colis', 10, '2030-01-01');

-- the transport order
SELECT jsonb_pretty(lastmile.transport_order('colis', 10, '2026-11-23'));
SELECT lastmile.transport_order('colis', 10, '2030-01-01');

ROLLBACK;
