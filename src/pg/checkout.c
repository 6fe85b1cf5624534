/*
 * checkout.c — delivery_options(): the options of a cart that has no
 * request row yet, with the same rules, prices and scores as a request.
 *
 * A checkout page waits for it, so it runs no executor query when row
 * level security does not apply: the capacity counters of the ship date
 * are read through their primary key (capacity.c), the covering areas come
 * from the catalog's copy of the area shapes (geo.c), the destination is
 * checked and read through PostGIS's own functions called directly
 * (postgis_fns.c), the origin comes from the per-backend copy of the places
 * (places.c), the rules from the catalog.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"

#include "orch.h"
#include "alloc.h"
#include "places.h"
#include "postgis_fns.h"

PG_FUNCTION_INFO_V1(lastmile_delivery_options);

/*
 * An explicit origin must exist and be visible to the caller.  The cached
 * places are read as the owner: under row level security, ask the table
 * itself, so that the policy in force decides.
 */
static SPIPlanPtr plan_origin_visible;

static bool
origin_visible(int64 origin_id)
{
	Oid			relid = get_relname_relid("place", get_namespace_oid("lastmile", false));
	Oid			argtype = INT8OID;
	Datum		arg = Int64GetDatum(origin_id);

	if (check_enable_rls(relid, InvalidOid, true) != RLS_ENABLED)
		return true;
	orch_exec(orch_plan(&plan_origin_visible,
						"SELECT 1 FROM lastmile.place WHERE place_id = $1",
						1, &argtype), &arg, NULL, true, SPI_OK_SELECT);
	return SPI_processed > 0;
}

/* the default service ('delivery') of a call that passed NULL */
static int
default_service(OrchCatalog *cat, Oid enumtype)
{
	Datum		d = DirectFunctionCall2(enum_in, CStringGetDatum("delivery"), ObjectIdGetDatum(enumtype));

	return orch_service_index(cat, DatumGetObjectId(d));
}

Datum
lastmile_delivery_options(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *retailer_id;
	OrchCatalog *cat;
	OrchPlaces *ps;
	PostgisFns *g;
	Scratch		sc;
	Req			r;
	Cand	   *cand;
	LmOption   *opts;
	int			n,
				m;
	ArrayType  *dims_arr,
			   *w_arr;
	int			ndims,
				nw;
	Datum	   *dims_el,
			   *w_el;
	bool	   *dims_null,
			   *w_null;
	DateADT		ship_date;
	int		   *used;
	Oid			geomtype;
	Datum		dest;
	double		x,
				y;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("retailer_id must not be null")));
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("destination must not be null")));
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("dims and weights_kg must not be null")));
	retailer_id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	dims_arr = PG_GETARG_ARRAYTYPE_P(2);
	w_arr = PG_GETARG_ARRAYTYPE_P(3);
	if (ARR_NDIM(dims_arr) > 1 || ARR_NDIM(w_arr) > 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("dims and weights_kg must be one-dimensional arrays")));
	{
		int16		typlen;
		bool		typbyval;
		char		typalign;

		get_typlenbyvalalign(ARR_ELEMTYPE(dims_arr), &typlen, &typbyval, &typalign);
		if (typlen != 3 * sizeof(double) || typbyval)
			elog(ERROR, "unexpected storage of type lastmile.dims");
		deconstruct_array(dims_arr, ARR_ELEMTYPE(dims_arr), typlen, typbyval, typalign,
						  &dims_el, &dims_null, &ndims);
	}
	deconstruct_array(w_arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &w_el, &w_null, &nw);
	if (ndims == 0 || ndims != nw)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("dims and weights_kg must have the same non-zero length, not %d and %d", ndims, nw)));
	if (PG_ARGISNULL(5))
		ship_date = GetSQLCurrentDate();
	else
		ship_date = PG_GETARG_DATEADT(5);

	memset(&r, 0, sizeof(r));
	r.request_id = 0;
	r.ship_date = ship_date;
	r.old_carrier = -1;
	r.npk = ndims;
	r.pk = palloc(sizeof(LmPackage) * ndims);
	for (int i = 0; i < ndims; i++)
	{
		double		wkg;

		if (dims_null[i] || w_null[i])
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("package %d has a null dims or weight", i + 1)));
		wkg = DatumGetFloat8(w_el[i]);
		if (!(wkg > 0) || !isfinite(wkg))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("weight of package %d must be a positive number, not %g", i + 1, wkg)));
		memcpy(r.pk[i].side, DatumGetPointer(dims_el[i]), 3 * sizeof(double));
		r.pk[i].weight_kg = wkg;
	}

	geomtype = get_fn_expr_argtype(fcinfo->flinfo, 1);
	dest = PG_GETARG_DATUM(1);
	g = postgis_fns(geomtype);

	SPI_connect();
	cat = orch_catalog_get();
	r.ret = orch_retailer_find(cat, retailer_id);
	if (r.ret == NULL || !orch_retailer_visible(retailer_id))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("retailer \"%s\" does not exist", retailer_id)));
	postgis_check_destination(g, dest, &x, &y);

	/* origin: the given place, or the retailer's nearest to the destination */
	ps = orch_places_get();
	if (!PG_ARGISNULL(6))
	{
		int64		origin_id = PG_GETARG_INT64(6);
		const OrchPlace *o = orch_place_find(ps, origin_id);

		if (o == NULL || !origin_visible(origin_id))
		{
			/* a place without a location is not cached: it exists all the same */
			static SPIPlanPtr plan_origin_exists;
			Oid			argtype = INT8OID;
			Datum		arg = Int64GetDatum(origin_id);

			orch_exec(orch_plan(&plan_origin_exists,
								"SELECT 1 FROM lastmile.place WHERE place_id = $1",
								1, &argtype), &arg, NULL, true, SPI_OK_SELECT);
			if (SPI_processed == 0)
				ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								errmsg("origin place %lld does not exist", (long long) origin_id)));
		}
		else
			r.km = DatumGetFloat8(FunctionCall2(&g->distance, o->location, dest)) / 1000.0;
	}
	else
	{
		double		metres;

		if (orch_place_nearest(ps, retailer_id, dest, x, y, &g->distance, &metres) != NULL)
			r.km = metres / 1000.0;
	}

	r.service = PG_ARGISNULL(4)
		? default_service(cat, get_fn_expr_argtype(fcinfo->flinfo, 4))
		: orch_service_index(cat, PG_GETARG_OID(4));
	/* the areas covering the destination: the catalog's index (geo.c) */
	r.narea = orch_covering_areas(cat, x, y, &r.areas);
	used = used_for_one(cat, &r, false, true);

	scratch_init(&sc, cat);
	cand = palloc(sizeof(Cand) * Max(cat->ncarriers, 1));
	opts = palloc(sizeof(LmOption) * Max(cat->ncarriers, 1));
	n = evaluate(cat, &sc, &r, used, cand);
	m = rank_options(cat, &r, cand, n, opts);
	for (int i = 0; i < m; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {0};

		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(cat->carriers[cand[opts[i].carrier].carrier].carrier_id);
		values[2] = NumericGetDatum(dec_numeric(opts[i].price));
		values[3] = DateADTGetDatum(lm_add_working_days(ship_date, opts[i].transit_days));
		values[4] = Float8GetDatum(opts[i].co2_g);
		values[5] = Float8GetDatum(opts[i].score);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
