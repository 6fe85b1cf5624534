/*
 * covering.c — lastmile.covering_areas(destination): the areas covering a
 * point, as allocation sees them (the catalog's copy of the area shapes,
 * src/core/geo.c), for users and for tests against ST_Covers.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "orch.h"

PG_FUNCTION_INFO_V1(lastmile_covering_areas);

/*
 * PostGIS functions called directly (no query), looked up once per backend
 * by name through the function's pinned search_path, for the geometry type
 * of the call.
 */
static struct
{
	Oid			geomtype;
	FmgrInfo	type;			/* GeometryType(geometry) → text */
	FmgrInfo	srid;			/* ST_SRID(geometry) → int4 */
	FmgrInfo	isempty;		/* ST_IsEmpty(geometry) → bool */
	FmgrInfo	x;				/* ST_X(geometry) → float8 */
	FmgrInfo	y;				/* ST_Y(geometry) → float8 */
} fns;

static void
lookup(FmgrInfo *fi, const char *name, Oid geomtype)
{
	Oid			fn = LookupFuncName(list_make1(makeString(pstrdup(name))), 1, &geomtype, false);

	fmgr_info_cxt(fn, fi, TopMemoryContext);
}

Datum
lastmile_covering_areas(PG_FUNCTION_ARGS)
{
	Oid			geomtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	Datum		dest = PG_GETARG_DATUM(0);
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext spi;
	OrchCatalog *cat;
	char	   *type;
	int32		srid;
	bool		empty;
	double		x,
				y;
	int64	   *areas;
	int			n;
	Datum	   *elems;
	ArrayType  *result;

	if (fns.geomtype != geomtype)
	{
		fns.geomtype = InvalidOid;
		lookup(&fns.type, "geometrytype", geomtype);
		lookup(&fns.srid, "st_srid", geomtype);
		lookup(&fns.isempty, "st_isempty", geomtype);
		lookup(&fns.x, "st_x", geomtype);
		lookup(&fns.y, "st_y", geomtype);
		fns.geomtype = geomtype;
	}
	type = TextDatumGetCString(FunctionCall1(&fns.type, dest));
	srid = DatumGetInt32(FunctionCall1(&fns.srid, dest));
	empty = DatumGetBool(FunctionCall1(&fns.isempty, dest));
	if (strcmp(type, "POINT") != 0 || srid != 4326 || empty)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("destination must be a non-empty POINT of SRID 4326, not %s%s of SRID %d",
						empty ? "an empty " : "", type, srid)));
	x = DatumGetFloat8(FunctionCall1(&fns.x, dest));
	y = DatumGetFloat8(FunctionCall1(&fns.y, dest));

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
