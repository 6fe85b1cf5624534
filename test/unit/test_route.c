/*
 * test_route.c — unit tests of the bundling solver (src/core/route), TAP.
 *
 * Every solution is checked by an independent checker (each stop served
 * once or reported unserved, loads, stop counts, windows, return time, ETAs
 * and distances recomputed); optimality is checked against instances whose
 * optimum is known by construction and against brute force on small ones.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "route/route.h"

static int	ntest = 0;
static int	nfail = 0;

static void
ok(int cond, const char *name)
{
	ntest++;
	if (!cond)
		nfail++;
	printf("%sok %d - %s\n", cond ? "" : "not ", ntest, name);
	fflush(stdout);
}

/* allocator that counts, and can fail after a number of allocations */
typedef struct Mem
{
	long		live;
	long		calls;
	long		fail_at;		/* 0: never */
} Mem;

static void *
t_alloc(void *ctx, size_t size)
{
	Mem		   *m = ctx;

	if (m)
	{
		m->calls++;
		if (m->fail_at > 0 && m->calls >= m->fail_at)
			return NULL;
		m->live++;
	}
	return malloc(size);
}

static void
t_free(void *ctx, void *ptr)
{
	Mem		   *m = ctx;

	if (m)
		m->live--;
	free(ptr);
}

static int	stop_calls;
static bool
t_stop_after(void *ctx)
{
	return ++stop_calls > 20;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void
init_problem(RouteProblem *p, int n, RouteStop *stops, Mem *m)
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->stops = stops;
	p->capacity_kg = 100;
	p->speed_kmh = 60;
	p->time_limit_ms = 50;
	p->seed = 1;
	p->alloc = t_alloc;
	p->dealloc = t_free;
	p->ctx = m;
}

static void
open_stop(RouteStop *s, double lon, double lat, double kg)
{
	memset(s, 0, sizeof(*s));
	s->lon = lon;
	s->lat = lat;
	s->weight_kg = kg;
	s->tw_start = -INFINITY;
	s->tw_end = INFINITY;
}

static double
p_dist(const RouteProblem *p, int a, int b)
{
	if (p->dist_km)
		return p->dist_km[(size_t) a * (p->n + 1) + b];
	return route_great_circle_km(a ? p->stops[a - 1].lon : p->depot_lon,
								 a ? p->stops[a - 1].lat : p->depot_lat,
								 b ? p->stops[b - 1].lon : p->depot_lon,
								 b ? p->stops[b - 1].lat : p->depot_lat);
}

static double
p_time(const RouteProblem *p, int a, int b)
{
	if (p->time_min)
		return p->time_min[(size_t) a * (p->n + 1) + b];
	return p_dist(p, a, b) / p->speed_kmh * 60.0;
}

/* Independent check of a solution; returns a description of the first
 * violation, or NULL. */
static const char *
check(const RouteProblem *p, const RouteSolution *s)
{
	static char msg[200];
	int		   *seen = calloc(p->n + 1, sizeof(int));
	double		total = 0;
	int			i;
	const char *bad = NULL;

	if (s->n_routes < 0 || s->route_start[0] != 0)
		bad = "bad route_start";
	for (i = 0; !bad && i < s->n_unserved; i++)
	{
		int			u = s->unserved[i];

		if (u < 0 || u >= p->n || seen[u]++ || !isnan(s->eta_min[u]))
			bad = "bad unserved entry";
		if (i > 0 && s->unserved[i - 1] >= u)
			bad = "unserved not ascending";
	}
	for (int r = 0; !bad && r < s->n_routes; r++)
	{
		double		t = 0,
					kg = 0,
					m3 = 0,
					km = 0;
		int			prev = 0,
					cnt = 0;

		if (s->route_start[r + 1] <= s->route_start[r])
			bad = "empty route";
		for (int k = s->route_start[r]; !bad && k < s->route_start[r + 1]; k++)
		{
			int			u = s->order[k];
			const RouteStop *st;

			if (u < 0 || u >= p->n || seen[u]++)
			{
				bad = "stop served twice or out of range";
				break;
			}
			st = &p->stops[u];
			t += (prev ? p->stops[prev - 1].service_min : 0) + p_time(p, prev, u + 1);
			if (t < st->tw_start)
				t = st->tw_start;
			if (t > st->tw_end + 1e-6)
			{
				snprintf(msg, sizeof(msg), "stop %d served at %g after its window end %g", u, t, st->tw_end);
				bad = msg;
			}
			if (fabs(t - s->eta_min[u]) > 1e-6)
				bad = "eta differs from the schedule";
			km += p_dist(p, prev, u + 1);
			kg += st->weight_kg;
			m3 += st->volume_m3;
			cnt++;
			prev = u + 1;
		}
		if (bad)
			break;
		t += p->stops[prev - 1].service_min + p_time(p, prev, 0);
		km += p_dist(p, prev, 0);
		if (kg > p->capacity_kg + 1e-9)
			bad = "over capacity_kg";
		else if (p->capacity_m3 > 0 && m3 > p->capacity_m3 + 1e-9)
			bad = "over capacity_m3";
		else if (p->max_stops > 0 && cnt > p->max_stops)
			bad = "over max_stops";
		else if (p->return_by_min > 0 && t > p->return_by_min + 1e-6)
			bad = "back after return_by_min";
		else if (fabs(t - s->route_return_min[r]) > 1e-6)
			bad = "route_return_min wrong";
		else if (fabs(km - s->route_km[r]) > 1e-6)
			bad = "route_km wrong";
		total += km;
	}
	for (i = 0; !bad && i < p->n; i++)
		if (seen[i] != 1)
			bad = "a stop neither served nor unserved";
	if (!bad && fabs(total - s->total_km) > 1e-6)
		bad = "total_km wrong";
	free(seen);
	return bad;
}

static int
same_solution(const RouteSolution *a, const RouteSolution *b, int n)
{
	if (a->n_routes != b->n_routes || a->total_km != b->total_km ||
		a->n_unserved != b->n_unserved)
		return 0;
	for (int i = 0; i <= a->n_routes; i++)
		if (a->route_start[i] != b->route_start[i])
			return 0;
	for (int i = 0; i < a->route_start[a->n_routes]; i++)
		if (a->order[i] != b->order[i])
			return 0;
	return 1;
}

/* deterministic pseudo-random numbers for building instances */
static unsigned long long lcg = 42;
static double
urand(void)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (lcg >> 11) * (1.0 / 9007199254740992.0);
}

/* ------------------------------------------------------------------ */

static void
test_trivial(void)
{
	RouteProblem p;
	RouteSolution s;
	RouteStop	st[3];
	Mem			m = {0};
	int			rc;

	init_problem(&p, 0, NULL, &m);
	rc = route_solve(&p, &s);
	ok(rc == ROUTE_OK && s.n_routes == 0 && s.n_unserved == 0 &&
	   s.total_km == 0 && s.route_start[0] == 0, "n = 0: no route");
	route_solution_free(&p, &s);

	open_stop(&st[0], 0.1, 0, 10);
	init_problem(&p, 1, st, &m);
	rc = route_solve(&p, &s);
	ok(rc == ROUTE_OK && s.n_routes == 1 && s.order[0] == 0 &&
	   fabs(s.total_km - 2 * route_great_circle_km(0, 0, 0.1, 0)) < 1e-9 &&
	   fabs(s.eta_min[0] - route_great_circle_km(0, 0, 0.1, 0)) < 1e-9,
	   "n = 1: one route there and back, eta = driving time");
	ok(check(&p, &s) == NULL, "n = 1: solution checks");
	route_solution_free(&p, &s);
	ok(m.live == 0, "n = 1: every allocation given back");

	/* reference values: PostGIS 3 ST_DistanceSphere */
	ok(fabs(route_great_circle_km(0, 0, 1, 0) - 111.19507973463) < 1e-6,
	   "great circle: one degree at the equator is 111.195 km, as ST_DistanceSphere");
	ok(fabs(route_great_circle_km(2.35, 48.85, 5.37, 43.30) - 659.49608031763) < 1e-6,
	   "great circle: Paris - Marseille 659.496 km, as ST_DistanceSphere");
	ok(strcmp(route_reason_text(ROUTE_TOO_HEAVY), "too heavy") == 0 &&
	   strcmp(route_reason_text(ROUTE_WINDOW_UNREACHABLE), "window unreachable") == 0,
	   "reason texts");
}

static void
test_bad_args(void)
{
	RouteProblem p;
	RouteSolution s;
	RouteStop	st[2];
	double		D[9] = {0, 1, 1, 1, 0, 1, 1, 1, 0};

	open_stop(&st[0], 0.1, 0, 10);
	open_stop(&st[1], 0.2, 0, 10);
	init_problem(&p, 2, st, NULL);
	ok(route_solve(&p, NULL) == ROUTE_EBADARG, "NULL solution: bad argument");
	ok(route_solve(NULL, &s) == ROUTE_EBADARG, "NULL problem: bad argument");
	p.capacity_kg = 0;
	ok(route_solve(&p, &s) == ROUTE_EBADARG && s.n_routes == 0 && s.order == NULL,
	   "capacity 0: bad argument, nothing returned");
	p.capacity_kg = NAN;
	ok(route_solve(&p, &s) == ROUTE_EBADARG, "capacity NaN: bad argument");
	p.capacity_kg = 100;
	p.speed_kmh = 0;
	ok(route_solve(&p, &s) == ROUTE_EBADARG, "speed 0 without a time matrix: bad argument");
	p.speed_kmh = 60;
	st[1].weight_kg = -1;
	ok(route_solve(&p, &s) == ROUTE_EBADARG, "negative weight: bad argument");
	st[1].weight_kg = 10;
	st[1].tw_end = NAN;
	ok(route_solve(&p, &s) == ROUTE_EBADARG, "NaN window: bad argument");
	st[1].tw_end = INFINITY;
	st[0].lat = NAN;
	ok(route_solve(&p, &s) == ROUTE_EBADARG, "NaN coordinate: bad argument");
	st[0].lat = 0;
	D[5] = -1;
	p.dist_km = D;
	ok(route_solve(&p, &s) == ROUTE_EBADARG, "negative matrix entry: bad argument");
	D[5] = 1;
	p.n = -1;
	ok(route_solve(&p, &s) == ROUTE_EBADARG, "n < 0: bad argument");
	p.n = 2;
	p.alloc = NULL;
	ok(route_solve(&p, &s) == ROUTE_EBADARG, "no allocator: bad argument");
}

/*
 * Four rays from the depot (east, west, north, south along the equator and
 * the meridian: great circles, so distances add up exactly), four stops of
 * 25 kg on each; capacity 100 kg = one ray.  The optimum goes out and back
 * along each ray: 2 x the farthest stop of each ray.
 */
static void
test_clusters(void)
{
	RouteProblem p;
	RouteSolution s;
	RouteStop	st[16];
	double		opt = 0;
	int			k,
				j,
				good = 1;
	Mem			m = {0};

	for (k = 0; k < 4; k++)
		for (j = 0; j < 4; j++)
		{
			double		d = 0.1 + 0.02 * j + 0.01 * k;	/* degrees */
			double		lon = k == 0 ? d : k == 1 ? -d : 0;
			double		lat = k == 2 ? d : k == 3 ? -d : 0;

			/* shuffle the stop indices a little */
			open_stop(&st[(j * 4 + k + 5) % 16], lon, lat, 25);
		}
	for (k = 0; k < 4; k++)
		opt += 2 * route_great_circle_km(0, 0, 0.1 + 0.06 + 0.01 * k, 0);
	init_problem(&p, 16, st, &m);
	p.time_limit_ms = 100;
	ok(route_solve(&p, &s) == ROUTE_OK, "clusters: solved");
	ok(check(&p, &s) == NULL, "clusters: solution checks");
	ok(s.n_routes == 4, "clusters: four routes");
	ok(fabs(s.total_km - opt) < 1e-6, "clusters: total distance is the optimum");
	for (int r = 0; r < s.n_routes; r++)
	{
		const RouteStop *a = &st[s.order[s.route_start[r]]];

		for (int i = s.route_start[r]; i < s.route_start[r + 1]; i++)
		{
			const RouteStop *b = &st[s.order[i]];

			if ((a->lon > 0) != (b->lon > 0) || (a->lon < 0) != (b->lon < 0) ||
				(a->lat > 0) != (b->lat > 0) || (a->lat < 0) != (b->lat < 0))
				good = 0;
		}
	}
	ok(good, "clusters: each route serves one ray");
	good = 1;
	for (int r = 0; r < s.n_routes; r++)
	{
		if (s.order[s.route_start[r]] > s.order[s.route_start[r + 1] - 1])
			good = 0;
		if (r > 0 && s.order[s.route_start[r - 1]] > s.order[s.route_start[r]])
			good = 0;
	}
	ok(good, "clusters: canonical output (routes by first stop, each towards its higher index)");
	route_solution_free(&p, &s);
	ok(m.live == 0, "clusters: every allocation given back");

	/* with the capacity of two rays, two neighbouring rays share a vehicle
	 * and cut the corner between them */
	init_problem(&p, 16, st, NULL);
	p.capacity_kg = 200;
	ok(route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL &&
	   s.n_routes == 2 && s.total_km < opt - 1, "clusters, capacity of two rays: two routes, shorter");
	route_solution_free(&p, &s);
}

/* Time windows force the far stop of a ray to be served first. */
static void
test_windows(void)
{
	RouteProblem p;
	RouteSolution s;
	RouteStop	st[3];
	double		d1 = route_great_circle_km(0, 0, 0.1, 0),
				d3 = route_great_circle_km(0, 0, 0.3, 0);

	/* at 60 km/h, minutes = km */
	open_stop(&st[0], 0.1, 0, 1);	/* near: late window */
	open_stop(&st[1], 0.2, 0, 1);
	open_stop(&st[2], 0.3, 0, 1);	/* far: early window */
	st[0].tw_start = 100;
	st[0].tw_end = 120;
	st[2].tw_end = d3 + 1;
	st[0].service_min = st[1].service_min = st[2].service_min = 5;
	init_problem(&p, 3, st, NULL);
	ok(route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL,
	   "windows: solved, every window met");
	ok(s.n_routes == 1 && s.order[0] == 2 && s.order[2] == 0,
	   "windows: one route, far stop first, near stop last");
	ok(fabs(s.eta_min[0] - 100) < 1e-9, "windows: waits for the window start (eta = 100)");
	ok(fabs(s.total_km - 2 * d3) < 1e-6, "windows: out and back along the ray");
	ok(fabs(s.route_return_min[0] - (100 + 5 + d1)) < 1e-6,
	   "windows: return time = service start + service + drive home");
	route_solution_free(&p, &s);

	/* windows that cannot share a vehicle: two routes */
	st[0].tw_start = 0;
	st[0].tw_end = d1 + 0.5;
	st[1].tw_start = -INFINITY;
	st[1].tw_end = INFINITY;
	ok(route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL && s.n_routes == 2,
	   "windows: two early windows at both ends need two vehicles");
	route_solution_free(&p, &s);

	/* return_by: the day ends before the late window can be served */
	st[0].tw_start = 100;
	st[0].tw_end = 120;
	p.return_by_min = 90;
	ok(route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL &&
	   s.n_unserved == 1 && s.unserved[0] == 0 &&
	   s.unserved_reason[0] == ROUTE_WINDOW_UNREACHABLE,
	   "return_by: a window after the return time is unserved (window unreachable)");
	route_solution_free(&p, &s);
}

static void
test_limits(void)
{
	RouteProblem p;
	RouteSolution s;
	RouteStop	st[12];
	int			i;

	for (i = 0; i < 12; i++)
	{
		open_stop(&st[i], 0.05 + 0.01 * (i % 4), 0.05 * (i / 4), 10);
		st[i].volume_m3 = 1;
	}
	init_problem(&p, 12, st, NULL);
	ok(route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL && s.n_routes == 2,
	   "capacity 100 kg, 120 kg to carry: two routes");
	route_solution_free(&p, &s);
	p.capacity_kg = 1000;
	p.capacity_m3 = 3;
	ok(route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL && s.n_routes == 4,
	   "capacity 3 m3, 12 m3 to carry: four routes");
	route_solution_free(&p, &s);
	p.capacity_m3 = 0;
	p.max_stops = 5;
	ok(route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL && s.n_routes == 3,
	   "max_stops 5, 12 stops: three routes");
	route_solution_free(&p, &s);
	p.max_stops = 0;
	ok(route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL && s.n_routes == 1,
	   "no limit but 1000 kg: one route");
	route_solution_free(&p, &s);

	/* unserved stops and their reasons */
	p.capacity_kg = 100;
	p.capacity_m3 = 2;
	st[3].weight_kg = 101;
	st[5].volume_m3 = 2.5;
	st[7].tw_end = 1;			/* 5 km away at least: unreachable */
	st[9].tw_start = 50;
	st[9].tw_end = 40;			/* empty window */
	ok(route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL, "unserved: solution checks");
	ok(s.n_unserved == 4 && s.unserved[0] == 3 && s.unserved[1] == 5 &&
	   s.unserved[2] == 7 && s.unserved[3] == 9, "unserved: the four stops, ascending");
	ok(s.unserved_reason[0] == ROUTE_TOO_HEAVY && s.unserved_reason[1] == ROUTE_TOO_BULKY &&
	   s.unserved_reason[2] == ROUTE_WINDOW_UNREACHABLE &&
	   s.unserved_reason[3] == ROUTE_WINDOW_UNREACHABLE,
	   "unserved: too heavy, too bulky, window unreachable twice");
	ok(s.route_start[s.n_routes] == 8, "unserved: the eight others are served");
	route_solution_free(&p, &s);
	for (i = 0; i < 12; i++)
		open_stop(&st[i], 0, 0, 30);
	ok(route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL && s.n_routes == 4 &&
	   s.total_km == 0, "every stop at the depot: four loads of 90 kg, 0 km");
	route_solution_free(&p, &s);
	for (i = 0; i < 12; i++)
		open_stop(&st[i], 0.1, 0.1, 200);
	ok(route_solve(&p, &s) == ROUTE_OK && s.n_routes == 0 && s.n_unserved == 12 &&
	   s.total_km == 0, "nothing servable: no route, all unserved");
	route_solution_free(&p, &s);
}

/* Random instance with or without windows, at most 1000 stops. */
static void
random_instance(RouteStop *st, int n, int windows)
{
	for (int i = 0; i < n; i++)
	{
		open_stop(&st[i], (urand() - 0.5) * 0.8, (urand() - 0.5) * 0.8, 1 + 19 * urand());
		st[i].volume_m3 = urand();
		st[i].service_min = 5;
		if (windows && urand() < 0.7)
		{
			st[i].tw_start = urand() * 400;
			st[i].tw_end = st[i].tw_start + 30 + urand() * 90;
		}
	}
}

static void
test_determinism_budget(void)
{
	RouteProblem p;
	RouteSolution a,
				b,
				c;
	RouteStop  *st = calloc(1000, sizeof(RouteStop));
	double		t0,
				tc,
				el;
	Mem			m = {0};

	random_instance(st, 80, 1);
	init_problem(&p, 80, st, NULL);
	p.capacity_kg = 150;
	p.return_by_min = 600;
	p.speed_kmh = 30;
	p.time_limit_ms = 60000;		/* the iteration count ends the search */
	p.max_iterations = 3000;
	ok(route_solve(&p, &a) == ROUTE_OK && check(&p, &a) == NULL,
	   "random 80 stops with windows: solution checks");
	ok(route_solve(&p, &b) == ROUTE_OK && same_solution(&a, &b, 80),
	   "same seed: same routes");
	p.seed = 99;
	ok(route_solve(&p, &c) == ROUTE_OK && check(&p, &c) == NULL &&
	   fabs(c.total_km - a.total_km) < 0.05 * a.total_km,
	   "another seed: a solution within 5 % of the first");
	route_solution_free(&p, &a);
	route_solution_free(&p, &b);
	route_solution_free(&p, &c);

	/* budget: 1000 stops, 150 ms of search after the construction */
	random_instance(st, 1000, 1);
	init_problem(&p, 1000, st, &m);
	p.capacity_kg = 300;
	p.speed_kmh = 40;
	p.time_limit_ms = 0;
	t0 = now_ms();
	ok(route_solve(&p, &a) == ROUTE_OK && check(&p, &a) == NULL,
	   "1000 stops, budget 0: construction only, solution checks");
	tc = now_ms() - t0;
	route_solution_free(&p, &a);
	p.time_limit_ms = 150;
	t0 = now_ms();
	ok(route_solve(&p, &a) == ROUTE_OK, "1000 stops: solved");
	el = now_ms() - t0;
	printf("# 1000 stops: construction %.0f ms; budget 150 ms: %.0f ms, %d routes, %.1f km\n",
		   tc, el, a.n_routes, a.total_km);
	ok(el < 1.3 * tc + 150 + 100, "1000 stops: the budget holds (wall clock)");
	ok(check(&p, &a) == NULL, "1000 stops: solution checks");
	route_solution_free(&p, &a);
	ok(m.live == 0, "1000 stops: every allocation given back");

	/* should_stop: polled, and a complete solution still comes back */
	random_instance(st, 200, 0);
	init_problem(&p, 200, st, NULL);
	p.time_limit_ms = 60000;
	p.should_stop = t_stop_after;
	stop_calls = 0;
	t0 = now_ms();
	ok(route_solve(&p, &a) == ROUTE_OK && check(&p, &a) == NULL &&
	   now_ms() - t0 < 5000 && stop_calls > 0,
	   "should_stop: the search ends early with a complete solution");
	route_solution_free(&p, &a);

	/* no budget: construction only */
	p.should_stop = NULL;
	p.time_limit_ms = 0;
	ok(route_solve(&p, &a) == ROUTE_OK && check(&p, &a) == NULL,
	   "budget 0: construction only, still feasible");
	route_solution_free(&p, &a);
	free(st);
}

/* Asymmetric user matrices for distance and time. */
static void
test_matrix(void)
{
	RouteProblem p;
	RouteSolution s;
	int			n = 30,
				n1 = 31;
	RouteStop	st[30];
	double	   *D = malloc(sizeof(double) * n1 * n1),
			   *T = malloc(sizeof(double) * n1 * n1);
	double		x[31],
				y[31];

	for (int i = 0; i < n1; i++)
	{
		x[i] = urand() * 50;
		y[i] = urand() * 50;
	}
	for (int i = 0; i < n1; i++)
		for (int j = 0; j < n1; j++)
		{
			double		d = hypot(x[i] - x[j], y[i] - y[j]);

			D[i * n1 + j] = d * (i < j ? 1.0 : 1.3);	/* one way longer */
			T[i * n1 + j] = d * 2 * (i < j ? 1.0 : 1.1);
		}
	for (int i = 0; i < n; i++)
	{
		open_stop(&st[i], NAN, NAN, 10);	/* coordinates unused */
		st[i].tw_start = urand() * 200;
		st[i].tw_end = st[i].tw_start + 60;
		st[i].service_min = 3;
	}
	init_problem(&p, n, st, NULL);
	p.dist_km = D;
	p.time_min = T;
	p.speed_kmh = 0;			/* unused with a time matrix */
	ok(route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL,
	   "asymmetric distance and time matrices: solution checks");
	route_solution_free(&p, &s);
	free(D);
	free(T);
}

/* Brute force optimum of a small CVRP (no windows): Held-Karp per subset,
 * then the best partition into subsets that fit a vehicle. */
static double
brute_force(const RouteProblem *p)
{
	int			n = p->n,
				full = 1 << n;
	double	   *tsp = malloc(sizeof(double) * full),
			   *hk = malloc(sizeof(double) * full * n),
			   *best = malloc(sizeof(double) * full),
				res;

	for (int S = 0; S < full; S++)
		for (int j = 0; j < n; j++)
			hk[S * n + j] = INFINITY;
	for (int j = 0; j < n; j++)
		hk[(1 << j) * n + j] = p_dist(p, 0, j + 1);
	for (int S = 1; S < full; S++)
		for (int j = 0; j < n; j++)
		{
			double		v = hk[S * n + j];

			if (!(S & (1 << j)) || isinf(v))
				continue;
			for (int k = 0; k < n; k++)
			{
				int			T = S | (1 << k);
				double		w;

				if (S & (1 << k))
					continue;
				w = v + p_dist(p, j + 1, k + 1);
				if (w < hk[T * n + k])
					hk[T * n + k] = w;
			}
		}
	for (int S = 1; S < full; S++)
	{
		double		kg = 0;

		tsp[S] = INFINITY;
		for (int j = 0; j < n; j++)
			if (S & (1 << j))
				kg += p->stops[j].weight_kg;
		if (kg > p->capacity_kg)
			continue;
		for (int j = 0; j < n; j++)
			if ((S & (1 << j)) && hk[S * n + j] + p_dist(p, j + 1, 0) < tsp[S])
				tsp[S] = hk[S * n + j] + p_dist(p, j + 1, 0);
	}
	best[0] = 0;
	for (int S = 1; S < full; S++)
	{
		int			low = S & -S;

		best[S] = INFINITY;
		/* subsets containing the lowest element */
		for (int sub = S; sub; sub = (sub - 1) & S)
			if ((sub & low) && tsp[sub] + best[S ^ sub] < best[S])
				best[S] = tsp[sub] + best[S ^ sub];
	}
	res = best[full - 1];
	free(tsp);
	free(hk);
	free(best);
	return res;
}

static void
test_brute_force(void)
{
	RouteProblem p;
	RouteSolution s;
	RouteStop	st[10];
	int			hits = 0,
				runs = 6;

	for (int t = 0; t < runs; t++)
	{
		double		opt;

		random_instance(st, 10, 0);
		init_problem(&p, 10, st, NULL);
		p.capacity_kg = 30 + 20 * t;
		p.time_limit_ms = 40;
		opt = brute_force(&p);
		if (route_solve(&p, &s) == ROUTE_OK && check(&p, &s) == NULL &&
			fabs(s.total_km - opt) < 1e-6)
			hits++;
		else
			printf("# brute force: optimum %.3f, ours %.3f\n", opt, s.total_km);
		route_solution_free(&p, &s);
	}
	ok(hits == runs, "10 stops, six capacities: the optimum found by brute force, every time");

	/* a small problem stops by itself long before a large budget */
	{
		RouteSolution s2;
		double		t0 = now_ms(),
					el;

		p.time_limit_ms = 60000;
		ok(route_solve(&p, &s) == ROUTE_OK && route_solve(&p, &s2) == ROUTE_OK &&
		   same_solution(&s, &s2, 10), "10 stops, 60 s budget: same routes twice");
		el = now_ms() - t0;
		printf("# 10 stops, 60 s budget: two runs in %.0f ms\n", el);
		ok(el < 30000, "10 stops, 60 s budget: the search ends once it stalls");
		route_solution_free(&p, &s);
		route_solution_free(&p, &s2);
	}
}

/* Allocation failures: ENOMEM, nothing kept. */
static void
test_nomem(void)
{
	RouteProblem p;
	RouteSolution s;
	RouteStop	st[20];
	Mem			m;
	int			good = 1;

	random_instance(st, 20, 0);
	for (long k = 1; k < 40; k++)
	{
		int			rc;

		memset(&m, 0, sizeof(m));
		m.fail_at = k;
		init_problem(&p, 20, st, &m);
		p.time_limit_ms = 1;
		rc = route_solve(&p, &s);
		if (rc == ROUTE_OK)
			route_solution_free(&p, &s);
		else if (rc != ROUTE_ENOMEM || s.order != NULL)
			good = 0;
		if (m.live != 0)
			good = 0;
	}
	ok(good, "allocation failure at any point: ENOMEM and every allocation given back");
}

int
main(void)
{
	test_trivial();
	test_bad_args();
	test_clusters();
	test_windows();
	test_limits();
	test_determinism_budget();
	test_matrix();
	test_brute_force();
	test_nomem();
	printf("1..%d\n", ntest);
	return nfail ? 1 : 0;
}
