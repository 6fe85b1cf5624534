/*
 * allocate.c — the SQL-callable orchestration functions of SPEC §4:
 * eligibility, price, ranking, allocate, allocate_pending,
 * delivery_options.  All of them load requests (or a cart) the same way,
 * evaluate them with the same function over the same catalog, and differ
 * only in what they lock, write and return.
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

PG_FUNCTION_INFO_V1(lastmile_eligibility);
PG_FUNCTION_INFO_V1(lastmile_price);
PG_FUNCTION_INFO_V1(lastmile_ranking);
PG_FUNCTION_INFO_V1(lastmile_allocate);
PG_FUNCTION_INFO_V1(lastmile_allocate_pending);
PG_FUNCTION_INFO_V1(lastmile_tracking_valid);

/*
 * Phase timings at DEBUG1 (SET client_min_messages = debug1): the CPU time
 * of this backend and the wall-clock time of each phase; the difference is
 * time spent waiting (I/O, WAL flushes, locks, other processes).
 */
#include <time.h>
static double phase_cpu0;
static double phase_wall0;

static double
clock_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

void
orch_phase_start(void)
{
	phase_cpu0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
	phase_wall0 = clock_ms(CLOCK_MONOTONIC);
}

void
orch_phase(const char *name)
{
	double		cpu = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
	double		wall = clock_ms(CLOCK_MONOTONIC);

	elog(DEBUG1, "lastmile %s: %.3f ms CPU, %.3f ms wall", name, cpu - phase_cpu0, wall - phase_wall0);
	phase_cpu0 = cpu;
	phase_wall0 = wall;
}

/* requests decided per round of reads and bulk writes in allocate_pending */
#define CHUNK 32768

Datum
lastmile_eligibility(PG_FUNCTION_ARGS)
{
	int		   *used;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		id = PG_GETARG_INT64(0);
	OrchCatalog *cat;
	Scratch		s;
	Req			r;
	Cand	   *cand;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	cat = orch_catalog_get();
	scratch_init(&s, cat);
	used = load_one(cat, id, false, &r);
	cand = palloc(sizeof(Cand) * Max(cat->ncarriers, 1));
	n = evaluate(cat, &s, &r, used, cand);
	for (int i = 0; i < n; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		const char *z = zone_name(cat, &cand[i]);

		values[0] = CStringGetTextDatum(cat->carriers[cand[i].carrier].carrier_id);
		values[1] = BoolGetDatum(cand[i].reasons == 0);
		values[2] = reasons_array(cand[i].reasons);
		if (z)
			values[3] = CStringGetTextDatum(z);
		else
			nulls[3] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

Datum
lastmile_price(PG_FUNCTION_ARGS)
{
	int64		id = PG_GETARG_INT64(0);
	char	   *carrier_id = text_to_cstring(PG_GETARG_TEXT_PP(1));
	MemoryContext outer = CurrentMemoryContext;
	OrchCatalog *cat;
	Scratch		s;
	Req			r;
	Cand	   *cand;
	int			n;
	int			ci;
	Numeric		result = NULL;

	SPI_connect();
	cat = orch_catalog_get();
	scratch_init(&s, cat);
	s.price_all = true;
	load_one(cat, id, false, &r);
	cand = palloc(sizeof(Cand) * Max(cat->ncarriers, 1));
	n = evaluate(cat, &s, &r, NULL, cand);
	ci = orch_carrier_find(cat, carrier_id);
	for (int i = 0; i < n; i++)
		if (cand[i].carrier == ci && cand[i].has_price)
		{
			MemoryContext old = MemoryContextSwitchTo(outer);

			result = dec_numeric(cand[i].price);
			MemoryContextSwitchTo(old);
		}
	SPI_finish();
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(result);
}

Datum
lastmile_ranking(PG_FUNCTION_ARGS)
{
	int		   *used;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		id = PG_GETARG_INT64(0);
	OrchCatalog *cat;
	Scratch		s;
	Req			r;
	Cand	   *cand;
	LmOption   *opts;
	int			n,
				m;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	cat = orch_catalog_get();
	scratch_init(&s, cat);
	used = load_one(cat, id, false, &r);
	cand = palloc(sizeof(Cand) * Max(cat->ncarriers, 1));
	opts = palloc(sizeof(LmOption) * Max(cat->ncarriers, 1));
	n = evaluate(cat, &s, &r, used, cand);
	m = rank_options(cat, &r, cand, n, opts);
	for (int i = 0; i < m; i++)
	{
		Datum		values[8];
		bool		nulls[8] = {0};

		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(cat->carriers[cand[opts[i].carrier].carrier].carrier_id);
		values[2] = NumericGetDatum(dec_numeric(opts[i].price));
		values[3] = Float8GetDatum(opts[i].co2_g);
		values[4] = Float8GetDatum(opts[i].cost_score);
		values[5] = Float8GetDatum(opts[i].quality_score);
		values[6] = Float8GetDatum(opts[i].environment_score);
		values[7] = Float8GetDatum(opts[i].score);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

Datum
lastmile_allocate(PG_FUNCTION_ARGS)
{
	int64		id;
	bool		force;
	MemoryContext outer = CurrentMemoryContext;
	OrchCatalog *cat;
	Scratch		s;
	Req			r;
	Cand	   *cand;
	LmOption   *opts;
	int			n,
				m;
	Writer		w;
	const LmOption *win;
	text	   *result = NULL;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("request_id must not be null")));
	id = PG_GETARG_INT64(0);
	force = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);

	SPI_connect();
	cat = orch_catalog_get();
	scratch_init(&s, cat);
	load_one(cat, id, true, &r);
	if (!force && strcmp(r.status, "new") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("request %lld is not new: its status is %s", (long long) id, r.status),
				 errhint("Use allocate(request_id, force => true) to allocate it again.")));
	cand = palloc(sizeof(Cand) * Max(cat->ncarriers, 1));
	opts = palloc(sizeof(LmOption) * Max(cat->ncarriers, 1));
	n = evaluate(cat, &s, &r, used_for_one(cat, &r, true, false), cand);
	m = rank_options(cat, &r, cand, n, opts);
	writer_init(&w, 1, cat->ncarriers);
	win = decide(cat, &w, &r, cand, n, opts, m);
	writer_flush(cat, &w);
	if (win != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(outer);

		result = cstring_to_text(cat->carriers[cand[win->carrier].carrier].carrier_id);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}

/* ------------------------------------------------------------------ */
/* allocate_pending: the whole wave                                     */
/* ------------------------------------------------------------------ */

static SPIPlanPtr plan_wave;

Datum
lastmile_allocate_pending(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		args[2];
	char		nulls[2];
	Oid			argtypes[2] = {TEXTOID, DATEOID};
	OrchCatalog *cat;
	Scratch		s;
	Req		   *reqs;
	int			nreq;
	Days		ds;
	bool	   *seen;
	Cand	   *cand;
	LmOption   *opts;
	MemoryContext chunk_cxt;

	InitMaterializedSRF(fcinfo, 0);
	args[0] = PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0);
	nulls[0] = PG_ARGISNULL(0) ? 'n' : ' ';
	args[1] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	nulls[1] = PG_ARGISNULL(1) ? 'n' : ' ';

	PHASE_START();
	SPI_connect();
	cat = orch_catalog_get();
	scratch_init(&s, cat);
	PHASE("catalog");

	/* the wave, locked; rows another transaction holds are left for later */
	orch_exec(orch_plan(&plan_wave,
						"SELECT " REQ_COLS ", ST_X(r.destination), ST_Y(r.destination), r.ctid "
						"FROM lastmile.transport_request r "
						"LEFT JOIN lastmile.place o ON o.place_id = r.origin_id "
						"WHERE r.status = 'new' AND ($1::text IS NULL OR r.retailer_id = $1) "
						"AND ($2::date IS NULL OR r.ship_date = $2) "
						"ORDER BY r.request_id FOR UPDATE OF r SKIP LOCKED",
						2, argtypes), args, nulls, false, SPI_OK_SELECT);
	nreq = (int) SPI_processed;
	PHASE("wave query");
	reqs = palloc(sizeof(Req) * Max(nreq, 1));
	memset(&ds, 0, sizeof(ds));
	ds.nc = cat->ncarriers;
	seen = palloc0(sizeof(bool) * Max(cat->nretailers, 1));
	{
		SPITupleTable *tt = SPI_tuptable;

		for (int i = 0; i < nreq; i++)
		{
			bool		isnull;
			Datum		d;

			req_from_tuple(cat, &reqs[i], tt->vals[i], tt->tupdesc);
			/* NULL: an empty point, covered by no area */
			d = SPI_getbinval(tt->vals[i], tt->tupdesc, 9, &isnull);
			reqs[i].x = isnull ? NAN : DatumGetFloat8(d);
			d = SPI_getbinval(tt->vals[i], tt->tupdesc, 10, &isnull);
			reqs[i].y = isnull ? NAN : DatumGetFloat8(d);
			/* the row version locked, which the writer updates */
			reqs[i].tid = *(ItemPointer) DatumGetPointer(SPI_getbinval(tt->vals[i], tt->tupdesc, 11, &isnull));
			days_get(&ds, reqs[i].ship_date);
			if (reqs[i].ret)
				seen[reqs[i].ret - cat->retailers] = true;
		}
		SPI_freetuptable(tt);
	}
	if (nreq > 0)
		lock_and_count(cat, &ds, seen, true, false);
	PHASE("requests and capacity locks");

	cand = palloc(sizeof(Cand) * Max(cat->ncarriers, 1));
	opts = palloc(sizeof(LmOption) * Max(cat->ncarriers, 1));
	chunk_cxt = AllocSetContextCreate(CurrentMemoryContext, "allocate_pending chunk", ALLOCSET_DEFAULT_SIZES);
	for (int from = 0; from < nreq; from += CHUNK)
	{
		int			to = Min(nreq, from + CHUNK);
		MemoryContext old = MemoryContextSwitchTo(chunk_cxt);
		Writer		w;

		CHECK_FOR_INTERRUPTS();
		load_details(cat, reqs + from, to - from);
		writer_init(&w, to - from, cat->ncarriers);
		PHASE("details");
		for (int i = from; i < to; i++)
		{
			Req		   *r = &reqs[i];
			int		   *used = days_get(&ds, r->ship_date);
			int			n = evaluate(cat, &s, r, used, cand);
			int			m = rank_options(cat, r, cand, n, opts);
			const LmOption *win = decide(cat, &w, r, cand, n, opts, m);
			Datum		values[4];
			bool		vnulls[4] = {false, false, false, false};

			if (win != NULL)
				used[cand[win->carrier].carrier]++;
			values[0] = Int64GetDatum(r->request_id);
			if (win != NULL)
			{
				values[1] = w.carrier[w.n - 1];
				values[2] = w.price[w.n - 1];
				values[3] = w.score[w.n - 1];
			}
			else
				vnulls[1] = vnulls[2] = vnulls[3] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, vnulls);
		}
		PHASE("decisions");
		writer_flush(cat, &w);
		PHASE("writes");
		MemoryContextSwitchTo(old);
		MemoryContextReset(chunk_cxt);
	}
	SPI_finish();
	return (Datum) 0;
}


Datum
lastmile_tracking_valid(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_BOOL(lm_tracking_valid(s));
}
