/*
 * catalog.c — loads carriers, contracts, rates, coverage, areas and
 * retailers into the core structures of rules.h, once per backend, and
 * keeps them until a change to one of those tables (statement trigger
 * lastmile.catalog_changed, which sends a relcache invalidation to every
 * backend) marks them stale.  One loader for every entry point.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "portability/instr_time.h"

#include "orch.h"

PG_FUNCTION_INFO_V1(lastmile_catalog_changed);

static OrchCatalog *catalog = NULL;
static bool catalog_stale = true;
static bool callback_registered = false;

/* relations whose change makes the catalog stale (filled at load) */
#define N_WATCHED 6
static Oid	watched[N_WATCHED];

/*
 * The indexed area shapes are kept apart from the rest of the catalog (in
 * their own memory context) and rebuilt only when lastmile.area changes:
 * a change of rates or contracts reloads the catalog, not the shapes.
 */
static MemoryContext geo_cxt = NULL;
static LmGeo geo_current;
static Size geo_current_bytes;
static double geo_current_ms;
static bool geo_stale = true;
static Oid	area_relid = InvalidOid;

static void
catalog_inval_cb(Datum arg, Oid relid)
{
	if (relid == InvalidOid)
	{
		catalog_stale = true;
		geo_stale = true;
		return;
	}
	if (relid == area_relid)
		geo_stale = true;
	for (int i = 0; i < N_WATCHED; i++)
		if (watched[i] == relid)
			catalog_stale = true;
}

/*
 * Trigger function: a statement changed a catalog table.  The relcache
 * invalidation reaches every backend at commit (and this one at once).
 */
Datum
lastmile_catalog_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("lastmile.catalog_changed() must be called as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	catalog_stale = true;
	if (RelationGetRelid(trigdata->tg_relation) == area_relid)
		geo_stale = true;
	return PointerGetDatum(NULL);
}

SPIPlanPtr
orch_plan(SPIPlanPtr *cache, const char *sql, int nargs, Oid *argtypes)
{
	if (*cache == NULL)
	{
		MemoryContext cxt = CurrentMemoryContext;
		/*
		 * A generic plan: these statements run with arrays or single keys
		 * whose best plan does not depend on the values, and re-planning
		 * each call would cost more than the call itself.
		 */
		SPIPlanPtr	p = SPI_prepare_cursor(sql, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);

		MemoryContextSwitchTo(cxt);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(p) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*cache = p;
	}
	return *cache;
}

void
orch_exec(SPIPlanPtr plan, Datum *values, const char *nulls, bool read_only, int expect)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			rc = SPI_execute_plan(plan, values, nulls, read_only, 0);

	/* SPI leaves us in its procedure context: go back where we were */
	MemoryContextSwitchTo(cxt);
	if (rc != expect && !(expect == SPI_OK_SELECT && rc == SPI_OK_SELECT))
		elog(ERROR, "SPI_execute_plan returned %s", SPI_result_code_string(rc));
}

LmDec
orch_dec_from_text(const char *txt, const char *what)
{
	LmDec		d;

	if (txt == NULL || !lm_dec_parse(txt, &d))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s %s has too many digits for allocation", what, txt ? txt : "NULL"),
				 errdetail("Allocation computes prices exactly with at most 18 significant digits per value.")));
	/* keep the scale: a quote is returned as written (9.80 stays 9.80) */
	return d;
}

char *
orch_getstr(HeapTuple tup, TupleDesc td, int col)
{
	return SPI_getvalue(tup, td, col);
}

static double
getf8(HeapTuple tup, TupleDesc td, int col, double if_null)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, td, col, &isnull);

	return isnull ? if_null : DatumGetFloat8(d);
}

static int
cmp_int_by_name(const void *a, const void *b, void *arg)
{
	OrchCarrier *c = arg;

	return strcmp(c[*(const int *) a].carrier_id, c[*(const int *) b].carrier_id);
}

static int
cmp_int_jsonb_key(const void *a, const void *b, void *arg)
{
	OrchCarrier *c = arg;
	const OrchCarrier *x = &c[*(const int *) a];
	const OrchCarrier *y = &c[*(const int *) b];

	if (x->idlen != y->idlen)
		return x->idlen < y->idlen ? -1 : 1;
	return memcmp(x->carrier_id, y->carrier_id, x->idlen);
}

static int
cmp_retailer(const void *a, const void *b)
{
	return strcmp(((const OrchRetailer *) a)->retailer_id, ((const OrchRetailer *) b)->retailer_id);
}

int
orch_carrier_find(const OrchCatalog *cat, const char *carrier_id)
{
	int			lo = 0,
				hi = cat->ncarriers - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			k = cat->carriers_by_name[mid];
		int			c = strcmp(cat->carriers[k].carrier_id, carrier_id);

		if (c == 0)
			return k;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

OrchRetailer *
orch_retailer_find(const OrchCatalog *cat, const char *retailer_id)
{
	OrchRetailer key;

	key.retailer_id = (char *) retailer_id;
	return bsearch(&key, cat->retailers, cat->nretailers, sizeof(OrchRetailer), cmp_retailer);
}

const OrchArea *
orch_area_find(const OrchCatalog *cat, int64 area_id)
{
	int			lo = 0,
				hi = cat->nareas - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (cat->areas[mid].area_id == area_id)
			return &cat->areas[mid];
		if (cat->areas[mid].area_id < area_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

int
orch_service_index(const OrchCatalog *cat, Oid enum_oid)
{
	for (int i = 0; i < cat->nservices; i++)
		if (cat->service_oids[i] == enum_oid)
			return i;
	return -1;
}

/* zone index of a carrier by name, created when absent */
static int
zone_index(OrchCarrier *c, const char *name, int *allocated)
{
	for (int i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, name) == 0)
			return i;
	if (c->nzones == *allocated)
	{
		*allocated = *allocated ? *allocated * 2 : 4;
		c->zones = c->zones ? repalloc(c->zones, sizeof(OrchZone) * *allocated)
			: palloc(sizeof(OrchZone) * *allocated);
	}
	c->zones[c->nzones].name = pstrdup(name);
	c->zones[c->nzones].bands = NULL;
	c->zones[c->nzones].nbands = 0;
	return c->nzones++;
}

/*
 * The shape of every area (lastmile.area.geom, whole: not the parts cut by
 * ST_Subdivide, whose cuts move borders by a rounding error) read as WKB
 * into one block of memory and indexed (src/core/geo.c): allocation and
 * checkout find the areas covering a destination without a query, with
 * ST_Covers's own arithmetic.  Every area, covered by a carrier or not, so
 * that lastmile.covering_areas() answers for all.  Built again only when
 * lastmile.area changed since (geo_stale).
 */
static void
geo_build(void)
{
	static SPIPlanPtr plan_areas;
	SPITupleTable *tt;
	TupleDesc	td;
	int			n;
	LmGeoCounts counts;
	instr_time	t0,
				t1;
	MemoryContext cxt;
	LmGeo		geo;
	void	   *mem;

	INSTR_TIME_SET_CURRENT(t0);
	area_relid = get_relname_relid("area", get_namespace_oid("lastmile", false));
	/* an invalidation that arrives from here on makes it stale again */
	geo_stale = false;
	orch_exec(orch_plan(&plan_areas,
						"SELECT a.area_id, ST_AsBinary(a.geom) FROM lastmile.area a "
						"ORDER BY a.area_id",
						0, NULL), NULL, NULL, true, SPI_OK_SELECT);
	tt = SPI_tuptable;
	td = tt->tupdesc;
	n = (int) SPI_processed;
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	elog(DEBUG2, "lastmile catalog: area shapes read in %.3f ms", INSTR_TIME_GET_MILLISEC(t1));
	memset(&counts, 0, sizeof(counts));
	/* under the current (catalog) context until complete */
	cxt = AllocSetContextCreate(CurrentMemoryContext, "lastmile area shapes", ALLOCSET_SMALL_SIZES);
	for (int pass = 0; pass < 2; pass++)
	{
		if (pass == 1)
		{
			mem = MemoryContextAllocExtended(cxt, Max(lm_geo_bytes(&counts), 8), MCXT_ALLOC_HUGE);
			lm_geo_init(&geo, mem, &counts);
		}
		for (int i = 0; i < n; i++)
		{
			bool		isnull;
			int64		area_id = DatumGetInt64(SPI_getbinval(tt->vals[i], td, 1, &isnull));
			Datum		d = SPI_getbinval(tt->vals[i], td, 2, &isnull);
			bytea	   *wkb;
			LmGeoError	e;

			if (isnull)
				continue;
			wkb = DatumGetByteaPP(d);
			if (pass == 0)
				e = lm_geo_measure((const uint8_t *) VARDATA_ANY(wkb), VARSIZE_ANY_EXHDR(wkb), &counts);
			else
				e = lm_geo_add(&geo, area_id, (const uint8_t *) VARDATA_ANY(wkb), VARSIZE_ANY_EXHDR(wkb));
			if (e != LM_GEO_OK)
			{
				geo_stale = true;
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("area %lld cannot be used for allocation: %s",
								(long long) area_id, lm_geo_error_text(e))));
			}
			if ((Pointer) wkb != DatumGetPointer(d))
				pfree(wkb);
		}
	}
	lm_geo_finish(&geo);
	SPI_freetuptable(tt);

	/* complete: it replaces the one before */
	MemoryContextSetParent(cxt, TopMemoryContext);
	if (geo_cxt != NULL)
		MemoryContextDelete(geo_cxt);
	geo_cxt = cxt;
	geo_current = geo;
	geo_current_bytes = MemoryContextMemAllocated(cxt, true);
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	geo_current_ms = INSTR_TIME_GET_MILLISEC(t1);
	elog(DEBUG1, "lastmile catalog: %d areas (%d polygons, %d rings, %d points) "
		 "read and indexed in %.3f ms, %zu bytes",
		 geo.nareas, geo.nparts, geo.nrings, geo.npoints,
		 geo_current_ms, (size_t) geo_current_bytes);
}

/* The catalog's copy of the indexed area shapes, built when stale. */
static void
geo_load(OrchCatalog *cat)
{
	if (geo_stale || geo_cxt == NULL)
		geo_build();
	cat->geo = geo_current;
	cat->geo_bytes = geo_current_bytes;
	cat->geo_load_ms = geo_current_ms;
}

int
orch_covering_areas(const OrchCatalog *cat, double x, double y, int64 **areas)
{
	int64		buf[16];
	int			n;

	*areas = NULL;
	n = lm_geo_covering(&cat->geo, x, y, (int64_t *) buf, lengthof(buf));
	if (n == lengthof(buf) && cat->geo.nareas > n)
	{
		/* more than 16 areas at one point: ask again with room for all */
		int64	   *all = palloc(sizeof(int64) * cat->geo.nareas);

		n = lm_geo_covering(&cat->geo, x, y, (int64_t *) all, cat->geo.nareas);
		*areas = all;
		return n;
	}
	if (n > 0)
	{
		*areas = palloc(sizeof(int64) * n);
		memcpy(*areas, buf, sizeof(int64) * n);
	}
	return n;
}

static SPIPlanPtr plan_rel,
			plan_enum,
			plan_carriers,
			plan_rates,
			plan_cov,
			plan_retailers,
			plan_contracts;

static OrchCatalog *
catalog_load(void)
{
	MemoryContext cxt;
	MemoryContext old;
	OrchCatalog *cat;
	SPITupleTable *tt;
	TupleDesc	td;
	int		   *zalloc;

	cxt = AllocSetContextCreate(TopMemoryContext, "lastmile catalog", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	cat = palloc0(sizeof(OrchCatalog));
	cat->cxt = cxt;

	/* relations to watch */
	orch_exec(orch_plan(&plan_rel,
						"SELECT c.oid FROM pg_catalog.pg_class c "
						"WHERE c.relnamespace = 'lastmile'::regnamespace AND c.relname = ANY "
						"('{retailer,carrier,contract,rate,coverage,area}'::text[])",
						0, NULL), NULL, NULL, true, SPI_OK_SELECT);
	for (int i = 0; i < N_WATCHED; i++)
	{
		bool		isnull;

		watched[i] = (i < (int) SPI_processed)
			? DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull))
			: InvalidOid;
	}

	/* the values of lastmile.service, in order */
	orch_exec(orch_plan(&plan_enum,
						"SELECT e.oid FROM pg_catalog.pg_enum e "
						"WHERE e.enumtypid = 'lastmile.service'::regtype ORDER BY e.enumsortorder",
						0, NULL), NULL, NULL, true, SPI_OK_SELECT);
	cat->nservices = (int) SPI_processed;
	cat->service_oids = palloc(sizeof(Oid) * Max(cat->nservices, 1));
	for (int i = 0; i < cat->nservices; i++)
	{
		bool		isnull;

		cat->service_oids[i] = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
	}

	/* carriers, in carrier_id order of the database collation */
	orch_exec(orch_plan(&plan_carriers,
						"SELECT carrier_id, services, max_weight_kg, max_dims, max_developed_cm, "
						"volumetric_divisor, quality, co2_g_per_km, fuel_surcharge_pct::text, "
						"daily_capacity, tracking_prefix "
						"FROM lastmile.carrier ORDER BY carrier_id",
						0, NULL), NULL, NULL, true, SPI_OK_SELECT);
	tt = SPI_tuptable;
	td = tt->tupdesc;
	cat->ncarriers = (int) SPI_processed;
	cat->carriers = palloc0(sizeof(OrchCarrier) * Max(cat->ncarriers, 1));
	cat->carriers_by_name = palloc(sizeof(int) * Max(cat->ncarriers, 1));
	zalloc = palloc0(sizeof(int) * Max(cat->ncarriers, 1));
	for (int i = 0; i < cat->ncarriers; i++)
	{
		HeapTuple	t = tt->vals[i];
		OrchCarrier *c = &cat->carriers[i];
		bool		isnull;
		Datum		d;
		char	   *s;

		c->carrier_id = SPI_getvalue(t, td, 1);
		c->idlen = strlen(c->carrier_id);
		cat->carriers_by_name[i] = i;
		d = SPI_getbinval(t, td, 2, &isnull);
		c->services = 0;
		if (!isnull)
		{
			ArrayType  *arr = DatumGetArrayTypeP(d);
			Datum	   *elems;
			bool	   *nulls;
			int			n;

			deconstruct_array(arr, ARR_ELEMTYPE(arr), sizeof(Oid), true, TYPALIGN_INT,
							  &elems, &nulls, &n);
			for (int k = 0; k < n; k++)
			{
				int			ix;

				if (nulls[k])
					continue;
				ix = orch_service_index(cat, DatumGetObjectId(elems[k]));
				if (ix >= 0 && ix < 64)
					c->services |= UINT64CONST(1) << ix;
			}
		}
		c->lim.max_weight_kg = getf8(t, td, 3, NAN);
		d = SPI_getbinval(t, td, 4, &isnull);
		c->lim.has_max_dims = !isnull;
		if (!isnull)
		{
			const double *sides = (const double *) DatumGetPointer(d);

			c->lim.max_dims[0] = sides[0];
			c->lim.max_dims[1] = sides[1];
			c->lim.max_dims[2] = sides[2];
		}
		c->lim.max_developed_cm = getf8(t, td, 5, NAN);
		c->divisor = getf8(t, td, 6, NAN);
		c->quality = getf8(t, td, 7, 0.0);
		c->co2_per_km = getf8(t, td, 8, 0.0);
		s = SPI_getvalue(t, td, 9);
		c->fuel_pct = s ? orch_dec_from_text(s, "fuel_surcharge_pct") : (LmDec) {0, 0};
		d = SPI_getbinval(t, td, 10, &isnull);
		c->capacity = isnull ? -1 : DatumGetInt32(d);
		s = SPI_getvalue(t, td, 11);
		if (s != NULL && strlen(s) >= 2 && strlen(s) <= 4)
			strlcpy(c->prefix, s, sizeof(c->prefix));
		else
			lm_tracking_prefix(c->carrier_id, c->prefix);
		c->lock_key = (int32) hash_bytes((const unsigned char *) c->carrier_id, c->idlen);
	}
	qsort_arg(cat->carriers_by_name, cat->ncarriers, sizeof(int), cmp_int_by_name, cat->carriers);
	cat->carriers_jsonb_order = palloc(sizeof(int) * Max(cat->ncarriers, 1));
	for (int i = 0; i < cat->ncarriers; i++)
		cat->carriers_jsonb_order[i] = i;
	qsort_arg(cat->carriers_jsonb_order, cat->ncarriers, sizeof(int), cmp_int_jsonb_key, cat->carriers);

	/* rate bands */
	orch_exec(orch_plan(&plan_rates,
						"SELECT carrier_id, zone, lower(weight_kg)::text, upper(weight_kg)::text, "
						"lower_inc(weight_kg), upper_inc(weight_kg), upper_inf(weight_kg), "
						"price::text, per_kg::text, transit_days "
						"FROM lastmile.rate WHERE NOT isempty(weight_kg) ORDER BY carrier_id, zone",
						0, NULL), NULL, NULL, true, SPI_OK_SELECT);
	tt = SPI_tuptable;
	td = tt->tupdesc;
	{
		/* count bands per (carrier, zone) first, then fill */
		int			n = (int) SPI_processed;
		int		   *ci = palloc(sizeof(int) * Max(n, 1));
		int		   *zi = palloc(sizeof(int) * Max(n, 1));

		for (int i = 0; i < n; i++)
		{
			char	   *cid = SPI_getvalue(tt->vals[i], td, 1);
			char	   *zone = SPI_getvalue(tt->vals[i], td, 2);

			ci[i] = orch_carrier_find(cat, cid);
			zi[i] = (ci[i] >= 0 && zone) ? zone_index(&cat->carriers[ci[i]], zone, &zalloc[ci[i]]) : -1;
		}
		for (int i = 0; i < n; i++)
		{
			HeapTuple	t = tt->vals[i];
			OrchZone   *z;
			LmBand	   *b;
			bool		isnull;
			char	   *lo;

			if (zi[i] < 0)
				continue;
			z = &cat->carriers[ci[i]].zones[zi[i]];
			z->bands = z->bands ? repalloc(z->bands, sizeof(LmBand) * (z->nbands + 1))
				: palloc(sizeof(LmBand));
			b = &z->bands[z->nbands++];
			memset(b, 0, sizeof(LmBand));
			lo = SPI_getvalue(t, td, 3);
			/* lower_inf cannot happen (CHECK), but be safe: -inf = 0 inclusive */
			b->lo = lo ? orch_dec_from_text(lo, "rate lower bound") : (LmDec) {0, 0};
			b->lo_inc = lo ? DatumGetBool(SPI_getbinval(t, td, 5, &isnull)) : true;
			b->hi_inf = DatumGetBool(SPI_getbinval(t, td, 7, &isnull));
			if (!b->hi_inf)
				b->hi = orch_dec_from_text(SPI_getvalue(t, td, 4), "rate upper bound");
			b->hi_inc = DatumGetBool(SPI_getbinval(t, td, 6, &isnull));
			b->price = orch_dec_from_text(SPI_getvalue(t, td, 8), "rate price");
			b->per_kg = orch_dec_from_text(SPI_getvalue(t, td, 9), "rate per_kg");
			{
				Datum		d = SPI_getbinval(t, td, 10, &isnull);

				b->transit_days = isnull ? 0 : DatumGetInt32(d);
			}
		}
		for (int i = 0; i < cat->ncarriers; i++)
			for (int k = 0; k < cat->carriers[i].nzones; k++)
				lm_bands_sort(cat->carriers[i].zones[k].bands, cat->carriers[i].zones[k].nbands);
	}

	/* coverage with the size of each area */
	orch_exec(orch_plan(&plan_cov,
						"SELECT c.area_id, c.carrier_id, c.zone, a.size_km2 "
						"FROM lastmile.coverage c JOIN lastmile.area a ON a.area_id = c.area_id "
						"ORDER BY c.area_id, c.carrier_id",
						0, NULL), NULL, NULL, true, SPI_OK_SELECT);
	tt = SPI_tuptable;
	td = tt->tupdesc;
	{
		int			n = (int) SPI_processed;

		cat->areas = palloc0(sizeof(OrchArea) * Max(n, 1));
		cat->nareas = 0;
		for (int i = 0; i < n; i++)
		{
			HeapTuple	t = tt->vals[i];
			bool		isnull;
			int64		area_id = DatumGetInt64(SPI_getbinval(t, td, 1, &isnull));
			int			ci = orch_carrier_find(cat, SPI_getvalue(t, td, 2));
			char	   *zone = SPI_getvalue(t, td, 3);
			OrchArea   *a;

			if (cat->nareas == 0 || cat->areas[cat->nareas - 1].area_id != area_id)
			{
				a = &cat->areas[cat->nareas++];
				a->area_id = area_id;
				a->size = getf8(t, td, 4, 0.0);
				a->cov = palloc(sizeof(OrchCov) * 4);
				a->ncov = 0;
			}
			a = &cat->areas[cat->nareas - 1];
			if (ci < 0 || zone == NULL)
				continue;
			if (a->ncov >= 4 && (a->ncov & (a->ncov - 1)) == 0)
				a->cov = repalloc(a->cov, sizeof(OrchCov) * a->ncov * 2);
			a->cov[a->ncov].carrier = ci;
			a->cov[a->ncov].zone = zone_index(&cat->carriers[ci], zone, &zalloc[ci]);
			a->ncov++;
		}
	}

	/* retailers and their active contracts */
	orch_exec(orch_plan(&plan_retailers,
						"SELECT retailer_id, w_cost, w_quality, w_environment FROM lastmile.retailer",
						0, NULL), NULL, NULL, true, SPI_OK_SELECT);
	tt = SPI_tuptable;
	td = tt->tupdesc;
	cat->nretailers = (int) SPI_processed;
	cat->retailers = palloc0(sizeof(OrchRetailer) * Max(cat->nretailers, 1));
	for (int i = 0; i < cat->nretailers; i++)
	{
		HeapTuple	t = tt->vals[i];
		OrchRetailer *r = &cat->retailers[i];

		r->retailer_id = SPI_getvalue(t, td, 1);
		r->w_cost = getf8(t, td, 2, 0.0);
		r->w_quality = getf8(t, td, 3, 0.0);
		r->w_environment = getf8(t, td, 4, 0.0);
	}
	if (cat->nretailers > 1)
		qsort(cat->retailers, cat->nretailers, sizeof(OrchRetailer), cmp_retailer);

	orch_exec(orch_plan(&plan_contracts,
						"SELECT retailer_id, carrier_id, price_factor::text FROM lastmile.contract "
						"WHERE active ORDER BY retailer_id, carrier_id",
						0, NULL), NULL, NULL, true, SPI_OK_SELECT);
	tt = SPI_tuptable;
	td = tt->tupdesc;
	for (int i = 0; i < (int) SPI_processed; i++)
	{
		HeapTuple	t = tt->vals[i];
		OrchRetailer *r = orch_retailer_find(cat, SPI_getvalue(t, td, 1));
		int			ci = orch_carrier_find(cat, SPI_getvalue(t, td, 2));
		OrchContract *k;

		if (r == NULL || ci < 0)
			continue;
		if (r->contracts == NULL)
			r->contracts = palloc(sizeof(OrchContract) * Max(cat->ncarriers, 1));
		k = &r->contracts[r->ncontracts++];
		k->carrier = ci;
		k->factor = orch_dec_from_text(SPI_getvalue(t, td, 3), "price_factor");
	}
	/* contracts in carrier_id order (= carrier index) */
	for (int i = 0; i < cat->nretailers; i++)
	{
		OrchRetailer *r = &cat->retailers[i];

		for (int a = 1; a < r->ncontracts; a++)
		{
			OrchContract x = r->contracts[a];
			int			b = a - 1;

			while (b >= 0 && r->contracts[b].carrier > x.carrier)
			{
				r->contracts[b + 1] = r->contracts[b];
				b--;
			}
			r->contracts[b + 1] = x;
		}
	}

	geo_load(cat);

	MemoryContextSwitchTo(old);
	return cat;
}

/* Owner of lastmile.contract: the role the shared catalog is read as. */
static Oid
catalog_owner(void)
{
	Oid			relid = get_relname_relid("contract", get_namespace_oid("lastmile", false));
	HeapTuple	tup;
	Oid			owner;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Runs a kept plan as the owner of lastmile's tables: for the shared
 * capacity counters (lastmile.carrier_day), which every retailer's
 * allocation moves but no app role may write by hand.
 */
void
orch_exec_as_owner(SPIPlanPtr plan, Datum *values, const char *nulls, bool read_only, int expect)
{
	Oid			save_userid;
	int			save_sec_context;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(catalog_owner(),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		orch_exec(plan, values, nulls, read_only, expect);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
}

/*
 * Whether the caller may act for this retailer: the retailer's row is
 * visible to it under row level security (an app or analyst session sees
 * only the retailer of lastmile.retailer).  Callers that bypass row level
 * security skip the query.
 */
bool
orch_retailer_visible(const char *retailer_id)
{
	static SPIPlanPtr plan_visible;
	Oid			relid = get_relname_relid("retailer", get_namespace_oid("lastmile", false));
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];

	if (check_enable_rls(relid, InvalidOid, true) != RLS_ENABLED)
		return true;
	values[0] = CStringGetTextDatum(retailer_id);
	orch_exec(orch_plan(&plan_visible,
						"SELECT 1 FROM lastmile.retailer WHERE retailer_id = $1",
						1, argtypes), values, NULL, true, SPI_OK_SELECT);
	return SPI_processed > 0;
}

OrchCatalog *
orch_catalog_get(void)
{
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(catalog_inval_cb, (Datum) 0);
		callback_registered = true;
	}
	/* pick up invalidations sent by other backends */
	AcceptInvalidationMessages();
	if (catalog == NULL || catalog_stale)
	{
		OrchCatalog *fresh;

		Oid			save_userid;
		int			save_sec_context;

		/*
		 * The catalog is the operator's data, shared by every retailer and
		 * cached for the whole backend: read it as the owner of the tables,
		 * so that the row level security of whoever happens to call first
		 * (an app session sees only its own contracts) does not shape what
		 * the next caller gets.  What a caller may see is checked on its
		 * own requests (read with its rights) and by orch_retailer_visible.
		 */
		GetUserIdAndSecContext(&save_userid, &save_sec_context);
		SetUserIdAndSecContext(catalog_owner(),
							   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
		catalog_stale = false;
		PG_TRY();
		{
			fresh = catalog_load();
		}
		PG_CATCH();
		{
			catalog_stale = true;
			geo_stale = true;
			SetUserIdAndSecContext(save_userid, save_sec_context);
			PG_RE_THROW();
		}
		PG_END_TRY();
		SetUserIdAndSecContext(save_userid, save_sec_context);
		if (catalog != NULL)
			MemoryContextDelete(catalog->cxt);
		catalog = fresh;
	}
	return catalog;
}
