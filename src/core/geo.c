/*
 * geo.c — which areas cover a point: a WKB reader for (multi)polygons,
 * rings with their edges sorted into horizontal bands, a static packed
 * R-tree over the polygons' bounding boxes, and the point-in-polygon rule
 * of PostGIS's ST_Covers(polygon, point).
 *
 * ST_Covers(polygon, point) in PostGIS 3 (postgis/lwgeom_geos.c, covers()
 * → pip_short_circuit() → point_in_multipolygon() / point_in_polygon() of
 * postgis/lwgeom_functions_analytic.c, or their R-tree cached variants)
 * decides with a winding number per ring, in double precision, without
 * tolerance:
 *   side = (x2 - x1)·(py - y1) − (px - x1)·(y2 - y1)
 * a point with side exactly 0 inside the closed bounding box of a
 * (non-degenerate) edge is on the ring; an upward edge with the point on
 * its left (side > 0, y1 ≤ py < y2) adds one, a downward edge with the
 * point on its right (side < 0, y2 ≤ py < y1) takes one away, and a
 * winding number of 0 is outside.  The code below evaluates the very same
 * expressions in the same order (the build must not contract them into
 * fused multiply-adds: no -ffast-math, no -mfma), so that the answer on a
 * border is bit for bit the one of ST_Covers.
 *
 * What it skips: edges whose y range does not contain py (exact: such an
 * edge can neither hold the point nor count, and the bands are chosen by a
 * monotone function of y, so no edge that contains py is missed), and
 * polygons and rings whose bounding box does not contain the point (as
 * PostGIS's own bounding-box short-cut does for the whole geometry).
 * Zero-length edges are ignored when their ends are equal (PostGIS's
 * uncached path; its cached path also ignores edges shorter than 1e-12).
 */
#include "geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *
lm_geo_error_text(LmGeoError e)
{
	switch (e)
	{
		case LM_GEO_OK:
			return "no error";
		case LM_GEO_TRUNCATED:
			return "the WKB is truncated or has trailing bytes";
		case LM_GEO_BAD_BYTE_ORDER:
			return "the WKB has a bad byte-order byte";
		case LM_GEO_BAD_TYPE:
			return "the geometry is not a Polygon, a MultiPolygon or a GeometryCollection of them";
		case LM_GEO_TOO_DEEP:
			return "the geometry collections are nested too deep";
		case LM_GEO_TOO_BIG:
			return "the geometry has too many points";
	}
	return "unknown error";
}

/* ------------------------------------------------------------------ */
/* WKB reader                                                           */
/* ------------------------------------------------------------------ */

#define WKB_POLYGON 3
#define WKB_MULTIPOLYGON 6
#define WKB_COLLECTION 7
#define WKB_MAX_DEPTH 8

typedef struct Reader
{
	const uint8_t *p;
	const uint8_t *end;
	bool		swap;			/* byte order differs from the host's */
} Reader;

static bool
host_is_little(void)
{
	const uint16_t one = 1;

	return *(const uint8_t *) &one == 1;
}

static bool
rd_u32(Reader *r, uint32_t *v)
{
	uint32_t	x;

	if (r->end - r->p < 4)
		return false;
	memcpy(&x, r->p, 4);
	r->p += 4;
	if (r->swap)
		x = ((x & 0xffu) << 24) | ((x & 0xff00u) << 8) | ((x >> 8) & 0xff00u) | (x >> 24);
	*v = x;
	return true;
}

static double
rd_f8_at(const uint8_t *p, bool swap)
{
	uint8_t		b[8];
	double		d;

	if (swap)
		for (int i = 0; i < 8; i++)
			b[i] = p[7 - i];
	else
		memcpy(b, p, 8);
	memcpy(&d, b, 8);
	return d;
}

/*
 * Reads one geometry header: byte order, type (ISO codes 1000s/2000s/3000s
 * or EWKB flag bits for Z/M/SRID), SRID skipped.  Sets *type to the base
 * type and *dims to the number of doubles per point.
 */
static LmGeoError
rd_header(Reader *r, uint32_t *type, int *dims)
{
	uint32_t	t;
	bool		hasz,
				hasm;

	if (r->p >= r->end)
		return LM_GEO_TRUNCATED;
	if (*r->p > 1)
		return LM_GEO_BAD_BYTE_ORDER;
	r->swap = ((*r->p == 1) != host_is_little());
	r->p++;
	if (!rd_u32(r, &t))
		return LM_GEO_TRUNCATED;
	hasz = (t & 0x80000000u) != 0;
	hasm = (t & 0x40000000u) != 0;
	if (t & 0x20000000u)
	{
		if (r->end - r->p < 4)
			return LM_GEO_TRUNCATED;
		r->p += 4;
	}
	t &= 0x0fffffffu;
	if (t >= 1000)
	{
		uint32_t	d = t / 1000;

		t %= 1000;
		if (d == 1)
			hasz = true;
		else if (d == 2)
			hasm = true;
		else if (d == 3)
			hasz = hasm = true;
		else
			return LM_GEO_BAD_TYPE;
	}
	*type = t;
	*dims = 2 + (hasz ? 1 : 0) + (hasm ? 1 : 0);
	return LM_GEO_OK;
}

/* what a walk over one WKB adds: counts, and with g != NULL the data */
typedef struct Walk
{
	LmGeoCounts c;
	LmGeo	   *g;
	int64_t		area_id;
	bool		single;			/* the top geometry is a Polygon */
	bool		full;			/* g has no room left for it */
} Walk;

/* bands of a ring of np points */
static int
ring_buckets(uint32_t np)
{
	uint32_t	nb = np / 8;

	if (nb < 1)
		nb = 1;
	if (nb > 65536)
		nb = 65536;
	return (int) nb;
}

/*
 * The band of y: (y - y0) · (1 / band height), rounded down and clamped, a
 * monotone function of y (each step rounds monotonically), so that an edge
 * listed in the bands of its lowest and highest y is found from any y
 * between.  y finite.
 */
static inline int
band_of(double y, double y0, double inv, int nb)
{
	double		t = (y - y0) * inv;

	if (!(t >= 0))
		return 0;
	if (t >= nb)
		return nb - 1;
	return (int) t;
}

/* the bounding box of finite points; false when one is not finite */
static bool
points_box(const double *xy, uint32_t np, double box[4])
{
	bool		finite = true;

	box[0] = box[1] = INFINITY;
	box[2] = box[3] = -INFINITY;
	for (uint32_t i = 0; i < np; i++)
	{
		double		x = xy[2 * i],
					y = xy[2 * i + 1];

		if (!isfinite(x) || !isfinite(y))
		{
			finite = false;
			continue;
		}
		if (x < box[0])
			box[0] = x;
		if (y < box[1])
			box[1] = y;
		if (x > box[2])
			box[2] = x;
		if (y > box[3])
			box[3] = y;
	}
	return finite;
}

/*
 * The bands an edge meets: [*lo, *hi]; false for a zero-length edge (which
 * is ignored).  An edge with a coordinate that is not finite meets them all.
 */
static inline bool
edge_bands(const double *e, double y0, double inv, int nb, int *lo, int *hi)
{
	double		x1 = e[0],
				y1 = e[1],
				x2 = e[2],
				y2 = e[3];

	if (x2 == x1 && y2 == y1)
		return false;
	if (isfinite(x1) && isfinite(y1) && isfinite(x2) && isfinite(y2))
	{
		*lo = band_of(y1 < y2 ? y1 : y2, y0, inv, nb);
		*hi = band_of(y1 < y2 ? y2 : y1, y0, inv, nb);
	}
	else
	{
		*lo = 0;
		*hi = nb - 1;
	}
	return true;
}

/* band layout of a ring: number, bottom, 1 / height */
static void
ring_layout(uint32_t np, const double box[4], int *nb, double *y0, double *inv)
{
	double		bh;

	*nb = ring_buckets(np);
	*y0 = isfinite(box[1]) ? box[1] : 0;
	bh = (box[3] - box[1]) / *nb;
	*inv = 1 / bh;
	if (!(bh > 0) || !isfinite(bh) || !(*inv > 0) || !isfinite(*inv))
	{
		*nb = 1;
		*inv = 1;
	}
}

/*
 * One ring of np points at p: counted, and when w->g is set, its points
 * copied (host byte order), its bounding box, bands and edges per band
 * written.
 */
static void
walk_ring(const uint8_t *p, size_t stride, bool swap, uint32_t np, Walk *w)
{
	LmGeo	   *g = w->g;
	double		box[4];
	bool		finite;
	int			nb;
	double		y0,
				inv;
	double	   *xy;
	double		tmp[2];

	if (g == NULL)
	{
		/* measure: bands need the coordinates, read in place */
		double		e[4];

		/* box first */
		box[0] = box[1] = INFINITY;
		box[2] = box[3] = -INFINITY;
		for (uint32_t i = 0; i < np; i++)
		{
			tmp[0] = rd_f8_at(p + i * stride, swap);
			tmp[1] = rd_f8_at(p + i * stride + 8, swap);
			if (!isfinite(tmp[0]) || !isfinite(tmp[1]))
				continue;
			if (tmp[0] < box[0])
				box[0] = tmp[0];
			if (tmp[1] < box[1])
				box[1] = tmp[1];
			if (tmp[0] > box[2])
				box[2] = tmp[0];
			if (tmp[1] > box[3])
				box[3] = tmp[1];
		}
		ring_layout(np, box, &nb, &y0, &inv);
		for (uint32_t i = 0; i + 1 < np; i++)
		{
			int			lo,
						hi;

			e[0] = rd_f8_at(p + i * stride, swap);
			e[1] = rd_f8_at(p + i * stride + 8, swap);
			e[2] = rd_f8_at(p + (i + 1) * stride, swap);
			e[3] = rd_f8_at(p + (i + 1) * stride + 8, swap);
			if (edge_bands(e, y0, inv, nb, &lo, &hi))
				w->c.bucket_edges += hi - lo + 1;
		}
		w->c.rings++;
		w->c.points += np;
		w->c.buckets += nb + 1;
		return;
	}

	/* write: room for the ring and its points? */
	if (w->full || g->nrings + 1 > g->cap.rings || g->npoints + (int64_t) np > g->cap.points)
	{
		w->full = true;
		return;
	}
	xy = g->xy + 2 * (size_t) g->npoints;
	for (uint32_t i = 0; i < np; i++)
	{
		xy[2 * i] = rd_f8_at(p + i * stride, swap);
		xy[2 * i + 1] = rd_f8_at(p + i * stride + 8, swap);
	}
	finite = points_box(xy, np, box);
	ring_layout(np, box, &nb, &y0, &inv);
	if (g->nbuckets + (int64_t) nb + 1 > g->cap.buckets)
	{
		w->full = true;
		return;
	}
	{
		LmGeoRing  *ring = &g->rings[g->nrings];
		int32_t    *start = g->bucket_start + g->nbuckets;
		int64_t		sum = g->nbucket_edges;

		ring->first = g->npoints;
		ring->npoints = (int32_t) np;
		ring->bfirst = g->nbuckets;
		ring->nbuckets = nb;
		ring->y0 = y0;
		ring->inv = inv;
		if (finite)
		{
			ring->xmin = box[0];
			ring->ymin = box[1];
			ring->xmax = box[2];
			ring->ymax = box[3];
		}
		else
		{
			/* PostGIS evaluates every edge: so do we */
			ring->xmin = ring->ymin = -INFINITY;
			ring->xmax = ring->ymax = INFINITY;
		}

		/* count the edges per band, then place them (counting sort) */
		memset(start, 0, sizeof(int32_t) * (nb + 1));
		for (uint32_t i = 0; i + 1 < np; i++)
		{
			int			lo,
						hi;

			if (edge_bands(xy + 2 * i, y0, inv, nb, &lo, &hi))
				for (int b = lo; b <= hi; b++)
					start[b]++;
		}
		for (int b = 0; b <= nb; b++)
		{
			int32_t		k = start[b];

			start[b] = (int32_t) sum;
			sum += k;
		}
		if (sum > g->cap.bucket_edges)
		{
			w->full = true;
			return;
		}
		for (uint32_t i = 0; i + 1 < np; i++)
		{
			int			lo,
						hi;

			if (edge_bands(xy + 2 * i, y0, inv, nb, &lo, &hi))
				for (int b = lo; b <= hi; b++)
					g->bucket_edge[start[b]++] = (int32_t) i;
		}
		/* the cursors stand at each band's end: shift back to the starts */
		for (int b = nb; b > 0; b--)
			start[b] = start[b - 1];
		start[0] = g->nbucket_edges;
		g->nbucket_edges = start[nb];
		g->nbuckets += nb + 1;
		g->nrings++;
		g->npoints += (int32_t) np;
	}
}

static LmGeoError
walk_polygon(Reader *r, int dims, Walk *w)
{
	uint32_t	nrings;
	LmGeo	   *g = w->g;
	LmGeoPart  *part = NULL;

	if (!rd_u32(r, &nrings))
		return LM_GEO_TRUNCATED;
	/* a ring needs at least its 4-byte count */
	if (nrings > (uint32_t) ((r->end - r->p) / 4))
		return LM_GEO_TRUNCATED;
	if (g)
	{
		if (w->full || g->nparts + 1 > g->cap.parts)
		{
			w->full = true;
			return LM_GEO_TOO_BIG;
		}
		part = &g->parts[g->nparts++];
		part->area_id = w->area_id;
		part->first = g->nrings;
		part->nrings = (int32_t) nrings;
		part->single = w->single;
		part->xmin = part->ymin = INFINITY;
		part->xmax = part->ymax = -INFINITY;
	}
	w->c.parts++;
	for (uint32_t k = 0; k < nrings; k++)
	{
		uint32_t	np;
		size_t		stride = (size_t) dims * 8;

		if (!rd_u32(r, &np))
			return LM_GEO_TRUNCATED;
		if (np > (size_t) (r->end - r->p) / stride)
			return LM_GEO_TRUNCATED;
		walk_ring(r->p, stride, r->swap, np, w);
		if (w->full)
			return LM_GEO_TOO_BIG;
		if (g)
		{
			const LmGeoRing *ring = &g->rings[g->nrings - 1];

			if (ring->xmin < part->xmin)
				part->xmin = ring->xmin;
			if (ring->ymin < part->ymin)
				part->ymin = ring->ymin;
			if (ring->xmax > part->xmax)
				part->xmax = ring->xmax;
			if (ring->ymax > part->ymax)
				part->ymax = ring->ymax;
		}
		r->p += np * stride;
	}
	return LM_GEO_OK;
}

static LmGeoError
walk_geom(Reader *r, int depth, Walk *w)
{
	uint32_t	type,
				n;
	int			dims;
	LmGeoError	e;

	if (depth > WKB_MAX_DEPTH)
		return LM_GEO_TOO_DEEP;
	e = rd_header(r, &type, &dims);
	if (e != LM_GEO_OK)
		return e;
	if (type == WKB_POLYGON)
	{
		if (depth == 0)
			w->single = true;
		return walk_polygon(r, dims, w);
	}
	if (type != WKB_MULTIPOLYGON && type != WKB_COLLECTION)
		return LM_GEO_BAD_TYPE;
	if (!rd_u32(r, &n))
		return LM_GEO_TRUNCATED;
	/* a member needs at least 5 header bytes */
	if (n > (uint32_t) ((r->end - r->p) / 5))
		return LM_GEO_TRUNCATED;
	for (uint32_t i = 0; i < n; i++)
	{
		if (type == WKB_MULTIPOLYGON)
		{
			uint32_t	sub;
			int			subdims;

			e = rd_header(r, &sub, &subdims);
			if (e != LM_GEO_OK)
				return e;
			if (sub != WKB_POLYGON)
				return LM_GEO_BAD_TYPE;
			e = walk_polygon(r, subdims, w);
		}
		else
			e = walk_geom(r, depth + 1, w);
		if (e != LM_GEO_OK)
			return e;
	}
	return LM_GEO_OK;
}

static LmGeoError
walk(const uint8_t *wkb, size_t len, Walk *w)
{
	Reader		r;
	LmGeoError	e;

	r.p = wkb;
	r.end = wkb + len;
	r.swap = false;
	w->single = false;
	if (wkb == NULL)
		return LM_GEO_TRUNCATED;
	e = walk_geom(&r, 0, w);
	if (e == LM_GEO_OK && r.p != r.end)
		e = LM_GEO_TRUNCATED;
	return e;
}

static bool
counts_fit(const LmGeoCounts *a, const LmGeoCounts *b, const LmGeoCounts *cap)
{
	return a->parts + b->parts <= cap->parts &&
		a->rings + b->rings <= cap->rings &&
		a->points + b->points <= cap->points &&
		a->buckets + b->buckets <= cap->buckets &&
		a->bucket_edges + b->bucket_edges <= cap->bucket_edges;
}

LmGeoError
lm_geo_measure(const uint8_t *wkb, size_t len, LmGeoCounts *c)
{
	Walk		w;
	LmGeoError	e;
	LmGeoCounts limit = {INT32_MAX / 2, INT32_MAX / 2, INT32_MAX / 4, INT32_MAX / 2, INT32_MAX / 2};

	memset(&w, 0, sizeof(w));
	e = walk(wkb, len, &w);
	if (e != LM_GEO_OK)
		return e;
	if (!counts_fit(c, &w.c, &limit))
		return LM_GEO_TOO_BIG;
	c->parts += w.c.parts;
	c->rings += w.c.rings;
	c->points += w.c.points;
	c->buckets += w.c.buckets;
	c->bucket_edges += w.c.bucket_edges;
	return LM_GEO_OK;
}

/* ------------------------------------------------------------------ */
/* Layout                                                               */
/* ------------------------------------------------------------------ */

/* nodes of a packed R-tree over n entries */
static int64_t
count_nodes(int64_t n)
{
	int64_t		total = 0;

	if (n == 0)
		return 0;
	do
	{
		n = (n + LM_GEO_FANOUT - 1) / LM_GEO_FANOUT;
		total += n;
	} while (n > 1);
	return total;
}

#define ALIGN8(x) (((x) + 7) & ~(size_t) 7)

/* one sort key of the STR packing (and scratch for counting areas) */
typedef struct SortKey
{
	double		key;
	int64_t		idx;
} SortKey;

size_t
lm_geo_bytes(const LmGeoCounts *c)
{
	size_t		nnodes = (size_t) count_nodes(c->parts);

	return ALIGN8(sizeof(LmGeoPart) * (size_t) c->parts)
		+ ALIGN8(sizeof(LmGeoRing) * (size_t) c->rings)
		+ ALIGN8(sizeof(double) * 2 * (size_t) c->points)
		+ ALIGN8(sizeof(int32_t) * (size_t) c->buckets)
		+ ALIGN8(sizeof(int32_t) * (size_t) c->bucket_edges)
		+ ALIGN8(sizeof(int32_t) * (size_t) c->parts)	/* order */
		+ ALIGN8(sizeof(LmGeoNode) * nnodes)
		+ ALIGN8(sizeof(int32_t) * nnodes)	/* children of inner nodes */
		+ ALIGN8(sizeof(SortKey) * (size_t) (c->parts > 0 ? c->parts : 1)); /* scratch */
}

void
lm_geo_init(LmGeo *g, void *mem, const LmGeoCounts *c)
{
	char	   *p = mem;
	size_t		nnodes = (size_t) count_nodes(c->parts);

	memset(g, 0, sizeof(LmGeo));
	g->cap = *c;
	g->root = -1;
	g->parts = (LmGeoPart *) p;
	p += ALIGN8(sizeof(LmGeoPart) * (size_t) c->parts);
	g->rings = (LmGeoRing *) p;
	p += ALIGN8(sizeof(LmGeoRing) * (size_t) c->rings);
	g->xy = (double *) p;
	p += ALIGN8(sizeof(double) * 2 * (size_t) c->points);
	g->bucket_start = (int32_t *) p;
	p += ALIGN8(sizeof(int32_t) * (size_t) c->buckets);
	g->bucket_edge = (int32_t *) p;
	p += ALIGN8(sizeof(int32_t) * (size_t) c->bucket_edges);
	g->order = (int32_t *) p;
	p += ALIGN8(sizeof(int32_t) * (size_t) c->parts);
	g->nodes = (LmGeoNode *) p;
	p += ALIGN8(sizeof(LmGeoNode) * nnodes);
	g->kids = (int32_t *) p;
	p += ALIGN8(sizeof(int32_t) * nnodes);
	g->scratch = p;
}

LmGeoError
lm_geo_add(LmGeo *g, int64_t area_id, const uint8_t *wkb, size_t len)
{
	Walk		w;
	LmGeoError	e;
	LmGeoCounts before;

	/* on any error, g is left as it was */
	before.parts = g->nparts;
	before.rings = g->nrings;
	before.points = g->npoints;
	before.buckets = g->nbuckets;
	before.bucket_edges = g->nbucket_edges;
	memset(&w, 0, sizeof(w));
	w.g = g;
	w.area_id = area_id;
	e = walk(wkb, len, &w);
	if (e != LM_GEO_OK)
	{
		g->nparts = (int32_t) before.parts;
		g->nrings = (int32_t) before.rings;
		g->npoints = (int32_t) before.points;
		g->nbuckets = (int32_t) before.buckets;
		g->nbucket_edges = (int32_t) before.bucket_edges;
	}
	return e;
}

/* ------------------------------------------------------------------ */
/* Packed R-tree (Sort-Tile-Recursive)                                  */
/* ------------------------------------------------------------------ */

static int
cmp_key(const void *a, const void *b)
{
	const SortKey *x = a;
	const SortKey *y = b;

	if (x->key < y->key)
		return -1;
	if (x->key > y->key)
		return 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t		x = ((const SortKey *) a)->idx;
	int64_t		y = ((const SortKey *) b)->idx;

	return (x > y) - (x < y);
}

/* a finite sort key for a coordinate sum (empty boxes sort last) */
static double
center(double lo, double hi)
{
	double		c = lo / 2 + hi / 2;

	return isfinite(c) ? c : INFINITY;
}

static void
node_box(LmGeoNode *nd)
{
	nd->xmin = nd->ymin = INFINITY;
	nd->xmax = nd->ymax = -INFINITY;
}

static void
node_grow(LmGeoNode *nd, double xmin, double ymin, double xmax, double ymax)
{
	if (xmin < nd->xmin)
		nd->xmin = xmin;
	if (ymin < nd->ymin)
		nd->ymin = ymin;
	if (xmax > nd->xmax)
		nd->xmax = xmax;
	if (ymax > nd->ymax)
		nd->ymax = ymax;
}

/* the bounding box of entry i: a part (nodes == false) or a node */
static void
entry_box(const LmGeo *g, bool nodes, int64_t i, double *xmin, double *ymin, double *xmax, double *ymax)
{
	if (nodes)
	{
		*xmin = g->nodes[i].xmin;
		*ymin = g->nodes[i].ymin;
		*xmax = g->nodes[i].xmax;
		*ymax = g->nodes[i].ymax;
	}
	else
	{
		*xmin = g->parts[i].xmin;
		*ymin = g->parts[i].ymin;
		*xmax = g->parts[i].xmax;
		*ymax = g->parts[i].ymax;
	}
}

/*
 * Sort-Tile-Recursive order of n entries (keys[i].idx on input and
 * output): by x centre into vertical slices of about sqrt(n / fanout)
 * nodes each, and within a slice by y centre.
 */
static void
str_sort(const LmGeo *g, bool nodes, SortKey *keys, int n)
{
	int			groups = (n + LM_GEO_FANOUT - 1) / LM_GEO_FANOUT;
	int			slices = (int) ceil(sqrt((double) groups));
	int			slice_len;
	double		xmin,
				ymin,
				xmax,
				ymax;

	if (slices < 1)
		slices = 1;
	slice_len = ((groups + slices - 1) / slices) * LM_GEO_FANOUT;
	for (int i = 0; i < n; i++)
	{
		entry_box(g, nodes, keys[i].idx, &xmin, &ymin, &xmax, &ymax);
		keys[i].key = center(xmin, xmax);
	}
	qsort(keys, n, sizeof(SortKey), cmp_key);
	for (int s = 0; s < n; s += slice_len)
	{
		int			m = (n - s < slice_len) ? n - s : slice_len;

		for (int i = s; i < s + m; i++)
		{
			entry_box(g, nodes, keys[i].idx, &xmin, &ymin, &xmax, &ymax);
			keys[i].key = center(ymin, ymax);
		}
		qsort(keys + s, m, sizeof(SortKey), cmp_key);
	}
}

void
lm_geo_finish(LmGeo *g)
{
	SortKey    *scratch = g->scratch;
	int			n = g->nparts;
	int			level_first,
				level_n;

	g->nnodes = 0;
	g->root = -1;
	g->depth = 0;
	g->nareas = 0;
	if (n == 0)
		return;

	/* distinct areas */
	for (int i = 0; i < n; i++)
		scratch[i].idx = g->parts[i].area_id;
	qsort(scratch, n, sizeof(SortKey), cmp_i64);
	for (int i = 0; i < n; i++)
		if (i == 0 || scratch[i].idx != scratch[i - 1].idx)
			g->nareas++;

	/* leaves: the parts in STR order, fanout per leaf */
	for (int i = 0; i < n; i++)
		scratch[i].idx = i;
	str_sort(g, false, scratch, n);
	for (int i = 0; i < n; i++)
		g->order[i] = (int32_t) scratch[i].idx;
	level_first = 0;
	level_n = 0;
	for (int i = 0; i < n; i += LM_GEO_FANOUT)
	{
		LmGeoNode  *nd = &g->nodes[g->nnodes++];
		int			m = (n - i < LM_GEO_FANOUT) ? n - i : LM_GEO_FANOUT;

		node_box(nd);
		nd->first = i;
		nd->count = m;
		nd->leaf = true;
		for (int k = i; k < i + m; k++)
		{
			const LmGeoPart *pt = &g->parts[g->order[k]];

			node_grow(nd, pt->xmin, pt->ymin, pt->xmax, pt->ymax);
		}
		level_n++;
	}
	g->depth = 1;

	/* inner levels: the nodes of the level below in STR order */
	while (level_n > 1)
	{
		int			next_first = g->nnodes;
		int			next_n = 0;

		for (int i = 0; i < level_n; i++)
			scratch[i].idx = level_first + i;
		str_sort(g, true, scratch, level_n);
		for (int i = 0; i < level_n; i++)
			g->kids[level_first + i] = (int32_t) scratch[i].idx;
		for (int i = 0; i < level_n; i += LM_GEO_FANOUT)
		{
			LmGeoNode  *nd = &g->nodes[g->nnodes++];
			int			m = (level_n - i < LM_GEO_FANOUT) ? level_n - i : LM_GEO_FANOUT;

			node_box(nd);
			nd->first = level_first + i;	/* into kids */
			nd->count = m;
			nd->leaf = false;
			for (int k = nd->first; k < nd->first + m; k++)
			{
				const LmGeoNode *ch = &g->nodes[g->kids[k]];

				node_grow(nd, ch->xmin, ch->ymin, ch->xmax, ch->ymax);
			}
			next_n++;
		}
		level_first = next_first;
		level_n = next_n;
		g->depth++;
	}
	g->root = g->nnodes - 1;
}

/* ------------------------------------------------------------------ */
/* Point in polygon, as ST_Covers decides it                            */
/* ------------------------------------------------------------------ */

/*
 * One edge (x1, y1) → (x2, y2) of point_in_ring's loop: true when the
 * point lies on it (its side exactly 0 within the edge's closed box),
 * otherwise the winding number *wn moved as the edge crosses py.
 */
static inline bool
edge_step(double x1, double y1, double x2, double y2, double px, double py, int *wn)
{
	double		side = (x2 - x1) * (py - y1) - (px - x1) * (y2 - y1);

	if (side == 0.0)
	{
		double		minx = x1 > x2 ? x2 : x1,
					maxx = x1 > x2 ? x1 : x2,
					miny = y1 > y2 ? y2 : y1,
					maxy = y1 > y2 ? y1 : y2;

		if (!(maxx < px || minx > px) && !(maxy < py || miny > py))
			return true;
	}
	if ((y1 <= py) && (py < y2) && (side > 0))
		++*wn;
	else if ((y2 <= py) && (py < y1) && (side < 0))
		--*wn;
	return false;
}

/*
 * PostGIS's point_in_ring(): -1 outside, 0 on the ring, 1 inside.  The
 * same expressions in the same order; edges whose y range does not reach
 * py are skipped before computing their side, which changes nothing: such
 * an edge can neither hold the point nor cross its horizontal.
 */
int
lm_geo_ring_locate(const double *xy, int n, double px, double py)
{
	int			wn = 0;

	for (int i = 0; i + 1 < n; i++)
	{
		double		x1 = xy[2 * i],
					y1 = xy[2 * i + 1],
					x2 = xy[2 * i + 2],
					y2 = xy[2 * i + 3];

		if ((py < y1 && py < y2) || (py > y1 && py > y2))
			continue;
		/* zero-length edges are ignored */
		if (x2 == x1 && y2 == y1)
			continue;
		if (edge_step(x1, y1, x2, y2, px, py, &wn))
			return 0;
	}
	return wn == 0 ? -1 : 1;
}

/*
 * The same test on ring k, through the band of py: only the edges whose y
 * range meets that band are looked at.
 */
static int
ring_locate(const LmGeo *g, int k, double px, double py)
{
	const LmGeoRing *r = &g->rings[k];
	const double *xy = g->xy + 2 * (size_t) r->first;
	const int32_t *start = g->bucket_start + r->bfirst;
	int			b;
	int			wn = 0;

	/* outside its box: outside the ring (the winding number is 0) */
	if (!(px >= r->xmin && px <= r->xmax && py >= r->ymin && py <= r->ymax))
		return -1;
	b = isfinite(py) ? band_of(py, r->y0, r->inv, r->nbuckets) : 0;
	for (int32_t j = start[b]; j < start[b + 1]; j++)
	{
		int32_t		i = g->bucket_edge[j];
		double		x1 = xy[2 * i],
					y1 = xy[2 * i + 1],
					x2 = xy[2 * i + 2],
					y2 = xy[2 * i + 3];

		if ((py < y1 && py < y2) || (py > y1 && py > y2))
			continue;
		if (edge_step(x1, y1, x2, y2, px, py, &wn))
			return 0;
	}
	return wn == 0 ? -1 : 1;
}

/*
 * ST_Covers(polygon, point) as PostGIS decides it: for a polygon of a
 * MultiPolygon, point_in_multipolygon()'s test of one polygon (on the
 * exterior ring's border: covered at once); for a lone Polygon,
 * point_in_polygon() (a point on the exterior ring is still checked
 * against the holes).  The two differ only for invalid polygons.  A
 * MultiPolygon covers a point exactly when one of its polygons does, so
 * its polygons can be tested separately, in any order.
 */
int
lm_geo_part_locate(const LmGeo *g, int part, double x, double y)
{
	const LmGeoPart *pt = &g->parts[part];
	int			in_ring,
				result;

	if (!(x >= pt->xmin && x <= pt->xmax && y >= pt->ymin && y <= pt->ymax))
		return -1;
	if (pt->nrings == 0)
		return -1;
	in_ring = ring_locate(g, pt->first, x, y);
	if (in_ring == -1)
		return -1;
	if (in_ring == 0 && !pt->single)
		return 0;
	result = in_ring;
	for (int k = 1; k < pt->nrings; k++)
	{
		in_ring = ring_locate(g, pt->first + k, x, y);
		if (in_ring == 1)
			return -1;
		if (in_ring == 0)
			return 0;
	}
	return result;
}

/* ------------------------------------------------------------------ */
/* Lookup                                                               */
/* ------------------------------------------------------------------ */

int
lm_geo_covering(const LmGeo *g, double x, double y, int64_t *out, int max)
{
	int32_t		stack[64 * LM_GEO_FANOUT];
	int			sp = 0;
	int			n = 0;

	if (g->root < 0 || isnan(x) || isnan(y))
		return 0;
	stack[sp++] = g->root;
	while (sp > 0)
	{
		const LmGeoNode *nd = &g->nodes[stack[--sp]];

		if (!(x >= nd->xmin && x <= nd->xmax && y >= nd->ymin && y <= nd->ymax))
			continue;
		if (!nd->leaf)
		{
			for (int k = nd->first; k < nd->first + nd->count; k++)
				stack[sp++] = g->kids[k];
			continue;
		}
		for (int k = nd->first; k < nd->first + nd->count; k++)
		{
			int			part = g->order[k];
			int64_t		area = g->parts[part].area_id;
			bool		seen = false;

			for (int i = 0; i < n; i++)
				if (out[i] == area)
					seen = true;
			if (seen || n >= max)
				continue;
			if (lm_geo_part_locate(g, part, x, y) != -1)
				out[n++] = area;
		}
	}
	/* ascending area_id (few: insertion sort) */
	for (int i = 1; i < n; i++)
	{
		int64_t		v = out[i];
		int			j = i - 1;

		while (j >= 0 && out[j] > v)
		{
			out[j + 1] = out[j];
			j--;
		}
		out[j + 1] = v;
	}
	return n;
}
