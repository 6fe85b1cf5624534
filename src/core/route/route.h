/*
 * route.h — the bundling solver: a capacitated vehicle routing problem with
 * time windows (CVRPTW), solved by ruin-and-recreate (slack induction by
 * string removals) with simulated-annealing acceptance under a budget.
 *
 * Plain C99, no PostgreSQL headers.  Reentrant: no globals, no static state;
 * every byte the solver keeps comes from p->alloc (the glue passes palloc in
 * a scratch memory context), and is given back through p->dealloc when the
 * solver no longer needs it, except the result arrays of RouteSolution.
 *
 * Model.  One depot (index 0 of a matrix), n stops (indices 1..n of a matrix,
 * 0..n-1 everywhere else in this interface).  Unlimited identical vehicles
 * leave the depot at time 0 and come back to it.  A route's stops respect
 * capacity_kg, capacity_m3 and max_stops; every stop is served inside its
 * window [tw_start, tw_end] (arrival before tw_start waits until tw_start;
 * the service then lasts service_min).  A route must be back at the depot by
 * return_by_min when that is set; otherwise a vehicle may return at any time.
 * The objective is the sum of the routes' distances; the number of vehicles
 * is not minimised for its own sake (fewer routes are only preferred when
 * they are shorter).
 *
 * Determinism: the search budget is converted into a count of work units
 * (insertion evaluations, ROUTE_WORK_PER_MS per millisecond), so that the
 * same problem and seed give the same routes on any machine; time_limit_ms
 * is also a wall-clock cap that stops the search early on a machine much
 * slower or busier than the calibration (then the result depends on timing),
 * and should_stop can stop it at any moment.  max_iterations bounds the
 * search by a count that no clock affects.
 */
#ifndef LASTMILE_ROUTE_H
#define LASTMILE_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* route_solve() results */
#define ROUTE_OK			0
#define ROUTE_EBADARG		1	/* a NULL pointer, n < 0, capacity_kg <= 0,
								 * speed_kmh <= 0 without time_min, a NaN,
								 * negative weight/volume/service/matrix entry */
#define ROUTE_ENOMEM		2	/* p->alloc returned NULL */
#define ROUTE_ESTOPPED		3	/* should_stop() said stop before any complete
								 * solution existed (out is then empty) */

/* reasons of unserved stops: the stop fits no vehicle on its own */
#define ROUTE_TOO_HEAVY				1	/* weight_kg > capacity_kg */
#define ROUTE_TOO_BULKY				2	/* volume_m3 > capacity_m3 */
#define ROUTE_WINDOW_UNREACHABLE	3	/* depot -> stop arrives after tw_end, or
										 * tw_end < tw_start, or the vehicle
										 * cannot be back by return_by_min */

typedef struct RouteStop
{
	double		lon,
				lat;			/* degrees WGS 84 (ignored when a matrix is
								 * given) */
	double		weight_kg;		/* >= 0 */
	double		volume_m3;		/* >= 0 */
	double		tw_start,
				tw_end;			/* minutes after departure; -INFINITY /
								 * +INFINITY when open */
	double		service_min;	/* minutes spent at the stop, >= 0 */
} RouteStop;

typedef struct RouteProblem
{
	int			n;				/* stops (depot not counted), >= 0 */
	const RouteStop *stops;		/* [n] */
	double		depot_lon,
				depot_lat;
	double		capacity_kg;	/* > 0 */
	double		capacity_m3;	/* <= 0: no limit */
	int			max_stops;		/* <= 0: no limit */
	double		speed_kmh;		/* > 0, used when time_min is NULL */
	double		return_by_min;	/* latest return to the depot, minutes after
								 * departure; <= 0 or infinite: none */
	const double *dist_km;		/* optional (n+1)^2 row-major, index 0 = depot,
								 * may be asymmetric; NULL = great-circle
								 * (sphere of radius 6371008.7714 m, as
								 * PostGIS ST_DistanceSphere) */
	const double *time_min;		/* optional travel minutes, same shape; NULL =
								 * dist_km / speed_kmh * 60 */
	double		time_limit_ms;	/* search budget; <= 0: construction and a
								 * short polish only */
	uint64_t	seed;
	int64_t		max_iterations; /* > 0: also stop after that many search
								 * iterations (reproducible on any machine
								 * when time_limit_ms is generous) */
	void	   *(*alloc) (void *ctx, size_t size);	/* NULL on failure */
	void		(*dealloc) (void *ctx, void *ptr);
	bool		(*should_stop) (void *ctx);	/* optional: polled often (at
											 * least every few ms) */
	void	   *ctx;
} RouteProblem;

typedef struct RouteSolution
{
	int			n_routes;
	int		   *route_start;	/* [n_routes + 1]: route r is
								 * order[route_start[r] .. route_start[r+1]-1] */
	int		   *order;			/* stop indices 0..n-1 in visiting order */
	double	   *route_km;		/* [n_routes]: depot -> stops -> depot */
	double	   *route_return_min;	/* [n_routes]: back at the depot, minutes
									 * after departure (the tour's span) */
	double	   *eta_min;		/* [n]: service start of each stop (arrival,
								 * or window start when waiting), minutes
								 * after departure; NaN for unserved */
	int			n_unserved;
	int		   *unserved;		/* stops that fit no vehicle alone, ascending */
	int		   *unserved_reason;	/* [n_unserved]: ROUTE_TOO_HEAVY ... */
	double		total_km;		/* sum of route_km */
} RouteSolution;

/*
 * Solves p into *out (whose arrays come from p->alloc).  Returns ROUTE_OK or
 * an error code; on error *out is zeroed and holds nothing to free.
 * Routes are listed in a canonical order (by their first stop's index).
 */
extern int	route_solve(const RouteProblem *p, RouteSolution *out);

/* Gives back the arrays of a solution (through p->dealloc) and zeroes it. */
extern void route_solution_free(const RouteProblem *p, RouteSolution *s);

/* Great-circle distance in km on the sphere of radius 6371.0087714 km
 * (the WGS 84 mean radius: the same as PostGIS ST_DistanceSphere). */
extern double route_great_circle_km(double lon1, double lat1,
									double lon2, double lat2);

/* A short English word for an unserved reason ("too heavy" ...). */
extern const char *route_reason_text(int reason);

#endif							/* LASTMILE_ROUTE_H */
