/*
 * geo.h — which areas cover a point, in plain C99 (no PostgreSQL headers).
 *
 * The parts of the areas (lastmile.area_part: each area cut by
 * ST_Subdivide) are read from WKB into flat double arrays, indexed by a
 * static packed R-tree (Sort-Tile-Recursive) over the parts' bounding
 * boxes, and tested with the point-in-polygon rule of PostGIS's
 * ST_Covers(polygon, point): the same winding-number arithmetic, so that a
 * point on a border (edge or vertex) is inside exactly when ST_Covers says
 * so (SPEC §3: "the point on a border counts as inside").
 *
 * Memory: the caller measures every WKB first (lm_geo_measure), allocates
 * lm_geo_bytes() bytes in one block (aligned for double), and fills it
 * (lm_geo_init, lm_geo_add, lm_geo_finish).  Nothing here allocates.
 */
#ifndef LASTMILE_GEO_H
#define LASTMILE_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* return codes of the WKB reader */
typedef enum LmGeoError
{
	LM_GEO_OK = 0,
	LM_GEO_TRUNCATED,			/* the WKB ends too early or has bytes left */
	LM_GEO_BAD_BYTE_ORDER,		/* byte-order byte not 0 or 1 */
	LM_GEO_BAD_TYPE,			/* not a Polygon, MultiPolygon or a collection of them */
	LM_GEO_TOO_DEEP,			/* collections nested too deep */
	LM_GEO_TOO_BIG				/* more than 2^31 - 1 points, rings or polygons */
} LmGeoError;

extern const char *lm_geo_error_text(LmGeoError e);

/* sizes of a set of parts, summed by lm_geo_measure */
typedef struct LmGeoCounts
{
	int64_t		parts;
	int64_t		polys;
	int64_t		rings;
	int64_t		points;
} LmGeoCounts;

/* a ring: points [first, first + npoints) of xy, with its bounding box */
typedef struct LmGeoRing
{
	int32_t		first;
	int32_t		npoints;
	double		xmin,
				ymin,
				xmax,
				ymax;
} LmGeoRing;

/* a polygon: rings [first, first + nrings), the exterior ring first */
typedef struct LmGeoPoly
{
	int32_t		first;
	int32_t		nrings;
} LmGeoPoly;

/* one part (one WKB): polygons [first, first + npolys) of one area */
typedef struct LmGeoPart
{
	int64_t		area_id;
	int32_t		first;
	int32_t		npolys;
	bool		multi;			/* a MultiPolygon or collection, not a Polygon */
	double		xmin,
				ymin,
				xmax,
				ymax;			/* +inf/-inf when empty */
} LmGeoPart;

/* a node of the packed R-tree: children [first, first + count) */
typedef struct LmGeoNode
{
	double		xmin,
				ymin,
				xmax,
				ymax;
	int32_t		first;			/* index into nodes, or into order for a leaf */
	int32_t		count;
	bool		leaf;
} LmGeoNode;

typedef struct LmGeo
{
	int32_t		nparts,
				npolys,
				nrings,
				npoints;
	LmGeoPart  *parts;
	LmGeoPoly  *polys;
	LmGeoRing  *rings;
	double	   *xy;				/* x0, y0, x1, y1, ... */
	int32_t    *order;			/* parts in R-tree leaf order */
	int32_t		nnodes;
	LmGeoNode  *nodes;			/* root last */
	int32_t    *kids;			/* children (node indexes) of inner nodes */
	void	   *scratch;		/* sort space of lm_geo_finish */
	int32_t		root;			/* -1 when there are no parts */
	int32_t		depth;
	int32_t		nareas;			/* distinct area ids (after lm_geo_finish) */
	/* capacities (from the counts given to lm_geo_init) */
	int32_t		cap_parts,
				cap_polys,
				cap_rings,
				cap_points,
				cap_nodes;
} LmGeo;

/* fan-out of the R-tree */
#define LM_GEO_FANOUT 8

/*
 * Adds the sizes of one part's WKB (Polygon, MultiPolygon, or a
 * GeometryCollection of those; ISO or extended WKB, any byte order, Z/M
 * ignored) to *c.
 */
extern LmGeoError lm_geo_measure(const uint8_t *wkb, size_t len, LmGeoCounts *c);

/* Bytes needed for parts of these sizes (a multiple of 8). */
extern size_t lm_geo_bytes(const LmGeoCounts *c);

/* Lays out g in mem (lm_geo_bytes(c) bytes, aligned for double). */
extern void lm_geo_init(LmGeo *g, void *mem, const LmGeoCounts *c);

/* Adds one part of area area_id (its WKB measured before). */
extern LmGeoError lm_geo_add(LmGeo *g, int64_t area_id, const uint8_t *wkb, size_t len);

/* Builds the index; call once after the last lm_geo_add. */
extern void lm_geo_finish(LmGeo *g);

/*
 * The areas having a part that covers (x, y) (inside or on its border),
 * each once, in ascending area_id order, into out[0..max); returns their
 * number (at most g->nareas; more than max are counted but not written).
 */
extern int	lm_geo_covering(const LmGeo *g, double x, double y, int64_t *out, int max);

/*
 * ST_Covers(part, POINT(x y)): -1 outside, 0 on the border, 1 inside.
 */
extern int	lm_geo_part_locate(const LmGeo *g, int part, double x, double y);

/*
 * The point-in-ring test of PostGIS (winding number): -1 outside, 0 on the
 * ring (an edge or a vertex), 1 inside; xy holds n points, closed.
 */
extern int	lm_geo_ring_locate(const double *xy, int n, double x, double y);

#endif							/* LASTMILE_GEO_H */
