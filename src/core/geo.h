/*
 * geo.h — which areas cover a point, in plain C99 (no PostgreSQL headers).
 *
 * The areas (lastmile.area.geom, whole) are read from WKB into flat double
 * arrays: one part per polygon, the edges of each ring sorted into
 * horizontal bands so that a point is tested against the few edges its
 * horizontal line meets, and a static packed R-tree (Sort-Tile-Recursive)
 * over the polygons' bounding boxes.  The point-in-polygon rule is the one
 * of PostGIS's ST_Covers(polygon, point), with the same winding-number
 * arithmetic, so that a point on a border (edge or vertex) is inside
 * exactly when ST_Covers says so (SPEC §3: "the point on a border counts
 * as inside").
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

/* sizes of a set of polygons, summed by lm_geo_measure */
typedef struct LmGeoCounts
{
	int64_t		parts;			/* polygons */
	int64_t		rings;
	int64_t		points;
	int64_t		buckets;		/* y-bands of the rings, plus one per ring */
	int64_t		bucket_edges;	/* edges listed in those bands */
} LmGeoCounts;

/*
 * A ring: points [first, first + npoints) of xy, with its bounding box and
 * its edges (edge i joins points i and i + 1) sorted into nbuckets bands of
 * equal height: band b lists, in bucket_edge[bucket_start[bfirst + b] ..
 * bucket_start[bfirst + b + 1]), every edge whose y range meets the band.
 */
typedef struct LmGeoRing
{
	int32_t		first;
	int32_t		npoints;
	int32_t		bfirst;
	int32_t		nbuckets;
	double		y0;				/* bottom of band 0 */
	double		inv;			/* 1 / height of a band */
	double		xmin,
				ymin,
				xmax,
				ymax;			/* infinite when a coordinate is not finite */
} LmGeoRing;

/* one polygon of one area: rings [first, first + nrings), exterior first */
typedef struct LmGeoPart
{
	int64_t		area_id;
	int32_t		first;
	int32_t		nrings;
	bool		single;			/* read from a Polygon, not a MultiPolygon */
	double		xmin,
				ymin,
				xmax,
				ymax;
} LmGeoPart;

/* a node of the packed R-tree: children [first, first + count) */
typedef struct LmGeoNode
{
	double		xmin,
				ymin,
				xmax,
				ymax;
	int32_t		first;			/* index into kids, or into order for a leaf */
	int32_t		count;
	bool		leaf;
} LmGeoNode;

typedef struct LmGeo
{
	int32_t		nparts,
				nrings,
				npoints,
				nbuckets,
				nbucket_edges;
	LmGeoPart  *parts;
	LmGeoRing  *rings;
	double	   *xy;				/* x0, y0, x1, y1, ... */
	int32_t    *bucket_start;
	int32_t    *bucket_edge;
	int32_t    *order;			/* parts in R-tree leaf order */
	int32_t		nnodes;
	LmGeoNode  *nodes;			/* root last */
	int32_t    *kids;			/* children (node indexes) of inner nodes */
	void	   *scratch;		/* sort space of lm_geo_finish */
	int32_t		root;			/* -1 when there are no parts */
	int32_t		depth;
	int32_t		nareas;			/* distinct area ids (after lm_geo_finish) */
	LmGeoCounts cap;			/* what lm_geo_init was given */
} LmGeo;

/* fan-out of the R-tree */
#define LM_GEO_FANOUT 8

/*
 * Adds the sizes of one area's WKB (Polygon, MultiPolygon, or a
 * GeometryCollection of those; ISO or extended WKB, any byte order, Z/M
 * ignored) to *c.
 */
extern LmGeoError lm_geo_measure(const uint8_t *wkb, size_t len, LmGeoCounts *c);

/* Bytes needed for parts of these sizes (a multiple of 8). */
extern size_t lm_geo_bytes(const LmGeoCounts *c);

/* Lays out g in mem (lm_geo_bytes(c) bytes, aligned for double). */
extern void lm_geo_init(LmGeo *g, void *mem, const LmGeoCounts *c);

/* Adds the polygons of area area_id (its WKB measured before). */
extern LmGeoError lm_geo_add(LmGeo *g, int64_t area_id, const uint8_t *wkb, size_t len);

/* Builds the index; call once after the last lm_geo_add. */
extern void lm_geo_finish(LmGeo *g);

/*
 * The areas that cover (x, y) (inside or on a border), each once, in
 * ascending area_id order, into out[0..max); returns how many were
 * written (all of them when max >= g->nareas).
 */
extern int	lm_geo_covering(const LmGeo *g, double x, double y, int64_t *out, int max);

/*
 * Polygon part against POINT(x y) as ST_Covers decides it: -1 outside, 0
 * on the border, 1 inside.
 */
extern int	lm_geo_part_locate(const LmGeo *g, int part, double x, double y);

/*
 * The point-in-ring test of PostGIS (winding number): -1 outside, 0 on the
 * ring (an edge or a vertex), 1 inside; xy holds n points, closed.
 */
extern int	lm_geo_ring_locate(const double *xy, int n, double x, double y);

#endif							/* LASTMILE_GEO_H */
