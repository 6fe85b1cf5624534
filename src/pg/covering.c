/*
 * covering.c — lastmile.covering_areas(destination): the areas covering a
 * point, as allocation sees them (the catalog's index of the area parts,
 * src/core/geo.c), for users and for tests against ST_Covers.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "orch.h"

PG_FUNCTION_INFO_V1(lastmile_covering_areas);

Datum
lastmile_covering_areas(PG_FUNCTION_ARGS)
{
	static SPIPlanPtr plan_point;
	static Oid	plan_type = InvalidOid;
	Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spi;
	Datum		arg = PG_GETARG_DATUM(0);
	OrchCatalog *cat;
	HeapTuple	t;
	TupleDesc	td;
	bool		isnull;
	double		x,
				y;
	int64	   *areas;
	int			n;
	Datum	   *elems;
	ArrayType  *result;

	SPI_connect();
	if (plan_point != NULL && plan_type != argtype)
	{
		SPI_freeplan(plan_point);
		plan_point = NULL;
	}
	plan_type = argtype;
	orch_exec(orch_plan(&plan_point,
						"SELECT GeometryType($1) = 'POINT' AND ST_SRID($1) = 4326 AND NOT ST_IsEmpty($1), "
						" CASE WHEN GeometryType($1) = 'POINT' AND NOT ST_IsEmpty($1) THEN ST_X($1) END, "
						" CASE WHEN GeometryType($1) = 'POINT' AND NOT ST_IsEmpty($1) THEN ST_Y($1) END, "
						" GeometryType($1), ST_SRID($1), ST_IsEmpty($1)",
						1, &argtype), &arg, NULL, true, SPI_OK_SELECT);
	t = SPI_tuptable->vals[0];
	td = SPI_tuptable->tupdesc;
	if (!DatumGetBool(SPI_getbinval(t, td, 1, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("destination must be a non-empty POINT of SRID 4326, not %s%s of SRID %s",
						strcmp(SPI_getvalue(t, td, 6), "t") == 0 ? "an empty " : "",
						SPI_getvalue(t, td, 4), SPI_getvalue(t, td, 5))));
	x = DatumGetFloat8(SPI_getbinval(t, td, 2, &isnull));
	y = DatumGetFloat8(SPI_getbinval(t, td, 3, &isnull));

	cat = orch_catalog_get();
	n = orch_covering_areas(cat, x, y, &areas);

	/* the result in the caller's memory (SPI_finish frees SPI's) */
	spi = MemoryContextSwitchTo(caller);
	elems = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		elems[i] = Int64GetDatum(areas[i]);
	result = construct_array(elems, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	MemoryContextSwitchTo(spi);
	SPI_finish();
	PG_RETURN_ARRAYTYPE_P(result);
}
