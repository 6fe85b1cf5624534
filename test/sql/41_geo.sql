-- lastmile.covering_areas(destination): the areas allocation finds for a
-- point (the catalog's copy of the area shapes, src/core/geo.c), with
-- ST_Covers's answer on borders; errors; the copy follows area changes.
BEGIN;
-- Two squares sharing the border lon = 10, a square with a hole, and an
-- area made of two polygons.
INSERT INTO lastmile.area (area_id, name, geom) VALUES
 (4101, 'west', ST_Multi(ST_MakeEnvelope(0, 40, 10, 50, 4326))),
 (4102, 'east', ST_Multi(ST_MakeEnvelope(10, 40, 20, 50, 4326))),
 (4103, 'ring', ST_Multi(ST_GeomFromText('POLYGON((30 40, 40 40, 40 50, 30 50, 30 40), (33 43, 37 43, 37 47, 33 47, 33 43))', 4326))),
 (4104, 'islands', ST_GeomFromText('MULTIPOLYGON(((50 40, 51 40, 51 41, 50 41, 50 40)), ((52 40, 53 40, 53 41, 52 41, 52 40)))', 4326)),
 (4105, 'in the hole', ST_Multi(ST_MakeEnvelope(34, 44, 36, 46, 4326)));
SELECT label, lastmile.covering_areas(ST_SetSRID(ST_MakePoint(x, y), 4326)) AS areas
FROM (VALUES ('inside west', 5, 45), ('on the shared border', 10, 45), ('on a shared corner', 10, 50),
             ('on the outer border', 0, 45), ('just outside', -0.000001, 45), ('far away', 100, 0),
             ('in the hole', 33.5, 45), ('on the hole''s border', 33, 45), ('between hole and ring', 31, 45),
             ('in the area inside the hole', 35, 45), ('on its border', 34, 45),
             ('second island', 52.5, 40.5), ('between the islands', 51.5, 40.5)) AS t(label, x, y);
-- the same as ST_Covers on a grid of 0.5° over all of them, borders included
SELECT count(*) AS points,
       count(*) FILTER (WHERE lastmile.covering_areas(p) IS DISTINCT FROM
                        ARRAY(SELECT a.area_id FROM lastmile.area a WHERE ST_Covers(a.geom, p) ORDER BY 1)) AS differ
FROM (SELECT ST_SetSRID(ST_MakePoint(x / 2.0, y / 2.0), 4326) AS p
      FROM generate_series(-2, 110) x, generate_series(78, 102) y) g;
-- 24 nested areas over one point: all of them (more than the lookup's first buffer)
INSERT INTO lastmile.area (area_id, name, geom)
SELECT 4200 + i, 'nested ' || i, ST_Multi(ST_MakeEnvelope(60 - i, 10 - i, 60 + i, 10 + i, 4326))
FROM generate_series(1, 24) i;
SELECT cardinality(a) AS areas, a[1] AS first, a[24] AS last
FROM lastmile.covering_areas(ST_SetSRID(ST_MakePoint(60, 10), 4326)) a;
-- a 3D point is a point
SELECT lastmile.covering_areas('SRID=4326;POINT Z (10 45 100)'::geometry);
-- the copy follows changes of the areas, in the same transaction (east
-- covered (15, 45) before)
UPDATE lastmile.area SET geom = ST_Multi(ST_MakeEnvelope(0, 40, 9, 50, 4326)) WHERE area_id = 4101;
SELECT lastmile.covering_areas(ST_SetSRID(ST_MakePoint(9.5, 45), 4326)) AS after_shrinking_west;
DELETE FROM lastmile.area WHERE area_id = 4102;
SELECT lastmile.covering_areas(ST_SetSRID(ST_MakePoint(15, 45), 4326)) AS after_deleting_east;
INSERT INTO lastmile.area (area_id, name, geom) VALUES (4106, 'big', ST_Multi(ST_MakeEnvelope(-10, 30, 60, 60, 4326)));
SELECT lastmile.covering_areas(ST_SetSRID(ST_MakePoint(35, 45), 4326)) AS with_a_big_area;
ROLLBACK;
-- errors (22023), each naming what it got; NULL gives NULL
CREATE FUNCTION pg_temp.err(g geometry) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM lastmile.covering_areas(g);
    RETURN 'no error';
EXCEPTION WHEN others THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT g AS destination, pg_temp.err(g::geometry) AS error
FROM (VALUES ('SRID=4326;LINESTRING(0 0, 1 1)'), ('SRID=4326;MULTIPOINT((5 45))'), ('POINT(5 45)'),
             ('SRID=3857;POINT(5 45)'), ('SRID=4326;POINT EMPTY'), ('SRID=4326;POINTM(5 45 1)'),
             ('SRID=4326;POLYGON((0 0, 1 0, 1 1, 0 0))')) AS t(g);
SELECT lastmile.covering_areas(NULL) IS NULL AS null_gives_null;
