-- The areas allocation finds for a point (lastmile.covering_areas, the C
-- lookup of src/core/geo.c over the catalog's copy of the area shapes) are
-- exactly those ST_Covers(area.geom, point) gives, on the 101 real
-- départements (detailed shapes, overseas included): random points over
-- France and over every département's box (many at sea), every 50th
-- vertex of the shapes (on borders: a vertex two départements share is in
-- both), midpoints of every 50th edge, the vertices of ST_Subdivide's cuts,
-- points in the holes of the shapes.  Then allocation itself: a request
-- exactly on a border shared by two départements is in the sector of a
-- carrier covering either one.
BEGIN;
SELECT plan(20);
SET client_min_messages = warning;

\set doc `cat data/fr-departements.geojson`
SELECT lastmile.load_geojson(:'doc', 'test41') AS loaded \gset
\unset doc
SELECT is(:loaded::bigint, 101::bigint, '101 départements loaded');

-- ST_Covers's answer, and the C's
CREATE FUNCTION pg_temp.want(g geometry) RETURNS bigint[] LANGUAGE sql STABLE AS
$$ SELECT coalesce(array_agg(a.area_id ORDER BY a.area_id), '{}') FROM lastmile.area a WHERE ST_Covers(a.geom, g) $$;
CREATE TEMP TABLE pt (kind text, g geometry);

SELECT setseed(0.41);
-- random points over metropolitan France and Corsica, and over each département's box
INSERT INTO pt SELECT 'random France', ST_SetSRID(ST_MakePoint(-5.2 + random() * 14.8, 41.3 + random() * 9.8), 4326)
FROM generate_series(1, 4000);
INSERT INTO pt SELECT 'random box', ST_SetSRID(ST_MakePoint(
           ST_XMin(b) + random() * (ST_XMax(b) - ST_XMin(b)), ST_YMin(b) + random() * (ST_YMax(b) - ST_YMin(b))), 4326)
FROM (SELECT a.area_id, a.geom::box2d AS b FROM lastmile.area a WHERE a.kind = 'test41') x, generate_series(1, 40)
ORDER BY x.area_id;
-- vertices, every 50th, of every ring
INSERT INTO pt SELECT 'vertex', (d).geom
FROM (SELECT ST_DumpPoints(geom) AS d FROM lastmile.area WHERE kind = 'test41') s WHERE (d).path[3] % 50 = 0;
-- midpoints of every 50th edge of every ring
INSERT INTO pt SELECT 'midpoint', ST_SetSRID(ST_MakePoint((ST_X(p1) + ST_X(p2)) / 2, (ST_Y(p1) + ST_Y(p2)) / 2), 4326)
FROM (SELECT ST_PointN(r, i) AS p1, ST_PointN(r, i + 1) AS p2
      FROM (SELECT (ST_DumpRings((ST_Dump(geom)).geom)).geom AS rp FROM lastmile.area WHERE kind = 'test41') x,
           LATERAL (SELECT ST_ExteriorRing(rp) AS r) y,
           generate_series(1, ST_NPoints(r) - 1, 50) AS i) z;
-- where ST_Subdivide cut the shapes (new vertices on the cut lines), every 20th
INSERT INTO pt SELECT 'cut vertex', (d).geom
FROM (SELECT ST_DumpPoints(ST_Subdivide(a.geom, 64)) AS d FROM lastmile.area a
      WHERE a.kind = 'test41') s WHERE (d).path[2] % 20 = 0;
-- holes: a point inside each, and each hole's vertices
CREATE TEMP TABLE hole AS
SELECT a.area_id, ST_MakePolygon(ST_InteriorRingN(p.geom, n)) AS h
FROM lastmile.area a, LATERAL (SELECT (ST_Dump(a.geom)).geom) p,
     generate_series(1, ST_NumInteriorRings(p.geom)) AS n
WHERE a.kind = 'test41';
INSERT INTO pt SELECT 'in a hole', ST_SetSRID(ST_PointOnSurface(h), 4326) FROM hole;
INSERT INTO pt SELECT 'hole vertex', ST_SetSRID((ST_DumpPoints(h)).geom, 4326) FROM hole;

CREATE TEMP TABLE cmp AS
SELECT kind, g, lastmile.covering_areas(g) AS got, pg_temp.want(g) AS want FROM pt;

SELECT is((SELECT count(*) FROM cmp WHERE kind = 'random France' AND got IS DISTINCT FROM want), 0::bigint,
          '4,000 random points over France: the same areas as ST_Covers');
SELECT cmp_ok((SELECT count(*) FROM cmp WHERE kind = 'random France' AND want = '{}'), '>', 500::bigint,
              '... of which many at sea or abroad, in no area');
SELECT is((SELECT count(*) FROM cmp WHERE kind = 'random box' AND got IS DISTINCT FROM want), 0::bigint,
          '4,040 random points in the boxes of the 101 départements (overseas included): the same areas');
SELECT cmp_ok((SELECT count(*) FROM cmp WHERE kind = 'random box' AND want = '{}'), '>', 300::bigint,
              '... of which many in no area (sea around the islands and coasts)');
SELECT cmp_ok((SELECT count(DISTINCT a) FROM cmp, unnest(got) a WHERE kind = 'random box'), '=', 101::bigint,
              '... every département found');
SELECT is((SELECT count(*) FROM cmp WHERE kind = 'vertex' AND got IS DISTINCT FROM want), 0::bigint,
          'every 50th vertex of every ring (on a border): the same areas');
SELECT cmp_ok((SELECT count(*) FROM cmp WHERE kind = 'vertex'), '>', 3000::bigint, '... over 3,000 vertices');
SELECT cmp_ok((SELECT count(*) FROM cmp WHERE kind = 'vertex' AND cardinality(got) >= 2), '>', 1000::bigint,
              '... of which over 1,000 shared by two départements and in both');
SELECT is((SELECT count(*) FROM cmp WHERE kind = 'vertex' AND cardinality(got) = 0), 0::bigint,
          '... none in no area: a border counts as inside');
SELECT is((SELECT count(*) FROM cmp WHERE kind = 'midpoint' AND got IS DISTINCT FROM want), 0::bigint,
          'midpoints of every 50th edge (on an edge or a rounding error beside it): the same areas');
SELECT cmp_ok((SELECT count(*) FROM cmp WHERE kind = 'midpoint' AND cardinality(want) <> 1), '>', 100::bigint,
              '... of which over 100 in two areas or in none: exactly on, or just off, a border');
SELECT is((SELECT count(*) FROM cmp WHERE kind = 'cut vertex' AND got IS DISTINCT FROM want), 0::bigint,
          'vertices ST_Subdivide adds on its cut lines (on or a rounding error off a border): the same areas');
SELECT cmp_ok((SELECT count(*) FROM hole), '>', 5::bigint, 'the shapes have holes');
SELECT is((SELECT count(*) FROM cmp WHERE kind IN ('in a hole', 'hole vertex') AND got IS DISTINCT FROM want), 0::bigint,
          'points in the holes and on their vertices: the same areas');
SELECT is((SELECT count(*) FROM hole
           WHERE area_id = ANY (lastmile.covering_areas(ST_SetSRID(ST_PointOnSurface(h), 4326)))), 0::bigint,
          'a point in a hole is not in the area that has the hole');

-- Allocation sees the same: a request on a vertex shared by two
-- départements is in the sector of a carrier covering either one.
SELECT kind, g, got AS areas INTO TEMP shared FROM cmp WHERE kind = 'vertex' AND cardinality(got) = 2 LIMIT 1;
INSERT INTO lastmile.retailer (retailer_id) VALUES ('t41');
INSERT INTO lastmile.carrier (carrier_id, services, quality, co2_g_per_km) VALUES
    ('t41 a', '{delivery}', 0.5, 100), ('t41 b', '{delivery}', 0.5, 100);
INSERT INTO lastmile.contract (retailer_id, carrier_id) VALUES ('t41', 't41 a'), ('t41', 't41 b');
INSERT INTO lastmile.coverage (carrier_id, area_id, zone)
SELECT 't41 a', areas[1], 'Z' FROM shared UNION ALL SELECT 't41 b', areas[2], 'Z' FROM shared;
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES
    ('t41 a', 'Z', '[0,100)', 5), ('t41 b', 'Z', '[0,100)', 6);
INSERT INTO lastmile.place (place_id, retailer_id, kind, name, location)
SELECT 41001, 't41', 'warehouse', 't41 WH', g FROM shared;
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date)
SELECT 41001, 't41', 41001, g, '2026-11-23' FROM shared;
INSERT INTO lastmile.package (request_id, dims, weight_kg) VALUES (41001, '10x10x10', 1);
SELECT is((SELECT array_agg(carrier_id || ':' || eligible ORDER BY carrier_id) FROM lastmile.eligibility(41001)),
          '{"t41 a:true","t41 b:true"}', 'a request on a shared vertex: eligible for the carriers of both départements');
SELECT is((SELECT array_agg(carrier_id ORDER BY carrier_id)
           FROM lastmile.delivery_options('t41', (SELECT g FROM shared), '{10x10x10}', '{1}', ship_date => '2026-11-23')),
          '{"t41 a","t41 b"}', 'delivery_options at that vertex: both');
-- an empty point is in no area (as ST_Covers says), for one request and for the wave
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date)
VALUES (41002, 't41', 41001, 'SRID=4326;POINT EMPTY', '2026-11-23');
INSERT INTO lastmile.package (request_id, dims, weight_kg) VALUES (41002, '10x10x10', 1);
SELECT is((SELECT array_agg(carrier_id || ':' || array_to_string(reasons, ',') ORDER BY carrier_id) FROM lastmile.eligibility(41002)),
          '{"t41 a:sector","t41 b:sector"}', 'a request to an empty point: outside every sector');
SELECT is((SELECT array_agg(request_id || ':' || coalesce(carrier_id, '-') ORDER BY request_id) FROM lastmile.allocate_pending('t41')),
          '{"41001:t41 a",41002:-}', 'allocate_pending: the request on the vertex allocated (cheaper carrier), the empty point to none');
SELECT * FROM finish();
ROLLBACK;
