/*
 * writer.c — decisions recorded in memory (allocation row, request,
 * tracking numbers, capacity deltas) and written in bulk.
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

/* ------------------------------------------------------------------ */
/* Decisions and their bulk writes                                      */
/* ------------------------------------------------------------------ */


void
writer_init(Writer *w, int n, int ncarriers)
{
	memset(w, 0, sizeof(Writer));
	w->slot = palloc(sizeof(int) * Max(ncarriers, 1));
	w->req_id = palloc(sizeof(Datum) * n);
	w->req_tid = palloc(sizeof(ItemPointerData) * n);
	w->won = palloc0(sizeof(bool) * Max(ncarriers, 1));
	w->carrier = palloc(sizeof(Datum) * n);
	w->carrier_null = palloc(sizeof(bool) * n);
	w->price = palloc(sizeof(Datum) * n);
	w->score = palloc(sizeof(Datum) * n);
	w->cost = palloc(sizeof(Datum) * n);
	w->quality = palloc(sizeof(Datum) * n);
	w->env = palloc(sizeof(Datum) * n);
	w->score_null = palloc(sizeof(bool) * n);
	w->ranking = palloc(sizeof(Datum) * n);
	w->rejected = palloc(sizeof(Datum) * n);
	w->zone = palloc(sizeof(Datum) * n);
	w->zone_null = palloc(sizeof(bool) * n);
	w->co2 = palloc(sizeof(Datum) * n);
	w->block_used = 1000;
}

static void
writer_delta(Writer *w, int carrier, DateADT day, int delta)
{
	for (int i = 0; i < w->nd; i++)
		if (w->d_carrier[i] == carrier && w->d_day[i] == day)
		{
			w->d_delta[i] += delta;
			return;
		}
	if (w->nd == w->dcap)
	{
		w->dcap = w->dcap ? w->dcap * 2 : 16;
		w->d_carrier = w->d_carrier ? repalloc(w->d_carrier, sizeof(int) * w->dcap) : palloc(sizeof(int) * w->dcap);
		w->d_day = w->d_day ? repalloc(w->d_day, sizeof(DateADT) * w->dcap) : palloc(sizeof(DateADT) * w->dcap);
		w->d_delta = w->d_delta ? repalloc(w->d_delta, sizeof(int) * w->dcap) : palloc(sizeof(int) * w->dcap);
	}
	w->d_carrier[w->nd] = carrier;
	w->d_day[w->nd] = day;
	w->d_delta[w->nd] = delta;
	w->nd++;
}

static void
writer_pk(Writer *w, int64 id, ItemPointer tid, const char *tracking)
{
	if (w->npk == w->pkcap)
	{
		w->pkcap = w->pkcap ? w->pkcap * 2 : 64;
		w->pk_id = w->pk_id ? repalloc(w->pk_id, sizeof(Datum) * w->pkcap) : palloc(sizeof(Datum) * w->pkcap);
		w->pk_tid = w->pk_tid ? repalloc(w->pk_tid, sizeof(ItemPointerData) * w->pkcap) : palloc(sizeof(ItemPointerData) * w->pkcap);
		w->pk_tracking = w->pk_tracking ? repalloc(w->pk_tracking, sizeof(Datum) * w->pkcap) : palloc(sizeof(Datum) * w->pkcap);
		w->pk_null = w->pk_null ? repalloc(w->pk_null, sizeof(bool) * w->pkcap) : palloc(sizeof(bool) * w->pkcap);
	}
	w->pk_id[w->npk] = Int64GetDatum(id);
	w->pk_tid[w->npk] = *tid;
	w->pk_null[w->npk] = (tracking == NULL);
	w->pk_tracking[w->npk] = tracking ? CStringGetTextDatum(tracking) : (Datum) 0;
	w->npk++;
}

static int64
next_tracking_seq(Writer *w)
{
	if (w->block_used >= 1000)
	{
		Oid			seq_oid = get_relname_relid("tracking_block_seq",
												get_namespace_oid("lastmile", false));

		if (!OidIsValid(seq_oid))
			elog(ERROR, "sequence lastmile.tracking_block_seq does not exist");
		w->block = DatumGetInt64(DirectFunctionCall1(nextval_oid, ObjectIdGetDatum(seq_oid)));
		w->block_used = 0;
	}
	return w->block * 1000 + w->block_used++;
}

/*
 * Records the decision on r (cand[0..n) evaluated, opts[0..m) ranked) in
 * the writer; returns the winning option or NULL.
 */
const LmOption *
decide(OrchCatalog *cat, Writer *w, const Req *r, const Cand *cand, int n,
	   const LmOption *opts, int m)
{
	int			i = w->n++;
	const LmOption *win = m > 0 ? &opts[0] : NULL;

	w->req_id[i] = Int64GetDatum(r->request_id);
	w->req_tid[i] = r->tid;
	w->carrier_null[i] = (win == NULL);
	w->score_null[i] = (win == NULL);
	w->zone_null[i] = true;
	if (win != NULL)
	{
		const Cand *c = &cand[win->carrier];
		const OrchCarrier *car = &cat->carriers[c->carrier];
		const char *z = zone_name(cat, c);

		w->carrier[i] = PointerGetDatum(cstring_to_text_with_len(car->carrier_id, car->idlen));
		w->price[i] = NumericGetDatum(dec_numeric(win->price));
		w->score[i] = Float8GetDatum(win->score);
		w->cost[i] = Float8GetDatum(win->cost_score);
		w->quality[i] = Float8GetDatum(win->quality_score);
		w->env[i] = Float8GetDatum(win->environment_score);
		w->co2[i] = Float8GetDatum(win->co2_g);
		if (z)
		{
			w->zone[i] = CStringGetTextDatum(z);
			w->zone_null[i] = false;
		}
		for (int p = 0; p < r->npk; p++)
		{
			char		t[LM_TRACKING_LEN];

			if (!lm_tracking_make(car->prefix, (uint64) next_tracking_seq(w), t))
				elog(ERROR, "cannot make a tracking number with prefix \"%s\"", car->prefix);
			writer_pk(w, r->pk_id[p], &r->pk_tid[p], t);
		}
		writer_delta(w, c->carrier, r->ship_date, 1);
		w->won[c->carrier] = true;
	}
	else
	{
		for (int p = 0; p < r->npk; p++)
			if (r->pk_tracked[p])
				writer_pk(w, r->pk_id[p], &r->pk_tid[p], NULL);
	}
	if (r->counted)
		writer_delta(w, r->old_carrier, r->ship_date, -1);
	/* each palloc'd once, at its exact size (decision_json.c) */
	w->ranking[i] = PointerGetDatum(ranking_jsonb(cat, cand, opts, m));
	w->rejected[i] = PointerGetDatum(rejected_jsonb(cat, cand, n, w->slot));
	return win;
}

static ArrayType *
mkarr(Datum *v, bool *nulls, int n, Oid type)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			dims[1] = {n};
	int			lbs[1] = {1};

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	return construct_md_array(v, nulls, 1, dims, lbs, type, typlen, typbyval, typalign);
}


static SPIPlanPtr plan_ins_alloc,
			plan_upd_req,
			plan_upd_pkg,
			plan_upd_days,
			plan_lock_carriers;

static int
delta_cmp(const void *a, const void *b, void *arg)
{
	const Writer *w = arg;
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	if (w->d_carrier[x] != w->d_carrier[y])
		return w->d_carrier[x] < w->d_carrier[y] ? -1 : 1;
	if (w->d_day[x] != w->d_day[y])
		return w->d_day[x] < w->d_day[y] ? -1 : 1;
	return 0;
}

/* the allocation columns written, in this order */
#define ALLOC_NCOLS 11
static const char *const alloc_cols[ALLOC_NCOLS] = {
	"request_id", "carrier_id", "price", "score", "cost_score", "quality_score",
	"environment_score", "ranking", "rejected", "zone", "co2_g"
};
static const Oid alloc_types[ALLOC_NCOLS] = {
	INT8OID, TEXTOID, NUMERICOID, FLOAT8OID, FLOAT8OID, FLOAT8OID,
	FLOAT8OID, JSONBOID, JSONBOID, TEXTOID, FLOAT8OID
};

static void
write_allocations(Writer *w)
{
	const char *why;
	HwRel	   *h = hw_open("allocation", CMD_INSERT, alloc_cols, alloc_types, ALLOC_NCOLS,
							NULL, false, &why);

	if (h != NULL)
	{
		Datum		v[ALLOC_NCOLS];
		bool		n[ALLOC_NCOLS];

		for (int i = 0; i < w->n; i++)
		{
			v[0] = w->req_id[i];
			n[0] = false;
			v[1] = w->carrier[i];
			v[2] = w->price[i];
			n[1] = n[2] = w->carrier_null[i];
			v[3] = w->score[i];
			v[4] = w->cost[i];
			v[5] = w->quality[i];
			v[6] = w->env[i];
			v[10] = w->co2[i];
			n[3] = n[4] = n[5] = n[6] = n[10] = w->score_null[i];
			v[7] = w->ranking[i];
			v[8] = w->rejected[i];
			n[7] = n[8] = false;
			v[9] = w->zone[i];
			n[9] = w->zone_null[i];
			hw_insert(h, v, n);
		}
		hw_close(h);
	}
	else
	{
		Datum		v[ALLOC_NCOLS];
		Oid			t[ALLOC_NCOLS];

		elog(DEBUG1, "lastmile writes lastmile.allocation through SQL: %s", why);
		t[0] = INT8ARRAYOID;
		t[1] = TEXTARRAYOID;
		t[2] = NUMERICARRAYOID;
		t[3] = t[4] = t[5] = t[6] = FLOAT8ARRAYOID;
		t[7] = t[8] = JSONBARRAYOID;
		t[9] = TEXTARRAYOID;
		t[10] = FLOAT8ARRAYOID;
		v[0] = PointerGetDatum(mkarr(w->req_id, NULL, w->n, INT8OID));
		v[1] = PointerGetDatum(mkarr(w->carrier, w->carrier_null, w->n, TEXTOID));
		v[2] = PointerGetDatum(mkarr(w->price, w->carrier_null, w->n, NUMERICOID));
		v[3] = PointerGetDatum(mkarr(w->score, w->score_null, w->n, FLOAT8OID));
		v[4] = PointerGetDatum(mkarr(w->cost, w->score_null, w->n, FLOAT8OID));
		v[5] = PointerGetDatum(mkarr(w->quality, w->score_null, w->n, FLOAT8OID));
		v[6] = PointerGetDatum(mkarr(w->env, w->score_null, w->n, FLOAT8OID));
		v[7] = PointerGetDatum(mkarr(w->ranking, NULL, w->n, JSONBOID));
		v[8] = PointerGetDatum(mkarr(w->rejected, NULL, w->n, JSONBOID));
		v[9] = PointerGetDatum(mkarr(w->zone, w->zone_null, w->n, TEXTOID));
		v[10] = PointerGetDatum(mkarr(w->co2, w->score_null, w->n, FLOAT8OID));
		orch_exec(orch_plan(&plan_ins_alloc,
							"INSERT INTO lastmile.allocation (request_id, carrier_id, price, score, cost_score, "
							"quality_score, environment_score, ranking, rejected, zone, co2_g) "
							"SELECT * FROM unnest($1::int8[], $2::text[], $3::numeric[], $4::float8[], "
							"$5::float8[], $6::float8[], $7::float8[], $8::jsonb[], $9::jsonb[], $10::text[], $11::float8[])",
							ALLOC_NCOLS, t), v, NULL, false, SPI_OK_INSERT);
	}
}

/*
 * What the foreign key transport_request.carrier_id → carrier would check
 * per row: the winning carriers exist and stay (neither deleted nor
 * re-keyed) until commit; locked at once, in carrier_id order, as the
 * tables' owner (as the foreign-key check runs).
 */
static void
lock_winners(OrchCatalog *cat, Writer *w, const char *fk_name)
{
	Datum	   *ids = palloc(sizeof(Datum) * Max(cat->ncarriers, 1));
	bool	   *found = palloc0(sizeof(bool) * Max(cat->ncarriers, 1));
	int			k = 0;
	Oid			t = TEXTARRAYOID;
	Datum		arg;

	for (int c = 0; c < cat->ncarriers; c++)
		if (w->won[c])
			ids[k++] = CStringGetTextDatum(cat->carriers[c].carrier_id);
	if (k == 0)
		return;
	arg = PointerGetDatum(mkarr(ids, NULL, k, TEXTOID));
	orch_exec_as_owner(orch_plan(&plan_lock_carriers,
								 "SELECT carrier_id FROM lastmile.carrier WHERE carrier_id = ANY ($1::text[]) "
								 "ORDER BY carrier_id FOR KEY SHARE",
								 1, &t), &arg, NULL, false, SPI_OK_SELECT);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		int			c = orch_carrier_find(cat, orch_getstr(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));

		if (c >= 0)
			found[c] = true;
	}
	for (int c = 0; c < cat->ncarriers; c++)
		if (w->won[c] && !found[c])
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("insert or update on table \"%s\" violates foreign key constraint \"%s\"",
							"transport_request", fk_name),
					 errdetail("Key (carrier_id)=(%s) is not present in table \"%s\".",
							   cat->carriers[c].carrier_id, "carrier")));
}

static void
write_requests(OrchCatalog *cat, Writer *w)
{
	static const char *const cols[3] = {"status", "carrier_id", "price"};
	static const Oid types[3] = {InvalidOid, TEXTOID, NUMERICOID};
	const char *why;
	HwRel	   *h = hw_open("transport_request", CMD_UPDATE, cols, types, 3, "request_id", true, &why);

	if (h != NULL)
	{
		Oid			status_type = hw_coltype(h, 0);
		Datum		allocated = DirectFunctionCall2(enum_in, CStringGetDatum("allocated"),
													ObjectIdGetDatum(status_type));
		Datum		unallocatable = DirectFunctionCall2(enum_in, CStringGetDatum("unallocatable"),
														ObjectIdGetDatum(status_type));

		if (hw_fk_name(h) != NULL)
			lock_winners(cat, w, hw_fk_name(h));
		for (int i = 0; i < w->n; i++)
		{
			Datum		v[3];
			bool		n[3];

			v[0] = w->carrier_null[i] ? unallocatable : allocated;
			n[0] = false;
			v[1] = w->carrier[i];
			v[2] = w->price[i];
			n[1] = n[2] = w->carrier_null[i];
			hw_update(h, &w->req_tid[i], DatumGetInt64(w->req_id[i]), v, n);
		}
		hw_close(h);
		return;
	}

	elog(DEBUG1, "lastmile writes lastmile.transport_request through SQL: %s", why);
	/* the capacity trigger stands aside, the counters are written below */
	orch_capacity_trigger_off = true;
	PG_TRY();
	{
		Oid			t[3] = {INT8ARRAYOID, TEXTARRAYOID, NUMERICARRAYOID};
		Datum		v[3];

		v[0] = PointerGetDatum(mkarr(w->req_id, NULL, w->n, INT8OID));
		v[1] = PointerGetDatum(mkarr(w->carrier, w->carrier_null, w->n, TEXTOID));
		v[2] = PointerGetDatum(mkarr(w->price, w->carrier_null, w->n, NUMERICOID));
		orch_exec(orch_plan(&plan_upd_req,
							"UPDATE lastmile.transport_request r SET "
							"status = CASE WHEN u.c IS NULL THEN 'unallocatable' ELSE 'allocated' END::lastmile.request_status, "
							"carrier_id = u.c, price = u.p "
							"FROM unnest($1::int8[], $2::text[], $3::numeric[]) AS u(id, c, p) "
							"WHERE r.request_id = u.id",
							3, t), v, NULL, false, SPI_OK_UPDATE);
	}
	PG_FINALLY();
	{
		orch_capacity_trigger_off = false;
	}
	PG_END_TRY();
}

static void
write_packages(Writer *w)
{
	static const char *const cols[1] = {"tracking"};
	static const Oid types[1] = {TEXTOID};
	const char *why;
	HwRel	   *h;

	if (w->npk == 0)
		return;
	h = hw_open("package", CMD_UPDATE, cols, types, 1, "package_id", false, &why);
	if (h != NULL)
	{
		for (int i = 0; i < w->npk; i++)
			hw_update(h, &w->pk_tid[i], DatumGetInt64(w->pk_id[i]), &w->pk_tracking[i], &w->pk_null[i]);
		hw_close(h);
	}
	else
	{
		Oid			pt[2] = {INT8ARRAYOID, TEXTARRAYOID};
		Datum		pv[2];

		elog(DEBUG1, "lastmile writes lastmile.package through SQL: %s", why);
		pv[0] = PointerGetDatum(mkarr(w->pk_id, NULL, w->npk, INT8OID));
		pv[1] = PointerGetDatum(mkarr(w->pk_tracking, w->pk_null, w->npk, TEXTOID));
		orch_exec(orch_plan(&plan_upd_pkg,
							"UPDATE lastmile.package p SET tracking = u.t "
							"FROM unnest($1::int8[], $2::text[]) AS u(id, t) WHERE p.package_id = u.id",
							2, pt), pv, NULL, false, SPI_OK_UPDATE);
	}
}

/* counters, in carrier_id then day order */
static void
write_counters(OrchCatalog *cat, Writer *w)
{
	Oid			dt[3] = {TEXTARRAYOID, DATEARRAYOID, INT4ARRAYOID};
	Datum		dv[3];
	int		   *ord;
	Datum	   *dc,
			   *dd,
			   *dn;
	int			k = 0;

	if (w->nd == 0)
		return;
	ord = palloc(sizeof(int) * w->nd);
	dc = palloc(sizeof(Datum) * w->nd);
	dd = palloc(sizeof(Datum) * w->nd);
	dn = palloc(sizeof(Datum) * w->nd);
	for (int i = 0; i < w->nd; i++)
		ord[i] = i;
	qsort_arg(ord, w->nd, sizeof(int), delta_cmp, w);
	for (int i = 0; i < w->nd; i++)
	{
		int			j = ord[i];

		if (w->d_delta[j] == 0)
			continue;
		dc[k] = CStringGetTextDatum(cat->carriers[w->d_carrier[j]].carrier_id);
		dd[k] = DateADTGetDatum(w->d_day[j]);
		dn[k] = Int32GetDatum(w->d_delta[j]);
		k++;
	}
	if (k == 0)
		return;
	dv[0] = PointerGetDatum(mkarr(dc, NULL, k, TEXTOID));
	dv[1] = PointerGetDatum(mkarr(dd, NULL, k, DATEOID));
	dv[2] = PointerGetDatum(mkarr(dn, NULL, k, INT4OID));
	orch_exec_as_owner(orch_plan(&plan_upd_days,
								 "INSERT INTO lastmile.carrier_day AS d (carrier_id, ship_date, used) "
								 "SELECT * FROM unnest($1::text[], $2::date[], $3::int4[]) "
								 "ON CONFLICT (ship_date, carrier_id) DO UPDATE SET used = d.used + excluded.used",
								 3, dt), dv, "   ", false, SPI_OK_INSERT);
}

/*
 * Writes the decisions recorded in w: allocation rows, requests, packages
 * (through the table AM where heap_write.c allows it, else through SQL;
 * see docs/orchestration.md), then the capacity counters (SQL).
 */
void
writer_flush(OrchCatalog *cat, Writer *w)
{
	if (w->n == 0)
		return;
	write_allocations(w);
	PHASE("  insert allocation");
	write_requests(cat, w);
	PHASE("  update requests");
	write_packages(w);
	PHASE("  update packages");
	write_counters(cat, w);
}
