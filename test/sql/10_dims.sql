-- 10_dims: the type lastmile.dims (SPEC §1).  Runs with the default
-- search_path (lastmile not on it): everything is qualified, and the
-- operators are found in pg_catalog.

-- every input form, unit and separator; output is canonical cm
SELECT v AS input, v::lastmile.dims AS dims
FROM (VALUES
    ('60x40x30'),
    ('60 x 40 x 30 cm'),
    ('600x400x300mm'),
    ('0.6x0.4x0.3 m'),
    ('605x400x300mm'),
    ('60.5x40x30'),
    ('60X40X30'),
    ('60*40*30'),
    ('60×40×30'),
    ('60 × 40 × 30 cm'),
    ('  60x 40 *30  '),
    ('60x40x30CM'),
    ('600x400x300 Mm'),
    ('0.6x0.4x0.3M'),
    ('30x60x40'),
    ('40x30x60'),
    ('1x1x1'),
    ('10000x10000x10000'),
    ('100x100x100 m'),
    ('100000x1x1 mm'),
    ('0.0001x0.0001x0.0001'),
    ('0.00001x1x1'),
    ('0.000015x1x1 m'),
    ('1e2x5E1x3e+1'),
    ('.5x5.x050'),
    ('0.1x0.2x0.3'),
    ('0.1x0.2x0.3 m'),
    ('1.1x2.2x3.3 m'),
    ('0.07x0.07x0.07 m'),
    ('123.456x10x10 mm')
) AS t(v);

-- any white space between tokens
SELECT E'\t60\tx\n40 x 30\r\n'::lastmile.dims AS white_space;

-- the shortest decimal that reads back exactly; no binary noise
SELECT lastmile.dims(0.1::float8 + 0.2, 1, 1) AS sum_noise,
       '60.00000000000001x1x1'::lastmile.dims AS kept,
       '1x1x1.0000000000000000001'::lastmile.dims AS rounded;

-- every side prints as float8 prints it (both shortest round-trip), for
-- 20000 pseudo-random sides from 0.0001 to 10000 cm, and reads back exactly
SET extra_float_digits = 1;
SELECT count(*) AS sides,
       count(*) FILTER (WHERE split_part(d::text, 'x', 1) = lastmile.length(d)::text
                          AND split_part(d::text, 'x', 2) = lastmile.width(d)::text
                          AND split_part(d::text, 'x', 3) = lastmile.height(d)::text) AS same_as_float8,
       count(*) FILTER (WHERE d::text::lastmile.dims = d
                          AND lastmile.dims_send(d::text::lastmile.dims) = lastmile.dims_send(d)) AS round_trip
FROM (SELECT lastmile.dims(exp(ln(0.0001) + (i * 0.6180339887498949 % 1) * ln(1e8)),
                           exp(ln(0.0001) + (i * 0.4142135623730950 % 1) * ln(1e8)),
                           (i % 1000 + 1) / 7.0) AS d
      FROM generate_series(1, 20000) AS i) s;
RESET extra_float_digits;
-- extra_float_digits does not change the output
SET extra_float_digits = -15;
SELECT lastmile.dims(60.5, 1.0 / 3, 2.0 / 3) AS thirds;
RESET extra_float_digits;

-- unit variants are equal (the SPEC example included)
SELECT '30x60x40'::lastmile.dims = '60x40x30' AS sorted_equal,
       '0.6x0.4x0.3 m'::lastmile.dims = '60x40x30' AS m_equal,
       '605x400x300mm'::lastmile.dims = '60.5x40x30' AS mm_equal,
       '0.605x0.4x0.3 m'::lastmile.dims = '605 x 400 x 300 mm' AS m_mm_equal,
       '0.07x0.07x0.07 m'::lastmile.dims = '7x7x7' AS exact_007,
       '60x40x30'::lastmile.dims <> '60x40x31' AS ne,
       '60x40x30'::lastmile.dims <> '30x40x60' AS ne_same;

-- errors: SQLSTATE, message and detail of every kind of bad input
CREATE FUNCTION pg_temp.try_dims(input text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    d text;
BEGIN
    PERFORM input::lastmile.dims;
    RETURN 'accepted';
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ' ' || SQLERRM || ' / ' || d;
END $$;

SELECT pg_temp.try_dims(v) AS error
FROM (VALUES
    (''), ('   '),
    ('60x40'), ('60'), ('60x40 cm'), ('60x40x'),
    ('60x40x30x20'), ('60x40x30x'),
    ('-60x40x30'), ('60x-40x30'),
    ('0x40x30'), ('60x40x0.0'), ('60x40x1e-400'), ('60x40x0 mm'),
    ('nanx40x30'), ('60xNaNx30'), ('60x40xinf'), ('Infinity x 40 x 30'), ('-inf x 1 x 1'),
    ('1e5x1x1'), ('1e5x1x1 cm'), ('1e5 cm'), ('10000.001x1x1'), ('101x1x1 m'), ('100001x1x1 mm'),
    ('1x1x1e999999999'),
    ('abc'), ('sixty x 40 x 30'), ('60 x forty x 30'), ('(60,40,30)'),
    ('60x40x30 kg'), ('60x40x30 cmm'), ('60x40x30 in'),
    ('60x40x30 cm!'), ('60x40x30;'), ('60x40x30 cm cm'), ('60x40x30 cm x 20'),
    ('60 cm x 40 x 30'), ('60x40mmx30'),
    ('0x1Ax2x3'), ('0x10x20x30'), ('0x3C'),
    ('6 0x40x30'), ('60,5x40x30'), ('60/40/30'), ('+60x40x30'), ('60xx40x30'),
    ('60××40x30'), ('1ex1x1'), ('.x1x1')
) AS t(v);

-- the same error as a client sees it
SELECT '60x40'::lastmile.dims;
SELECT 'nan x 40 x 30'::lastmile.dims;
SELECT '1e5x1x1 cm'::lastmile.dims;
SELECT '60 cm x 40 x 30'::lastmile.dims;
SELECT '0x1F'::lastmile.dims;
SELECT repeat('1', 400) || 'x1x1'::text AS long_input \gset
SELECT :'long_input'::lastmile.dims;

-- constructor from three numbers (any order, validated: 22023)
SELECT lastmile.dims(30, 60, 40) AS made, lastmile.dims(30, 60, 40) = '60x40x30' AS eq;
SELECT lastmile.dims(0, 1, 1);
SELECT lastmile.dims(1, 'NaN', 1);
SELECT lastmile.dims(1, 1, 10001);
SELECT lastmile.dims(NULL, 1, 1) IS NULL AS null_in_null_out;

-- measures, hand-computed: 60x40x30 → volume 72000, girth 2·(40+30)=140,
-- developed 60+80+60=200, volumetric weight 72000/5000=14.4 and /6000=12
SELECT lastmile.length(d), lastmile.width(d), lastmile.height(d),
       lastmile.volume_cm3(d), lastmile.girth(d), lastmile.developed(d),
       lastmile.volumetric_weight(d) AS vw_5000,
       lastmile.volumetric_weight(d, 6000) AS vw_6000,
       lastmile.volumetric_weight(d, divisor => 4000) AS vw_4000
FROM (SELECT '40x30x60'::lastmile.dims AS d) s;
-- 60.5x40x30: volume 72600, girth 140, developed 200.5, weight 14.52
SELECT lastmile.volume_cm3(d), lastmile.girth(d), lastmile.developed(d),
       lastmile.volumetric_weight(d)
FROM (SELECT '605x400x300mm'::lastmile.dims AS d) s;
-- 120x80x2.5: volume 24000, girth 165, developed 285, weight 4.8
SELECT lastmile.length(d), lastmile.width(d), lastmile.height(d),
       lastmile.volume_cm3(d), lastmile.girth(d), lastmile.developed(d),
       lastmile.volumetric_weight(d)
FROM (SELECT '2.5 x 120 x 80'::lastmile.dims AS d) s;
-- NULL in, NULL out
SELECT lastmile.length(NULL::lastmile.dims) IS NULL AS a,
       lastmile.volumetric_weight(NULL::lastmile.dims) IS NULL AS b,
       lastmile.volumetric_weight('1x1x1', NULL) IS NULL AS c;
-- a bad divisor is 22023 and named
SELECT lastmile.volumetric_weight('60x40x30', 0);
SELECT lastmile.volumetric_weight('60x40x30', -5000);
SELECT lastmile.volumetric_weight('60x40x30', 'NaN');
SELECT lastmile.volumetric_weight('60x40x30', 'Infinity');

-- <@ (fits inside, any orientation) and its commutator @>
SELECT a, b, a <@ b AS fits, b @> a AS holds, b <@ a AS reverse_fits
FROM (VALUES
    ('60x40x30'::lastmile.dims, '70x50x40'::lastmile.dims),
    ('60x40x30', '60x40x30'),
    ('30x60x40', '40x30x60'),
    ('60x40x30', '40x65x35'),
    ('60x40x30', '50x50x50'),
    ('60x40x30', '100x100x29.9'),
    ('60x40x30', '60x40x29.999999'),
    ('600x400x300 mm', '0.6x0.4x0.3 m')
) AS t(a, b);

-- btree order: sorted sides, lexicographic; DISTINCT, GROUP BY, UNIQUE
SELECT d, d < '60x40x30' AS lt, d <= '60x40x30' AS le,
       d > '60x40x30' AS gt, d >= '60x40x30' AS ge,
       lastmile.dims_cmp(d, '60x40x30') AS cmp
FROM (VALUES ('60x40x30'::lastmile.dims), ('61x1x1'), ('60x40x31'),
             ('60x41x1'), ('59x59x59'), ('30x40x60')) AS t(d)
ORDER BY d;

SELECT DISTINCT d FROM (VALUES ('1x2x3'::lastmile.dims), ('3x2x1'), ('30x20x10 mm'),
                                ('4x4x4'), ('0.04x0.04x0.04 m')) AS t(d)
ORDER BY d DESC;

SELECT d, count(*) FROM (VALUES ('1x2x3'::lastmile.dims), ('3x2x1'), ('30x20x10 mm'),
                                 ('4x4x4')) AS t(d)
GROUP BY d ORDER BY d;

BEGIN;
CREATE TABLE dims_test (id int PRIMARY KEY, d lastmile.dims);
INSERT INTO dims_test VALUES
    (1, '60x40x30'), (2, '605x400x300mm'), (3, '0.000015x1x1 m'),
    (4, '10000x10000x10000'), (5, '0.1x0.2x0.3'), (6, NULL), (7, '3333.3333333333335x1x1');
CREATE UNIQUE INDEX dims_test_d ON dims_test (d);
INSERT INTO dims_test VALUES (8, '30 x 60 x 40');   -- same size as id 1
ROLLBACK;

-- a btree index serves = and ORDER BY; a hash index serves =
BEGIN;
CREATE TABLE dims_test (id int PRIMARY KEY, d lastmile.dims);
INSERT INTO dims_test
SELECT i, lastmile.dims(i % 97 + 1, i % 89 + 1, i % 83 + 1) FROM generate_series(1, 2000) AS i;
CREATE INDEX dims_test_btree ON dims_test (d);
ANALYZE dims_test;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM dims_test WHERE d = '18x12x4';
SELECT id FROM dims_test WHERE d = '4x12x18';
EXPLAIN (COSTS OFF) SELECT d FROM dims_test ORDER BY d LIMIT 3;
SELECT d FROM dims_test ORDER BY d LIMIT 3;
SELECT d FROM dims_test ORDER BY d DESC LIMIT 3;
DROP INDEX dims_test_btree;
CREATE INDEX dims_test_hash ON dims_test USING hash (d);
EXPLAIN (COSTS OFF) SELECT id FROM dims_test WHERE d = '18x12x4';
SELECT id FROM dims_test WHERE d = '18x12x4';
SET LOCAL enable_sort = off;
SELECT count(*) FROM (SELECT d FROM dims_test GROUP BY d) s;
SELECT count(DISTINCT d) FROM dims_test;
ROLLBACK;

-- with lastmile on the search path, the short names resolve to the type's
SET search_path = lastmile, public;
SELECT length('60x40x30'::dims), width('60x40x30'::dims), height('60x40x30'::dims),
       volume_cm3('1x2x3'), developed('1x2x3 m');
RESET search_path;

-- COPY: text and binary round trips into a table, compared with the original
BEGIN;
CREATE TABLE dims_src (id int PRIMARY KEY, d lastmile.dims);
INSERT INTO dims_src VALUES
    (1, '60x40x30'), (2, '605x400x300mm'), (3, '0.000015x1x1 m'),
    (4, '10000x10000x10000'), (5, '0.1x0.2x0.3'), (6, NULL), (7, '3333.3333333333335x1x1'),
    (8, '1x1x1e-300'), (9, '0.1x0.2x0.3 m');
CREATE TABLE dims_dst (LIKE dims_src);
COPY dims_src TO STDOUT;
COPY dims_dst FROM STDIN;
1	60x40x30
2	605 x 400 x 300 mm
3	0.000015x1x1 m
4	10000x10000x10000
5	0.3x0.2x0.1
6	\N
7	3333.3333333333335x1x1
8	1e-300x1x1
9	30x20x10
\.
SELECT count(*) AS text_rows,
       count(*) FILTER (WHERE s.d IS NOT DISTINCT FROM t.d) AS text_equal,
       count(*) FILTER (WHERE lastmile.dims_send(s.d) IS NOT DISTINCT FROM lastmile.dims_send(t.d)) AS text_same_bytes
FROM dims_src s JOIN dims_dst t USING (id);
TRUNCATE dims_dst;
SELECT '/tmp/lastmile_dims_' || pg_backend_pid() || '.bin' AS binfile \gset
COPY dims_src TO :'binfile' (FORMAT binary);
COPY dims_dst FROM :'binfile' (FORMAT binary);
SELECT count(*) AS binary_rows,
       count(*) FILTER (WHERE s.d IS NOT DISTINCT FROM t.d) AS binary_equal,
       count(*) FILTER (WHERE lastmile.dims_send(s.d) IS NOT DISTINCT FROM lastmile.dims_send(t.d)) AS binary_same_bytes
FROM dims_src s JOIN dims_dst t USING (id);
SELECT lastmile.dims_send('60.5x40x30') AS send_bytes;
ROLLBACK;

-- binary input is checked and re-sorted: 24 raw bytes through a bytea column
BEGIN;
CREATE TABLE dims_raw (b bytea);
CREATE TABLE dims_in (d lastmile.dims);
SELECT '/tmp/lastmile_dims_raw_' || pg_backend_pid() || '.bin' AS rawfile \gset
INSERT INTO dims_raw VALUES (float8send(30) || float8send(60) || float8send(40));
COPY dims_raw TO :'rawfile' (FORMAT binary);
COPY dims_in FROM :'rawfile' (FORMAT binary);
SELECT d, d = '60x40x30' AS sorted FROM dims_in;
SAVEPOINT s;
UPDATE dims_raw SET b = float8send(30) || float8send(-1) || float8send(40);
COPY dims_raw TO :'rawfile' (FORMAT binary);
COPY dims_in FROM :'rawfile' (FORMAT binary);
ROLLBACK TO s;
UPDATE dims_raw SET b = float8send('NaN') || float8send(1) || float8send(1);
COPY dims_raw TO :'rawfile' (FORMAT binary);
COPY dims_in FROM :'rawfile' (FORMAT binary);
ROLLBACK TO s;
UPDATE dims_raw SET b = float8send(1e5) || float8send(1) || float8send(1);
COPY dims_raw TO :'rawfile' (FORMAT binary);
COPY dims_in FROM :'rawfile' (FORMAT binary);
ROLLBACK TO s;
UPDATE dims_raw SET b = float8send(0) || float8send(1) || float8send(1);
COPY dims_raw TO :'rawfile' (FORMAT binary);
COPY dims_in FROM :'rawfile' (FORMAT binary);
ROLLBACK TO s;
UPDATE dims_raw SET b = float8send(1) || float8send(1);
COPY dims_raw TO :'rawfile' (FORMAT binary);
COPY dims_in FROM :'rawfile' (FORMAT binary);
ROLLBACK TO s;
UPDATE dims_raw SET b = float8send(1) || float8send(1) || float8send(1) || float8send(1);
COPY dims_raw TO :'rawfile' (FORMAT binary);
COPY dims_in FROM :'rawfile' (FORMAT binary);
ROLLBACK;

-- arrays of dims (delivery_options takes lastmile.dims[])
SELECT ARRAY['60x40x30', '30x20x10 mm']::lastmile.dims[] AS arr,
       (ARRAY['60x40x30', '30x20x10 mm']::lastmile.dims[])[2] AS second;

-- catalog: the type's shape and the labels of every function
SELECT typlen, typbyval, typalign, typstorage FROM pg_type WHERE oid = 'lastmile.dims'::regtype;
SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proparallel,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_proc p
JOIN pg_depend dep ON dep.objid = p.oid AND dep.classid = 'pg_proc'::regclass AND dep.deptype = 'e'
WHERE dep.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'lastmile')
  AND (p.proargtypes::oid[] && ARRAY['lastmile.dims'::regtype::oid]
       OR p.prorettype = 'lastmile.dims'::regtype)
ORDER BY p.oid::regprocedure::text;
SELECT o.oprname, o.oprcom <> 0 AS has_commutator, o.oprnegate <> 0 AS has_negator,
       o.oprrest::text, o.oprjoin::text, o.oprcanhash, o.oprcanmerge,
       obj_description(o.oid, 'pg_operator') IS NOT NULL AS commented
FROM pg_operator o
WHERE o.oprleft = 'lastmile.dims'::regtype
ORDER BY o.oprname;
