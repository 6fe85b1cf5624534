/*
 * decision_json.c — the Datums of a decision: exact decimal prices as
 * numeric, and the ranking / rejected jsonb of the allocation log.
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

Numeric
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

const char *
zone_name(OrchCatalog *cat, const Cand *c)
{
	return c->zone >= 0 ? cat->carriers[c->carrier].zones[c->zone].name : NULL;
}

/* ranking jsonb: array best first */
Jsonb *
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
Jsonb *
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

Datum
reasons_array(unsigned mask)
{
	Datum		elems[LM_N_REASONS];
	int			n = 0;

	for (int b = 0; b < LM_N_REASONS; b++)
		if (mask & (1u << b))
			elems[n++] = CStringGetTextDatum(lm_reason_names[b]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

