/*
 * test_route.c — unit tests of the bundling solver (src/core/route), TAP.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
}

static void *
t_alloc(void *ctx, size_t size)
{
	return malloc(size);
}

static void
t_free(void *ctx, void *ptr)
{
	free(ptr);
}

static void
init_problem(RouteProblem *p, int n, RouteStop *stops)
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

static void
test_basic(void)
{
	RouteProblem p;
	RouteSolution s;
	RouteStop st[3];
	int			rc;

	init_problem(&p, 0, NULL);
	rc = route_solve(&p, &s);
	ok(rc == ROUTE_OK && s.n_routes == 0 && s.n_unserved == 0 && s.total_km == 0,
	   "n = 0: no route");
	route_solution_free(&p, &s);

	open_stop(&st[0], 0.1, 0, 10);
	init_problem(&p, 1, st);
	rc = route_solve(&p, &s);
	ok(rc == ROUTE_OK && s.n_routes == 1 && s.order[0] == 0 &&
	   fabs(s.total_km - 2 * route_great_circle_km(0, 0, 0.1, 0)) < 1e-9,
	   "n = 1: one route there and back");
	route_solution_free(&p, &s);

	open_stop(&st[1], 0.2, 0, 200);
	init_problem(&p, 2, st);
	rc = route_solve(&p, &s);
	ok(rc == ROUTE_OK && s.n_unserved == 1 && s.unserved[0] == 1 &&
	   s.unserved_reason[0] == ROUTE_TOO_HEAVY && isnan(s.eta_min[1]),
	   "a stop heavier than the vehicle is unserved: too heavy");
	route_solution_free(&p, &s);

	p.capacity_kg = 0;
	ok(route_solve(&p, &s) == ROUTE_EBADARG, "capacity 0 is a bad argument");
	ok(fabs(route_great_circle_km(0, 0, 1, 0) - 111.1950) < 0.001,
	   "great circle: one degree at the equator is 111.195 km");
}

int
main(void)
{
	test_basic();
	printf("1..%d\n", ntest);
	return nfail ? 1 : 0;
}
