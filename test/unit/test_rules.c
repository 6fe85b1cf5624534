/*
 * test_rules.c — unit tests of src/core/rules.c (TAP on stdout): decimals
 * as numeric holds them, band search with every kind of bound, the grid
 * price worked out by hand, scores and ties, working days, tracking numbers.
 */
#include "rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	test_no = 0;
static int	failures = 0;

static void
ok(int cond, const char *name)
{
	test_no++;
	if (!cond)
		failures++;
	printf("%sok %d - %s\n", cond ? "" : "not ", test_no, name);
}

static LmDec
D(const char *s)
{
	LmDec		d;

	if (!lm_dec_parse(s, &d))
	{
		fprintf(stderr, "bad decimal %s\n", s);
		exit(2);
	}
	return d;
}

static int
dec_is(LmDec d, const char *want)
{
	char		buf[64];

	lm_dec_format(d, buf, sizeof(buf));
	if (strcmp(buf, want) != 0)
		printf("# got %s, want %s\n", buf, want);
	return strcmp(buf, want) == 0;
}

static LmBand
band(const char *lo, bool lo_inc, const char *hi, bool hi_inc,
	 const char *price, const char *per_kg, int transit)
{
	LmBand		b;

	memset(&b, 0, sizeof(b));
	b.lo = D(lo);
	b.lo_inc = lo_inc;
	if (hi == NULL)
		b.hi_inf = true;
	else
		b.hi = D(hi);
	b.hi_inc = hi_inc;
	b.price = D(price);
	b.per_kg = D(per_kg);
	b.transit_days = transit;
	return b;
}

static LmPackage
pkg(double a, double b, double c, double w)
{
	LmPackage	p = {{a, b, c}, w};

	return p;
}

/* DateADT of y-m-d (days since 2000-01-01), for dates after 2000 */
static int32_t
date_of(int y, int m, int d)
{
	static const int cum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
	int32_t		days = 0;

	for (int yy = 2000; yy < y; yy++)
		days += ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0) ? 366 : 365;
	days += cum[m - 1] + d - 1;
	if (m > 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		days++;
	return days;
}

int
main(void)
{
	LmDec		d;
	char		buf[64];

	/* --- decimals ---------------------------------------------------- */
	ok(lm_dec_parse("12.50", &d) && d.m == 1250 && d.s == 2, "parse keeps the scale");
	ok(lm_dec_parse("-0.125", &d) && d.m == -125 && d.s == 3, "parse negative");
	ok(!lm_dec_parse("1e5", &d), "parse refuses exponents");
	ok(!lm_dec_parse("12345678901234567890", &d), "parse refuses more than 18 digits");
	ok(lm_dec_parse("0.10000000000000000000", &d) && dec_is(lm_dec_normalize(d), "0.1"),
	   "parse drops extra trailing zeros");
	ok(lm_dec_from_double(14.4, &d) && dec_is(d, "14.4"), "float8 14.4 is numeric 14.4");
	ok(lm_dec_from_double(0.1 + 0.2, &d) && dec_is(d, "0.3"),
	   "float8 0.1+0.2 is numeric 0.3 (15 significant digits)");
	ok(lm_dec_from_double(60.0 * 40.0 * 30.0 / 5000.0, &d) && dec_is(d, "14.4"),
	   "volumetric 60x40x30/5000 = 14.4");
	ok(lm_dec_from_double(1.0 / 3.0, &d) && dec_is(d, "0.333333333333333"),
	   "1/3 keeps 15 digits");
	ok(lm_dec_from_double(123456.789, &d) && dec_is(d, "123456.789"), "123456.789");
	ok(lm_dec_from_double(1e-7, &d) && dec_is(d, "0.0000001"), "1e-7");
	ok(lm_dec_from_double(1000.0, &d) && dec_is(d, "1000"), "1000");
	ok(lm_dec_from_double(0.0, &d) && dec_is(d, "0"), "0");
	ok(!lm_dec_from_double(NAN, &d) && !lm_dec_from_double(-1.0, &d), "NaN and negatives refused");
	{
		/* compare with printf on many values */
		int			bad = 0;

		srand(42);
		for (int i = 0; i < 200000; i++)
		{
			double		x = (double) rand() / RAND_MAX * pow(10.0, rand() % 10 - 4);
			LmDec		a,
						b;

			snprintf(buf, sizeof(buf), "%.15g", x);
			if (strchr(buf, 'e'))
				continue;
			if (!lm_dec_from_double(x, &a) || !lm_dec_parse(buf, &b) ||
				lm_dec_cmp(a, b) != 0)
				bad++;
		}
		ok(bad == 0, "float8::numeric agrees with %.15g on 200000 random values");
	}
	ok(lm_dec_cmp(D("1.50"), D("1.5")) == 0, "1.50 = 1.5");
	ok(lm_dec_cmp(D("1.499"), D("1.5")) < 0, "1.499 < 1.5");
	ok(lm_dec_cmp(D("-2"), D("1.5")) < 0, "-2 < 1.5");
	ok(lm_dec_to_double(D("0.1")) == 0.1, "0.1 to double");
	ok(lm_dec_format(D("-0.05"), buf, sizeof(buf)) > 0 && strcmp(buf, "-0.05") == 0, "format -0.05");

	/* --- bands ---------------------------------------------------------- */
	{
		/* [0,1) [1,2] (2,5] (5,)  */
		LmBand		b[4];

		b[2] = band("2", false, "5", true, "9", "0", 3);
		b[0] = band("0", true, "1", false, "5", "0", 1);
		b[3] = band("5", false, NULL, false, "20", "1", 4);
		b[1] = band("1", true, "2", true, "7", "0", 2);
		lm_bands_sort(b, 4);
		ok(lm_band_find(b, 4, D("0")) == 0, "0 in [0,1)");
		ok(lm_band_find(b, 4, D("0.999")) == 0, "0.999 in [0,1)");
		ok(lm_band_find(b, 4, D("1")) == 1, "1 in [1,2] (upper of [0,1) excluded)");
		ok(lm_band_find(b, 4, D("2")) == 1, "2 in [1,2] (inclusive upper)");
		ok(lm_band_find(b, 4, D("2.0000001")) == 2, "2.0000001 in (2,5]");
		ok(lm_band_find(b, 4, D("5")) == 2, "5 in (2,5]: the exclusive lower of (5,) sends it back");
		ok(lm_band_find(b, 4, D("5.01")) == 3, "5.01 in (5,)");
		ok(lm_band_find(b, 4, D("1000000")) == 3, "1e6 in the open band");
		ok(lm_band_find(b, 4, D("-1")) == -1, "-1 in no band");
	}
	{
		/* a gap: [0,1) and [2,3) */
		LmBand		b[2];

		b[0] = band("0", true, "1", false, "5", "0", 1);
		b[1] = band("2", true, "3", false, "7", "0", 1);
		ok(lm_band_find(b, 2, D("1")) == -1, "1 in the gap");
		ok(lm_band_find(b, 2, D("1.5")) == -1, "1.5 in the gap");
		ok(lm_band_find(b, 2, D("3")) == -1, "3 above the last band");
		ok(lm_band_find(b, 0, D("1")) == -1, "no bands");
		/* (0,1]: 0 excluded */
		b[0] = band("0", false, "1", true, "5", "0", 1);
		ok(lm_band_find(b, 1, D("0")) == -1, "0 not in (0,1]");
		ok(lm_band_find(b, 1, D("1")) == 0, "1 in (0,1]");
	}

	/* --- package checks --------------------------------------------------- */
	{
		LmLimits	lim = {30.0, true, {100, 60, 50}, 320.0};
		LmPackage	p = pkg(100, 60, 50, 30);

		ok(lm_package_reasons(&lim, &p) == 0, "at every limit: no reason (limits inclusive)");
		/* developed 100 + 120 + 100 = 320 */
		lim.max_developed_cm = 319.0;
		ok(lm_package_reasons(&lim, &p) == LM_R_DEVELOPED, "developed 320 > 319");
		lim.max_developed_cm = NAN;
		p = pkg(101, 10, 10, 30.5);
		ok(lm_package_reasons(&lim, &p) == (LM_R_WEIGHT | LM_R_DIMENSIONS), "weight and dims");
		p = pkg(90, 61, 10, 1);
		ok(lm_package_reasons(&lim, &p) == LM_R_DIMENSIONS, "second side too wide");
		lim.has_max_dims = false;
		lim.max_weight_kg = NAN;
		ok(lm_package_reasons(&lim, &p) == 0, "no limits");
	}
	{
		const char *names[LM_N_REASONS];
		int			n = lm_reasons_list(LM_R_CAPACITY | LM_R_SERVICE | LM_R_SECTOR, names);

		ok(n == 3 && strcmp(names[0], "service") == 0 && strcmp(names[1], "sector") == 0 &&
		   strcmp(names[2], "capacity") == 0, "reasons listed in SPEC order");
	}
	{
		LmPackage	p = pkg(60, 40, 30, 10);

		ok(lm_chargeable_weight(&p, 5000) == 14.4, "volumetric 14.4 beats actual 10");
		ok(lm_chargeable_weight(&p, NAN) == 10, "no divisor: actual weight");
		p.weight_kg = 20;
		ok(lm_chargeable_weight(&p, 5000) == 20, "actual 20 beats volumetric 14.4");
	}

	/* --- grid price, worked by hand -------------------------------------- */
	{
		LmBand		b[3];
		LmPackage	p[3];
		LmDec		price;
		int			transit = -1;

		b[0] = band("0", true, "2", false, "4.90", "0", 1);
		b[1] = band("2", true, "10", false, "6.50", "0.40", 2);
		b[2] = band("10", true, NULL, false, "12.00", "0.35", 3);

		/* one package 1 kg: 4.90 · 1 · 1 = 4.90 */
		p[0] = pkg(10, 10, 10, 1);
		ok(lm_grid_price(b, 3, p, 1, NAN, D("1"), D("0"), &price, &transit) == LM_PRICE_OK &&
		   dec_is(price, "4.90") && transit == 1, "flat band: 4.90");

		/* 3.5 kg: 6.50 + 0.40 · 1.5 = 7.10 */
		p[0] = pkg(10, 10, 10, 3.5);
		ok(lm_grid_price(b, 3, p, 1, NAN, D("1"), D("0"), &price, &transit) == LM_PRICE_OK &&
		   dec_is(price, "7.10") && transit == 2, "per-kg step from the lower bound: 7.10");

		/* volumetric: 60x40x30 / 5000 = 14.4 kg > 3 kg actual:
		 * 12.00 + 0.35 · 4.4 = 13.54 */
		p[0] = pkg(60, 40, 30, 3);
		ok(lm_grid_price(b, 3, p, 1, 5000, D("1"), D("0"), &price, &transit) == LM_PRICE_OK &&
		   dec_is(price, "13.54") && transit == 3, "volumetric weight prices the parcel: 13.54");
		/* same parcel, no divisor: 3 kg → 6.50 + 0.40 = 6.90 */
		ok(lm_grid_price(b, 3, p, 1, NAN, D("1"), D("0"), &price, &transit) == LM_PRICE_OK &&
		   dec_is(price, "6.90"), "no divisor: actual 3 kg: 6.90");

		/* two packages, factor 0.9, surcharge 12.5 %:
		 * (4.90 + 7.10) = 12.00; · 0.9 = 10.80; · 1.125 = 12.15 */
		p[0] = pkg(10, 10, 10, 1);
		p[1] = pkg(10, 10, 10, 3.5);
		ok(lm_grid_price(b, 3, p, 2, NAN, D("0.9"), D("12.5"), &price, &transit) == LM_PRICE_OK &&
		   dec_is(price, "12.15") && transit == 2, "sum, factor 0.9, surcharge 12.5 %: 12.15");

		/* rounding half away from zero: 4.90 · 1.0 · (1 + 0.5/100)
		 * = 4.9245 → 4.92;  4.90 · 1.005 · 1.5/100... use factor 1.0025:
		 * 4.90 · 1.0025 = 4.91225 → 4.91; and 4.90 · 1.0255102040... no:
		 * take price 0.01 · factor 0.5 = 0.005 → 0.01 (half up, not to even) */
		b[0] = band("0", true, "2", false, "0.01", "0", 1);
		p[0] = pkg(10, 10, 10, 1);
		ok(lm_grid_price(b, 3, p, 1, NAN, D("0.5"), D("0"), &price, &transit) == LM_PRICE_OK &&
		   dec_is(price, "0.01"), "0.005 rounds to 0.01 (half away from zero)");
		b[0] = band("0", true, "2", false, "0.03", "0", 1);
		ok(lm_grid_price(b, 3, p, 1, NAN, D("0.5"), D("0"), &price, &transit) == LM_PRICE_OK &&
		   dec_is(price, "0.02"), "0.015 rounds to 0.02");
		/* 10.00 · 1 · (1 + 0.05/100) = 10.005 → 10.01 (a double would say 10.00) */
		b[0] = band("0", true, "2", false, "10.00", "0", 1);
		ok(lm_grid_price(b, 3, p, 1, NAN, D("1"), D("0.05"), &price, &transit) == LM_PRICE_OK &&
		   dec_is(price, "10.01"), "10.005 exact rounds up to 10.01");
		/* 4.90 · (1 + 0.1/100) = 4.9049 → 4.90 */
		b[0] = band("0", true, "2", false, "4.90", "0", 1);
		ok(lm_grid_price(b, 3, p, 1, NAN, D("1"), D("0.1"), &price, &transit) == LM_PRICE_OK &&
		   dec_is(price, "4.90"), "4.9049 rounds down to 4.90");
		/* negative surcharge -10 %: 4.90 · 0.9 = 4.41 */
		ok(lm_grid_price(b, 3, p, 1, NAN, D("1"), D("-10"), &price, &transit) == LM_PRICE_OK &&
		   dec_is(price, "4.41"), "negative surcharge -10 %: 4.41");

		/* no band: a gap */
		b[0] = band("0", true, "1", false, "4.90", "0", 1);
		p[0] = pkg(10, 10, 10, 1.5);
		ok(lm_grid_price(b, 3, p, 1, NAN, D("1"), D("0"), &price, &transit) == LM_PRICE_NO_RATE,
		   "1.5 kg in a gap: no rate");
		ok(lm_grid_price(b, 0, p, 1, NAN, D("1"), D("0"), &price, &transit) == LM_PRICE_NO_RATE,
		   "no band at all: no rate");
		/* zero packages cost 0.00 */
		ok(lm_grid_price(b, 3, p, 0, NAN, D("1"), D("0"), &price, &transit) == LM_PRICE_OK &&
		   dec_is(price, "0.00"), "no package: 0.00");

		/* lm_grid_bands_w and lm_grid_price_w agree with lm_grid_price on bands */
		{
			LmPackage	two[2];
			LmDec		w[2];

			two[0] = pkg(10, 10, 10, 0.5);	/* in [0,1) */
			two[1] = pkg(10, 10, 10, 1.5);	/* in the gap */
			lm_chargeable_decs(two, 2, NAN, w);
			ok(lm_grid_bands_w(b, 3, w, 1) == LM_PRICE_OK, "bands_w: 0.5 kg has a band");
			ok(lm_grid_bands_w(b, 3, w, 2) == LM_PRICE_NO_RATE, "bands_w: 1.5 kg in the gap: no rate");
			ok(lm_grid_price_w(b, 3, w, 2, D("1"), D("0"), &price, &transit) == LM_PRICE_NO_RATE,
			   "price_w: the same package, no rate");
			ok(lm_grid_price_w(b, 3, w, 1, D("1"), D("0"), &price, &transit) == LM_PRICE_OK &&
			   dec_is(price, "4.90"), "price_w: 0.5 kg costs 4.90 as with lm_grid_price");
			w[0].s = -1;
			ok(lm_grid_bands_w(b, 3, w, 2) == LM_PRICE_OVERFLOW &&
			   lm_grid_price_w(b, 3, w, 2, D("1"), D("0"), &price, &transit) == LM_PRICE_OVERFLOW,
			   "a weight that does not fit: overflow from both");
			ok(lm_grid_bands_w(b, 0, w, 0) == LM_PRICE_OK, "bands_w: no package, ok");
		}
	}

	/* --- scores and ranking -------------------------------------------------- */
	{
		LmOption	o[3];

		memset(o, 0, sizeof(o));
		/* A: 10.00, co2 100, q 0.5;  B: 8.00, co2 200, q 0.9;  C: 8.00, co2 200, q 0.9 */
		o[0].carrier = 0; o[0].order = 0; o[0].price = D("10.00"); o[0].co2_g = 100; o[0].quality = 0.5;
		o[1].carrier = 2; o[1].order = 2; o[1].price = D("8.00"); o[1].co2_g = 200; o[1].quality = 0.9;
		o[2].carrier = 1; o[2].order = 1; o[2].price = D("8.00"); o[2].co2_g = 200; o[2].quality = 0.9;
		/* weights 1,1,1:
		 * A: cost 0.8, q 0.5, env 1   → 2.3/3 = 0.7667
		 * B, C: cost 1, q 0.9, env 0.5 → 2.4/3 = 0.8  (tie: same price → carrier order) */
		lm_rank(o, 3, 1, 1, 1);
		ok(o[0].carrier == 1 && o[1].carrier == 2 && o[2].carrier == 0,
		   "score desc, then price, then carrier_id");
		ok(fabs(o[0].score - 0.8) < 1e-12 && fabs(o[2].score - 2.3 / 3) < 1e-12, "scores");
		ok(o[2].cost_score == 0.8 && o[0].environment_score == 0.5 && o[2].environment_score == 1.0,
		   "cost = min/price, environment = min/co2");
		/* cost only: B,C (8.00) before A */
		lm_rank(o, 3, 1, 0, 0);
		ok(o[0].carrier == 1 && o[1].carrier == 2 && o[2].carrier == 0, "cost weight only");
		/* environment only: A first */
		lm_rank(o, 3, 0, 0, 2);
		ok(o[0].carrier == 0 && o[0].score == 1.0, "environment weight only");
		/* equal score, different price: lower price first */
		memset(o, 0, sizeof(o));
		o[0].order = 0; o[0].price = D("9"); o[0].co2_g = 0; o[0].quality = 1;
		o[1].order = 1; o[1].price = D("5"); o[1].co2_g = 0; o[1].quality = 1;
		lm_rank(o, 2, 0, 1, 1);
		ok(o[0].order == 1 && o[0].score == o[1].score, "tie on score: the lower price first");
		/* price 0 and co2 0 give scores of 1 */
		memset(o, 0, sizeof(o));
		o[0].price = D("0"); o[0].co2_g = 0; o[0].quality = 0.25;
		lm_rank(o, 1, 1, 1, 2);
		ok(o[0].cost_score == 1 && o[0].environment_score == 1 && o[0].score == (1 + 0.25 + 2) / 4.0,
		   "price 0 and co2 0 score 1");
	}

	/* --- working days ---------------------------------------------------------- */
	{
		int32_t		mon = date_of(2026, 11, 23);	/* a Monday */

		ok(lm_day_of_week(date_of(2000, 1, 1)) == 6, "2000-01-01 was a Saturday");
		ok(lm_day_of_week(mon) == 1, "2026-11-23 is a Monday");
		ok(lm_add_working_days(mon, 0) == mon, "0 days: the ship date");
		ok(lm_add_working_days(mon, 1) == mon + 1, "Mon + 1 = Tue");
		ok(lm_add_working_days(mon, 4) == mon + 4, "Mon + 4 = Fri");
		ok(lm_add_working_days(mon, 5) == mon + 7, "Mon + 5 = next Mon");
		ok(lm_add_working_days(mon + 4, 1) == mon + 7, "Fri + 1 = Mon");
		ok(lm_add_working_days(mon + 3, 3) == mon + 8, "Thu + 3 = Tue");
		ok(lm_add_working_days(mon + 5, 1) == mon + 7, "Sat + 1 = Mon");
		ok(lm_add_working_days(mon + 6, 1) == mon + 7, "Sun + 1 = Mon");
		ok(lm_add_working_days(mon + 5, 0) == mon + 5, "Sat + 0 = Sat");
		ok(lm_add_working_days(mon + 6, 6) == mon + 14, "Sun + 6 = Mon a week later + 1 week... Tue");
		ok(lm_add_working_days(mon, 12) == mon + 16, "Mon + 12 = Wed two weeks later");
		{
			/* against a plain loop */
			int			bad = 0;

			for (int32_t d0 = mon - 20; d0 < mon + 20; d0++)
				for (int n = 0; n < 30; n++)
				{
					int32_t		d = d0;
					int			k = n;

					while (k > 0)
					{
						d++;
						if (lm_day_of_week(d) != 0 && lm_day_of_week(d) != 6)
							k--;
					}
					if (lm_add_working_days(d0, n) != d)
						bad++;
				}
			ok(bad == 0, "agrees with a day-by-day count");
		}
	}

	/* --- tracking numbers ----------------------------------------------------------- */
	{
		char		t[LM_TRACKING_LEN];
		char		pre[5];

		ok(lm_tracking_make("COLI", 1, t) && strlen(t) == 18 && strncmp(t, "COLI000000000001", 16) == 0,
		   "COLI + 12 digits + 2");
		ok(lm_tracking_valid(t), "made numbers are valid");
		t[10] = t[10] == '9' ? '0' : t[10] + 1;
		ok(!lm_tracking_valid(t), "one digit changed: invalid");
		ok(lm_tracking_make("CH", 123456789012ULL, t) && lm_tracking_valid(t) && strlen(t) == 16,
		   "2-letter prefix");
		{
			char		u[LM_TRACKING_LEN];

			/* swap two adjacent digits */
			strcpy(u, t);
			u[3] = t[4];
			u[4] = t[3];
			ok(t[3] == t[4] || !lm_tracking_valid(u), "transposition detected");
		}
		ok(!lm_tracking_make("C", 1, t) && !lm_tracking_make("c1", 1, t) && !lm_tracking_make("ABCDE", 1, t),
		   "bad prefixes refused");
		ok(!lm_tracking_valid("") && !lm_tracking_valid(NULL) && !lm_tracking_valid("AB12345678901234") == !lm_tracking_valid("AB12345678901234"),
		   "empty is invalid");
		ok(!lm_tracking_valid("ab00000000000197"), "lower case is invalid");
		{
			int			bad = 0;

			for (uint64_t s = 0; s < 5000; s++)
			{
				if (!lm_tracking_make("DPD", s * 7919, t) || !lm_tracking_valid(t))
					bad++;
				/* every other check value is refused */
				for (int c = 0; c < 100; c += 37)
				{
					char		u[LM_TRACKING_LEN];
					int			orig = atoi(t + 15);

					if (c == orig)
						continue;
					strcpy(u, t);
					snprintf(u + 15, 3, "%02d", c);
					if (lm_tracking_valid(u))
						bad++;
				}
			}
			ok(bad == 0, "5000 numbers valid, wrong checks refused");
		}
		lm_tracking_prefix("colissimo", pre);
		ok(strcmp(pre, "COLI") == 0, "prefix of colissimo");
		lm_tracking_prefix("x-1", pre);
		ok(strcmp(pre, "XX") == 0, "prefix padded with X");
		lm_tracking_prefix("dpd", pre);
		ok(strcmp(pre, "DPD") == 0, "prefix of dpd");
	}

	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
