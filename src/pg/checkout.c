/*
 * checkout.c — delivery_options(): the options of a cart that has no
 * request row yet, with the same rules, prices and scores as a request.
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"

#include "orch.h"
#include "alloc.h"

PG_FUNCTION_INFO_V1(lastmile_delivery_options);

/* ------------------------------------------------------------------ */
/* delivery_options: a cart                                             */
/* ------------------------------------------------------------------ */

static SPIPlanPtr plan_cart;

Datum
lastmile_delivery_options(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *retailer_id;
	OrchCatalog *cat;
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

	SPI_connect();
	cat = orch_catalog_get();
	r.ret = orch_retailer_find(cat, retailer_id);
	if (r.ret == NULL || !orch_retailer_visible(retailer_id))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("retailer \"%s\" does not exist", retailer_id)));
	{
		Oid			types[5] = {get_fn_expr_argtype(fcinfo->flinfo, 1), INT8OID, TEXTOID,
		get_fn_expr_argtype(fcinfo->flinfo, 4), DATEOID};
		Datum		v[5];
		char		nl[5] = {' ', ' ', ' ', ' ', ' '};
		HeapTuple	t;
		TupleDesc	td;
		bool		isnull;
		Datum		d;

		v[0] = PG_GETARG_DATUM(1);
		v[1] = PG_ARGISNULL(6) ? (Datum) 0 : PG_GETARG_DATUM(6);
		nl[1] = PG_ARGISNULL(6) ? 'n' : ' ';
		v[2] = PG_GETARG_DATUM(0);
		v[3] = PG_ARGISNULL(4) ? (Datum) 0 : PG_GETARG_DATUM(4);
		nl[3] = PG_ARGISNULL(4) ? 'n' : ' ';
		v[4] = DateADTGetDatum(ship_date);
		orch_exec(orch_plan(&plan_cart,
							"WITH g AS (SELECT $1::geometry AS geom, "
							"  GeometryType($1::geometry) = 'POINT' AND ST_SRID($1::geometry) = 4326 "
							"  AND NOT ST_IsEmpty($1::geometry) AS ok) "
							"SELECT g.ok, "
							" CASE WHEN g.ok THEN ARRAY(SELECT DISTINCT p.area_id FROM lastmile.area_part p "
							"   WHERE ST_Covers(p.geom, g.geom)) END, "
							" CASE WHEN NOT g.ok THEN NULL WHEN $2::int8 IS NULL THEN "
							"   (SELECT ST_DistanceSphere(p.location, g.geom) FROM lastmile.place p "
							"    WHERE p.retailer_id = $3::text ORDER BY 1, p.place_id LIMIT 1) "
							"  ELSE (SELECT ST_DistanceSphere(p.location, g.geom) FROM lastmile.place p "
							"    WHERE p.place_id = $2::int8) END, "
							" $2::int8 IS NULL OR EXISTS (SELECT 1 FROM lastmile.place p WHERE p.place_id = $2::int8), "
							" coalesce($4::lastmile.service, 'delivery'), "
							" ARRAY(SELECT d.carrier_id FROM lastmile.carrier_day d WHERE d.ship_date = $5::date ORDER BY d.carrier_id), "
							" ARRAY(SELECT d.used FROM lastmile.carrier_day d WHERE d.ship_date = $5::date ORDER BY d.carrier_id), "
							" GeometryType($1::geometry), ST_SRID($1::geometry), ST_IsEmpty($1::geometry) "
							"FROM g",
							5, types), v, nl, true, SPI_OK_SELECT);
		t = SPI_tuptable->vals[0];
		td = SPI_tuptable->tupdesc;
		if (!DatumGetBool(SPI_getbinval(t, td, 1, &isnull)))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("destination must be a non-empty POINT of SRID 4326, not %s%s of SRID %s",
								   strcmp(SPI_getvalue(t, td, 10), "t") == 0 ? "an empty " : "",
								   SPI_getvalue(t, td, 8),
								   SPI_getvalue(t, td, 9))));
		if (!DatumGetBool(SPI_getbinval(t, td, 4, &isnull)))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("origin place %lld does not exist", (long long) PG_GETARG_INT64(6))));
		d = SPI_getbinval(t, td, 2, &isnull);
		if (!isnull)
		{
			Datum	   *el;
			bool	   *en;
			int			na;

			deconstruct_array(DatumGetArrayTypeP(d), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
							  &el, &en, &na);
			r.areas = palloc(sizeof(int64) * Max(na, 1));
			for (int i = 0; i < na; i++)
				r.areas[r.narea++] = DatumGetInt64(el[i]);
		}
		d = SPI_getbinval(t, td, 3, &isnull);
		r.km = isnull ? 0.0 : DatumGetFloat8(d) / 1000.0;
		d = SPI_getbinval(t, td, 5, &isnull);
		r.service = orch_service_index(cat, DatumGetObjectId(d));
		used = used_from_arrays(cat, t, td, 6);
	}
	scratch_init(&sc, cat);
	cand = palloc(sizeof(Cand) * Max(cat->ncarriers, 1));
	opts = palloc(sizeof(LmOption) * Max(cat->ncarriers, 1));
	n = evaluate(cat, &sc, &r, used, cand);
	m = n > 0 ? rank_options(cat, &r, cand, n, opts) : 0;
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

