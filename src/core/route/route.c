/*
 * route.c — bundling solver entry point (placeholder: one stop per route;
 * the search replaces it).
 */
#include <math.h>
#include <string.h>

#include "route.h"

#define EARTH_KM 6370.986

/* Great-circle distance in km, haversine on PostGIS's sphere. */
double
route_great_circle_km(double lon1, double lat1, double lon2, double lat2)
{
	double		rad = M_PI / 180.0;
	double		dlat = (lat2 - lat1) * rad;
	double		dlon = (lon2 - lon1) * rad;
	double		a = sin(dlat / 2) * sin(dlat / 2) +
		cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);

	if (a > 1.0)
		a = 1.0;
	return 2.0 * EARTH_KM * asin(sqrt(a));
}

/* A short English word for an unserved reason. */
const char *
route_reason_text(int reason)
{
	switch (reason)
	{
		case ROUTE_TOO_HEAVY:
			return "too heavy";
		case ROUTE_TOO_BULKY:
			return "too bulky";
		case ROUTE_WINDOW_UNREACHABLE:
			return "window unreachable";
		default:
			return "unknown";
	}
}

/* Gives back the arrays of a solution and zeroes it. */
void
route_solution_free(const RouteProblem *p, RouteSolution *s)
{
	if (s == NULL)
		return;
	if (p != NULL && p->dealloc != NULL)
	{
		void	   *ptrs[7] = {s->route_start, s->order, s->route_km,
		s->route_return_min, s->eta_min, s->unserved, s->unserved_reason};
		int			i;

		for (i = 0; i < 7; i++)
			if (ptrs[i] != NULL)
				p->dealloc(p->ctx, ptrs[i]);
	}
	memset(s, 0, sizeof(*s));
}

static double
pl_dist(const RouteProblem *p, int a, int b)
{
	int			n1 = p->n + 1;

	if (p->dist_km)
		return p->dist_km[(size_t) a * n1 + b];
	return route_great_circle_km(a ? p->stops[a - 1].lon : p->depot_lon,
								 a ? p->stops[a - 1].lat : p->depot_lat,
								 b ? p->stops[b - 1].lon : p->depot_lon,
								 b ? p->stops[b - 1].lat : p->depot_lat);
}

static double
pl_time(const RouteProblem *p, int a, int b)
{
	if (p->time_min)
		return p->time_min[(size_t) a * (p->n + 1) + b];
	return pl_dist(p, a, b) / p->speed_kmh * 60.0;
}

/* Placeholder: every servable stop alone on its own route. */
int
route_solve(const RouteProblem *p, RouteSolution *out)
{
	int			n,
				i,
				r = 0,
				u = 0;
	double		ret_by;

	if (out == NULL)
		return ROUTE_EBADARG;
	memset(out, 0, sizeof(*out));
	if (p == NULL || p->n < 0 || (p->n > 0 && p->stops == NULL) ||
		p->alloc == NULL || !(p->capacity_kg > 0) ||
		(p->time_min == NULL && !(p->speed_kmh > 0)))
		return ROUTE_EBADARG;
	n = p->n;
	ret_by = (p->return_by_min > 0) ? p->return_by_min : INFINITY;
	out->route_start = p->alloc(p->ctx, sizeof(int) * (n + 1));
	out->order = p->alloc(p->ctx, sizeof(int) * (n + 1));
	out->route_km = p->alloc(p->ctx, sizeof(double) * (n + 1));
	out->route_return_min = p->alloc(p->ctx, sizeof(double) * (n + 1));
	out->eta_min = p->alloc(p->ctx, sizeof(double) * (n + 1));
	out->unserved = p->alloc(p->ctx, sizeof(int) * (n + 1));
	out->unserved_reason = p->alloc(p->ctx, sizeof(int) * (n + 1));
	if (!out->route_start || !out->order || !out->route_km ||
		!out->route_return_min || !out->eta_min || !out->unserved ||
		!out->unserved_reason)
	{
		route_solution_free(p, out);
		return ROUTE_ENOMEM;
	}
	out->route_start[0] = 0;
	for (i = 0; i < n; i++)
	{
		const RouteStop *s = &p->stops[i];
		double		arr = pl_time(p, 0, i + 1);
		double		start = arr > s->tw_start ? arr : s->tw_start;
		double		back = start + s->service_min + pl_time(p, i + 1, 0);
		int			why = 0;

		if (s->weight_kg > p->capacity_kg)
			why = ROUTE_TOO_HEAVY;
		else if (p->capacity_m3 > 0 && s->volume_m3 > p->capacity_m3)
			why = ROUTE_TOO_BULKY;
		else if (start > s->tw_end || back > ret_by)
			why = ROUTE_WINDOW_UNREACHABLE;
		if (why)
		{
			out->unserved[u] = i;
			out->unserved_reason[u++] = why;
			out->eta_min[i] = NAN;
			continue;
		}
		out->order[r] = i;
		out->eta_min[i] = start;
		out->route_km[r] = pl_dist(p, 0, i + 1) + pl_dist(p, i + 1, 0);
		out->route_return_min[r] = back;
		out->total_km += out->route_km[r];
		r++;
		out->route_start[r] = r;
	}
	out->n_routes = r;
	out->n_unserved = u;
	return ROUTE_OK;
}
