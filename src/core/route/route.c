/*
 * route.c — bundling solver interface: checks the problem, builds the
 * instance the search works on (distance matrix, windows, neighbour lists),
 * sets stops that fit no vehicle aside, runs the search (search.c) and
 * writes the routes with their schedule.
 */
#include <limits.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "route_int.h"

#define EARTH_KM 6371.0087714	/* WGS 84 mean radius, as PostGIS ST_DistanceSphere */

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

/* Monotonic clock in milliseconds. */
double
route_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* True when the search must stop: work budget spent, wall-clock cap passed,
 * or the caller asks to stop. */
bool
route_out_of_budget(RouteInst *I)
{
	if (I->stopped)
		return true;
	if (I->work >= I->work_limit || I->iterations >= I->max_iterations ||
		route_now_ms() > I->deadline_ms ||
		(I->p->should_stop != NULL && I->p->should_stop(I->p->ctx)))
		I->stopped = true;
	return I->stopped;
}

static void *
alloc_n(const RouteProblem *p, size_t count, size_t size)
{
	return p->alloc(p->ctx, (count > 0 ? count : 1) * size);
}

static void
free_p(const RouteProblem *p, void *ptr)
{
	if (ptr != NULL)
		p->dealloc(p->ctx, ptr);
}

static bool
finite_nonneg(double x)
{
	return isfinite(x) && x >= 0;
}

/* Checks every field; false when something is unusable. */
static bool
problem_ok(const RouteProblem *p)
{
	int			i;
	size_t		k,
				nn;

	if (p == NULL || p->n < 0 || (p->n > 0 && p->stops == NULL) ||
		p->alloc == NULL || p->dealloc == NULL)
		return false;
	if (!(p->capacity_kg > 0) || isnan(p->capacity_m3) ||
		isnan(p->return_by_min) || isnan(p->time_limit_ms))
		return false;
	if (p->time_min == NULL && !(p->speed_kmh > 0 && isfinite(p->speed_kmh)))
		return false;
	if (p->dist_km == NULL &&
		!(isfinite(p->depot_lon) && isfinite(p->depot_lat)))
		return false;
	for (i = 0; i < p->n; i++)
	{
		const RouteStop *s = &p->stops[i];

		if (!finite_nonneg(s->weight_kg) || !finite_nonneg(s->volume_m3) ||
			!finite_nonneg(s->service_min) ||
			isnan(s->tw_start) || isnan(s->tw_end))
			return false;
		if (p->dist_km == NULL && !(isfinite(s->lon) && isfinite(s->lat)))
			return false;
	}
	nn = (size_t) (p->n + 1) * (p->n + 1);
	for (k = 0; k < nn; k++)
	{
		if (p->dist_km && !finite_nonneg(p->dist_km[k]))
			return false;
		if (p->time_min && !finite_nonneg(p->time_min[k]))
			return false;
	}
	return true;
}

/* neighbour candidates: symmetric distance, then index */
typedef struct NbKey
{
	double		d;
	int			j;
} NbKey;

static inline bool
nb_less(const NbKey *a, const NbKey *b)
{
	return a->d < b->d || (a->d == b->d && a->j < b->j);
}

/* Puts the k smallest of a[0..n) first, in order (quickselect, then
 * insertion sort of the k). */
static void
nb_select(NbKey *a, int n, int k)
{
	int			lo = 0,
				hi = n - 1,
				i,
				j;

	while (hi > lo)
	{
		NbKey		piv = a[lo + (hi - lo) / 2],
					t;

		i = lo;
		j = hi;
		while (i <= j)
		{
			while (nb_less(&a[i], &piv))
				i++;
			while (nb_less(&piv, &a[j]))
				j--;
			if (i <= j)
			{
				t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		if (k - 1 <= j)
			hi = j;
		else if (k - 1 >= i)
			lo = i;
		else
			break;
	}
	for (i = 1; i < k; i++)
	{
		NbKey		x = a[i];

		for (j = i; j > 0 && nb_less(&x, &a[j - 1]); j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

int
route_solve(const RouteProblem *p, RouteSolution *out)
{
	RouteInst	I;
	double	   *Down = NULL;
	NbKey	   *keys = NULL;
	int		   *order = NULL,
			   *rstart = NULL;
	int			n,
				n1,
				i,
				j,
				nr,
				rc = ROUTE_OK;
	uint64_t	z;

	if (out == NULL)
		return ROUTE_EBADARG;
	memset(out, 0, sizeof(*out));
	if (!problem_ok(p))
		return ROUTE_EBADARG;

	memset(&I, 0, sizeof(I));
	/* the wall-clock cap covers everything, matrices included */
	I.deadline_ms = route_now_ms() + (p->time_limit_ms > 0 ? p->time_limit_ms : 0);
	n = p->n;
	n1 = n + 1;
	I.p = p;
	I.n = n;
	I.n1 = n1;
	I.cap_w = p->capacity_kg;
	I.cap_v = p->capacity_m3 > 0 ? p->capacity_m3 : INFINITY;
	I.max_stops = p->max_stops > 0 ? p->max_stops : INT_MAX;
	I.ret_by = (p->return_by_min > 0) ? p->return_by_min : INFINITY;
	I.T = p->time_min;
	I.tfac = p->time_min ? 0 : 60.0 / p->speed_kmh;

	/* seed: splitmix64 */
	z = p->seed;
	for (i = 0; i < 4; i++)
	{
		uint64_t	x;

		z += 0x9e3779b97f4a7c15ULL;
		x = z;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
		I.rng.s[i] = x ^ (x >> 31);
	}

	out->route_start = alloc_n(p, n + 1, sizeof(int));
	out->order = alloc_n(p, n, sizeof(int));
	out->route_km = alloc_n(p, n, sizeof(double));
	out->route_return_min = alloc_n(p, n, sizeof(double));
	out->eta_min = alloc_n(p, n, sizeof(double));
	out->unserved = alloc_n(p, n, sizeof(int));
	out->unserved_reason = alloc_n(p, n, sizeof(int));
	I.w = alloc_n(p, n1, sizeof(double));
	I.v = alloc_n(p, n1, sizeof(double));
	I.e = alloc_n(p, n1, sizeof(double));
	I.l = alloc_n(p, n1, sizeof(double));
	I.s = alloc_n(p, n1, sizeof(double));
	I.served = alloc_n(p, n, sizeof(int));
	order = alloc_n(p, n, sizeof(int));
	rstart = alloc_n(p, n + 1, sizeof(int));
	if (p->dist_km == NULL)
		Down = alloc_n(p, (size_t) n1 * n1, sizeof(double));
	if (!out->route_start || !out->order || !out->route_km ||
		!out->route_return_min || !out->eta_min || !out->unserved ||
		!out->unserved_reason || !I.w || !I.v || !I.e || !I.l || !I.s ||
		!I.served || !order || !rstart || (p->dist_km == NULL && !Down))
	{
		rc = ROUTE_ENOMEM;
		goto done;
	}

	/* distances */
	if (p->dist_km)
		I.D = p->dist_km;
	else
	{
		/*
		 * Haversine with the half-angle sines and cosines of each point
		 * computed once (the arrays of the stops serve as scratch here):
		 * sin((b - a) / 2) = sin(b/2) cos(a/2) - cos(b/2) sin(a/2).
		 */
		double	   *sphi = I.w,
				   *cphi = I.v,
				   *slam = I.e,
				   *clam = I.l,
				   *cosphi = I.s;
		double		rad = M_PI / 180.0;

		for (i = 0; i < n1; i++)
		{
			double		lon = i ? p->stops[i - 1].lon : p->depot_lon;
			double		lat = i ? p->stops[i - 1].lat : p->depot_lat;

			sphi[i] = sin(lat * rad / 2);
			cphi[i] = cos(lat * rad / 2);
			slam[i] = sin(lon * rad / 2);
			clam[i] = cos(lon * rad / 2);
			cosphi[i] = cos(lat * rad);
		}
		for (i = 0; i < n1; i++)
		{
			Down[(size_t) i * n1 + i] = 0;
			for (j = i + 1; j < n1; j++)
			{
				double		sdp = sphi[j] * cphi[i] - cphi[j] * sphi[i];
				double		sdl = slam[j] * clam[i] - clam[j] * slam[i];
				double		a = sdp * sdp + cosphi[i] * cosphi[j] * sdl * sdl;
				double		d;

				if (a > 1.0)
					a = 1.0;
				d = 2.0 * EARTH_KM * asin(sqrt(a));
				Down[(size_t) i * n1 + j] = d;
				Down[(size_t) j * n1 + i] = d;
			}
		}
		I.D = Down;
	}

	/* stops; those that fit no vehicle alone are set aside */
	I.w[0] = I.v[0] = I.s[0] = 0;
	I.e[0] = -INFINITY;
	I.l[0] = INFINITY;
	for (i = 0; i < n; i++)
	{
		const RouteStop *s = &p->stops[i];
		int			x = i + 1,
					why = 0;
		double		arr,
					st;

		I.w[x] = s->weight_kg;
		I.v[x] = s->volume_m3;
		I.e[x] = s->tw_start;
		I.l[x] = s->tw_end;
		I.s[x] = s->service_min;
		if (isfinite(s->tw_start) || isfinite(s->tw_end))
			I.has_tw = true;
		arr = ri_time(&I, 0, x);
		st = arr > s->tw_start ? arr : s->tw_start;
		if (s->weight_kg > I.cap_w)
			why = ROUTE_TOO_HEAVY;
		else if (s->volume_m3 > I.cap_v)
			why = ROUTE_TOO_BULKY;
		else if (s->tw_end < s->tw_start || st > s->tw_end ||
				 st + s->service_min + ri_time(&I, x, 0) > I.ret_by)
			why = ROUTE_WINDOW_UNREACHABLE;
		out->eta_min[i] = NAN;
		if (why)
		{
			out->unserved[out->n_unserved] = i;
			out->unserved_reason[out->n_unserved++] = why;
		}
		else
			I.served[I.ns++] = x;
	}
	if (isfinite(I.ret_by))
		I.has_tw = true;

	/* neighbour lists among servable stops */
	I.K = I.ns - 1 < 100 ? I.ns - 1 : 100;
	if (I.K > 0)
	{
		I.nb = alloc_n(p, (size_t) n1 * I.K, sizeof(int));
		keys = alloc_n(p, I.ns, sizeof(NbKey));
		if (!I.nb || !keys)
		{
			rc = ROUTE_ENOMEM;
			goto done;
		}
		for (i = 0; i < I.ns; i++)
		{
			int			x = I.served[i],
						m = 0;

			for (j = 0; j < I.ns; j++)
			{
				int			y = I.served[j];

				if (y == x)
					continue;
				keys[m].d = ri_dist(&I, x, y) + ri_dist(&I, y, x);
				keys[m++].j = y;
			}
			nb_select(keys, m, I.K);
			for (j = 0; j < I.K; j++)
				I.nb[(size_t) x * I.K + j] = keys[j].j;
		}
	}

	/* search */
	/* a work unit costs more when the matrix no longer fits in the caches */
	I.work_limit = p->time_limit_ms > 0 ?
		p->time_limit_ms * ROUTE_WORK_PER_MS / (1.0 + n / 600.0) : 0;
	I.max_iterations = p->max_iterations > 0 ? p->max_iterations : INT64_MAX;
	nr = route_search(&I, order, rstart);
	if (nr == -1)
	{
		rc = ROUTE_ENOMEM;
		goto done;
	}
	if (nr == -2)
	{
		rc = ROUTE_ESTOPPED;
		goto done;
	}

	/* routes and schedule */
	out->n_routes = nr;
	for (i = 0; i <= nr; i++)
		out->route_start[i] = rstart[i];
	for (i = 0; i < nr; i++)
	{
		double		t = 0,
					d = 0;
		int			prev = 0,
					k;

		for (k = rstart[i]; k < rstart[i + 1]; k++)
		{
			int			x = order[k];
			double		arr = t + I.s[prev] + ri_time(&I, prev, x);

			t = arr > I.e[x] ? arr : I.e[x];
			d += ri_dist(&I, prev, x);
			out->order[k] = x - 1;
			out->eta_min[x - 1] = t;
			prev = x;
		}
		t += I.s[prev] + ri_time(&I, prev, 0);
		d += ri_dist(&I, prev, 0);
		out->route_km[i] = d;
		out->route_return_min[i] = t;
		out->total_km += d;
	}

done:
	free_p(p, I.w);
	free_p(p, I.v);
	free_p(p, I.e);
	free_p(p, I.l);
	free_p(p, I.s);
	free_p(p, I.served);
	free_p(p, I.nb);
	free_p(p, keys);
	free_p(p, order);
	free_p(p, rstart);
	free_p(p, Down);
	if (rc != ROUTE_OK)
		route_solution_free(p, out);
	return rc;
}
