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

PG_FUNCTION_INFO_V1(lastmile_eligibility);
PG_FUNCTION_INFO_V1(lastmile_price);
PG_FUNCTION_INFO_V1(lastmile_ranking);
PG_FUNCTION_INFO_V1(lastmile_allocate);
PG_FUNCTION_INFO_V1(lastmile_allocate_pending);
PG_FUNCTION_INFO_V1(lastmile_delivery_options);
PG_FUNCTION_INFO_V1(lastmile_capacity_track);
PG_FUNCTION_INFO_V1(lastmile_tracking_valid);

bool		orch_capacity_trigger_off = false;

/* phase timings (CPU time of this backend) at DEBUG1: SET client_min_messages = debug1 */
#include <time.h>
static double phase_t0;
static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}
#define PHASE_START() (phase_t0 = cpu_ms())
#define PHASE(name) \
	do { \
		double		now_ = cpu_ms(); \
		elog(DEBUG1, "lastmile %s: %.3f ms", (name), now_ - phase_t0); \
		phase_t0 = now_; \
	} while (0)

/* requests decided per round of reads and bulk writes in allocate_pending */
#define CHUNK 32768

/* ------------------------------------------------------------------ */
/* Requests as loaded                                                   */
/* ------------------------------------------------------------------ */

typedef struct Quote
{
	int			carrier;
	LmDec		price;
} Quote;

typedef struct Req
{
	int64		request_id;
	OrchRetailer *ret;			/* NULL: unknown retailer (no contracts) */
	int			service;		/* index in lastmile.service, -1 unknown */
	DateADT		ship_date;
	double		km;				/* great-circle origin → destination */
	bool		counted;		/* old status holds capacity (force) */
	int			old_carrier;	/* its carrier then, -1 none */
	char	   *status;			/* old status */
	Datum		dest;			/* destination geometry (allocate_pending) */
	/* details, filled per chunk */
	int			npk;
	LmPackage  *pk;
	int64	   *pk_id;
	bool	   *pk_tracked;
	int			narea;
	int64	   *areas;
	int			nq;
	Quote	   *q;
} Req;

/* One contracted carrier of a request, evaluated. */
typedef struct Cand
{
	int			carrier;
	unsigned	reasons;
	int			zone;			/* -1 outside the sector */
	bool		has_price;
	LmDec		price;
	int			transit;
	double		co2;
} Cand;

/* request columns, in this order, for every loader */
#define REQ_COLS \
	"r.request_id, r.retailer_id, r.service, r.ship_date, " \
	"ST_DistanceSphere(o.location, r.destination), r.status::text, r.carrier_id, " \
	"r.status IN ('allocated', 'bundled', 'labelled', 'shipped', 'delivered') "

static void
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

static SPIPlanPtr plan_areas,
			plan_pkgs,
			plan_quotes;
static Oid	plan_areas_geomtype = InvalidOid;	/* geometry type plan_areas was made for */
static Oid	wave_geomtype = InvalidOid; /* type of transport_request.destination */

/* Loads sectors, packages and live quotes of reqs[0..n) (one query each). */
static void
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
	 * Covering areas: one GiST-indexed join for the whole chunk, on the
	 * destinations read with the wave (no second visit to the requests).
	 */
	{
		Datum	   *geoms = palloc(sizeof(Datum) * Max(n, 1));
		Datum		garg;
		Oid			gtype;
		int16		typlen;
		bool		typbyval;
		char		typalign;
		int		   *count;
		int		   *start;
		int64	   *all;

		if (plan_areas_geomtype != wave_geomtype && plan_areas != NULL)
		{
			SPI_freeplan(plan_areas);
			plan_areas = NULL;
		}
		plan_areas_geomtype = wave_geomtype;
		gtype = get_array_type(wave_geomtype);
		get_typlenbyvalalign(wave_geomtype, &typlen, &typbyval, &typalign);
		for (int i = 0; i < n; i++)
			geoms[i] = reqs[i].dest;
		garg = PointerGetDatum(construct_array(geoms, n, wave_geomtype, typlen, typbyval, typalign));
		orch_exec(orch_plan(&plan_areas,
							"SELECT u.n::int4, p.area_id FROM unnest($1) WITH ORDINALITY AS u(g, n) "
							"JOIN lastmile.area_part p ON ST_Covers(p.geom, u.g)",
							1, &gtype), &garg, NULL, false, SPI_OK_SELECT);
		tt = SPI_tuptable;
		td = tt->tupdesc;
		rows = (int) SPI_processed;
		/* group the rows by request (any order), one entry per area */
		count = palloc0(sizeof(int) * Max(n, 1));
		start = palloc(sizeof(int) * Max(n, 1));
		all = palloc(sizeof(int64) * Max(rows, 1));
		for (int i = 0; i < rows; i++)
		{
			bool		isnull;

			count[DatumGetInt32(SPI_getbinval(tt->vals[i], td, 1, &isnull)) - 1]++;
		}
		for (int i = 0, k = 0; i < n; i++)
		{
			start[i] = k;
			k += count[i];
			reqs[i].areas = &all[start[i]];
			reqs[i].narea = 0;
		}
		for (int i = 0; i < rows; i++)
		{
			bool		isnull;
			int			ix = DatumGetInt32(SPI_getbinval(tt->vals[i], td, 1, &isnull)) - 1;
			int64		a = DatumGetInt64(SPI_getbinval(tt->vals[i], td, 2, &isnull));
			Req		   *r = &reqs[ix];
			bool		dup = false;

			/* parts of one area: keep one */
			for (int j = 0; j < r->narea; j++)
				if (r->areas[j] == a)
					dup = true;
			if (!dup)
				r->areas[r->narea++] = a;
		}
	}

	PHASE("  sectors");
	/* packages */
	orch_exec(orch_plan(&plan_pkgs,
						"SELECT u.n::int4, p.package_id, p.dims, p.weight_kg, p.tracking IS NOT NULL "
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
/* Evaluation: the one place where SPEC §3 is applied                   */
/* ------------------------------------------------------------------ */

typedef struct Scratch
{
	int			nc;
	int		   *zone;			/* per carrier: zone of the smallest area */
	double	   *size;
	int64	   *area;
} Scratch;

static void
scratch_init(Scratch *s, OrchCatalog *cat)
{
	s->nc = cat->ncarriers;
	s->zone = palloc(sizeof(int) * Max(s->nc, 1));
	s->size = palloc(sizeof(double) * Max(s->nc, 1));
	s->area = palloc(sizeof(int64) * Max(s->nc, 1));
}

/*
 * Evaluates every contracted carrier of r into out[] (carrier_id order);
 * used[] = requests each carrier already holds on r's ship date (other
 * than r), or NULL to ignore capacity.  Returns the number of candidates.
 */
static int
evaluate(OrchCatalog *cat, Scratch *s, const Req *r, const int *used, Cand *out)
{
	int			n;

	if (r->ret == NULL)
		return 0;
	n = r->ret->ncontracts;

	/* zones: the smallest covering area of each carrier (tie: lower area_id) */
	for (int i = 0; i < n; i++)
		s->zone[r->ret->contracts[i].carrier] = -1;
	for (int a = 0; a < r->narea; a++)
	{
		const OrchArea *ar = orch_area_find(cat, r->areas[a]);

		if (ar == NULL)
			continue;
		for (int k = 0; k < ar->ncov; k++)
		{
			int			c = ar->cov[k].carrier;

			if (s->zone[c] < 0 || ar->size < s->size[c] ||
				(ar->size == s->size[c] && ar->area_id < s->area[c]))
			{
				s->zone[c] = ar->cov[k].zone;
				s->size[c] = ar->size;
				s->area[c] = ar->area_id;
			}
		}
	}

	for (int i = 0; i < n; i++)
	{
		const OrchContract *k = &r->ret->contracts[i];
		const OrchCarrier *c = &cat->carriers[k->carrier];
		Cand	   *o = &out[i];
		const Quote *q = NULL;

		o->carrier = k->carrier;
		o->reasons = 0;
		o->zone = s->zone[k->carrier];
		o->has_price = false;
		o->transit = 0;
		o->co2 = c->co2_per_km * r->km;

		if (r->service < 0 || r->service >= 64 || !(c->services & (UINT64CONST(1) << r->service)))
			o->reasons |= LM_R_SERVICE;
		for (int p = 0; p < r->npk; p++)
			o->reasons |= lm_package_reasons(&c->lim, &r->pk[p]);
		if (o->zone < 0)
			o->reasons |= LM_R_SECTOR;
		for (int j = 0; j < r->nq; j++)
			if (r->q[j].carrier == k->carrier)
				q = &r->q[j];
		if (q != NULL)
		{
			o->has_price = true;
			o->price = q->price;
		}
		if (o->zone >= 0)
		{
			const OrchZone *z = &c->zones[o->zone];
			LmDec		gp;
			int			transit;
			LmPriceStatus st = lm_grid_price(z->bands, z->nbands, r->pk, r->npk,
											 c->divisor, k->factor, c->fuel_pct,
											 &gp, &transit);

			if (st == LM_PRICE_OVERFLOW)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("price of request %lld with carrier \"%s\" is out of range",
								(long long) r->request_id, c->carrier_id)));
			if (st == LM_PRICE_OK)
			{
				o->transit = transit;
				if (q == NULL)
				{
					o->has_price = true;
					o->price = gp;
				}
			}
			else if (q == NULL)
				o->reasons |= LM_R_NO_RATE;
		}
		if (used != NULL && c->capacity >= 0 && used[k->carrier] >= c->capacity)
			o->reasons |= LM_R_CAPACITY;
	}
	return n;
}

/* the eligible candidates as options, ranked */
static int
rank_options(OrchCatalog *cat, const Req *r, const Cand *cand, int n, LmOption *opts)
{
	int			m = 0;

	for (int i = 0; i < n; i++)
	{
		if (cand[i].reasons != 0)
			continue;
		opts[m].carrier = i;	/* index into cand[] */
		opts[m].order = cand[i].carrier;
		opts[m].price = cand[i].price;
		opts[m].co2_g = cand[i].co2;
		opts[m].quality = cat->carriers[cand[i].carrier].quality;
		opts[m].transit_days = cand[i].transit;
		m++;
	}
	lm_rank(opts, m, r->ret->w_cost, r->ret->w_quality, r->ret->w_environment);
	return m;
}

/* ------------------------------------------------------------------ */
/* Datums                                                               */
/* ------------------------------------------------------------------ */

/*
 * m · 10^-scale as a Numeric, built directly in the short on-disk format
 * (what make_result() writes for values of moderate weight and scale);
 * falls back on int64_div_fast_to_numeric() otherwise.  The format is
 * PostgreSQL's stable on-disk numeric format (base-10000 digits).
 */
#define LM_NUMERIC_SHORT 0x8000
#define LM_NUMERIC_SHORT_SIGN_MASK 0x2000
#define LM_NUMERIC_SHORT_DSCALE_SHIFT 7
#define LM_NUMERIC_SHORT_WEIGHT_SIGN_MASK 0x0040
#define LM_NUMERIC_SHORT_WEIGHT_MASK 0x003F

static inline int
floor_div4(int e)
{
	return e >= 0 ? e / 4 : -((-e + 3) / 4);
}

static Numeric
fast_numeric(int64 m, int scale)
{
	char		dig[24];
	int			len = 0;
	uint64		u;
	bool		neg = m < 0;
	int			e_first,
				e_last,
				weight,
				ngroups,
				dscale = scale > 0 ? scale : 0;
	int16		groups[8];
	Numeric		res;
	int			size;

	if (m == PG_INT64_MIN || scale > 63 || scale < -20)
		return int64_div_fast_to_numeric(m, scale);
	u = neg ? (uint64) (-m) : (uint64) m;
	if (u == 0)
	{
		res = palloc(VARHDRSZ + sizeof(uint16));
		SET_VARSIZE(res, VARHDRSZ + sizeof(uint16));
		*(uint16 *) VARDATA(res) = LM_NUMERIC_SHORT | (dscale << LM_NUMERIC_SHORT_DSCALE_SHIFT);
		return res;
	}
	while (u > 0)
	{
		dig[len++] = (char) (u % 10);	/* least significant first */
		u /= 10;
	}
	e_first = (len - 1) - scale;	/* exponent of the leading digit */
	e_last = -scale;
	weight = floor_div4(e_first);
	if (weight > 63 || weight < -64)
		return int64_div_fast_to_numeric(m, scale);
	ngroups = weight - floor_div4(e_last) + 1;
	memset(groups, 0, sizeof(groups));
	for (int i = 0; i < len; i++)
	{
		int			e = e_last + i;
		int			g = weight - floor_div4(e);
		static const int16 p10[4] = {1, 10, 100, 1000};

		groups[g] += dig[i] * p10[e - 4 * floor_div4(e)];
	}
	while (ngroups > 0 && groups[ngroups - 1] == 0)
		ngroups--;
	size = VARHDRSZ + sizeof(uint16) + ngroups * sizeof(int16);
	res = palloc(size);
	SET_VARSIZE(res, size);
	*(uint16 *) VARDATA(res) = LM_NUMERIC_SHORT
		| (neg ? LM_NUMERIC_SHORT_SIGN_MASK : 0)
		| (dscale << LM_NUMERIC_SHORT_DSCALE_SHIFT)
		| (weight < 0 ? LM_NUMERIC_SHORT_WEIGHT_SIGN_MASK : 0)
		| (weight & LM_NUMERIC_SHORT_WEIGHT_MASK);
	memcpy(VARDATA(res) + sizeof(uint16), groups, ngroups * sizeof(int16));
	return res;
}

static Numeric
dec_numeric(LmDec d)
{
	return fast_numeric(d.m, d.s);
}

/* float8 as jsonb's numeric, with the digits float8out prints */
static Numeric
float_numeric(double x)
{
	char		buf[40];
	int			len = double_to_shortest_decimal_bufn(x, buf);
	int64		m = 0;
	int			scale = 0;
	int			exp10 = 0;
	bool		neg = false;
	bool		frac = false;
	int			i = 0;

	buf[len] = '\0';
	if (buf[0] == '-')
	{
		neg = true;
		i++;
	}
	for (; i < len; i++)
	{
		char		ch = buf[i];

		if (ch == '.')
			frac = true;
		else if (ch >= '0' && ch <= '9')
		{
			m = m * 10 + (ch - '0');
			if (frac)
				scale++;
		}
		else if (ch == 'e' || ch == 'E')
		{
			exp10 = atoi(buf + i + 1);
			break;
		}
	}
	scale -= exp10;
	return fast_numeric(neg ? -m : m, scale);
}

PG_FUNCTION_INFO_V1(lastmile_numeric_selftest);

/* internal: fast_numeric(m, scale) (tests compare it with numeric_in) */
Datum
lastmile_numeric_selftest(PG_FUNCTION_ARGS)
{
	PG_RETURN_NUMERIC(fast_numeric(PG_GETARG_INT64(0), PG_GETARG_INT32(1)));
}

static void
jb_key(JsonbParseState **st, const char *k)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) k;
	v.val.string.len = strlen(k);
	pushJsonbValue(st, WJB_KEY, &v);
}

static void
jb_str(JsonbParseState **st, const char *s, int len, JsonbIteratorToken tok)
{
	JsonbValue	v;

	if (s == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) s;
		v.val.string.len = len;
	}
	pushJsonbValue(st, tok, &v);
}

static void
jb_num(JsonbParseState **st, Numeric n)
{
	JsonbValue	v;

	v.type = jbvNumeric;
	v.val.numeric = n;
	pushJsonbValue(st, WJB_VALUE, &v);
}

static void
jb_float(JsonbParseState **st, double x)
{
	if (isfinite(x))
		jb_num(st, float_numeric(x));
	else
	{
		JsonbValue	v;

		v.type = jbvNull;
		pushJsonbValue(st, WJB_VALUE, &v);
	}
}

static const char *
zone_name(OrchCatalog *cat, const Cand *c)
{
	return c->zone >= 0 ? cat->carriers[c->carrier].zones[c->zone].name : NULL;
}

/* ranking jsonb: array best first */
static Jsonb *
ranking_jsonb(OrchCatalog *cat, const Cand *cand, const LmOption *opts, int m)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;

	pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < m; i++)
	{
		const Cand *c = &cand[opts[i].carrier];
		const OrchCarrier *car = &cat->carriers[c->carrier];
		const char *z = zone_name(cat, c);

		/* keys pushed in jsonb's storage order (length, then bytes) */
		pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
		jb_key(&st, "rank");
		jb_num(&st, fast_numeric(i + 1, 0));
		jb_key(&st, "zone");
		jb_str(&st, z, z ? strlen(z) : 0, WJB_VALUE);
		jb_key(&st, "co2_g");
		jb_float(&st, opts[i].co2_g);
		jb_key(&st, "price");
		jb_num(&st, dec_numeric(opts[i].price));
		jb_key(&st, "score");
		jb_float(&st, opts[i].score);
		jb_key(&st, "carrier_id");
		jb_str(&st, car->carrier_id, car->idlen, WJB_VALUE);
		jb_key(&st, "cost_score");
		jb_float(&st, opts[i].cost_score);
		jb_key(&st, "quality_score");
		jb_float(&st, opts[i].quality_score);
		jb_key(&st, "environment_score");
		jb_float(&st, opts[i].environment_score);
		pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	}
	res = pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	return JsonbValueToJsonb(res);
}

/* rejected jsonb: carrier_id → reasons, keys pushed in storage order */
static Jsonb *
rejected_jsonb(OrchCatalog *cat, const Cand *cand, int n, int *slot)
{
	JsonbParseState *st = NULL;
	JsonbValue *res;

	for (int i = 0; i < cat->ncarriers; i++)
		slot[i] = -1;
	for (int i = 0; i < n; i++)
		if (cand[i].reasons != 0)
			slot[cand[i].carrier] = i;
	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	for (int k = 0; k < cat->ncarriers; k++)
	{
		int			c = cat->carriers_jsonb_order[k];
		const OrchCarrier *car = &cat->carriers[c];
		int			i = slot[c];

		if (i < 0)
			continue;
		jb_str(&st, car->carrier_id, car->idlen, WJB_KEY);
		pushJsonbValue(&st, WJB_BEGIN_ARRAY, NULL);
		for (int b = 0; b < LM_N_REASONS; b++)
			if (cand[i].reasons & (1u << b))
				jb_str(&st, lm_reason_names[b], strlen(lm_reason_names[b]), WJB_ELEM);
		pushJsonbValue(&st, WJB_END_ARRAY, NULL);
	}
	res = pushJsonbValue(&st, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

static Datum
reasons_array(unsigned mask)
{
	Datum		elems[LM_N_REASONS];
	int			n = 0;

	for (int b = 0; b < LM_N_REASONS; b++)
		if (mask & (1u << b))
			elems[n++] = CStringGetTextDatum(lm_reason_names[b]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* ------------------------------------------------------------------ */
/* Capacity: advisory locks and counters                                */
/* ------------------------------------------------------------------ */

typedef struct DayUse
{
	DateADT		day;
	int		   *used;			/* per carrier */
} DayUse;

typedef struct Days
{
	int			n;
	int			cap;
	DayUse	   *d;
	int			nc;
} Days;

static int *
days_get(Days *ds, DateADT day)
{
	for (int i = 0; i < ds->n; i++)
		if (ds->d[i].day == day)
			return ds->d[i].used;
	if (ds->n == ds->cap)
	{
		ds->cap = ds->cap ? ds->cap * 2 : 8;
		ds->d = ds->d ? repalloc(ds->d, sizeof(DayUse) * ds->cap) : palloc(sizeof(DayUse) * ds->cap);
	}
	ds->d[ds->n].day = day;
	ds->d[ds->n].used = palloc0(sizeof(int) * Max(ds->nc, 1));
	return ds->d[ds->n++].used;
}

/* second key of lastmile's advisory locks ('lmca') */
#define LM_LOCK_CLASS 0x6c6d6361

typedef struct LockKey
{
	int32		k1;
	int32		k2;
} LockKey;

static int
lockkey_cmp(const void *a, const void *b)
{
	const LockKey *x = a;
	const LockKey *y = b;

	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	if (x->k2 != y->k2)
		return x->k2 < y->k2 ? -1 : 1;
	return 0;
}

/*
 * Takes the transaction advisory locks of the capped carriers of the given
 * retailers' contracts on the given days, in one global order (so that no
 * two allocators wait for each other), then reads the counters of those
 * days.
 */
static SPIPlanPtr plan_used;

static void
lock_and_count(OrchCatalog *cat, Days *ds, bool *retailer_seen, bool do_lock, bool read_only)
{
	if (do_lock)
	{
		int			nk = 0;
		LockKey    *keys;
		bool	   *cap = palloc0(sizeof(bool) * Max(cat->ncarriers, 1));

		for (int i = 0; i < cat->nretailers; i++)
		{
			if (!retailer_seen[i])
				continue;
			for (int k = 0; k < cat->retailers[i].ncontracts; k++)
			{
				int			c = cat->retailers[i].contracts[k].carrier;

				if (cat->carriers[c].capacity >= 0)
					cap[c] = true;
			}
		}
		/*
		 * One lock per capped carrier, whatever the days: a wave over a
		 * whole year takes 30 locks, not 30 × 365 (the shared lock table
		 * would not hold them); allocations of one carrier on different
		 * days serialise, which costs little.
		 */
		keys = palloc(sizeof(LockKey) * Max(cat->ncarriers, 1));
		for (int c = 0; c < cat->ncarriers; c++)
			if (cap[c])
			{
				keys[nk].k1 = cat->carriers[c].lock_key;
				keys[nk].k2 = LM_LOCK_CLASS;
				nk++;
			}
		qsort(keys, nk, sizeof(LockKey), lockkey_cmp);
		for (int i = 0; i < nk; i++)
		{
			if (i > 0 && lockkey_cmp(&keys[i], &keys[i - 1]) == 0)
				continue;
			DirectFunctionCall2(pg_advisory_xact_lock_int4,
								Int32GetDatum(keys[i].k1), Int32GetDatum(keys[i].k2));
		}
	}
	if (ds->n > 0)
	{
		Datum	   *days = palloc(sizeof(Datum) * ds->n);
		Datum		arg;
		Oid			argtype = DATEARRAYOID;
		SPITupleTable *tt;

		for (int i = 0; i < ds->n; i++)
			days[i] = DateADTGetDatum(ds->d[i].day);
		arg = PointerGetDatum(construct_array(days, ds->n, DATEOID, 4, true, TYPALIGN_INT));
		orch_exec(orch_plan(&plan_used,
							"SELECT ship_date, carrier_id, used FROM lastmile.carrier_day "
							"WHERE ship_date = ANY ($1::date[])",
							1, &argtype), &arg, NULL, read_only, SPI_OK_SELECT);
		tt = SPI_tuptable;
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			DateADT		day = DatumGetDateADT(SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull));
			int			c = orch_carrier_find(cat, SPI_getvalue(tt->vals[i], tt->tupdesc, 2));

			if (c >= 0)
				days_get(ds, day)[c] = DatumGetInt32(SPI_getbinval(tt->vals[i], tt->tupdesc, 3, &isnull));
		}
	}
}

/* ------------------------------------------------------------------ */
/* Decisions and their bulk writes                                      */
/* ------------------------------------------------------------------ */

typedef struct Writer
{
	int			n;
	Datum	   *req_id;
	Datum	   *carrier;
	bool	   *carrier_null;
	Datum	   *price;
	Datum	   *score;
	Datum	   *cost;
	Datum	   *quality;
	Datum	   *env;
	bool	   *score_null;
	Datum	   *ranking;
	Datum	   *rejected;
	Datum	   *zone;
	bool	   *zone_null;
	Datum	   *co2;
	/* packages */
	int			npk;
	int			pkcap;
	Datum	   *pk_id;
	Datum	   *pk_tracking;
	bool	   *pk_null;
	/* counters: delta per (carrier, day) */
	int			nd;
	int			dcap;
	int		   *d_carrier;
	DateADT    *d_day;
	int		   *d_delta;
	/* tracking sequence block */
	int64		block;
	int			block_used;
	/* scratch memory for one decision's jsonb */
	MemoryContext scratch;
	int		   *slot;
} Writer;

static void
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
static const LmOption *
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
static void
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
static int *
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
static int *
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
						" ARRAY(SELECT DISTINCT p.area_id FROM lastmile.area_part p "
						"       WHERE ST_Covers(p.geom, r.destination)), "
						" ARRAY(SELECT k.package_id FROM lastmile.package k WHERE k.request_id = r.request_id ORDER BY 1), "
						" ARRAY(SELECT k.dims FROM lastmile.package k WHERE k.request_id = r.request_id ORDER BY k.package_id), "
						" ARRAY(SELECT k.weight_kg FROM lastmile.package k WHERE k.request_id = r.request_id ORDER BY k.package_id), "
						" ARRAY(SELECT k.tracking IS NOT NULL FROM lastmile.package k WHERE k.request_id = r.request_id ORDER BY k.package_id), "
						" ARRAY(SELECT x.carrier_id || ' ' || x.price FROM ("
						"   SELECT DISTINCT ON (q.carrier_id) q.carrier_id, q.price FROM lastmile.quote q "
						"   WHERE q.request_id = r.request_id AND (q.expires_at IS NULL OR q.expires_at > now()) "
						"   ORDER BY q.carrier_id, q.created_at DESC, q.quote_id DESC) x), "
						" ARRAY(SELECT d.carrier_id FROM lastmile.carrier_day d WHERE d.ship_date = r.ship_date ORDER BY 1), "
						" ARRAY(SELECT d.used FROM lastmile.carrier_day d WHERE d.ship_date = r.ship_date ORDER BY d.carrier_id) "
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

	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(t, td, 9, &isnull)), INT8OID, 8, FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &el, &nl, &n);
	r->areas = palloc(sizeof(int64) * Max(n, 1));
	for (int i = 0; i < n; i++)
		r->areas[r->narea++] = DatumGetInt64(el[i]);

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

	used = used_from_arrays(cat, t, td, 15);
	if (r->counted && used[r->old_carrier] > 0)
		used[r->old_carrier]--;
	return used;
}

/* used[] of r's ship date (not counting r itself) */
static int *
used_for_one(OrchCatalog *cat, const Req *r, bool lock, bool read_only)
{
	Days		ds;
	bool	   *seen = palloc0(sizeof(bool) * Max(cat->nretailers, 1));
	int		   *used;

	memset(&ds, 0, sizeof(ds));
	ds.nc = cat->ncarriers;
	days_get(&ds, r->ship_date);
	if (r->ret)
		seen[r->ret - cat->retailers] = true;
	lock_and_count(cat, &ds, seen, lock, read_only);
	used = days_get(&ds, r->ship_date);
	if (r->counted && used[r->old_carrier] > 0)
		used[r->old_carrier]--;
	return used;
}

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
	m = n > 0 ? rank_options(cat, &r, cand, n, opts) : 0;
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
	m = n > 0 ? rank_options(cat, &r, cand, n, opts) : 0;
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
						"SELECT " REQ_COLS ", r.destination "
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

		wave_geomtype = SPI_gettypeid(tt->tupdesc, 9);
		for (int i = 0; i < nreq; i++)
		{
			bool		isnull;
			Datum		g;

			req_from_tuple(cat, &reqs[i], tt->vals[i], tt->tupdesc);
			g = SPI_getbinval(tt->vals[i], tt->tupdesc, 9, &isnull);
			if (isnull)
				elog(ERROR, "request %lld has no destination", (long long) reqs[i].request_id);
			reqs[i].dest = datumCopy(g, false, -1);
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
			int			m = n > 0 ? rank_options(cat, r, cand, n, opts) : 0;
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

/* ------------------------------------------------------------------ */
/* Capacity trigger and tracking check                                  */
/* ------------------------------------------------------------------ */

/*
 * AFTER INSERT / UPDATE / DELETE statement trigger on transport_request,
 * with transition tables old_rows / new_rows: moves the units of
 * lastmile.carrier_day of the requests that entered or left a counted
 * status, carrier or day, one upsert per (carrier, day) per statement, in
 * (carrier_id, ship_date) order.  allocate's own bulk writes switch it off
 * and write the counters themselves.
 */
Datum
lastmile_capacity_track(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	const char *counted = "status IN ('allocated', 'bundled', 'labelled', 'shipped', 'delivered') "
		"AND carrier_id IS NOT NULL";
	StringInfoData q;
	bool		has_old,
				has_new;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		!TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("lastmile.capacity_track() must be called as an AFTER STATEMENT trigger")));
	if (orch_capacity_trigger_off)
		return PointerGetDatum(NULL);
	has_old = td->tg_oldtable != NULL;
	has_new = td->tg_newtable != NULL;
	if (!has_old && !has_new)
		return PointerGetDatum(NULL);

	initStringInfo(&q);
	appendStringInfoString(&q,
						   "INSERT INTO lastmile.carrier_day AS d (carrier_id, ship_date, used) "
						   "SELECT carrier_id, ship_date, sum(delta) FROM (");
	if (has_old)
		appendStringInfo(&q, "SELECT carrier_id, ship_date, -1 AS delta FROM old_rows WHERE %s", counted);
	if (has_old && has_new)
		appendStringInfoString(&q, " UNION ALL ");
	if (has_new)
		appendStringInfo(&q, "SELECT carrier_id, ship_date, 1 AS delta FROM new_rows WHERE %s", counted);
	appendStringInfoString(&q,
						   ") AS x GROUP BY carrier_id, ship_date HAVING sum(delta) <> 0 "
						   "ORDER BY carrier_id, ship_date "
						   "ON CONFLICT (ship_date, carrier_id) DO UPDATE SET used = d.used + excluded.used");
	SPI_connect();
	if (SPI_register_trigger_data(td) != SPI_OK_TD_REGISTER)
		elog(ERROR, "SPI_register_trigger_data failed");
	if (SPI_execute(q.data, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "capacity counter update failed");
	SPI_finish();
	return PointerGetDatum(NULL);
}

Datum
lastmile_tracking_valid(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_BOOL(lm_tracking_valid(s));
}
