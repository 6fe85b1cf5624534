/*
 * places.c — the places (stores, warehouses, hubs, pick-up points) as the
 * checkout needs them: a per-backend copy of lastmile.place, read as the
 * tables' owner like the allocation catalog, and the nearest place of a
 * retailer to a destination.  A checkout must not run a query to find its
 * origin; places change seldom.  Their own statement trigger
 * (lastmile.place_changed) invalidates every backend's copy, apart from
 * the allocation catalog, which a new store need not reload.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "orch.h"
#include "places.h"

PG_FUNCTION_INFO_V1(lastmile_place_changed);

static OrchPlaces *places = NULL;
static bool places_stale = true;
static bool callback_registered = false;
static Oid	place_relid = InvalidOid;

static void
places_inval_cb(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == place_relid)
		places_stale = true;
}

/*
 * Trigger function: a statement changed lastmile.place.  The relcache
 * invalidation reaches every backend at commit (and this one at once).
 */
Datum
lastmile_place_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("lastmile.place_changed() must be called as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	places_stale = true;
	return PointerGetDatum(NULL);
}

static int
place_cmp(const void *a, const void *b)
{
	const OrchPlace *x = a;
	const OrchPlace *y = b;

	return x->place_id < y->place_id ? -1 : x->place_id > y->place_id ? 1 : 0;
}

static OrchPlaces *
places_load(void)
{
	static SPIPlanPtr plan_places;
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "lastmile places",
											  ALLOCSET_DEFAULT_SIZES);
	OrchPlaces *ps = MemoryContextAllocZero(cxt, sizeof(OrchPlaces));
	SPITupleTable *tt;
	int			n;

	ps->cxt = cxt;
	orch_exec_as_owner(orch_plan(&plan_places,
								 "SELECT place_id, retailer_id, location, ST_X(location), ST_Y(location) "
								 "FROM lastmile.place WHERE location IS NOT NULL "
								 "AND NOT ST_IsEmpty(location) ORDER BY place_id",
								 0, NULL), NULL, NULL, true, SPI_OK_SELECT);
	tt = SPI_tuptable;
	n = (int) SPI_processed;
	ps->n = n;
	ps->p = MemoryContextAllocZero(cxt, sizeof(OrchPlace) * Max(n, 1));
	ps->geomtype = SPI_gettypeid(tt->tupdesc, 3);
	{
		int16		typlen;
		bool		typbyval;

		get_typlenbyval(ps->geomtype, &typlen, &typbyval);
		for (int i = 0; i < n; i++)
		{
			HeapTuple	t = tt->vals[i];
			OrchPlace  *p = &ps->p[i];
			bool		isnull;
			char	   *rid = SPI_getvalue(t, tt->tupdesc, 2);
			MemoryContext old;

			p->place_id = DatumGetInt64(SPI_getbinval(t, tt->tupdesc, 1, &isnull));
			p->x = DatumGetFloat8(SPI_getbinval(t, tt->tupdesc, 4, &isnull));
			p->y = DatumGetFloat8(SPI_getbinval(t, tt->tupdesc, 5, &isnull));
			old = MemoryContextSwitchTo(cxt);
			p->retailer_id = rid ? pstrdup(rid) : NULL;
			p->location = datumCopy(SPI_getbinval(t, tt->tupdesc, 3, &isnull), typbyval, typlen);
			MemoryContextSwitchTo(old);
		}
	}
	qsort(ps->p, n, sizeof(OrchPlace), place_cmp);
	return ps;
}

/* The places of this backend, reloaded when stale; SPI must be connected. */
OrchPlaces *
orch_places_get(void)
{
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(places_inval_cb, (Datum) 0);
		callback_registered = true;
	}
	if (!OidIsValid(place_relid))
		place_relid = get_relname_relid("place", get_namespace_oid("lastmile", false));
	AcceptInvalidationMessages();
	if (places == NULL || places_stale)
	{
		OrchPlaces *fresh;

		places_stale = false;
		PG_TRY();
		{
			fresh = places_load();
		}
		PG_CATCH();
		{
			places_stale = true;
			PG_RE_THROW();
		}
		PG_END_TRY();
		if (places != NULL)
			MemoryContextDelete(places->cxt);
		places = fresh;
	}
	return places;
}

const OrchPlace *
orch_place_find(const OrchPlaces *ps, int64 place_id)
{
	OrchPlace	key;

	key.place_id = place_id;
	return bsearch(&key, ps->p, ps->n, sizeof(OrchPlace), place_cmp);
}

/* great-circle metres on the mean sphere: only to shortlist (see below) */
static double
approx_metres(double lon1, double lat1, double lon2, double lat2)
{
	double		r = M_PI / 180.0;
	double		dlat = (lat2 - lat1) * r;
	double		dlon = (lon2 - lon1) * r;
	double		a = sin(dlat / 2) * sin(dlat / 2) +
		cos(lat1 * r) * cos(lat2 * r) * sin(dlon / 2) * sin(dlon / 2);

	return 2.0 * 6371008.8 * asin(sqrt(Min(1.0, a)));
}

/*
 * The retailer's place nearest to the destination (x, y), as
 * "ORDER BY ST_DistanceSphere(location, destination), place_id LIMIT 1"
 * would choose it: a haversine in C shortlists the places within a metre
 * of the nearest, and PostGIS's own distance (distance, a fmgr call of
 * ST_DistanceSphere) decides among them, so that the distance returned
 * is exactly the one SQL would compute.  NULL when the retailer has none.
 */
const OrchPlace *
orch_place_nearest(const OrchPlaces *ps, const char *retailer_id, Datum dest,
				   double x, double y, FmgrInfo *distance, double *metres)
{
	double		best_approx = INFINITY;
	const OrchPlace *best = NULL;
	double		best_exact = INFINITY;

	for (int i = 0; i < ps->n; i++)
	{
		const OrchPlace *p = &ps->p[i];

		if (p->retailer_id != NULL && strcmp(p->retailer_id, retailer_id) == 0)
			best_approx = Min(best_approx, approx_metres(p->x, p->y, x, y));
	}
	if (isinf(best_approx))
		return NULL;
	for (int i = 0; i < ps->n; i++)
	{
		const OrchPlace *p = &ps->p[i];
		double		d;

		if (p->retailer_id == NULL || strcmp(p->retailer_id, retailer_id) != 0)
			continue;
		if (approx_metres(p->x, p->y, x, y) > best_approx * (1.0 + 1e-9) + 1.0)
			continue;
		d = DatumGetFloat8(FunctionCall2(distance, p->location, dest));
		/* places are in place_id order: the first of equal distances wins */
		if (best == NULL || d < best_exact)
		{
			best = p;
			best_exact = d;
		}
	}
	*metres = best_exact;
	return best;
}
