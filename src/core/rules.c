/*
 * rules.c — the allocation rules of SPEC.md §3 (see rules.h).
 */
#include "rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;

const char *const lm_reason_names[LM_N_REASONS] = {
	"service", "weight", "dimensions", "developed", "sector", "no_rate", "capacity"
};

/* 10^k for k in [0, 38] as 128-bit integers */
static i128
pow10_128(int k)
{
	static i128 table[39];
	static bool done = false;

	if (!done)
	{
		i128		v = 1;

		for (int i = 0; i < 39; i++)
		{
			table[i] = v;
			v *= 10;
		}
		done = true;
	}
	return table[k];
}

/* ------------------------------------------------------------------ */
/* Decimals                                                             */
/* ------------------------------------------------------------------ */

bool
lm_dec_parse(const char *txt, LmDec *out)
{
	const char *p = txt;
	bool		neg = false;
	bool		seen_dot = false;
	bool		any = false;
	int64_t		m = 0;
	int			s = 0;
	int			digits = 0;

	if (p == NULL)
		return false;
	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+')
		neg = (*p++ == '-');
	for (; *p; p++)
	{
		if (*p == '.')
		{
			if (seen_dot)
				return false;
			seen_dot = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			break;
		any = true;
		if (digits > 0 || *p != '0')
			digits++;
		if (digits > 18)
		{
			/* trailing zeros of the fraction may be dropped */
			if (seen_dot && *p == '0')
				continue;
			return false;
		}
		m = m * 10 + (*p - '0');
		if (seen_dot)
			s++;
		if (s > LM_DEC_MAX_SCALE)
			return false;
	}
	while (*p == ' ')
		p++;
	if (!any || *p != '\0')
		return false;
	out->m = neg ? -m : m;
	out->s = s;
	return true;
}

LmDec
lm_dec_normalize(LmDec d)
{
	if (d.m == 0)
	{
		d.s = 0;
		return d;
	}
	while (d.s > 0 && d.m % 10 == 0)
	{
		d.m /= 10;
		d.s--;
	}
	return d;
}

bool
lm_dec_from_double(double x, LmDec *out)
{
	long double scaled;
	long double r;
	int			e;
	int			s;
	int64_t		m;

	if (!(x >= 0.0) || !(x < 1e18))
		return false;
	if (x == 0.0)
	{
		out->m = 0;
		out->s = 0;
		return true;
	}
	e = (int) floor(log10(x));
	/* log10 may be off by one near powers of ten */
	if (x >= 1e15 || e > 17)
		e = 17;
	else
	{
		long double p = powl(10.0L, e);

		if ((long double) x < p)
			e--;
		else if ((long double) x >= p * 10.0L)
			e++;
	}
	s = 14 - e;
	if (s >= 0)
		scaled = (long double) x * (long double) pow10_128(s);
	else
		scaled = (long double) x / (long double) pow10_128(-s);
	r = scaled - floorl(scaled);
	if (r > 0.4999L && r < 0.5001L)
	{
		/* too close to a tie for the long double: let printf decide */
		char		buf[40];

		snprintf(buf, sizeof(buf), "%.15g", x);
		if (strchr(buf, 'e') != NULL)
			return false;
		if (!lm_dec_parse(buf, out))
			return false;
		*out = lm_dec_normalize(*out);
		return true;
	}
	m = (int64_t) llroundl(scaled);
	if (s < 0)
	{
		for (int i = 0; i < -s; i++)
			m *= 10;
		s = 0;
	}
	out->m = m;
	out->s = s;
	*out = lm_dec_normalize(*out);
	return true;
}

int
lm_dec_format(LmDec d, char *buf, size_t buflen)
{
	char		digits[64];
	uint64_t	u;
	int			n = 0;
	int			len = 0;
	bool		neg = d.m < 0;

	u = neg ? (uint64_t) (-(d.m + 1)) + 1 : (uint64_t) d.m;
	do
	{
		digits[n++] = (char) ('0' + u % 10);
		u /= 10;
	} while (u > 0);
	while (n <= d.s)
		digits[n++] = '0';
	if (buflen < (size_t) n + 3)
	{
		if (buflen > 0)
			buf[0] = '\0';
		return 0;
	}
	if (neg)
		buf[len++] = '-';
	for (int i = n - 1; i >= 0; i--)
	{
		buf[len++] = digits[i];
		if (i == d.s && d.s > 0)
			buf[len++] = '.';
	}
	buf[len] = '\0';
	return len;
}

/* a and b scaled to the same scale, as 128-bit mantissas */
static inline void
align(LmDec a, LmDec b, i128 *am, i128 *bm)
{
	*am = a.m;
	*bm = b.m;
	if (a.s < b.s)
		*am *= pow10_128(b.s - a.s);
	else if (b.s < a.s)
		*bm *= pow10_128(a.s - b.s);
}

int
lm_dec_cmp(LmDec a, LmDec b)
{
	i128		am,
				bm;

	if (a.s == b.s)
		return (a.m > b.m) - (a.m < b.m);
	align(a, b, &am, &bm);
	return (am > bm) - (am < bm);
}

double
lm_dec_to_double(LmDec d)
{
	static const double p10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
	};

	/* exact operands give a correctly rounded quotient, as strtod does */
	if (d.s <= 22 && d.m < (INT64_C(1) << 53) && d.m > -(INT64_C(1) << 53))
		return (double) d.m / p10[d.s];
	else
	{
		char		buf[64];

		lm_dec_format(d, buf, sizeof(buf));
		return strtod(buf, NULL);
	}
}

/* ------------------------------------------------------------------ */
/* Reasons and package checks                                           */
/* ------------------------------------------------------------------ */

int
lm_reasons_list(unsigned mask, const char **names)
{
	int			n = 0;

	for (int i = 0; i < LM_N_REASONS; i++)
		if (mask & (1u << i))
			names[n++] = lm_reason_names[i];
	return n;
}

double
lm_developed(const LmPackage *p)
{
	return p->side[0] + 2.0 * p->side[1] + 2.0 * p->side[2];
}

unsigned
lm_package_reasons(const LmLimits *lim, const LmPackage *p)
{
	unsigned	r = 0;

	if (!isnan(lim->max_weight_kg) && p->weight_kg > lim->max_weight_kg)
		r |= LM_R_WEIGHT;
	if (lim->has_max_dims &&
		(p->side[0] > lim->max_dims[0] || p->side[1] > lim->max_dims[1] ||
		 p->side[2] > lim->max_dims[2]))
		r |= LM_R_DIMENSIONS;
	if (!isnan(lim->max_developed_cm) && lm_developed(p) > lim->max_developed_cm)
		r |= LM_R_DEVELOPED;
	return r;
}

double
lm_chargeable_weight(const LmPackage *p, double divisor)
{
	double		vol;

	if (!(divisor > 0))
		return p->weight_kg;
	vol = p->side[0] * p->side[1] * p->side[2] / divisor;
	return vol > p->weight_kg ? vol : p->weight_kg;
}

/* ------------------------------------------------------------------ */
/* Rate bands                                                           */
/* ------------------------------------------------------------------ */

bool
lm_band_contains(const LmBand *b, LmDec w)
{
	int			c = lm_dec_cmp(w, b->lo);

	if (c < 0 || (c == 0 && !b->lo_inc))
		return false;
	if (b->hi_inf)
		return true;
	c = lm_dec_cmp(w, b->hi);
	return c < 0 || (c == 0 && b->hi_inc);
}

int
lm_band_find(const LmBand *bands, int n, LmDec w)
{
	int			lo = 0,
				hi = n - 1,
				cand = -1;

	/* last band whose lower bound is <= w */
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (lm_dec_cmp(bands[mid].lo, w) <= 0)
		{
			cand = mid;
			lo = mid + 1;
		}
		else
			hi = mid - 1;
	}
	if (cand < 0)
		return -1;
	if (lm_band_contains(&bands[cand], w))
		return cand;
	/* w equal to an exclusive lower bound may close the band before */
	if (cand > 0 && lm_band_contains(&bands[cand - 1], w))
		return cand - 1;
	return -1;
}

static int
band_cmp(const void *a, const void *b)
{
	const LmBand *x = a;
	const LmBand *y = b;
	int			c = lm_dec_cmp(x->lo, y->lo);

	if (c != 0)
		return c;
	/* an inclusive lower bound starts before an exclusive one */
	return (int) y->lo_inc - (int) x->lo_inc;
}

void
lm_bands_sort(LmBand *bands, int n)
{
	if (n > 1)
		qsort(bands, n, sizeof(LmBand), band_cmp);
}

/* ------------------------------------------------------------------ */
/* Grid price                                                           */
/* ------------------------------------------------------------------ */

/* a value m / 10^s with a 128-bit mantissa */
typedef struct Big
{
	i128		m;
	int			s;
} Big;

static bool
big_rescale(Big *a, int s)
{
	if (s - a->s > 38)
		return false;
	if (s > a->s)
	{
		if (__builtin_mul_overflow(a->m, pow10_128(s - a->s), &a->m))
			return false;
		a->s = s;
	}
	return true;
}

static bool
big_add(Big *acc, Big x)
{
	int			s = acc->s > x.s ? acc->s : x.s;

	if (!big_rescale(acc, s) || !big_rescale(&x, s))
		return false;
	return !__builtin_add_overflow(acc->m, x.m, &acc->m);
}

static bool
big_mul(Big *acc, LmDec x)
{
	if (acc->s + x.s > 38)
		return false;
	if (__builtin_mul_overflow(acc->m, (i128) x.m, &acc->m))
		return false;
	acc->s += x.s;
	return true;
}

/* numeric round(v, 2): half away from zero */
static bool
big_round2(Big v, LmDec *out)
{
	i128		m = v.m;

	if (v.s > 2)
	{
		i128		d = pow10_128(v.s - 2);
		i128		q = m / d;
		i128		r = m % d;

		if (r < 0)
			r = -r;
		if (2 * r >= d)
			q += (m < 0) ? -1 : 1;
		m = q;
	}
	else if (v.s < 2)
	{
		if (__builtin_mul_overflow(m, pow10_128(2 - v.s), &m))
			return false;
	}
	if (m > INT64_MAX || m < -INT64_MAX)
		return false;
	out->m = (int64_t) m;
	out->s = 2;
	return true;
}

void
lm_chargeable_decs(const LmPackage *pk, int npk, double divisor, LmDec *w)
{
	for (int i = 0; i < npk; i++)
		if (!lm_dec_from_double(lm_chargeable_weight(&pk[i], divisor), &w[i]))
			w[i].s = -1;
}

/* adds one package of chargeable weight w to sum; raises *transit to its band's */
static LmPriceStatus
price_add_package(const LmBand *bands, int nbands, LmDec w, Big *sum, int *transit)
{
	Big			term;
	int			k;
	const LmBand *b;

	if (w.s < 0)
		return LM_PRICE_OVERFLOW;
	k = lm_band_find(bands, nbands, w);
	if (k < 0)
		return LM_PRICE_NO_RATE;
	b = &bands[k];
	if (b->transit_days > *transit)
		*transit = b->transit_days;
	term.m = b->price.m;
	term.s = b->price.s;
	if (b->per_kg.m != 0)
	{
		/* per_kg · (w − lower) */
		Big			step;
		i128		wm,
					lm;
		int			s = w.s > b->lo.s ? w.s : b->lo.s;

		align(w, b->lo, &wm, &lm);
		step.m = wm - lm;
		step.s = s;
		if (!big_mul(&step, b->per_kg) || !big_add(&term, step))
			return LM_PRICE_OVERFLOW;
	}
	if (!big_add(sum, term))
		return LM_PRICE_OVERFLOW;
	return LM_PRICE_OK;
}

/* sum · factor · (1 + pct/100), rounded to cents */
static LmPriceStatus
price_finish(Big sum, LmDec factor, LmDec fuel_pct, LmDec *price)
{
	LmDec		surcharge;

	/* · factor · (1 + pct/100) = · factor · (100·10^s + m) / 10^(s+2) */
	if (fuel_pct.s > 16)
		return LM_PRICE_OVERFLOW;
	surcharge.s = fuel_pct.s + 2;
	if (__builtin_mul_overflow((int64_t) 100, (int64_t) pow10_128(fuel_pct.s), &surcharge.m) ||
		__builtin_add_overflow(surcharge.m, fuel_pct.m, &surcharge.m))
		return LM_PRICE_OVERFLOW;
	surcharge = lm_dec_normalize(surcharge);
	factor = lm_dec_normalize(factor);
	if (!big_mul(&sum, factor) || !big_mul(&sum, surcharge))
		return LM_PRICE_OVERFLOW;
	if (!big_round2(sum, price))
		return LM_PRICE_OVERFLOW;
	return LM_PRICE_OK;
}

LmPriceStatus
lm_grid_bands_w(const LmBand *bands, int nbands, const LmDec *w, int npk)
{
	for (int i = 0; i < npk; i++)
	{
		if (w[i].s < 0)
			return LM_PRICE_OVERFLOW;
		if (lm_band_find(bands, nbands, w[i]) < 0)
			return LM_PRICE_NO_RATE;
	}
	return LM_PRICE_OK;
}

LmPriceStatus
lm_grid_price_w(const LmBand *bands, int nbands, const LmDec *w, int npk,
				LmDec factor, LmDec fuel_pct, LmDec *price, int *transit_days)
{
	Big			sum = {0, 0};
	int			transit = 0;
	LmPriceStatus st;

	for (int i = 0; i < npk; i++)
		if ((st = price_add_package(bands, nbands, w[i], &sum, &transit)) != LM_PRICE_OK)
			return st;
	if ((st = price_finish(sum, factor, fuel_pct, price)) != LM_PRICE_OK)
		return st;
	*transit_days = transit;
	return LM_PRICE_OK;
}

LmPriceStatus
lm_grid_price(const LmBand *bands, int nbands, const LmPackage *pk, int npk,
			  double divisor, LmDec factor, LmDec fuel_pct,
			  LmDec *price, int *transit_days)
{
	Big			sum = {0, 0};
	int			transit = 0;
	LmPriceStatus st;

	for (int i = 0; i < npk; i++)
	{
		LmDec		w;

		lm_chargeable_decs(&pk[i], 1, divisor, &w);
		if ((st = price_add_package(bands, nbands, w, &sum, &transit)) != LM_PRICE_OK)
			return st;
	}
	if ((st = price_finish(sum, factor, fuel_pct, price)) != LM_PRICE_OK)
		return st;
	*transit_days = transit;
	return LM_PRICE_OK;
}

/* ------------------------------------------------------------------ */
/* Scores and ranking                                                   */
/* ------------------------------------------------------------------ */

static int
option_cmp(const void *a, const void *b)
{
	const LmOption *x = a;
	const LmOption *y = b;
	int			c;

	if (x->score > y->score)
		return -1;
	if (x->score < y->score)
		return 1;
	c = lm_dec_cmp(x->price, y->price);
	if (c != 0)
		return c;
	return (x->order > y->order) - (x->order < y->order);
}

void
lm_rank(LmOption *opts, int n, double w_cost, double w_quality,
		double w_environment)
{
	LmDec		min_price;
	double		min_price_d;
	double		min_co2;
	double		wsum = w_cost + w_quality + w_environment;

	if (n <= 0)
		return;
	min_price = opts[0].price;
	min_co2 = opts[0].co2_g;
	for (int i = 1; i < n; i++)
	{
		if (lm_dec_cmp(opts[i].price, min_price) < 0)
			min_price = opts[i].price;
		if (opts[i].co2_g < min_co2)
			min_co2 = opts[i].co2_g;
	}
	min_price_d = lm_dec_to_double(min_price);
	for (int i = 0; i < n; i++)
	{
		LmOption   *o = &opts[i];
		double		p = lm_dec_to_double(o->price);

		o->cost_score = (o->price.m == 0) ? 1.0 : min_price_d / p;
		o->quality_score = o->quality;
		o->environment_score = (o->co2_g == 0) ? 1.0 : min_co2 / o->co2_g;
		o->score = (w_cost * o->cost_score + w_quality * o->quality_score +
					w_environment * o->environment_score) / wsum;
	}
	if (n > 1)
		qsort(opts, n, sizeof(LmOption), option_cmp);
}

/* ------------------------------------------------------------------ */
/* Working days                                                         */
/* ------------------------------------------------------------------ */

int
lm_day_of_week(int32_t date)
{
	/* 2000-01-01 was a Saturday */
	int			d = (int) ((date % 7 + 7) % 7);

	return (d + 6) % 7;
}

int32_t
lm_add_working_days(int32_t date, int n)
{
	int			dow = lm_day_of_week(date);

	if (n <= 0)
		return date;
	/* move to the last weekday on or before date, then add whole weeks */
	if (dow == 6)
	{
		date -= 1;
		dow = 5;
	}
	else if (dow == 0)
	{
		date -= 2;
		dow = 5;
	}
	date += (n / 5) * 7;
	n %= 5;
	while (n > 0)
	{
		date++;
		dow = (dow + 1) % 7;
		if (dow != 0 && dow != 6)
			n--;
	}
	return date;
}

/* ------------------------------------------------------------------ */
/* Tracking numbers                                                     */
/* ------------------------------------------------------------------ */

/* the string read with letters as 10..35, mod 97 */
static int
mod97(const char *s, size_t len)
{
	int			r = 0;

	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];

		if (c >= '0' && c <= '9')
			r = (r * 10 + (c - '0')) % 97;
		else
			r = (r * 100 + (c - 'A' + 10)) % 97;
	}
	return r;
}

bool
lm_tracking_make(const char *prefix, uint64_t seq, char *out)
{
	size_t		plen = prefix ? strlen(prefix) : 0;
	int			check;
	int			r;

	if (plen < 2 || plen > 4)
		return false;
	for (size_t i = 0; i < plen; i++)
		if (prefix[i] < 'A' || prefix[i] > 'Z')
			return false;
	if (seq > UINT64_C(999999999999))
		return false;
	snprintf(out, LM_TRACKING_LEN, "%s%012llu", prefix, (unsigned long long) seq);
	/* check digits c such that (N·100 + c) mod 97 = 1 */
	r = mod97(out, strlen(out));
	check = 98 - (r * 100) % 97;
	out[plen + 12] = (char) ('0' + check / 10);
	out[plen + 13] = (char) ('0' + check % 10);
	out[plen + 14] = '\0';
	return true;
}

bool
lm_tracking_valid(const char *s)
{
	size_t		len = s ? strlen(s) : 0;
	size_t		plen;

	if (len < 16 || len > 18)
		return false;
	plen = len - 14;
	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];

		if (i < plen ? (c < 'A' || c > 'Z') : (c < '0' || c > '9'))
			return false;
	}
	/* ISO 7064 check values run from 02 to 98 */
	if ((s[len - 2] - '0') * 10 + (s[len - 1] - '0') < 2 ||
		(s[len - 2] - '0') * 10 + (s[len - 1] - '0') > 98)
		return false;
	return mod97(s, len) == 1;
}

void
lm_tracking_prefix(const char *carrier_id, char *out)
{
	int			n = 0;

	for (const char *p = carrier_id; p && *p && n < 4; p++)
	{
		char		c = *p;

		if (c >= 'a' && c <= 'z')
			c = (char) (c - 'a' + 'A');
		if (c >= 'A' && c <= 'Z')
			out[n++] = c;
	}
	while (n < 2)
		out[n++] = 'X';
	out[n] = '\0';
}
