/*
 * request_load.c — reading what a decision needs: the request rows, their
 * packages, live quotes and covering areas, for one request or for a chunk
 * of a wave in one statement each.
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

void
req_from_tuple(OrchCatalog *cat, Req *r, HeapTuple t, TupleDesc td)
{
	bool		isnull;
	Datum		d;
	char	   *s;

	memset(r, 0, sizeof(Req));
	r->request_id = DatumGetInt64(SPI_getbinval(t, td, 1, &isnull));
	s = SPI_getvalue(t, td, 2);
	r->ret = s ? orch_retailer_find(cat, s) : NULL;
	d = SPI_getbinval(t, td, 3, &isnull);
	r->service = isnull ? -1 : orch_service_index(cat, DatumGetObjectId(d));
	d = SPI_getbinval(t, td, 4, &isnull);
	r->ship_date = isnull ? 0 : DatumGetDateADT(d);
	d = SPI_getbinval(t, td, 5, &isnull);
	r->km = isnull ? 0.0 : DatumGetFloat8(d) / 1000.0;
	r->status = SPI_getvalue(t, td, 6);
	s = SPI_getvalue(t, td, 7);
	r->old_carrier = s ? orch_carrier_find(cat, s) : -1;
	d = SPI_getbinval(t, td, 8, &isnull);
	r->counted = !isnull && DatumGetBool(d) && r->old_carrier >= 0;
}


static SPIPlanPtr plan_pkgs,
			plan_quotes;

/* Loads sectors, packages and live quotes of reqs[0..n) (one query each). */
void
load_details(OrchCatalog *cat, Req *reqs, int n)
{
	Datum	   *ids = palloc(sizeof(Datum) * Max(n, 1));
	Datum		arg;
	Oid			argtype = INT8ARRAYOID;
	SPITupleTable *tt;
	TupleDesc	td;
	int			rows;

	for (int i = 0; i < n; i++)
		ids[i] = Int64GetDatum(reqs[i].request_id);
	arg = PointerGetDatum(construct_array(ids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	PHASE_START();

	/*
	 * Covering areas: looked up in the catalog's index of the area parts
	 * (src/core/geo.c, the point-in-polygon rule of ST_Covers), on the
	 * coordinates read with the wave.
	 */
	for (int i = 0; i < n; i++)
		reqs[i].narea = orch_covering_areas(cat, reqs[i].x, reqs[i].y, &reqs[i].areas);

	PHASE("  sectors");
	/* packages */
	orch_exec(orch_plan(&plan_pkgs,
						"SELECT u.n::int4, p.package_id, p.dims, p.weight_kg, p.tracking IS NOT NULL, p.ctid "
						"FROM unnest($1::int8[]) WITH ORDINALITY AS u(id, n) "
						"JOIN lastmile.package p ON p.request_id = u.id ORDER BY 1, 2",
						1, &argtype), &arg, NULL, false, SPI_OK_SELECT);
	tt = SPI_tuptable;
	td = tt->tupdesc;
	rows = (int) SPI_processed;
	{
		LmPackage  *pk = palloc(sizeof(LmPackage) * Max(rows, 1));
		int64	   *pid = palloc(sizeof(int64) * Max(rows, 1));
		bool	   *tr = palloc(sizeof(bool) * Max(rows, 1));
		ItemPointerData *tid = palloc(sizeof(ItemPointerData) * Max(rows, 1));

		for (int i = 0; i < rows; i++)
		{
			HeapTuple	t = tt->vals[i];
			bool		isnull;
			int			ix = DatumGetInt32(SPI_getbinval(t, td, 1, &isnull)) - 1;
			Req		   *r = &reqs[ix];
			Datum		d;

			if (r->npk == 0)
			{
				r->pk = &pk[i];
				r->pk_id = &pid[i];
				r->pk_tracked = &tr[i];
				r->pk_tid = &tid[i];
			}
			pid[i] = DatumGetInt64(SPI_getbinval(t, td, 2, &isnull));
			d = SPI_getbinval(t, td, 3, &isnull);
			if (isnull)
				pk[i].side[0] = pk[i].side[1] = pk[i].side[2] = 0.0;
			else
				memcpy(pk[i].side, DatumGetPointer(d), 3 * sizeof(double));
			d = SPI_getbinval(t, td, 4, &isnull);
			pk[i].weight_kg = isnull ? 0.0 : DatumGetFloat8(d);
			tr[i] = DatumGetBool(SPI_getbinval(t, td, 5, &isnull));
			tid[i] = *(ItemPointer) DatumGetPointer(SPI_getbinval(t, td, 6, &isnull));
			r->npk++;
		}
	}

	PHASE("  packages");
	/* live quotes: the most recently written per carrier */
	orch_exec(orch_plan(&plan_quotes,
						"SELECT DISTINCT ON (u.n, q.carrier_id) u.n::int4, q.carrier_id, q.price::text "
						"FROM unnest($1::int8[]) WITH ORDINALITY AS u(id, n) "
						"JOIN lastmile.quote q ON q.request_id = u.id "
						"WHERE q.expires_at IS NULL OR q.expires_at > now() "
						"ORDER BY u.n, q.carrier_id, q.created_at DESC, q.quote_id DESC",
						1, &argtype), &arg, NULL, false, SPI_OK_SELECT);
	tt = SPI_tuptable;
	td = tt->tupdesc;
	rows = (int) SPI_processed;
	if (rows > 0)
	{
		Quote	   *qs = palloc(sizeof(Quote) * rows);

		for (int i = 0; i < rows; i++)
		{
			HeapTuple	t = tt->vals[i];
			bool		isnull;
			int			ix = DatumGetInt32(SPI_getbinval(t, td, 1, &isnull)) - 1;
			Req		   *r = &reqs[ix];

			if (r->nq == 0)
				r->q = &qs[i];
			qs[i].carrier = orch_carrier_find(cat, SPI_getvalue(t, td, 2));
			qs[i].price = orch_dec_from_text(SPI_getvalue(t, td, 3), "quote price");
			r->nq++;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Entry points on one request                                          */
/* ------------------------------------------------------------------ */

static SPIPlanPtr plan_one_full,
			plan_one_lock;

/*
 * The capacity counters of a request's ship date, as one loaded row carries
 * them: column col holds the carrier ids and column col + 1 their counts,
 * both in carrier_id order and paired by position.  Returns one count per
 * catalog carrier (0 for carriers without a counter row).
 */
int *
used_from_arrays(OrchCatalog *cat, HeapTuple t, TupleDesc td, int col)
{
	int		   *used = palloc0(sizeof(int) * Max(cat->ncarriers, 1));
	Datum	   *ids,
			   *us;
	bool	   *n1,
			   *n2;
	int			k1,
				k2;
	bool		isnull;

	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(t, td, col, &isnull)), TEXTOID, -1, false,
					  TYPALIGN_INT, &ids, &n1, &k1);
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(t, td, col + 1, &isnull)), INT4OID, 4, true,
					  TYPALIGN_INT, &us, &n2, &k2);
	for (int i = 0; i < k1 && i < k2; i++)
	{
		int			c = orch_carrier_find(cat, TextDatumGetCString(ids[i]));

		if (c >= 0)
			used[c] = DatumGetInt32(us[i]);
	}
	return used;
}
/*
 * Loads request id into r in one statement (request, covering areas,
 * packages, live quotes, and the counters of its ship date, returned as
 * used[] per carrier, not counting r itself); with lock, the request row is
 * locked first (FOR UPDATE), so that the rest is read after any wait.
 * P0002 when the request does not exist.
 */
int *
load_one(OrchCatalog *cat, int64 id, bool lock, Req *r)
{
	Datum		arg = Int64GetDatum(id);
	Oid			argtype = INT8OID;
	HeapTuple	t;
	TupleDesc	td;
	bool		isnull;
	Datum	   *el;
	bool	   *nl;
	int			n;
	int		   *used;

	if (lock)
	{
		orch_exec(orch_plan(&plan_one_lock,
							"SELECT r.request_id FROM lastmile.transport_request r "
							"WHERE r.request_id = $1 FOR UPDATE OF r",
							1, &argtype), &arg, NULL, false, SPI_OK_SELECT);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("request %lld does not exist", (long long) id)));
	}
	orch_exec(orch_plan(&plan_one_full,
						"SELECT " REQ_COLS ", "
						" ARRAY[ST_X(r.destination), ST_Y(r.destination)], "
						" ARRAY(SELECT k.package_id FROM lastmile.package k WHERE k.request_id = r.request_id ORDER BY 1), "
						" ARRAY(SELECT k.dims FROM lastmile.package k WHERE k.request_id = r.request_id ORDER BY k.package_id), "
						" ARRAY(SELECT k.weight_kg FROM lastmile.package k WHERE k.request_id = r.request_id ORDER BY k.package_id), "
						" ARRAY(SELECT k.tracking IS NOT NULL FROM lastmile.package k WHERE k.request_id = r.request_id ORDER BY k.package_id), "
						" ARRAY(SELECT x.carrier_id || ' ' || x.price FROM ("
						"   SELECT DISTINCT ON (q.carrier_id) q.carrier_id, q.price FROM lastmile.quote q "
						"   WHERE q.request_id = r.request_id AND (q.expires_at IS NULL OR q.expires_at > now()) "
						"   ORDER BY q.carrier_id, q.created_at DESC, q.quote_id DESC) x), "
						" ARRAY(SELECT d.carrier_id FROM lastmile.carrier_day d WHERE d.ship_date = r.ship_date ORDER BY 1), "
						" ARRAY(SELECT d.used FROM lastmile.carrier_day d WHERE d.ship_date = r.ship_date ORDER BY d.carrier_id), "
						" r.ctid, "
						" ARRAY(SELECT k.ctid FROM lastmile.package k WHERE k.request_id = r.request_id ORDER BY k.package_id) "
						"FROM lastmile.transport_request r "
						"LEFT JOIN lastmile.place o ON o.place_id = r.origin_id "
						"WHERE r.request_id = $1",
						1, &argtype), &arg, NULL, !lock, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("request %lld does not exist", (long long) id)));
	t = SPI_tuptable->vals[0];
	td = SPI_tuptable->tupdesc;
	req_from_tuple(cat, r, t, td);

	/* covering areas of the destination (an empty point: none) */
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(t, td, 9, &isnull)), FLOAT8OID, 8, FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &el, &nl, &n);
	if (n == 2 && !nl[0] && !nl[1])
		r->narea = orch_covering_areas(cat, DatumGetFloat8(el[0]), DatumGetFloat8(el[1]), &r->areas);

	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(t, td, 10, &isnull)), INT8OID, 8, FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &el, &nl, &n);
	r->npk = n;
	r->pk = palloc(sizeof(LmPackage) * Max(n, 1));
	r->pk_id = palloc(sizeof(int64) * Max(n, 1));
	r->pk_tracked = palloc(sizeof(bool) * Max(n, 1));
	for (int i = 0; i < n; i++)
		r->pk_id[i] = DatumGetInt64(el[i]);
	{
		ArrayType  *arr = DatumGetArrayTypeP(SPI_getbinval(t, td, 11, &isnull));
		int16		typlen;
		bool		typbyval;
		char		typalign;
		int			m;

		get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
		deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &el, &nl, &m);
		for (int i = 0; i < n && i < m; i++)
		{
			if (nl[i])
				r->pk[i].side[0] = r->pk[i].side[1] = r->pk[i].side[2] = 0.0;
			else
				memcpy(r->pk[i].side, DatumGetPointer(el[i]), 3 * sizeof(double));
		}
	}
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(t, td, 12, &isnull)), FLOAT8OID, 8, FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &el, &nl, &n);
	for (int i = 0; i < n && i < r->npk; i++)
		r->pk[i].weight_kg = nl[i] ? 0.0 : DatumGetFloat8(el[i]);
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(t, td, 13, &isnull)), BOOLOID, 1, true,
					  TYPALIGN_CHAR, &el, &nl, &n);
	for (int i = 0; i < n && i < r->npk; i++)
		r->pk_tracked[i] = !nl[i] && DatumGetBool(el[i]);

	/* quotes as "carrier_id price" (carrier ids hold no space? split at the last one) */
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(t, td, 14, &isnull)), TEXTOID, -1, false,
					  TYPALIGN_INT, &el, &nl, &n);
	r->q = palloc(sizeof(Quote) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		char	   *qs = TextDatumGetCString(el[i]);
		char	   *sp = strrchr(qs, ' ');

		*sp = '\0';
		r->q[r->nq].carrier = orch_carrier_find(cat, qs);
		r->q[r->nq].price = orch_dec_from_text(sp + 1, "quote price");
		r->nq++;
	}

	/* the row versions read, which the writer updates */
	r->tid = *(ItemPointer) DatumGetPointer(SPI_getbinval(t, td, 17, &isnull));
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(t, td, 18, &isnull)), TIDOID, sizeof(ItemPointerData),
					  false, TYPALIGN_SHORT, &el, &nl, &n);
	r->pk_tid = palloc(sizeof(ItemPointerData) * Max(r->npk, 1));
	for (int i = 0; i < n && i < r->npk; i++)
		r->pk_tid[i] = *(ItemPointer) DatumGetPointer(el[i]);

	used = used_from_arrays(cat, t, td, 15);
	if (r->counted && used[r->old_carrier] > 0)
		used[r->old_carrier]--;
	return used;
}


