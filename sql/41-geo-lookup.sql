------------------------------------------------------------------------
-- Which areas cover a point, as allocation finds them: the shape of every
-- area (lastmile.area.geom) is cached per backend with the catalog and
-- indexed in C; the point-in-polygon rule is the one of ST_Covers, with its
-- arithmetic (a point on a border is inside).  See docs/geography.md.
------------------------------------------------------------------------
CREATE FUNCTION lastmile.covering_areas(destination geometry)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'lastmile_covering_areas'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED COST 100
SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.covering_areas(geometry) IS
    'The areas that cover this point, as allocation sees them: the area_id of every area (covered by a carrier or not) whose shape covers the destination, a point on a border counting as inside (the same answer as ST_Covers(area.geom, destination)), ascending; an empty array when none. Error 22023 when the destination is not a non-empty Point of SRID 4326.';
