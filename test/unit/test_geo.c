/*
 * test_geo.c — unit tests of src/core/geo.c (TAP on stdout).
 *
 * The WKB reader (byte orders, EWKB and ISO type codes, Z/M, collections,
 * every malformed form), the point-in-polygon rule of ST_Covers on squares,
 * triangles, holes and multipolygons (inside, on edges, on vertices, on
 * horizontal and vertical edges, just outside), degenerate input, and the
 * R-tree lookup against a brute-force scan of every part.
 */
#include "geo.h"

#include <math.h>
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	test_no = 0;
static int	failures = 0;

static void
ok(int cond, const char *name)
{
	test_no++;
	if (!cond)
		failures++;
	printf("%sok %d - %s\n", cond ? "" : "not ", test_no, name);
}

static void
is_int(long long got, long long want, const char *name)
{
	ok(got == want, name);
	if (got != want)
		printf("#   got %lld, want %lld\n", got, want);
}

/* ------------------------------------------------------------------ */
/* a small WKB writer                                                   */
/* ------------------------------------------------------------------ */

typedef struct Buf
{
	uint8_t		b[1 << 16];
	size_t		n;
	int			big;			/* write big-endian */
} Buf;

static void
put_u32(Buf *w, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		w->b[w->n++] = (uint8_t) (w->big ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void
put_f8(Buf *w, double d)
{
	uint64_t	v;

	memcpy(&v, &d, 8);
	for (int i = 0; i < 8; i++)
		w->b[w->n++] = (uint8_t) (w->big ? v >> (56 - 8 * i) : v >> (8 * i));
}

static void
put_head(Buf *w, uint32_t type)
{
	w->b[w->n++] = w->big ? 0 : 1;
	put_u32(w, type);
}

/* a polygon of nrings rings given as {n, x0, y0, x1, y1, ...} lists */
static void
put_polygon(Buf *w, uint32_t type, int dims, int nrings, const double *const *rings)
{
	put_head(w, type);
	if (type & 0x20000000u)
		put_u32(w, 4326);
	put_u32(w, (uint32_t) nrings);
	for (int k = 0; k < nrings; k++)
	{
		int			np = (int) rings[k][0];

		put_u32(w, (uint32_t) np);
		for (int i = 0; i < np; i++)
		{
			put_f8(w, rings[k][1 + 2 * i]);
			put_f8(w, rings[k][2 + 2 * i]);
			for (int d = 2; d < dims; d++)
				put_f8(w, 99.0);
		}
	}
}

static void
poly1(Buf *w, const double *ring)
{
	const double *r[1] = {ring};

	w->n = 0;
	put_polygon(w, 3, 2, 1, r);
}

/* a set built from up to 64 parts */
typedef struct Set
{
	LmGeo		g;
	void	   *mem;
} Set;

static int
set_build(Set *s, int n, const int64_t *ids, Buf *const *wkbs)
{
	LmGeoCounts c;

	memset(&c, 0, sizeof(c));
	for (int i = 0; i < n; i++)
		if (lm_geo_measure(wkbs[i]->b, wkbs[i]->n, &c) != LM_GEO_OK)
			return -1;
	s->mem = malloc(lm_geo_bytes(&c) + 8);
	lm_geo_init(&s->g, s->mem, &c);
	for (int i = 0; i < n; i++)
		if (lm_geo_add(&s->g, ids[i], wkbs[i]->b, wkbs[i]->n) != LM_GEO_OK)
			return -2;
	lm_geo_finish(&s->g);
	return 0;
}

static void
set_free(Set *s)
{
	free(s->mem);
}

/* locate in the set of one WKB */
static int
locate1(Buf *w, double x, double y)
{
	Set			s;
	Buf		   *ws[1] = {w};
	int64_t		id = 1;
	int			r;

	if (set_build(&s, 1, &id, ws) != 0)
		return 99;
	/* as point_in_multipolygon: the first polygon that covers decides */
	r = -1;
	for (int p = 0; p < s.g.nparts && r == -1; p++)
		r = lm_geo_part_locate(&s.g, p, x, y);
	set_free(&s);
	return r;
}

static const double square[] = {5, 0, 0, 10, 0, 10, 10, 0, 10, 0, 0};	/* ccw */
static const double square_cw[] = {5, 0, 0, 0, 10, 10, 10, 10, 0, 0, 0};
static const double hole[] = {5, 3, 3, 3, 7, 7, 7, 7, 3, 3, 3};
static const double tri[] = {4, 0, 0, 10, 0, 0, 10, 0, 0};
static const double diamond[] = {5, 5, 0, 10, 5, 5, 10, 0, 5, 5, 0};
static const double dup[] = {7, 0, 0, 10, 0, 10, 0, 10, 10, 0, 10, 0, 10, 0, 0};	/* repeated vertices */

static void
test_rings(void)
{
	Buf		   *w = calloc(1, sizeof(Buf));

	poly1(w, square);
	is_int(locate1(w, 5, 5), 1, "square: centre inside");
	is_int(locate1(w, 0, 5), 0, "square: on the left (vertical) edge");
	is_int(locate1(w, 10, 5), 0, "square: on the right (vertical) edge");
	is_int(locate1(w, 5, 0), 0, "square: on the bottom (horizontal) edge");
	is_int(locate1(w, 5, 10), 0, "square: on the top (horizontal) edge");
	is_int(locate1(w, 0, 0), 0, "square: on the first vertex");
	is_int(locate1(w, 10, 10), 0, "square: on a vertex");
	is_int(locate1(w, 10, 0), 0, "square: on another vertex");
	is_int(locate1(w, -1e-12, 5), -1, "square: just left of the edge");
	is_int(locate1(w, 10 + 1e-12, 5), -1, "square: just right of the edge");
	is_int(locate1(w, 5, 10 + 1e-12), -1, "square: just above the top edge");
	is_int(locate1(w, 5, nextafter(0, -1)), -1, "square: the next double below the bottom edge");
	is_int(locate1(w, 5, nextafter(0, 1)), 1, "square: the next double above the bottom edge");
	is_int(locate1(w, 15, 10), -1, "square: on the top edge's line, beyond it");
	is_int(locate1(w, -5, 0), -1, "square: on the bottom edge's line, before it");
	is_int(locate1(w, 0, 15), -1, "square: on the left edge's line, above it");
	is_int(locate1(w, NAN, 5), -1, "square: NaN is outside");
	is_int(locate1(w, INFINITY, 5), -1, "square: infinity is outside");

	poly1(w, square_cw);
	is_int(locate1(w, 5, 5), 1, "clockwise square: inside");
	is_int(locate1(w, 10, 3), 0, "clockwise square: on an edge");
	is_int(locate1(w, 11, 3), -1, "clockwise square: outside");

	poly1(w, tri);
	is_int(locate1(w, 5, 5), 0, "triangle: on the hypotenuse (exactly)");
	is_int(locate1(w, 2.5, 7.5), 0, "triangle: another point exactly on the hypotenuse");
	is_int(locate1(w, 4.999, 4.999), 1, "triangle: just inside the hypotenuse");
	is_int(locate1(w, 5.001, 5.001), -1, "triangle: just outside the hypotenuse");
	is_int(locate1(w, 0, 10), 0, "triangle: on the apex");

	poly1(w, diamond);
	is_int(locate1(w, 5, 5), 1, "diamond: centre (horizontal through two vertices)");
	is_int(locate1(w, 2, 5), 1, "diamond: left of centre on the vertex line");
	is_int(locate1(w, 10, 5), 0, "diamond: on the right vertex");
	is_int(locate1(w, 11, 5), -1, "diamond: right of the right vertex");
	is_int(locate1(w, -1, 5), -1, "diamond: left of the left vertex");
	is_int(locate1(w, 7.5, 2.5), 0, "diamond: on an edge");
	is_int(locate1(w, 9, 1), -1, "diamond: in the bounding box, outside");

	poly1(w, dup);
	is_int(locate1(w, 5, 5), 1, "repeated vertices: inside");
	is_int(locate1(w, 10, 0), 0, "repeated vertices: on the repeated vertex");
	is_int(locate1(w, 10, 5), 0, "repeated vertices: on an edge");

	/* the bare ring function */
	is_int(lm_geo_ring_locate(square + 1, 5, 5, 5), 1, "ring: inside");
	is_int(lm_geo_ring_locate(square + 1, 5, 0, 3), 0, "ring: on an edge");
	is_int(lm_geo_ring_locate(square + 1, 0, 5, 5), -1, "ring of no point: outside");
	is_int(lm_geo_ring_locate(square + 1, 1, 0, 0), -1, "ring of one point: even on it, outside (no edge)");
	free(w);
}

static void
test_holes_and_multi(void)
{
	Buf		   *w = calloc(1, sizeof(Buf));
	const double *r2[2] = {square, hole};

	put_polygon(w, 3, 2, 2, r2);
	is_int(locate1(w, 5, 5), -1, "hole: its centre is outside");
	is_int(locate1(w, 2, 2), 1, "hole: between the rings is inside");
	is_int(locate1(w, 3, 5), 0, "hole: on the hole's edge counts as covered");
	is_int(locate1(w, 3, 3), 0, "hole: on the hole's vertex counts as covered");
	is_int(locate1(w, 0, 5), 0, "hole: on the outer edge");

	/* a MultiPolygon: the square with its hole, and a square in the hole */
	{
		static const double inner[] = {5, 4, 4, 6, 4, 6, 6, 4, 6, 4, 4};
		static const double far[] = {5, 20, 20, 30, 20, 30, 30, 20, 30, 20, 20};
		const double *r1[1] = {inner};
		const double *r3[1] = {far};

		w->n = 0;
		put_head(w, 6);
		put_u32(w, 3);
		put_polygon(w, 3, 2, 2, r2);
		put_polygon(w, 3, 2, 1, r1);
		put_polygon(w, 3, 2, 1, r3);
		is_int(locate1(w, 5, 5), 1, "multipolygon: in the island inside the hole");
		is_int(locate1(w, 3.5, 3.5), -1, "multipolygon: in the hole, off the island");
		is_int(locate1(w, 4, 5), 0, "multipolygon: on the island's edge");
		is_int(locate1(w, 25, 25), 1, "multipolygon: in the far polygon");
		is_int(locate1(w, 30, 25), 0, "multipolygon: on the far polygon's edge");
		is_int(locate1(w, 15, 15), -1, "multipolygon: between the polygons");
	}
	free(w);
}

static void
test_wkb(void)
{
	Buf		   *w = calloc(1, sizeof(Buf));
	LmGeoCounts c;
	const double *r2[2] = {square, hole};

	/* big-endian */
	w->big = 1;
	put_polygon(w, 3, 2, 2, r2);
	memset(&c, 0, sizeof(c));
	is_int(lm_geo_measure(w->b, w->n, &c), LM_GEO_OK, "wkb: big-endian polygon reads");
	is_int(c.rings * 100 + c.points, 210, "wkb: big-endian counts 2 rings, 10 points");
	is_int(locate1(w, 2, 2), 1, "wkb: big-endian polygon locates");
	w->big = 0;

	/* EWKB with SRID and Z, ISO Z, ISO ZM, EWKB M */
	w->n = 0;
	put_polygon(w, 3 | 0x20000000u | 0x80000000u, 3, 2, r2);
	is_int(locate1(w, 3, 5), 0, "wkb: EWKB with SRID and Z");
	w->n = 0;
	put_polygon(w, 1003, 3, 2, r2);
	is_int(locate1(w, 2, 2), 1, "wkb: ISO polygon Z");
	w->n = 0;
	put_polygon(w, 3003, 4, 2, r2);
	is_int(locate1(w, 5, 5), -1, "wkb: ISO polygon ZM");
	w->n = 0;
	put_polygon(w, 3 | 0x40000000u, 3, 1, r2);
	is_int(locate1(w, 5, 5), 1, "wkb: EWKB polygon M");

	/* a collection of a multipolygon and a polygon, nested */
	w->n = 0;
	put_head(w, 7);
	put_u32(w, 2);
	put_head(w, 6);
	put_u32(w, 1);
	put_polygon(w, 3, 2, 2, r2);
	put_head(w, 7);
	put_u32(w, 0);
	memset(&c, 0, sizeof(c));
	is_int(lm_geo_measure(w->b, w->n, &c), LM_GEO_OK, "wkb: nested collection reads");
	is_int(c.parts * 100 + c.rings, 102, "wkb: one polygon, two rings");
	is_int(locate1(w, 2, 2), 1, "wkb: collection locates");

	/* malformed */
	memset(&c, 0, sizeof(c));
	poly1(w, square);
	for (size_t cut = 0; cut < w->n; cut += 3)
	{
		if (lm_geo_measure(w->b, cut, &c) != LM_GEO_TRUNCATED)
		{
			ok(0, "wkb: every truncation is refused");
			break;
		}
		if (cut + 3 >= w->n)
			ok(1, "wkb: every truncation is refused");
	}
	w->b[w->n++] = 0;
	is_int(lm_geo_measure(w->b, w->n, &c), LM_GEO_TRUNCATED, "wkb: a trailing byte is refused");
	poly1(w, square);
	w->b[0] = 2;
	is_int(lm_geo_measure(w->b, w->n, &c), LM_GEO_BAD_BYTE_ORDER, "wkb: byte order 2 is refused");
	w->n = 0;
	put_head(w, 1);
	put_f8(w, 1);
	put_f8(w, 2);
	is_int(lm_geo_measure(w->b, w->n, &c), LM_GEO_BAD_TYPE, "wkb: a Point is refused");
	w->n = 0;
	put_head(w, 6);
	put_u32(w, 1);
	put_head(w, 2);
	put_u32(w, 0);
	is_int(lm_geo_measure(w->b, w->n, &c), LM_GEO_BAD_TYPE, "wkb: a MultiPolygon holding a LineString is refused");
	w->n = 0;
	put_head(w, 4003);
	put_u32(w, 0);
	is_int(lm_geo_measure(w->b, w->n, &c), LM_GEO_BAD_TYPE, "wkb: ISO dimension 4 is refused");
	w->n = 0;
	for (int i = 0; i < 12; i++)
	{
		put_head(w, 7);
		put_u32(w, 1);
	}
	put_head(w, 7);
	put_u32(w, 0);
	is_int(lm_geo_measure(w->b, w->n, &c), LM_GEO_TOO_DEEP, "wkb: collections nested 13 deep are refused");
	w->n = 0;
	put_head(w, 3);
	put_u32(w, 1);
	put_u32(w, 0x7fffffffu);
	is_int(lm_geo_measure(w->b, w->n, &c), LM_GEO_TRUNCATED, "wkb: a huge point count is refused");
	w->n = 0;
	put_head(w, 6);
	put_u32(w, 0xffffffffu);
	is_int(lm_geo_measure(w->b, w->n, &c), LM_GEO_TRUNCATED, "wkb: a huge polygon count is refused");
	is_int(lm_geo_measure(NULL, 0, &c), LM_GEO_TRUNCATED, "wkb: NULL is refused");
	is_int(c.parts, 0, "wkb: nothing refused was counted");
	ok(strlen(lm_geo_error_text(LM_GEO_BAD_TYPE)) > 0, "wkb: errors have a text");

	/* degenerate but readable */
	w->n = 0;
	put_head(w, 3);
	put_u32(w, 0);
	is_int(locate1(w, 0, 0), -1, "POLYGON EMPTY covers nothing");
	w->n = 0;
	put_head(w, 6);
	put_u32(w, 0);
	is_int(locate1(w, 0, 0), -1, "MULTIPOLYGON EMPTY covers nothing");
	{
		static const double two[] = {2, 0, 0, 10, 10};
		static const double flat[] = {4, 0, 0, 10, 0, 5, 0, 0, 0};

		poly1(w, two);
		is_int(locate1(w, 5, 5), 0, "a two-point ring: a point on its segment is on the border (as PostGIS)");
		is_int(locate1(w, 5, 4), -1, "a two-point ring: a point beside it is outside");
		poly1(w, flat);
		is_int(locate1(w, 5, 0), 0, "a flat ring: a point on it is on the border");
		is_int(locate1(w, 5, 1), -1, "a flat ring: off it, outside");
	}

	/* lm_geo_add refuses what was not measured */
	{
		Set			s;
		LmGeoCounts c1;
		Buf		   *w2 = calloc(1, sizeof(Buf));

		poly1(w, tri);
		memset(&c1, 0, sizeof(c1));
		lm_geo_measure(w->b, w->n, &c1);
		s.mem = malloc(lm_geo_bytes(&c1));
		lm_geo_init(&s.g, s.mem, &c1);
		put_polygon(w2, 3, 2, 2, r2);
		is_int(lm_geo_add(&s.g, 1, w2->b, w2->n), LM_GEO_TOO_BIG, "add: a bigger WKB than measured is refused");
		is_int(lm_geo_add(&s.g, 1, w->b, w->n), LM_GEO_OK, "add: the measured one fits");
		is_int(lm_geo_add(&s.g, 2, w->b, w->n), LM_GEO_TOO_BIG, "add: one part more than measured is refused");
		lm_geo_finish(&s.g);
		is_int(s.g.nareas, 1, "add: one area");
		free(s.mem);
		free(w2);
	}
	free(w);
}

/* ------------------------------------------------------------------ */
/* the lookup                                                           */
/* ------------------------------------------------------------------ */

static uint64_t rng = 88172645463325252ull;

static double
urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double) (rng >> 11) / 9007199254740992.0;
}

static void
test_lookup(void)
{
	/* a 40 × 25 grid of unit squares, 4 per area, areas 1..250; one big area 1000 over a corner */
	enum
	{
		NX = 40, NY = 25
	};
	int			n = NX * NY + 1;
	Buf		  **ws = malloc(sizeof(Buf *) * n);
	int64_t    *ids = malloc(sizeof(int64_t) * n);
	Set			s;
	int64_t		out[300];
	int			bad = 0,
				checked = 0;

	for (int j = 0; j < NY; j++)
		for (int i = 0; i < NX; i++)
		{
			int			k = j * NX + i;
			double		r[11] = {5, i, j, i + 1, j, i + 1, j + 1, i, j + 1, i, j};

			ws[k] = calloc(1, sizeof(Buf));
			poly1(ws[k], r);
			ids[k] = 1 + (i / 2) + (j / 2) * (NX / 2) * 1000;	/* 2×2 squares per area */
		}
	{
		double		r[11] = {5, -0.5, -0.5, 4.5, -0.5, 4.5, 2.5, -0.5, 2.5, -0.5, -0.5};

		ws[n - 1] = calloc(1, sizeof(Buf));
		poly1(ws[n - 1], r);
		ids[n - 1] = 7;			/* an area id also used by the grid: its parts merge */
	}
	is_int(set_build(&s, n, ids, ws), 0, "lookup: 1,001 parts load");
	ok(s.g.depth >= 3, "lookup: the R-tree has at least 3 levels");

	is_int(lm_geo_covering(&s.g, 20.5, 10.5, out, 300), 1, "lookup: inside one square: one area");
	is_int(out[0], 1 + 10 + 5 * 20000, "lookup: ... the right one");
	is_int(lm_geo_covering(&s.g, 11.0, 0.5, out, 300), 1, "lookup: on a cut inside one area: that area once");
	is_int(lm_geo_covering(&s.g, 12.0, 0.5, out, 300), 2, "lookup: on the border of two areas: both");
	ok(out[0] == 6 && out[1] == 7, "lookup: ... ascending");
	is_int(lm_geo_covering(&s.g, 12.0, 2.0, out, 300), 4, "lookup: on the corner of four areas: four");
	is_int(lm_geo_covering(&s.g, 0.5, 0.5, out, 300), 2, "lookup: in a square and in the big part over it: two areas");
	ok(out[0] == 1 && out[1] == 7, "lookup: ... 1 and 7");
	is_int(lm_geo_covering(&s.g, 13.5, 0.25, out, 300), 1, "lookup: area 7's own square: 7 once");
	is_int(lm_geo_covering(&s.g, -0.5, 0, out, 300), 1, "lookup: on the big part's edge outside the grid: area 7");
	is_int(lm_geo_covering(&s.g, -3, 0.5, out, 300), 0, "lookup: outside everything");
	is_int(lm_geo_covering(&s.g, NAN, 0.5, out, 300), 0, "lookup: NaN");
	is_int(lm_geo_covering(&s.g, 12.0, 2.0, out, 2), 2, "lookup: at most max written");

	/* against a brute-force scan, random points and points on the grid lines */
	for (int t = 0; t < 20000; t++)
	{
		double		x = urand() * 44 - 2,
					y = urand() * 29 - 2;
		int64_t		want[300];
		int			nw = 0,
					ng;

		if (t % 4 == 1)
			x = floor(x);
		if (t % 4 == 2)
			y = floor(y);
		if (t % 8 == 3)
			x = floor(x), y = floor(y);
		for (int p = 0; p < s.g.nparts; p++)
			if (lm_geo_part_locate(&s.g, p, x, y) != -1)
			{
				bool		seen = false;

				for (int i = 0; i < nw; i++)
					seen |= want[i] == s.g.parts[p].area_id;
				if (!seen)
					want[nw++] = s.g.parts[p].area_id;
			}
		for (int i = 1; i < nw; i++)
			for (int j = i; j > 0 && want[j - 1] > want[j]; j--)
			{
				int64_t		tmp = want[j];

				want[j] = want[j - 1];
				want[j - 1] = tmp;
			}
		ng = lm_geo_covering(&s.g, x, y, out, 300);
		checked++;
		if (ng != nw || memcmp(out, want, sizeof(int64_t) * nw) != 0)
			bad++;
	}
	is_int(bad, 0, "lookup: 20,000 points (a quarter on grid lines) agree with a scan of every part");
	(void) checked;
	is_int(s.g.nareas, 20 * 13, "lookup: distinct areas counted");
	set_free(&s);
	for (int i = 0; i < n; i++)
		free(ws[i]);
	free(ws);
	free(ids);

	/* an empty set */
	{
		LmGeoCounts c;
		LmGeo		g;
		char		mem[64];

		memset(&c, 0, sizeof(c));
		lm_geo_init(&g, mem, &c);
		lm_geo_finish(&g);
		is_int(lm_geo_covering(&g, 0, 0, out, 300), 0, "lookup: no parts, no areas");
	}
}

/* the banded ring test against the plain scan of every edge */
static void
test_bands(void)
{
	enum
	{
		NP = 2001
	};
	double	   *ring = malloc(sizeof(double) * (1 + 2 * NP));
	Buf		   *w = calloc(1, sizeof(Buf));
	Set			s;
	Buf		   *ws[1] = {w};
	int64_t		id = 1;
	int			bad = 0;

	/* a star-shaped ring with 2,000 edges, some of them horizontal or vertical */
	ring[0] = NP;
	for (int i = 0; i < NP - 1; i++)
	{
		double		a = 2 * M_PI * i / (NP - 1);
		double		rad = 10 + 3 * sin(7 * a) + (i % 5 == 0 ? 1.5 : 0);

		ring[1 + 2 * i] = round(rad * cos(a) * 1e6) / 1e6;
		ring[2 + 2 * i] = round(rad * sin(a) * 1e6) / 1e6;
		if (i % 50 == 1)
			ring[2 + 2 * i] = ring[2 * i];	/* horizontal edge */
		if (i % 50 == 26)
			ring[1 + 2 * i] = ring[2 * i - 1];	/* vertical edge */
	}
	ring[1 + 2 * (NP - 1)] = ring[1];
	ring[2 + 2 * (NP - 1)] = ring[2];
	poly1(w, ring);
	is_int(set_build(&s, 1, &id, ws), 0, "bands: a ring of 2,000 edges loads");
	ok(s.g.rings[0].nbuckets > 100, "bands: ... into more than 100 bands");
	for (int t = 0; t < 30000; t++)
	{
		double		x,
					y;
		int			k = (int) (urand() * (NP - 1));

		if (t % 3 == 0)
		{
			x = urand() * 30 - 15;
			y = urand() * 30 - 15;
		}
		else if (t % 3 == 1)
		{
			/* a vertex */
			x = ring[1 + 2 * k];
			y = ring[2 + 2 * k];
		}
		else
		{
			/* the midpoint of an edge (on it or not, as rounding goes) */
			x = (ring[1 + 2 * k] + ring[3 + 2 * k]) / 2;
			y = (ring[2 + 2 * k] + ring[4 + 2 * k]) / 2;
		}
		if (lm_geo_part_locate(&s.g, 0, x, y) != lm_geo_ring_locate(ring + 1, NP, x, y))
			bad++;
	}
	is_int(bad, 0, "bands: 30,000 points (random, vertices, edge midpoints) agree with the scan of every edge");
	set_free(&s);

	/* a ring with a NaN vertex: every edge is looked at, as PostGIS does */
	{
		static double nanring[] = {6, 0, 0, 10, 0, 10, 10, 5, 0, 0, 10, 0, 0};

		nanring[7] = NAN;
		poly1(w, nanring);
		set_build(&s, 1, &id, ws);
		bad = 0;
		for (int t = 0; t < 2000; t++)
		{
			double		x = urand() * 14 - 2,
						y = urand() * 14 - 2;

			if (t % 2)
				x = round(x), y = round(y);
			if (lm_geo_part_locate(&s.g, 0, x, y) != lm_geo_ring_locate(nanring + 1, 6, x, y))
				bad++;
		}
		is_int(bad, 0, "bands: a ring with a NaN vertex agrees with the scan of every edge");
		set_free(&s);
	}
	free(w);
	free(ring);
}

/* the two PostGIS rules (Polygon and MultiPolygon) on an invalid polygon */
static void
test_invalid(void)
{
	Buf		   *w = calloc(1, sizeof(Buf));
	/* a "hole" that crosses the exterior ring */
	static const double cross[] = {5, 5, -5, 15, -5, 15, 5, 5, 5, 5, -5};
	const double *r2[2] = {square, cross};

	put_polygon(w, 3, 2, 2, r2);
	is_int(locate1(w, 0, 0), 0, "invalid Polygon: on the exterior, outside the hole: border");
	is_int(locate1(w, 10, 5), 0, "invalid Polygon: on the exterior, on the hole's border: border");
	is_int(locate1(w, 5, 0), 0, "invalid Polygon: on the exterior, on the hole's other border: border");
	is_int(locate1(w, 10, 1), -1, "invalid Polygon: on the exterior, inside the hole: outside (point_in_polygon)");
	w->n = 0;
	put_head(w, 6);
	put_u32(w, 1);
	put_polygon(w, 3, 2, 2, r2);
	is_int(locate1(w, 10, 1), 0, "invalid MultiPolygon: on the exterior, inside the hole: border (point_in_multipolygon)");
	is_int(locate1(w, 7, 2), -1, "invalid MultiPolygon: inside the exterior and the hole: outside");
	free(w);
}

int
main(void)
{
	test_rings();
	test_holes_and_multi();
	test_wkb();
	test_lookup();
	test_bands();
	test_invalid();
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
