/*
 * covering.c — lastmile.covering_areas(destination): the areas covering a
 * point, as allocation sees them (the catalog's copy of the area shapes,
 * src/core/geo.c), for users and for tests against ST_Covers.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "orch.h"
#include "postgis_fns.h"

PG_FUNCTION_INFO_V1(lastmile_covering_areas);

Datum
lastmile_covering_areas(PG_FUNCTION_ARGS)
{
	Oid			geomtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	Datum		dest = PG_GETARG_DATUM(0);
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spi;
	OrchCatalog *cat;
	double		x,
				y;
	int64	   *areas;
	int			n;
	Datum	   *elems;
	ArrayType  *result;

	postgis_check_destination(postgis_fns(geomtype), dest, &x, &y);

	SPI_connect();
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
