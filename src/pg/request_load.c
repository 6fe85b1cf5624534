/*
 * request_load.c — reading what a decision needs: the request rows, their
 * packages, live quotes and covering areas, for one request or for a chunk
 * of a wave in one statement each.
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/relscan.h"
#include "executor/tuptable.h"
#include "executor/executor.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
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
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
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

/*
 * A live quote (SPEC §3): not expired, and the most recently written of its
 * carrier for the request wins.  One definition for the wave and for one
 * request.
 */
#define LIVE_QUOTE "(q.expires_at IS NULL OR q.expires_at > now())"
#define NEWEST_QUOTE_FIRST "q.created_at DESC, q.quote_id DESC"

static SPIPlanPtr plan_quotes;

static void load_packages(Req *reqs, int n, bool read_only);

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
	 * Covering areas: looked up in the catalog's copy of the area shapes
	 * (src/core/geo.c, the point-in-polygon rule of ST_Covers), on the
	 * coordinates read with the wave.
	 */
	for (int i = 0; i < n; i++)
		reqs[i].narea = orch_covering_areas(cat, reqs[i].x, reqs[i].y, &reqs[i].areas);

	PHASE("  sectors");
	/* packages: through their index, else one query */
	load_packages(reqs, n, false);

	PHASE("  packages");
	/* live quotes: the most recently written per carrier */
	orch_exec(orch_plan(&plan_quotes,
						"SELECT DISTINCT ON (u.n, q.carrier_id) u.n::int4, q.carrier_id, q.price::text "
						"FROM unnest($1::int8[]) WITH ORDINALITY AS u(id, n) "
						"JOIN lastmile.quote q ON q.request_id = u.id "
						"WHERE " LIVE_QUOTE " "
						"ORDER BY u.n, q.carrier_id, " NEWEST_QUOTE_FIRST,
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

/* a request's packages, in package_id order, as load_one reads them */
typedef struct PkgRow
{
	int64		id;
	LmPackage	pk;
	bool		tracked;
	ItemPointerData tid;
} PkgRow;

static int
pkgrow_cmp(const void *a, const void *b)
{
	const PkgRow *x = a;
	const PkgRow *y = b;

	return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

/*
 * Packages read through the btree index on lastmile.package(request_id),
 * without the executor: a ranking or an allocate of one request is mostly
 * this read otherwise, and a wave reads 1.5 packages a request.
 * pkg_reader_open returns false (the caller reads them through SQL) when
 * the caller lacks SELECT on the table (SQL raises the error), when row
 * level security applies to it (the policy decides), or when no such index
 * exists.  read_only: with the statement's snapshot; otherwise a new one,
 * as a read-write SPI query takes.
 */
typedef struct PkgReader
{
	Relation	rel;
	Relation	irel;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Snapshot	snap;
	AttrNumber	a_id,
				a_dims,
				a_kg,
				a_tracking;
} PkgReader;

static bool
pkg_reader_open(PkgReader *pr, bool read_only)
{
	Oid			relid = get_relname_relid("package", get_namespace_oid("lastmile", false));
	AttrNumber	a_req;
	Oid			index = InvalidOid;
	List	   *indexes;
	ListCell   *lc;

	memset(pr, 0, sizeof(PkgReader));
	if (!OidIsValid(relid) ||
		pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED)
		return false;
	a_req = get_attnum(relid, "request_id");
	pr->a_id = get_attnum(relid, "package_id");
	pr->a_dims = get_attnum(relid, "dims");
	pr->a_kg = get_attnum(relid, "weight_kg");
	pr->a_tracking = get_attnum(relid, "tracking");
	if (a_req <= 0 || pr->a_id <= 0 || pr->a_dims <= 0 || pr->a_kg <= 0 || pr->a_tracking <= 0)
		return false;

	pr->rel = table_open(relid, AccessShareLock);
	if (pr->rel->rd_rel->relam != HEAP_TABLE_AM_OID)
	{
		table_close(pr->rel, AccessShareLock);
		return false;
	}
	indexes = RelationGetIndexList(pr->rel);
	foreach(lc, indexes)
	{
		Relation	irel = index_open(lfirst_oid(lc), AccessShareLock);
		bool		fits = irel->rd_rel->relam == BTREE_AM_OID &&
			irel->rd_index->indisvalid && irel->rd_index->indkey.values[0] == a_req &&
			heap_attisnull(irel->rd_indextuple, Anum_pg_index_indpred, NULL);

		if (fits)
		{
			index = lfirst_oid(lc);
			pr->irel = irel;
			break;
		}
		index_close(irel, AccessShareLock);
	}
	list_free(indexes);
	if (!OidIsValid(index))
	{
		table_close(pr->rel, AccessShareLock);
		return false;
	}

	if (!read_only)
		CommandCounterIncrement();
	pr->snap = RegisterSnapshot(read_only ? GetActiveSnapshot() : GetTransactionSnapshot());
	pr->scan = index_beginscan(pr->rel, pr->irel, pr->snap, 1, 0);
	pr->slot = table_slot_create(pr->rel, NULL);
	return true;
}

/*
 * Appends the packages of request_id to (*rows)[*n ...], growing *rows
 * (*cap entries), in package_id order; returns how many.
 */
static int
pkg_reader_read(PkgReader *pr, int64 request_id, PkgRow **rows, int *n, int *cap)
{
	ScanKeyData key;
	int			first = *n;

	/* index column 1 = request_id */
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(request_id));
	index_rescan(pr->scan, &key, 1, NULL, 0);
	while (index_getnext_slot(pr->scan, ForwardScanDirection, pr->slot))
	{
		PkgRow	   *row;
		bool		isnull;
		Datum		d;

		if (*n == *cap)
		{
			*cap *= 2;
			*rows = repalloc(*rows, sizeof(PkgRow) * *cap);
		}
		row = &(*rows)[(*n)++];
		row->id = DatumGetInt64(slot_getattr(pr->slot, pr->a_id, &isnull));
		d = slot_getattr(pr->slot, pr->a_dims, &isnull);
		if (isnull)
			row->pk.side[0] = row->pk.side[1] = row->pk.side[2] = 0.0;
		else
			memcpy(row->pk.side, DatumGetPointer(d), 3 * sizeof(double));
		d = slot_getattr(pr->slot, pr->a_kg, &isnull);
		row->pk.weight_kg = isnull ? 0.0 : DatumGetFloat8(d);
		(void) slot_getattr(pr->slot, pr->a_tracking, &isnull);
		row->tracked = !isnull;
		row->tid = pr->slot->tts_tid;
	}
	qsort(*rows + first, *n - first, sizeof(PkgRow), pkgrow_cmp);
	return *n - first;
}

static void
pkg_reader_close(PkgReader *pr)
{
	ExecDropSingleTupleTableSlot(pr->slot);
	index_endscan(pr->scan);
	UnregisterSnapshot(pr->snap);
	index_close(pr->irel, AccessShareLock);
	table_close(pr->rel, AccessShareLock);
}

/*
 * The packages of reqs[0..n), in package_id order, into arrays shared by
 * them: through the request_id index (pkg_reader_open says when), else in
 * one query.  read_only as for pkg_reader_open and SPI.
 */
static SPIPlanPtr plan_pkgs;

static void
load_packages(Req *reqs, int n, bool read_only)
{
	PkgReader	pr;
	PkgRow	   *rows;
	int			total = 0,
				cap = Max(n * 2, 4);
	int		   *count = palloc0(sizeof(int) * Max(n, 1));
	LmPackage  *pk;
	int64	   *pid;
	bool	   *tr;
	ItemPointerData *tid;

	rows = palloc(sizeof(PkgRow) * cap);
	if (pkg_reader_open(&pr, read_only))
	{
		for (int i = 0; i < n; i++)
			count[i] = pkg_reader_read(&pr, reqs[i].request_id, &rows, &total, &cap);
		pkg_reader_close(&pr);
	}
	else
	{
		Datum	   *ids = palloc(sizeof(Datum) * Max(n, 1));
		Datum		arg;
		Oid			argtype = INT8ARRAYOID;
		SPITupleTable *tt;

		for (int i = 0; i < n; i++)
			ids[i] = Int64GetDatum(reqs[i].request_id);
		arg = PointerGetDatum(construct_array(ids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		orch_exec(orch_plan(&plan_pkgs,
							"SELECT u.n::int4, p.package_id, p.dims, p.weight_kg, p.tracking IS NOT NULL, p.ctid "
							"FROM unnest($1::int8[]) WITH ORDINALITY AS u(id, n) "
							"JOIN lastmile.package p ON p.request_id = u.id ORDER BY 1, 2",
							1, &argtype), &arg, NULL, read_only, SPI_OK_SELECT);
		tt = SPI_tuptable;
		total = (int) SPI_processed;
		if (total > cap)
			rows = repalloc(rows, sizeof(PkgRow) * total);
		for (int i = 0; i < total; i++)
		{
			HeapTuple	t = tt->vals[i];
			bool		isnull;
			Datum		d;

			count[DatumGetInt32(SPI_getbinval(t, tt->tupdesc, 1, &isnull)) - 1]++;
			rows[i].id = DatumGetInt64(SPI_getbinval(t, tt->tupdesc, 2, &isnull));
			d = SPI_getbinval(t, tt->tupdesc, 3, &isnull);
			if (isnull)
				rows[i].pk.side[0] = rows[i].pk.side[1] = rows[i].pk.side[2] = 0.0;
			else
				memcpy(rows[i].pk.side, DatumGetPointer(d), 3 * sizeof(double));
			d = SPI_getbinval(t, tt->tupdesc, 4, &isnull);
			rows[i].pk.weight_kg = isnull ? 0.0 : DatumGetFloat8(d);
			rows[i].tracked = DatumGetBool(SPI_getbinval(t, tt->tupdesc, 5, &isnull));
			rows[i].tid = *(ItemPointer) DatumGetPointer(SPI_getbinval(t, tt->tupdesc, 6, &isnull));
		}
		SPI_freetuptable(tt);
	}

	pk = palloc(sizeof(LmPackage) * Max(total, 1));
	pid = palloc(sizeof(int64) * Max(total, 1));
	tr = palloc(sizeof(bool) * Max(total, 1));
	tid = palloc(sizeof(ItemPointerData) * Max(total, 1));
	for (int i = 0, k = 0; i < n; i++)
	{
		Req		   *r = &reqs[i];

		r->npk = count[i];
		r->pk = &pk[k];
		r->pk_id = &pid[k];
		r->pk_tracked = &tr[k];
		r->pk_tid = &tid[k];
		for (int j = 0; j < count[i]; j++, k++)
		{
			pk[k] = rows[k].pk;
			pid[k] = rows[k].id;
			tr[k] = rows[k].tracked;
			tid[k] = rows[k].tid;
		}
	}
	pfree(rows);
}

/*
 * Loads request id into r: the request row with its destination and live
 * quotes in one statement, its packages as a wave reads them
 * (load_packages), and the capacity counters of its ship date,
 * returned as used[] per carrier not counting r itself (NULL with lock:
 * the caller reads them after taking the capacity locks).  With lock, the
 * request row is locked first (FOR UPDATE), so that the rest is read after
 * any wait.  P0002 when the request does not exist.
 */
#define LOAD_ONE_COLS \
	"SELECT " REQ_COLS ", " \
	" ARRAY[ST_X(r.destination), ST_Y(r.destination)], " \
	" ARRAY(SELECT x.carrier_id || ' ' || x.price FROM (" \
	"   SELECT DISTINCT ON (q.carrier_id) q.carrier_id, q.price FROM lastmile.quote q " \
	"   WHERE q.request_id = r.request_id AND " LIVE_QUOTE " " \
	"   ORDER BY q.carrier_id, " NEWEST_QUOTE_FIRST ") x), " \
	" r.ctid "
#define LOAD_ONE_FROM \
	"FROM lastmile.transport_request r " \
	"LEFT JOIN lastmile.place o ON o.place_id = r.origin_id " \
	"WHERE r.request_id = $1"

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
	/* packages first: reading them by index needs only the id */
	memset(r, 0, sizeof(Req));
	r->request_id = id;
	load_packages(r, 1, !lock);
	orch_exec(orch_plan(&plan_one_full, LOAD_ONE_COLS LOAD_ONE_FROM, 1, &argtype),
			  &arg, NULL, !lock, SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("request %lld does not exist", (long long) id)));
	t = SPI_tuptable->vals[0];
	td = SPI_tuptable->tupdesc;
	{
		/* req_from_tuple starts from a blank Req: keep the packages */
		Req			pk = *r;

		req_from_tuple(cat, r, t, td);
		r->npk = pk.npk;
		r->pk = pk.pk;
		r->pk_id = pk.pk_id;
		r->pk_tracked = pk.pk_tracked;
		r->pk_tid = pk.pk_tid;
	}

	/* covering areas of the destination (an empty point: none) */
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(t, td, 9, &isnull)), FLOAT8OID, 8, FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &el, &nl, &n);
	if (n == 2 && !nl[0] && !nl[1])
		r->narea = orch_covering_areas(cat, DatumGetFloat8(el[0]), DatumGetFloat8(el[1]), &r->areas);

	/* quotes as "carrier_id price" (split at the last space) */
	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(t, td, 10, &isnull)), TEXTOID, -1, false,
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

	/* the request row version read, which the writer updates */
	r->tid = *(ItemPointer) DatumGetPointer(SPI_getbinval(t, td, 11, &isnull));

	return lock ? NULL : used_for_one(cat, r, false, true);
}


