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
	w->scratch = AllocSetContextCreate(CurrentMemoryContext, "lastmile decision", ALLOCSET_DEFAULT_SIZES);
	w->slot = palloc(sizeof(int) * Max(ncarriers, 1));
	w->req_id = palloc(sizeof(Datum) * n);
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
writer_pk(Writer *w, int64 id, const char *tracking)
{
	if (w->npk == w->pkcap)
	{
		w->pkcap = w->pkcap ? w->pkcap * 2 : 64;
		w->pk_id = w->pk_id ? repalloc(w->pk_id, sizeof(Datum) * w->pkcap) : palloc(sizeof(Datum) * w->pkcap);
		w->pk_tracking = w->pk_tracking ? repalloc(w->pk_tracking, sizeof(Datum) * w->pkcap) : palloc(sizeof(Datum) * w->pkcap);
		w->pk_null = w->pk_null ? repalloc(w->pk_null, sizeof(bool) * w->pkcap) : palloc(sizeof(bool) * w->pkcap);
	}
	w->pk_id[w->npk] = Int64GetDatum(id);
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
			writer_pk(w, r->pk_id[p], t);
		}
		writer_delta(w, c->carrier, r->ship_date, 1);
	}
	else
	{
		for (int p = 0; p < r->npk; p++)
			if (r->pk_tracked[p])
				writer_pk(w, r->pk_id[p], NULL);
	}
	if (r->counted)
		writer_delta(w, r->old_carrier, r->ship_date, -1);
	{
		/* build in a scratch context, keep only the two results */
		MemoryContext old = MemoryContextSwitchTo(w->scratch);
		Jsonb	   *rk = ranking_jsonb(cat, cand, opts, m);
		Jsonb	   *rj = rejected_jsonb(cat, cand, n, w->slot);

		MemoryContextSwitchTo(old);
		w->ranking[i] = PointerGetDatum(memcpy(palloc(VARSIZE(rk)), rk, VARSIZE(rk)));
		w->rejected[i] = PointerGetDatum(memcpy(palloc(VARSIZE(rj)), rj, VARSIZE(rj)));
		MemoryContextReset(w->scratch);
	}
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
			plan_upd_days;

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

/* Writes the decisions recorded in w: allocation rows, requests, packages, counters. */
void
writer_flush(OrchCatalog *cat, Writer *w)
{
	Datum		v[11];
	char		nulls[11];
	Oid			t[11];

	if (w->n == 0)
		return;

	/* allocation log */
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
	memset(nulls, ' ', sizeof(nulls));
	orch_exec(orch_plan(&plan_ins_alloc,
						"INSERT INTO lastmile.allocation (request_id, carrier_id, price, score, cost_score, "
						"quality_score, environment_score, ranking, rejected, zone, co2_g) "
						"SELECT * FROM unnest($1::int8[], $2::text[], $3::numeric[], $4::float8[], "
						"$5::float8[], $6::float8[], $7::float8[], $8::jsonb[], $9::jsonb[], $10::text[], $11::float8[])",
						11, t), v, nulls, false, SPI_OK_INSERT);

	PHASE("  insert allocation");
	/* requests: the capacity trigger stands aside, the counters are written below */
	orch_capacity_trigger_off = true;
	PG_TRY();
	{
		orch_exec(orch_plan(&plan_upd_req,
							"UPDATE lastmile.transport_request r SET "
							"status = CASE WHEN u.c IS NULL THEN 'unallocatable' ELSE 'allocated' END::lastmile.request_status, "
							"carrier_id = u.c, price = u.p "
							"FROM unnest($1::int8[], $2::text[], $3::numeric[]) AS u(id, c, p) "
							"WHERE r.request_id = u.id",
							3, t), v, nulls, false, SPI_OK_UPDATE);
	}
	PG_FINALLY();
	{
		orch_capacity_trigger_off = false;
	}
	PG_END_TRY();

	PHASE("  update requests");
	/* packages */
	if (w->npk > 0)
	{
		Oid			pt[2] = {INT8ARRAYOID, TEXTARRAYOID};
		Datum		pv[2];

		pv[0] = PointerGetDatum(mkarr(w->pk_id, NULL, w->npk, INT8OID));
		pv[1] = PointerGetDatum(mkarr(w->pk_tracking, w->pk_null, w->npk, TEXTOID));
		orch_exec(orch_plan(&plan_upd_pkg,
							"UPDATE lastmile.package p SET tracking = u.t "
							"FROM unnest($1::int8[], $2::text[]) AS u(id, t) WHERE p.package_id = u.id",
							2, pt), pv, "  ", false, SPI_OK_UPDATE);
	}

	PHASE("  update packages");
	/* counters, in carrier_id then day order */
	if (w->nd > 0)
	{
		Oid			dt[3] = {TEXTARRAYOID, DATEARRAYOID, INT4ARRAYOID};
		Datum		dv[3];
		int		   *ord = palloc(sizeof(int) * w->nd);
		Datum	   *dc = palloc(sizeof(Datum) * w->nd);
		Datum	   *dd = palloc(sizeof(Datum) * w->nd);
		Datum	   *dn = palloc(sizeof(Datum) * w->nd);
		int			k = 0;

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
		if (k > 0)
		{
			dv[0] = PointerGetDatum(mkarr(dc, NULL, k, TEXTOID));
			dv[1] = PointerGetDatum(mkarr(dd, NULL, k, DATEOID));
			dv[2] = PointerGetDatum(mkarr(dn, NULL, k, INT4OID));
			orch_exec_as_owner(orch_plan(&plan_upd_days,
								"INSERT INTO lastmile.carrier_day AS d (carrier_id, ship_date, used) "
								"SELECT * FROM unnest($1::text[], $2::date[], $3::int4[]) "
								"ON CONFLICT (ship_date, carrier_id) DO UPDATE SET used = d.used + excluded.used",
								3, dt), dv, "   ", false, SPI_OK_INSERT);
		}
	}
}

