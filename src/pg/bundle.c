/*
 * bundle.c — lastmile.bundle(): groups the open requests of one origin and
 * ship date, of every retailer, into vehicle loads with the route solver
 * (src/core/route) and writes bundle + bundle_stop in the caller's
 * transaction.
 *
 * Flow: validate the arguments → lock (origin, ship_date) → load the
 * candidate requests (locked FOR UPDATE) and, when lastmile.route_matrix
 * covers every pair, the user's distances → route_solve() → write the loads
 * → return them.  Everything the solver sees is plain numbers; minutes are
 * counted from depart_at.
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "lastmile.h"
#include "route/route.h"

/* settings (lastmile_bundle_init) */
static double bundle_time_limit_ms = 1000.0;
static int	bundle_seed = 1;
static int	bundle_max_iterations = 0;

/* SPI plans, prepared once per backend */
enum
{
	P_ORIGIN,
	P_LOCK,
	P_TRYLOCK,
	P_DAY,
	P_CANDIDATES,
	P_MATRIX,
	P_INS_BUNDLE,
	P_INS_STOPS,
	P_STATUS,
	P_COUNT
};

static SPIPlanPtr plans[P_COUNT];

/* One candidate request as loaded. */
typedef struct Cand
{
	int64		request_id;
	bool		has_dest;
	double		lon,
				lat;
	bool		has_lower,
				has_upper,
				empty;
	TimestampTz lower,
				upper;
	double		kg,
				m3;
	bool		allocated;		/* status 'allocated' (becomes 'bundled') */
} Cand;

/* Defines the settings of this module; called from _PG_init. */
void
lastmile_bundle_init(void)
{
	DefineCustomRealVariable("lastmile.bundle_time_limit_ms",
							 "Search budget of lastmile.bundle(), in milliseconds.",
							 "The solver improves the loads for about this long "
							 "(counted in work units, so the result does not "
							 "depend on the machine's speed); 0 builds the loads "
							 "and only polishes them briefly.",
							 &bundle_time_limit_ms,
							 1000.0, 0.0, 3600000.0,
							 PGC_USERSET, GUC_UNIT_MS,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("lastmile.bundle_seed",
							"Seed of lastmile.bundle()'s randomised search.",
							"The same requests, arguments and seed give the "
							"same loads.",
							&bundle_seed,
							1, 0, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("lastmile.bundle_max_iterations",
							"Caps the iterations of lastmile.bundle()'s search (0 = no cap).",
							"The time budget is counted in work units but is "
							"also a wall-clock cap, which a busy machine can "
							"reach first; with this cap and a generous "
							"lastmile.bundle_time_limit_ms the loads are the same "
							"on any machine under any load.",
							&bundle_max_iterations,
							0, 0, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/* Plan i, prepared from sql on first use and kept for the backend's life. */
static SPIPlanPtr
get_plan(int i, const char *sql, int nargs, Oid *types)
{
	if (plans[i] == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, types);

		if (p == NULL)
			elog(ERROR, "lastmile.bundle: SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "lastmile.bundle: SPI_keepplan failed");
		plans[i] = p;
	}
	return plans[i];
}

/* Runs plan i (prepared from sql on first use); checks the result code. */
static void
run_plan(int i, const char *sql, int nargs, Oid *types, Datum *values,
		 const char *nulls, bool read_only, int expect)
{
	int			rc;

	rc = SPI_execute_plan(get_plan(i, sql, nargs, types), values, nulls,
						  read_only, 0);
	if (rc != expect)
		elog(ERROR, "lastmile.bundle: query %d returned %s", i,
			 SPI_result_code_string(rc));
}

static double
get_f8(HeapTuple t, TupleDesc d, int col, bool *isnull)
{
	Datum		v = SPI_getbinval(t, d, col, isnull);

	return *isnull ? 0.0 : DatumGetFloat8(v);
}

/* Solver allocation callbacks: palloc in the scratch context. */
static void *
solver_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size == 0 ? 1 : size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
solver_dealloc(void *ctx, void *ptr)
{
	pfree(ptr);
}

/* Stop when the query is cancelled (statement_timeout, pg_cancel_backend). */
static bool
solver_should_stop(void *ctx)
{
	return QueryCancelPending || ProcDiePending;
}

/* A one-dimensional array of 8-byte (or int4) values. */
static ArrayType *
make_array(Datum *elems, int n, Oid type)
{
	if (type == INT4OID)
		return construct_array(elems, n, type, 4, true, TYPALIGN_INT);
	return construct_array(elems, n, type, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

static TimestampTz
add_minutes(TimestampTz t, double minutes)
{
	return t + (int64) llround(minutes * (double) USECS_PER_MINUTE);
}

/* Rounds a timestamp to the nearest whole second. */
static TimestampTz
round_second(TimestampTz t)
{
	int64		s = t / USECS_PER_SEC;
	int64		r = t % USECS_PER_SEC;

	if (r < 0)
	{
		s--;
		r += USECS_PER_SEC;
	}
	if (r >= USECS_PER_SEC / 2)
		s++;
	return s * USECS_PER_SEC;
}

static double
minutes_between(TimestampTz from, TimestampTz to)
{
	return (double) (to - from) / (double) USECS_PER_MINUTE;
}

/* A date as YYYY-MM-DD whatever DateStyle says (finite dates only). */
static char *
iso_date(DateADT d)
{
	int			y,
				m,
				day;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	return psprintf("%04d-%02d-%02d", y, m, day);
}

/* Checks that a float argument is finite (or +inf when allowed) and > 0. */
static void
check_positive(const char *name, double v, bool allow_inf)
{
	if (isnan(v) || !(v > 0) || (!allow_inf && isinf(v)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a positive number, not %s", name,
						float8out_internal(v))));
}

PG_FUNCTION_INFO_V1(lastmile_bundle);

/*
 * bundle(origin_id, ship_date, capacity_kg, capacity_m3, max_stops,
 *        speed_kmh, stop_minutes, depart_at)
 *   → TABLE(bundle_id, stops, weight_kg, volume_m3, distance_km)
 */
Datum
lastmile_bundle(PG_FUNCTION_ARGS)
{
	static const char *const argname[] = {"origin_id", "ship_date",
		"capacity_kg", "capacity_m3", "max_stops", "speed_kmh",
	"stop_minutes", "depart_at"};
	static const int required[] = {0, 1, 2, 5, 6};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		origin_id;
	DateADT		ship_date;
	double		capacity_kg,
				capacity_m3 = 0.0,
				speed_kmh,
				stop_minutes;
	int			max_stops = 0;
	bool		has_depart = !PG_ARGISNULL(7);
	TimestampTz depart_at = has_depart ? PG_GETARG_TIMESTAMPTZ(7) : 0;
	MemoryContext scratch,
				oldcxt;
	double		depot_lon,
				depot_lat;
	Cand	   *cand;
	int			n_cand,
				n,
				i,
				r;
	int		   *idx;			/* solver stop i -> candidate index */
	RouteStop  *stops;
	RouteProblem prob;
	RouteSolution sol;
	double	   *dist = NULL,
			   *tmin = NULL;
	int			rc;
	int64	   *bundle_ids;
	TimestampTz eight,
				midnight;
	bool		isnull;

	/* --- arguments --- */
	for (i = 0; i < (int) lengthof(required); i++)
		if (PG_ARGISNULL(required[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not be null", argname[required[i]])));
	origin_id = PG_GETARG_INT64(0);
	ship_date = PG_GETARG_DATEADT(1);
	capacity_kg = PG_GETARG_FLOAT8(2);
	speed_kmh = PG_GETARG_FLOAT8(5);
	stop_minutes = PG_GETARG_FLOAT8(6);
	if (DATE_NOT_FINITE(ship_date))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ship_date must be finite, not %s",
						DATE_IS_NOBEGIN(ship_date) ? "-infinity" : "infinity")));
	check_positive("capacity_kg", capacity_kg, true);
	if (!PG_ARGISNULL(3))
	{
		capacity_m3 = PG_GETARG_FLOAT8(3);
		check_positive("capacity_m3", capacity_m3, true);
		if (isinf(capacity_m3))
			capacity_m3 = 0.0;	/* no limit */
	}
	if (!PG_ARGISNULL(4))
	{
		max_stops = PG_GETARG_INT32(4);
		if (max_stops < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_stops must be at least 1, not %d", max_stops)));
	}
	check_positive("speed_kmh", speed_kmh, false);
	if (isnan(stop_minutes) || stop_minutes < 0 || isinf(stop_minutes))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("stop_minutes must be a non-negative number, not %s",
						float8out_internal(stop_minutes))));
	if (has_depart && TIMESTAMP_NOT_FINITE(depart_at))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("depart_at must be finite, not %s",
						DatumGetCString(DirectFunctionCall1(timestamptz_out,
															TimestampTzGetDatum(depart_at))))));

	InitMaterializedSRF(fcinfo, 0);

	scratch = AllocSetContextCreate(CurrentMemoryContext, "lastmile bundle",
									ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "lastmile.bundle: SPI_connect failed");

	/* --- the origin --- */
	{
		Oid			t[1] = {INT8OID};
		Datum		v[1] = {Int64GetDatum(origin_id)};

		run_plan(P_ORIGIN,
				 "SELECT ST_X(location), ST_Y(location) "
				 "FROM lastmile.place WHERE place_id = $1",
				 1, t, v, NULL, true, SPI_OK_SELECT);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("origin place %lld does not exist",
							(long long) origin_id)));
		depot_lon = get_f8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (!isnull)
			depot_lat = get_f8(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("origin place %lld has no location",
							(long long) origin_id)));
	}

	/*
	 * --- one bundler per (origin, ship_date) at a time ---  The lock is held
	 * to the end of the transaction; in READ COMMITTED the queries below take
	 * a new snapshot and so see what a concurrent bundler committed.
	 */
	{
		Oid			t[2] = {INT8OID, DATEOID};
		Datum		v[2] = {Int64GetDatum(origin_id), DateADTGetDatum(ship_date)};

		if (!IsolationUsesXactSnapshot())
			run_plan(P_LOCK,
					 "SELECT pg_advisory_xact_lock(hashtextextended("
					 "'lastmile.bundle ' || $1 || ' ' || ($2 - date '2000-01-01'), 0))",
					 2, t, v, NULL, false, SPI_OK_SELECT);
		else
		{
			/*
			 * REPEATABLE READ / SERIALIZABLE: the snapshot predates the wait,
			 * so waiting would only lead to a conflict; say so at once.
			 */
			run_plan(P_TRYLOCK,
					 "SELECT pg_try_advisory_xact_lock(hashtextextended("
					 "'lastmile.bundle ' || $1 || ' ' || ($2 - date '2000-01-01'), 0))",
					 2, t, v, NULL, false, SPI_OK_SELECT);
			if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1, &isnull)))
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access: another transaction is bundling origin %lld for %s",
								(long long) origin_id, iso_date(ship_date)),
						 errhint("Retry the transaction.")));
		}

		run_plan(P_DAY,
				 "SELECT ($1::date + time '08:00')::timestamptz, $1::date::timestamptz",
				 1, t + 1, v + 1, NULL, true, SPI_OK_SELECT);
		eight = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0],
												  SPI_tuptable->tupdesc, 1, &isnull));
		midnight = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0],
													 SPI_tuptable->tupdesc, 2, &isnull));
	}

	/* --- the candidates --- */
	{
		Oid			t[2] = {INT8OID, DATEOID};
		Datum		v[2] = {Int64GetDatum(origin_id), DateADTGetDatum(ship_date)};
		TupleDesc	d;

		run_plan(P_CANDIDATES,
				 "SELECT r.request_id, ST_X(r.destination), ST_Y(r.destination), "
				 "       lower(r.time_window), upper(r.time_window), "
				 "       coalesce(isempty(r.time_window), false), "
				 "       coalesce(p.kg, 0)::float8, coalesce(p.m3, 0)::float8, "
				 "       r.status = 'allocated' "
				 "FROM lastmile.transport_request r "
				 "LEFT JOIN LATERAL (SELECT sum(k.weight_kg) AS kg, "
				 "       sum(lastmile.volume_cm3(k.dims)) / 1e6 AS m3 "
				 "       FROM lastmile.package k WHERE k.request_id = r.request_id) p ON true "
				 "WHERE r.origin_id = $1 AND r.ship_date = $2 "
				 "  AND r.status <> 'cancelled' "
				 "  AND NOT EXISTS (SELECT 1 FROM lastmile.bundle_stop s "
				 "                  WHERE s.request_id = r.request_id) "
				 "ORDER BY r.request_id "
				 "FOR NO KEY UPDATE OF r",
				 2, t, v, NULL, false, SPI_OK_SELECT);
		n_cand = (int) SPI_processed;
		d = SPI_tuptable->tupdesc;
		cand = MemoryContextAllocZero(scratch, sizeof(Cand) * (n_cand + 1));
		for (i = 0; i < n_cand; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			Cand	   *c = &cand[i];
			Datum		x;

			c->request_id = DatumGetInt64(SPI_getbinval(tup, d, 1, &isnull));
			c->lon = get_f8(tup, d, 2, &isnull);
			c->has_dest = !isnull;
			c->lat = get_f8(tup, d, 3, &isnull);
			x = SPI_getbinval(tup, d, 4, &isnull);
			c->has_lower = !isnull;
			c->lower = isnull ? 0 : DatumGetTimestampTz(x);
			x = SPI_getbinval(tup, d, 5, &isnull);
			c->has_upper = !isnull;
			c->upper = isnull ? 0 : DatumGetTimestampTz(x);
			c->empty = DatumGetBool(SPI_getbinval(tup, d, 6, &isnull));
			c->kg = get_f8(tup, d, 7, &isnull);
			c->m3 = get_f8(tup, d, 8, &isnull);
			c->allocated = DatumGetBool(SPI_getbinval(tup, d, 9, &isnull)) && !isnull;
			/* infinite bounds count as open */
			if (c->has_lower && TIMESTAMP_NOT_FINITE(c->lower))
				c->has_lower = false;
			if (c->has_upper && TIMESTAMP_NOT_FINITE(c->upper))
				c->has_upper = false;
		}
	}

	/* --- departure: given, or 08:00 that day unless a window opens earlier --- */
	if (!has_depart)
	{
		depart_at = eight;
		for (i = 0; i < n_cand; i++)
			if (cand[i].has_dest && !cand[i].empty && cand[i].has_lower &&
				cand[i].lower >= midnight && cand[i].lower < depart_at)
				depart_at = cand[i].lower;
	}

	/* --- the solver's stops; requests that cannot be routed at all --- */
	oldcxt = MemoryContextSwitchTo(scratch);
	idx = palloc(sizeof(int) * (n_cand + 1));
	stops = palloc0(sizeof(RouteStop) * (n_cand + 1));
	n = 0;
	for (i = 0; i < n_cand; i++)
	{
		Cand	   *c = &cand[i];
		RouteStop  *s = &stops[n];

		if (!c->has_dest)
		{
			ereport(NOTICE,
					(errmsg("request %lld left out of bundling: it has no destination",
							(long long) c->request_id)));
			continue;
		}
		if (c->empty)
		{
			ereport(NOTICE,
					(errmsg("request %lld left out of bundling: its time window is empty",
							(long long) c->request_id)));
			continue;
		}
		s->lon = c->lon;
		s->lat = c->lat;
		s->weight_kg = c->kg;
		s->volume_m3 = c->m3;
		s->tw_start = c->has_lower ? minutes_between(depart_at, c->lower) : -INFINITY;
		s->tw_end = c->has_upper ? minutes_between(depart_at, c->upper) : INFINITY;
		s->service_min = stop_minutes;
		idx[n++] = i;
	}
	MemoryContextSwitchTo(oldcxt);

	/*
	 * --- the user's distance matrix, when it covers every pair of distinct
	 * points (origin and destinations) ---
	 */
	if (n > 0)
	{
		int			n1 = n + 1;
		Datum	   *xs = MemoryContextAlloc(scratch, sizeof(Datum) * n1);
		Datum	   *ys = MemoryContextAlloc(scratch, sizeof(Datum) * n1);
		Oid			t[2] = {FLOAT8ARRAYOID, FLOAT8ARRAYOID};
		Datum		v[2];
		uint64		k;
		int64		missing = 0,
					found;

		xs[0] = Float8GetDatum(depot_lon);
		ys[0] = Float8GetDatum(depot_lat);
		for (i = 0; i < n; i++)
		{
			xs[i + 1] = Float8GetDatum(stops[i].lon);
			ys[i + 1] = Float8GetDatum(stops[i].lat);
		}
		oldcxt = MemoryContextSwitchTo(scratch);
		v[0] = PointerGetDatum(make_array(xs, n1, FLOAT8OID));
		v[1] = PointerGetDatum(make_array(ys, n1, FLOAT8OID));
		MemoryContextSwitchTo(oldcxt);
		{
			Portal		portal;
			size_t		cells = (size_t) n1 * n1;

			/* a cursor: a full matrix of 2,000 stops is 4 million rows */
			portal = SPI_cursor_open(NULL,
									 get_plan(P_MATRIX,
											  "WITH n AS (SELECT x, y, i FROM unnest($1::float8[], $2::float8[]) "
											  "           WITH ORDINALITY AS u(x, y, i)) "
											  "SELECT (a.i - 1)::int4, (b.i - 1)::int4, m.km, m.minutes "
											  "FROM n a "
											  "JOIN lastmile.route_matrix m "
											  "  ON ST_X(m.from_point) = a.x AND ST_Y(m.from_point) = a.y "
											  "JOIN n b "
											  "  ON ST_X(m.to_point) = b.x AND ST_Y(m.to_point) = b.y",
											  2, t),
									 v, NULL, true);
			found = 0;
			for (;;)
			{
				TupleDesc	d;

				SPI_cursor_fetch(portal, true, 10000);
				if (SPI_processed == 0)
					break;
				if (dist == NULL)
				{
					dist = MemoryContextAllocExtended(scratch, sizeof(double) * cells,
													  MCXT_ALLOC_HUGE);
					tmin = MemoryContextAllocExtended(scratch, sizeof(double) * cells,
													  MCXT_ALLOC_HUGE);
					for (k = 0; k < cells; k++)
						dist[k] = tmin[k] = NAN;
				}
				d = SPI_tuptable->tupdesc;
				for (k = 0; k < SPI_processed; k++)
				{
					HeapTuple	tup = SPI_tuptable->vals[k];
					int			a = DatumGetInt32(SPI_getbinval(tup, d, 1, &isnull));
					int			b = DatumGetInt32(SPI_getbinval(tup, d, 2, &isnull));
					double		km = get_f8(tup, d, 3, &isnull);
					double		mi = get_f8(tup, d, 4, &isnull);
					size_t		c = (size_t) a * n1 + b;

					dist[c] = km;
					tmin[c] = isnull ? km / speed_kmh * 60.0 : mi;
				}
				found += (int64) SPI_processed;
				SPI_freetuptable(SPI_tuptable);
				CHECK_FOR_INTERRUPTS();
			}
			SPI_cursor_close(portal);
		}
		if (found > 0)
		{
			for (i = 0; i < n1; i++)
			{
				int			j;

				for (j = 0; j < n1; j++)
				{
					size_t		c = (size_t) i * n1 + j;

					if (!isnan(dist[c]))
						continue;
					if (i == j ||
						(DatumGetFloat8(xs[i]) == DatumGetFloat8(xs[j]) &&
						 DatumGetFloat8(ys[i]) == DatumGetFloat8(ys[j])))
						dist[c] = tmin[c] = 0.0;
					else
						missing++;
				}
			}
			if (missing > 0)
			{
				ereport(NOTICE,
						(errmsg("lastmile.route_matrix lacks %lld of the pairs needed; using great-circle distances",
								(long long) missing)));
				pfree(dist);
				pfree(tmin);
				dist = tmin = NULL;
			}
		}
	}

	/* --- solve --- */
	memset(&prob, 0, sizeof(prob));
	prob.n = n;
	prob.stops = stops;
	prob.depot_lon = depot_lon;
	prob.depot_lat = depot_lat;
	prob.capacity_kg = capacity_kg;
	prob.capacity_m3 = capacity_m3;
	prob.max_stops = max_stops;
	prob.speed_kmh = speed_kmh;
	prob.return_by_min = 0;
	prob.dist_km = dist;
	prob.time_min = tmin;
	prob.time_limit_ms = bundle_time_limit_ms;
	prob.seed = (uint64_t) bundle_seed;
	prob.max_iterations = bundle_max_iterations;
	prob.alloc = solver_alloc;
	prob.dealloc = solver_dealloc;
	prob.should_stop = solver_should_stop;
	prob.ctx = scratch;

	rc = route_solve(&prob, &sol);
	CHECK_FOR_INTERRUPTS();
	if (rc == ROUTE_ENOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while bundling %d requests", n)));
	if (rc != ROUTE_OK)
		elog(ERROR, "lastmile.bundle: route_solve failed with code %d", rc);

	/* --- requests that fit no load alone --- */
	for (i = 0; i < sol.n_unserved; i++)
	{
		int			s = sol.unserved[i];
		Cand	   *c = &cand[idx[s]];

		switch (sol.unserved_reason[i])
		{
			case ROUTE_TOO_HEAVY:
				ereport(NOTICE,
						(errmsg("request %lld left out of bundling: its %g kg exceed capacity_kg %g",
								(long long) c->request_id, c->kg, capacity_kg)));
				break;
			case ROUTE_TOO_BULKY:
				ereport(NOTICE,
						(errmsg("request %lld left out of bundling: its %g m3 exceed capacity_m3 %g",
								(long long) c->request_id, c->m3, capacity_m3)));
				break;
			case ROUTE_WINDOW_UNREACHABLE:
				ereport(NOTICE,
						(errmsg("request %lld left out of bundling: its time window cannot be met",
								(long long) c->request_id),
						 errdetail("Leaving at %s and driving at %g km/h, the vehicle reaches it after the window closes.",
								   timestamptz_to_str(depart_at), speed_kmh)));
				break;
			default:
				ereport(NOTICE,
						(errmsg("request %lld left out of bundling: %s",
								(long long) c->request_id,
								route_reason_text(sol.unserved_reason[i]))));
				break;
		}
	}

	/* --- write the loads --- */
	bundle_ids = MemoryContextAlloc(scratch, sizeof(int64) * (sol.n_routes + 1));
	if (sol.n_routes > 0)
	{
		int			n_stops = sol.route_start[sol.n_routes];
		Datum	   *sb = MemoryContextAlloc(scratch, sizeof(Datum) * n_stops);
		Datum	   *sseq = MemoryContextAlloc(scratch, sizeof(Datum) * n_stops);
		Datum	   *sreq = MemoryContextAlloc(scratch, sizeof(Datum) * n_stops);
		Datum	   *seta = MemoryContextAlloc(scratch, sizeof(Datum) * n_stops);
		Datum	   *alloc_req = MemoryContextAlloc(scratch, sizeof(Datum) * n_stops);
		int			n_alloc = 0;

		for (r = 0; r < sol.n_routes; r++)
		{
			int			from = sol.route_start[r],
						to = sol.route_start[r + 1];
			double		kg = 0,
						m3 = 0;
			TimestampTz leave,
						back;
			Oid			t[7] = {INT8OID, DATEOID, FLOAT8OID, FLOAT8OID,
			FLOAT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
			Datum		v[7];
			int			j;

			for (j = from; j < to; j++)
			{
				kg += stops[sol.order[j]].weight_kg;
				m3 += stops[sol.order[j]].volume_m3;
			}

			/*
			 * Every tour leaves at depart_at (SPEC: stops are reached "from
			 * depart_at"; a vehicle early at a stop waits there).
			 */
			leave = round_second(depart_at);
			back = round_second(add_minutes(depart_at, sol.route_return_min[r]));
			if (back < leave)
				back = leave;

			v[0] = Int64GetDatum(origin_id);
			v[1] = DateADTGetDatum(ship_date);
			v[2] = Float8GetDatum(kg);
			v[3] = Float8GetDatum(m3);
			v[4] = Float8GetDatum(sol.route_km[r]);
			v[5] = TimestampTzGetDatum(leave);
			v[6] = TimestampTzGetDatum(back);
			run_plan(P_INS_BUNDLE,
					 "INSERT INTO lastmile.bundle "
					 "(origin_id, ship_date, weight_kg, volume_m3, distance_km, "
					 " depart_at, return_at) "
					 "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING bundle_id",
					 7, t, v, NULL, false, SPI_OK_INSERT_RETURNING);
			bundle_ids[r] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
														SPI_tuptable->tupdesc,
														1, &isnull));
			for (j = from; j < to; j++)
			{
				int			s = sol.order[j];
				Cand	   *c = &cand[idx[s]];
				TimestampTz eta = round_second(add_minutes(depart_at,
														   sol.eta_min[s]));

				/* rounding to the second never leaves the window */
				if (c->has_lower && eta < c->lower)
					eta = c->lower;
				if (c->has_upper && eta > c->upper)
					eta = c->upper;
				sb[j] = Int64GetDatum(bundle_ids[r]);
				sseq[j] = Int32GetDatum(j - from + 1);
				sreq[j] = Int64GetDatum(c->request_id);
				seta[j] = TimestampTzGetDatum(eta);
				if (c->allocated)
					alloc_req[n_alloc++] = Int64GetDatum(c->request_id);
			}
		}

		{
			Oid			t[4] = {INT8ARRAYOID, INT4ARRAYOID, INT8ARRAYOID,
			TIMESTAMPTZARRAYOID};
			Datum		v[4];

			oldcxt = MemoryContextSwitchTo(scratch);
			v[0] = PointerGetDatum(make_array(sb, n_stops, INT8OID));
			v[1] = PointerGetDatum(make_array(sseq, n_stops, INT4OID));
			v[2] = PointerGetDatum(make_array(sreq, n_stops, INT8OID));
			v[3] = PointerGetDatum(make_array(seta, n_stops, TIMESTAMPTZOID));
			MemoryContextSwitchTo(oldcxt);
			PG_TRY();
			{
				run_plan(P_INS_STOPS,
						 "INSERT INTO lastmile.bundle_stop (bundle_id, seq, request_id, eta) "
						 "SELECT * FROM unnest($1::bigint[], $2::int[], $3::bigint[], "
						 "                     $4::timestamptz[])",
						 4, t, v, NULL, false, SPI_OK_INSERT);
			}
			PG_CATCH();
			{
				/*
				 * Under REPEATABLE READ a bundler that committed after our
				 * snapshot may hold some of these requests: the unique key
				 * of bundle_stop.request_id stops us; report it as the
				 * serialization failure it is, so that the caller retries.
				 */
				MemoryContextSwitchTo(scratch);
				if (IsolationUsesXactSnapshot() &&
					geterrcode() == ERRCODE_UNIQUE_VIOLATION)
				{
					FlushErrorState();
					ereport(ERROR,
							(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
							 errmsg("could not serialize access: a request of origin %lld was bundled by a concurrent transaction",
									(long long) origin_id),
							 errhint("Retry the transaction.")));
				}
				PG_RE_THROW();
			}
			PG_END_TRY();
		}

		if (n_alloc > 0)
		{
			Oid			t[1] = {INT8ARRAYOID};
			Datum		v[1];

			oldcxt = MemoryContextSwitchTo(scratch);
			v[0] = PointerGetDatum(make_array(alloc_req, n_alloc, INT8OID));
			MemoryContextSwitchTo(oldcxt);
			run_plan(P_STATUS,
					 "UPDATE lastmile.transport_request SET status = 'bundled' "
					 "WHERE request_id = ANY ($1) AND status = 'allocated'",
					 1, t, v, NULL, false, SPI_OK_UPDATE);
		}
	}

	/* --- the rows of this call --- */
	for (r = 0; r < sol.n_routes; r++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		double		kg = 0,
					m3 = 0;
		int			j;

		for (j = sol.route_start[r]; j < sol.route_start[r + 1]; j++)
		{
			kg += stops[sol.order[j]].weight_kg;
			m3 += stops[sol.order[j]].volume_m3;
		}
		values[0] = Int64GetDatum(bundle_ids[r]);
		values[1] = Int32GetDatum(sol.route_start[r + 1] - sol.route_start[r]);
		values[2] = Float8GetDatum(kg);
		values[3] = Float8GetDatum(m3);
		values[4] = Float8GetDatum(sol.route_km[r]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	SPI_finish();
	MemoryContextDelete(scratch);
	return (Datum) 0;
}
