/*
 * route_int.h — internals of the bundling solver shared by its files
 * (route.c: interface, validation, matrices, results; search.c: the search).
 */
#ifndef LASTMILE_ROUTE_INT_H
#define LASTMILE_ROUTE_INT_H

#include "route.h"

/* Work units (insertion evaluations, schedule steps) per millisecond of
 * budget: calibrated so that the search ends within time_limit_ms on the
 * development machine; the work count, not the clock, makes runs
 * reproducible. */
#define ROUTE_WORK_PER_MS	30000.0

typedef struct RouteRng
{
	uint64_t	s[4];
} RouteRng;

/* The instance, as the search sees it: locations 0 (depot) .. n. */
typedef struct RouteInst
{
	const RouteProblem *p;
	int			n;				/* stops */
	int			n1;				/* n + 1 */
	const double *D;			/* [n1 * n1] distances */
	const double *T;			/* [n1 * n1] travel minutes, or NULL */
	double		tfac;			/* minutes per km when T is NULL */
	double	   *w,
			   *v,
			   *e,
			   *l,
			   *s;				/* [n1] weight, volume, window, service */
	double		cap_w,
				cap_v;			/* cap_v = INFINITY when unlimited */
	int			max_stops;		/* INT_MAX when unlimited */
	double		ret_by;			/* INFINITY when none */
	bool		has_tw;
	int			ns;				/* servable stops */
	int		   *served;			/* [ns] their locations (1..n) */
	int			K;				/* neighbours per location */
	int		   *nb;				/* [n1 * K]: nearest servable stops */
	/* budget */
	double		work;
	double		work_limit;
	double		deadline_ms;	/* monotonic clock */
	int64_t		iterations;
	int64_t		max_iterations; /* INT64_MAX when unlimited */
	bool		stopped;
	int			poll;
	RouteRng	rng;
} RouteInst;

static inline double
ri_dist(const RouteInst *I, int a, int b)
{
	return I->D[(size_t) a * I->n1 + b];
}

static inline double
ri_time(const RouteInst *I, int a, int b)
{
	if (I->T)
		return I->T[(size_t) a * I->n1 + b];
	return I->D[(size_t) a * I->n1 + b] * I->tfac;
}

extern double route_now_ms(void);
extern bool route_out_of_budget(RouteInst *I);
extern uint64_t route_rng_next(RouteRng *r);
extern double route_rng_unit(RouteRng *r);

/*
 * Runs the search; writes for each route its locations into order (1..n,
 * routes one after another) and the boundaries into route_start; returns
 * the number of routes, or -1 when out of memory, -2 when stopped before a
 * complete solution.
 */
extern int	route_search(RouteInst *I, int *order, int *route_start);

#endif							/* LASTMILE_ROUTE_INT_H */
