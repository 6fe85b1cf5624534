/*
 * postgis_fns.c — PostGIS functions called directly through fmgr, without
 * the executor: checking and reading a destination point, the great-circle
 * distance.  Looked up once per backend, by name through the calling
 * function's pinned search_path (PostGIS's schema is on it), for the
 * geometry type of the call.
 */
#include "postgres.h"

#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "postgis_fns.h"

static PostgisFns fns;

static void
lookup(FmgrInfo *fi, const char *name, int nargs, Oid geomtype)
{
	Oid			argtypes[2] = {geomtype, geomtype};
	Oid			fn = LookupFuncName(list_make1(makeString(pstrdup(name))), nargs, argtypes, false);

	fmgr_info_cxt(fn, fi, TopMemoryContext);
}

PostgisFns *
postgis_fns(Oid geomtype)
{
	if (fns.geomtype != geomtype)
	{
		fns.geomtype = InvalidOid;
		lookup(&fns.type, "geometrytype", 1, geomtype);
		lookup(&fns.srid, "st_srid", 1, geomtype);
		lookup(&fns.isempty, "st_isempty", 1, geomtype);
		lookup(&fns.x, "st_x", 1, geomtype);
		lookup(&fns.y, "st_y", 1, geomtype);
		lookup(&fns.distance, "st_distancesphere", 2, geomtype);
		fns.geomtype = geomtype;
	}
	return &fns;
}

void
postgis_check_destination(PostgisFns *g, Datum dest, double *x, double *y)
{
	char	   *type = TextDatumGetCString(FunctionCall1(&g->type, dest));
	int32		srid = DatumGetInt32(FunctionCall1(&g->srid, dest));
	bool		empty = DatumGetBool(FunctionCall1(&g->isempty, dest));

	if (strcmp(type, "POINT") != 0 || srid != 4326 || empty)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("destination must be a non-empty POINT of SRID 4326, not %s%s of SRID %d",
						empty ? "an empty " : "", type, srid)));
	*x = DatumGetFloat8(FunctionCall1(&g->x, dest));
	*y = DatumGetFloat8(FunctionCall1(&g->y, dest));
}
