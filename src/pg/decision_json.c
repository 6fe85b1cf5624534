/*
 * decision_json.c — the Datums of a decision: exact decimal prices as
 * numeric, and the ranking / rejected jsonb of the allocation log, both
 * written directly in PostgreSQL's on-disk formats.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "orch.h"
#include "alloc.h"

/* ------------------------------------------------------------------ */
/* Numerics                                                             */
/* ------------------------------------------------------------------ */

/*
 * m · 10^-scale as a Numeric, built directly in the short on-disk format
 * (what make_result() writes for values of moderate weight and scale).
 * The format is PostgreSQL's stable on-disk numeric format (base-10000
 * digits).
 */
#define LM_NUMERIC_SHORT 0x8000
#define LM_NUMERIC_SHORT_SIGN_MASK 0x2000
#define LM_NUMERIC_SHORT_DSCALE_SHIFT 7
#define LM_NUMERIC_SHORT_DSCALE_MAX 63
#define LM_NUMERIC_SHORT_WEIGHT_SIGN_MASK 0x0040
#define LM_NUMERIC_SHORT_WEIGHT_MASK 0x003F

/* the most numeric_put() writes: 19 decimal digits span at most 6 groups */
#define LM_NUMERIC_MAX (VARHDRSZ + sizeof(uint16) + 8 * sizeof(int16))

static inline int
floor_div4(int e)
{
	return e >= 0 ? e / 4 : -((-e + 3) / 4);
}

/*
 * Writes m · 10^-scale at dst (at most LM_NUMERIC_MAX bytes, 4-byte varlena
 * header) as numeric_in would make it; returns its size, or 0 when the
 * value needs numeric's long format (then nothing is written).
 */
static int
numeric_put(char *dst, int64 m, int scale)
{
	static const uint32 p10[5] = {1, 10, 100, 1000, 10000};
	uint64		u;
	bool		neg = m < 0;
	int			dscale = scale > 0 ? scale : 0;
	int16		g[8];			/* base-10000 digits, least significant first */
	int			ng = 0,
				lo = 0,
				low,
				sh,
				weight,
				size;
	uint16		h;

	if (m == PG_INT64_MIN || scale > LM_NUMERIC_SHORT_DSCALE_MAX || scale < -20)
		return 0;
	u = neg ? (uint64) (-m) : (uint64) m;
	if (u == 0)
	{
		h = LM_NUMERIC_SHORT | (dscale << LM_NUMERIC_SHORT_DSCALE_SHIFT);
		SET_VARSIZE(dst, VARHDRSZ + sizeof(uint16));
		memcpy(dst + VARHDRSZ, &h, sizeof(uint16));
		return VARHDRSZ + sizeof(uint16);
	}

	/*
	 * The lowest group holds the decimal exponents 4·low .. 4·low + 3, low
	 * the weight of the last digit's group: m's last 4 − sh digits, shifted
	 * left by sh.  Every further group is 4 more digits; the last one made
	 * is never zero (19 digits make at most 6 groups).
	 */
	low = floor_div4(-scale);
	sh = -scale - 4 * low;
	g[ng++] = (int16) ((u % p10[4 - sh]) * p10[sh]);
	u /= p10[4 - sh];
	while (u > 0)
	{
		g[ng++] = (int16) (u % 10000);
		u /= 10000;
	}
	weight = low + ng - 1;
	if (weight > 63 || weight < -64)
		return 0;
	while (g[lo] == 0)
		lo++;					/* trailing zero groups are not stored */
	size = VARHDRSZ + sizeof(uint16) + (ng - lo) * sizeof(int16);
	SET_VARSIZE(dst, size);
	h = LM_NUMERIC_SHORT
		| (neg ? LM_NUMERIC_SHORT_SIGN_MASK : 0)
		| (dscale << LM_NUMERIC_SHORT_DSCALE_SHIFT)
		| (weight < 0 ? LM_NUMERIC_SHORT_WEIGHT_SIGN_MASK : 0)
		| (weight & LM_NUMERIC_SHORT_WEIGHT_MASK);
	memcpy(dst + VARHDRSZ, &h, sizeof(uint16));
	for (int k = ng - 1, d = 0; k >= lo; k--, d++)
		memcpy(dst + VARHDRSZ + sizeof(uint16) + d * sizeof(int16), &g[k], sizeof(int16));
	return size;
}

/* m · 10^-scale as a palloc'd Numeric, identical to numeric_in's */
static Numeric
fast_numeric(int64 m, int scale)
{
	Numeric		res = palloc(LM_NUMERIC_MAX);

	if (numeric_put((char *) res, m, scale) > 0)
		return res;
	pfree(res);
	return int64_div_fast_to_numeric(m, scale);
}

Numeric
dec_numeric(LmDec d)
{
	return fast_numeric(d.m, d.s);
}

/*
 * A finite float8 as m · 10^-scale with the digits float8out prints (the
 * shortest decimal that reads back as x): what jsonb_in makes of that text.
 */
static void
float_dec(double x, int64 *mp, int *scalep)
{
	char		buf[40];
	int			len = double_to_shortest_decimal_bufn(x, buf);
	int64		m = 0;
	int			scale = 0;
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
			scale -= atoi(buf + i + 1);
			break;
		}
	}
	*mp = neg ? -m : m;
	*scalep = scale;
}

PG_FUNCTION_INFO_V1(lastmile_numeric_selftest);

/* internal: fast_numeric(m, scale) (tests compare it with numeric_in) */
Datum
lastmile_numeric_selftest(PG_FUNCTION_ARGS)
{
	PG_RETURN_NUMERIC(fast_numeric(PG_GETARG_INT64(0), PG_GETARG_INT32(1)));
}

/* ------------------------------------------------------------------ */
/* jsonb, written directly in its on-disk format                        */
/* ------------------------------------------------------------------ */

/*
 * The decision log's two jsonb values are written byte for byte as
 * jsonb_in (convertToJsonb() in jsonb_util.c) writes the same text:
 *
 *   varlena header, then the root container;
 *   a container: padding to a multiple of 4 (counted in its length),
 *     a uint32 header (count | JB_FARRAY or JB_FOBJECT), one JEntry per
 *     child (an object: its keys, sorted by length then bytes, then its
 *     values in the same order), then the children's data in that order;
 *   a JEntry: type bits | the child's length, except every
 *     JB_OFFSET_STRIDE-th child (index 0, 32, ...; an object's values
 *     counting after its keys) which holds JENTRY_HAS_OFF | the end offset
 *     of its data instead;
 *   a string: its bytes; a numeric: padding to 4 (counted in its length),
 *     then the Numeric as numeric_in makes it (4-byte varlena header);
 *     null: no data.
 *
 * Everything is written into one buffer kept for the backend's life and
 * reused, and the finished value copied once into a palloc'd Jsonb of its
 * exact size: no allocation per value.  test/tap/42_decision_json.sql
 * checks the bytes against jsonb_in on a generated wave.
 */
static char *jb_buf;
static uint32 jb_len;
static uint32 jb_cap;

static void
jb_grow(uint32 n)
{
	Size		cap = jb_cap ? jb_cap : 8192;

	while (cap < (Size) jb_len + n)
		cap *= 2;
	if (cap > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("decision jsonb of %u bytes exceeds the maximum allowed size", jb_len + n)));
	jb_buf = jb_buf ? repalloc(jb_buf, cap) : MemoryContextAlloc(TopMemoryContext, cap);
	jb_cap = (uint32) cap;
}

/* room for n more bytes */
static inline void
jb_need(uint32 n)
{
	if (jb_len + n > jb_cap)
		jb_grow(n);
}

static inline void
jb_put32(uint32 off, uint32 v)
{
	memcpy(jb_buf + off, &v, sizeof(uint32));
}

/* zero bytes up to a multiple of 4 (of the varlena, header included) */
static inline uint32
jb_pad(void)
{
	uint32		pad = INTALIGN(jb_len) - jb_len;

	jb_need(pad);
	for (uint32 p = 0; p < pad; p++)
		jb_buf[jb_len++] = '\0';
	return pad;
}

/* starts a value: the buffer holds only its varlena header */
static inline void
jb_begin(void)
{
	jb_len = 0;
	jb_need(VARHDRSZ);
	jb_len = VARHDRSZ;
}

/* the finished value, copied out in CurrentMemoryContext */
static Jsonb *
jb_end(void)
{
	Jsonb	   *res = palloc(jb_len);

	memcpy(res, jb_buf, jb_len);
	SET_VARSIZE(res, jb_len);
	return res;
}

/*
 * Opens a container (an array of n elements or an object of n pairs, as
 * flags say): pads, writes the header and reserves the JEntries (n, or 2n
 * for an object); returns where it started (its length counts from there)
 * and sets *je to its first JEntry.
 */
static inline uint32
jb_open(uint32 flags, int n, uint32 *je)
{
	uint32		start = jb_len;
	int			nje = (flags & JB_FOBJECT) ? 2 * n : n;

	if (n > JB_CMASK / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("decision jsonb of %d elements exceeds the maximum allowed", n)));
	jb_pad();
	jb_need(sizeof(uint32) + sizeof(JEntry) * nje);
	jb_put32(jb_len, (uint32) n | flags);
	jb_len += sizeof(uint32);
	*je = jb_len;
	jb_len += sizeof(JEntry) * nje;
	return start;
}

/* the JEntry of a closed container that started at start */
static inline JEntry
jb_close(uint32 start)
{
	uint32		len = jb_len - start;

	if (len > JENTRY_OFFLENMASK)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("decision jsonb of %u bytes exceeds the maximum allowed size", len)));
	return JENTRY_ISCONTAINER | len;
}

/* stores the JEntry of child i (length in meta), applying the stride rule */
static inline void
jb_child(uint32 je, int i, JEntry meta, uint32 *total)
{
	*total += JBE_OFFLENFLD(meta);
	if (i % JB_OFFSET_STRIDE == 0)
		meta = (meta & JENTRY_TYPEMASK) | *total | JENTRY_HAS_OFF;
	jb_put32(je + sizeof(JEntry) * i, meta);
}

static inline JEntry
jb_string(const char *s, int len)
{
	jb_need(len);
	memcpy(jb_buf + jb_len, s, len);
	jb_len += len;
	return JENTRY_ISSTRING | len;
}

static JEntry
jb_numeric(int64 m, int scale)
{
	uint32		pad = jb_pad();
	int			size;

	jb_need(LM_NUMERIC_MAX);
	size = numeric_put(jb_buf + jb_len, m, scale);
	if (size == 0)
	{
		/* out of the short format's range: numeric.c makes it */
		Numeric		n = int64_div_fast_to_numeric(m, scale);

		size = VARSIZE(n);
		jb_need(size);
		memcpy(jb_buf + jb_len, n, size);
		pfree(n);
	}
	jb_len += size;
	return JENTRY_ISNUMERIC | (pad + size);
}

/* a float8 as jsonb's numeric with float8out's digits; null when not finite */
static inline JEntry
jb_float(double x)
{
	int64		m;
	int			scale;

	if (!isfinite(x))
		return JENTRY_ISNULL;
	float_dec(x, &m, &scale);
	return jb_numeric(m, scale);
}

const char *
zone_name(OrchCatalog *cat, const Cand *c)
{
	return c->zone >= 0 ? cat->carriers[c->carrier].zones[c->zone].name : NULL;
}

/*
 * The keys of a ranking object in jsonb's storage order (length, then
 * bytes): rank, zone, co2_g, price, score, carrier_id.
 */
#define RK_NKEYS 6
static const char rk_keys[] = "rankzoneco2_gpricescorecarrier_id";
static const JEntry rk_keyje[RK_NKEYS] = {	/* their JEntries: lengths, the first an offset */
	JENTRY_HAS_OFF | 4, 4, 5, 5, 5, 10
};

/*
 * ranking jsonb: an array, best first, of {rank, carrier_id, price, score,
 * co2_g, zone}; cost_score, quality_score and environment_score are not
 * kept (they follow from price, the carrier's quality and co2_g).
 */
Jsonb *
ranking_jsonb(OrchCatalog *cat, const Cand *cand, const LmOption *opts, int m)
{
	uint32		je,
				start,
				total = 0;

	jb_begin();
	start = jb_open(JB_FARRAY, m, &je);
	for (int i = 0; i < m; i++)
	{
		const Cand *c = &cand[opts[i].carrier];
		const OrchCarrier *car = &cat->carriers[c->carrier];
		const char *z = zone_name(cat, c);
		uint32		oje,
					ostart,
					ototal = 0;
		JEntry		v[RK_NKEYS];

		ostart = jb_open(JB_FOBJECT, RK_NKEYS, &oje);
		memcpy(jb_buf + oje, rk_keyje, sizeof(rk_keyje));
		ototal = sizeof(rk_keys) - 1;
		jb_string(rk_keys, sizeof(rk_keys) - 1);
		v[0] = jb_numeric(i + 1, 0);
		v[1] = z ? jb_string(z, strlen(z)) : JENTRY_ISNULL;
		v[2] = jb_float(opts[i].co2_g);
		v[3] = jb_numeric(opts[i].price.m, opts[i].price.s);
		v[4] = jb_float(opts[i].score);
		v[5] = jb_string(car->carrier_id, car->idlen);
		for (int k = 0; k < RK_NKEYS; k++)
			jb_child(oje, RK_NKEYS + k, v[k], &ototal);
		jb_child(je, i, jb_close(ostart), &total);
	}
	(void) jb_close(start);
	return jb_end();
}

/*
 * The array of reason codes of each reason mask, as a jsonb container
 * without its leading padding (an array's JEntries and strings need no
 * alignment): built once per backend, copied as is into rejected.
 */
#define REASON_MASKS (1 << LM_N_REASONS)
static char *reason_img[REASON_MASKS];
static uint32 reason_img_len[REASON_MASKS];
static bool reason_img_done = false;

static void
reason_images(void)
{
	for (int mask = 1; mask < REASON_MASKS; mask++)
	{
		uint32		je,
					start,
					total = 0;
		int			a = 0;

		/* built at the start of the (int-aligned) buffer: no padding */
		jb_len = 0;
		start = jb_open(JB_FARRAY, pg_popcount32(mask), &je);
		for (int b = 0; b < LM_N_REASONS; b++)
			if (mask & (1 << b))
				jb_child(je, a++, jb_string(lm_reason_names[b], strlen(lm_reason_names[b])), &total);
		reason_img_len[mask] = jb_len - start;
		reason_img[mask] = MemoryContextAlloc(TopMemoryContext, reason_img_len[mask]);
		memcpy(reason_img[mask], jb_buf + start, reason_img_len[mask]);
	}
	reason_img_done = true;
}

/* rejected jsonb: carrier_id → reasons (SPEC order), keys in storage order */
Jsonb *
rejected_jsonb(OrchCatalog *cat, const Cand *cand, int n, int *slot)
{
	uint32		je,
				start,
				total = 0;
	int			npairs = 0,
				k;

	if (!reason_img_done)
		reason_images();
	for (int i = 0; i < cat->ncarriers; i++)
		slot[i] = -1;
	for (int i = 0; i < n; i++)
		if (cand[i].reasons != 0)
		{
			if (slot[cand[i].carrier] < 0)
				npairs++;
			slot[cand[i].carrier] = i;
		}

	jb_begin();
	start = jb_open(JB_FOBJECT, npairs, &je);
	k = 0;
	for (int o = 0; o < cat->ncarriers; o++)
	{
		const OrchCarrier *car = &cat->carriers[cat->carriers_jsonb_order[o]];

		if (slot[cat->carriers_jsonb_order[o]] < 0)
			continue;
		jb_child(je, k++, jb_string(car->carrier_id, car->idlen), &total);
	}
	for (int o = 0; o < cat->ncarriers; o++)
	{
		int			i = slot[cat->carriers_jsonb_order[o]];
		unsigned	mask;
		uint32		pad;

		if (i < 0)
			continue;
		mask = cand[i].reasons & (REASON_MASKS - 1);
		pad = jb_pad();
		jb_string(reason_img[mask], reason_img_len[mask]);
		jb_child(je, k++, JENTRY_ISCONTAINER | (pad + reason_img_len[mask]), &total);
	}
	(void) jb_close(start);
	return jb_end();
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


PG_FUNCTION_INFO_V1(lastmile_jsonb_image);

/* internal: the bytes of a varlena (a jsonb, a numeric) after its header; tests compare them with jsonb_in's and numeric_in's */
Datum
lastmile_jsonb_image(PG_FUNCTION_ARGS)
{
	struct varlena *j = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	Size		len = VARSIZE_ANY_EXHDR(j);
	bytea	   *res = palloc(VARHDRSZ + len);

	SET_VARSIZE(res, VARHDRSZ + len);
	memcpy(VARDATA(res), VARDATA_ANY(j), len);
	PG_RETURN_BYTEA_P(res);
}
