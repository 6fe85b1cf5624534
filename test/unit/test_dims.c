/*
 * test_dims.c — unit tests of src/core/dims.c (TAP on stdout).
 *
 * Table-driven tests of every input form and error kind, the canonical
 * output, comparison and fits, then a deterministic fuzz loop: random and
 * mutated strings must never crash and every accepted string must satisfy
 * parse → format → parse giving the same bits.
 */
#include "dims.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fuzz iterations per loop; build with -DFUZZ_N=10000000 for a long run */
#ifndef FUZZ_N
#define FUZZ_N 100000
#endif

static int	test_no = 0;
static int	failures = 0;

static void
ok(int cond, const char *fmt, const char *arg)
{
	test_no++;
	if (!cond)
		failures++;
	char		line[512];
	char	   *c;

	printf("%sok %d - ", cond ? "" : "not ", test_no);
	snprintf(line, sizeof(line), fmt, arg);
	/* keep one TAP line: control characters shown as '?' */
	for (c = line; *c; c++)
		if ((unsigned char) *c < 0x20)
			*c = '?';
	printf("%s\n", line);
}

static void
diag(const char *s)
{
	printf("# %s\n", s);
}

/* accepted inputs and their canonical output */
static const struct
{
	const char *in;
	const char *out;
}			good[] = {
	{"60x40x30", "60x40x30"},
	{"60 x 40 x 30 cm", "60x40x30"},
	{"600x400x300mm", "60x40x30"},
	{"0.6x0.4x0.3 m", "60x40x30"},
	{"605x400x300mm", "60.5x40x30"},
	{"60.5x40x30", "60.5x40x30"},
	{"30x60x40", "60x40x30"},
	{"40*30*60", "60x40x30"},
	{"60X40X30", "60x40x30"},
	{"60\xC3\x97" "40\xC3\x97" "30", "60x40x30"},
	{"  60 \xC3\x97 40 \xC3\x97 30  ", "60x40x30"},
	{"\t60\tx\n40 x 30\r\n", "60x40x30"},
	{"60x40x30CM", "60x40x30"},
	{"600x400x300 MM", "60x40x30"},
	{"0.6x0.4x0.3M", "60x40x30"},
	{"60x40x30 Cm", "60x40x30"},
	{"1x1x1", "1x1x1"},
	{"10000x10000x10000", "10000x10000x10000"},
	{"100x100x100 m", "10000x10000x10000"},
	{"100000x1x1 mm", "10000x0.1x0.1"},
	{"0.0001x0.0001x0.0001", "0.0001x0.0001x0.0001"},
	{"0.00001x1x1", "1x1x1e-5"},
	{"0.000015x1x1", "1x1x1.5e-5"},
	{"1e-300x1x1", "1x1x1e-300"},
	{"4.9e-324x1x1", "1x1x5e-324"},
	{"0.1x0.2x0.3", "0.3x0.2x0.1"},
	{"0.1x0.2x0.3 m", "30x20x10"},
	{"1.1x2.2x3.3 m", "330x220x110"},
	{"123.456x10x10 mm", "12.3456x1x1"},
	{"1e2x5E1x3e+1", "100x50x30"},
	{"6e-1x4e-1x3e-1 m", "60x40x30"},
	{".5x5.x50", "50x5x0.5"},
	{"007x08x09", "9x8x7"},
	{"3333.3333333333335x1x1", "3333.3333333333335x1x1"},
	{"9999.999999999999x1x1", "9999.999999999998x1x1"},
	{"10000.0000000000001x1x1", "10000x1x1"},
	{"0.1x0.1x0.1 mm", "0.01x0.01x0.01"},
	{"12345.6x10x1 mm", "1234.56x1x0.1"},
	{"1x1x1.0000000000000000000000000000000000001", "1x1x1"},
};

/* refused inputs and the error they must report */
static const struct
{
	const char *in;
	DimsErrorCode code;
	const char *detail;
}			bad[] = {
	{"", DIMS_ERR_EMPTY, "The input is empty; expected three sides such as \"60x40x30\"."},
	{"   ", DIMS_ERR_EMPTY, NULL},
	{"60x40", DIMS_ERR_TOO_FEW_SIDES, "Expected 3 sides, found 2."},
	{"60", DIMS_ERR_TOO_FEW_SIDES, "Expected 3 sides, found 1."},
	{"60x40 cm", DIMS_ERR_TOO_FEW_SIDES, "Expected 3 sides, found 2."},
	{"1e5 cm", DIMS_ERR_TOO_FEW_SIDES, "Expected 3 sides, found 1."},
	{"60x40x", DIMS_ERR_EXPECTED_NUMBER, "Side 3 is missing or not a number (at character 7)."},
	{"60xx40x30", DIMS_ERR_EXPECTED_NUMBER, "Side 2 is missing or not a number (at character 4)."},
	{"x60x40x30", DIMS_ERR_EXPECTED_NUMBER, NULL},
	{"60x40x30x20", DIMS_ERR_TOO_MANY_SIDES, "Expected 3 sides, found more than 3."},
	{"60x40x30 cm x 20", DIMS_ERR_TRAILING, NULL},
	{"-60x40x30", DIMS_ERR_NEGATIVE, "Side 1 is negative; each side must be greater than zero."},
	{"60x-40x30", DIMS_ERR_NEGATIVE, NULL},
	{"60x40x-.5", DIMS_ERR_NEGATIVE, NULL},
	{"0x40x30", DIMS_ERR_NOT_POSITIVE, "Side 1 is zero; each side must be greater than zero."},
	{"60x40x0.0", DIMS_ERR_NOT_POSITIVE, NULL},
	{"60x40x1e-400", DIMS_ERR_NOT_POSITIVE, NULL},
	{"nanx40x30", DIMS_ERR_NOT_FINITE, "Side 1 is not a finite number."},
	{"60xNaNx30", DIMS_ERR_NOT_FINITE, NULL},
	{"60x40xinf", DIMS_ERR_NOT_FINITE, NULL},
	{"Infinityx40x30", DIMS_ERR_NOT_FINITE, NULL},
	{"-inf x 1 x 1", DIMS_ERR_NOT_FINITE, NULL},
	{"1x-nanx1", DIMS_ERR_NOT_FINITE, NULL},
	{"1x-x1", DIMS_ERR_EXPECTED_NUMBER, NULL},
	{"1e5x1x1", DIMS_ERR_TOO_LARGE, "Side 1 is 100000 cm; the maximum is 10000 cm."},
	{"1x1x1e5 cm", DIMS_ERR_TOO_LARGE, "Side 3 is 100000 cm; the maximum is 10000 cm."},
	{"10000.001x1x1", DIMS_ERR_TOO_LARGE, NULL},
	{"101x1x1 m", DIMS_ERR_TOO_LARGE, "Side 1 is 10100 cm; the maximum is 10000 cm."},
	{"1x1x1e999999999999", DIMS_ERR_TOO_LARGE, "Side 3 is too large; the maximum is 10000 cm."},
	{"abc", DIMS_ERR_EXPECTED_NUMBER, "Side 1 is missing or not a number (at character 1)."},
	{"60 x forty x 30", DIMS_ERR_EXPECTED_NUMBER, NULL},
	{"60x40x30 kg", DIMS_ERR_UNKNOWN_UNIT, "Unknown unit \"kg\"; the unit is cm (the default), mm or m."},
	{"60x40x30 cmm", DIMS_ERR_UNKNOWN_UNIT, NULL},
	{"60x40x30 cm!", DIMS_ERR_TRAILING, "Unexpected text after the end of the value, at character 12."},
	{"60x40x30;", DIMS_ERR_TRAILING, NULL},
	{"60x40x30 cm cm", DIMS_ERR_TRAILING, NULL},
	{"60 cm x 40 x 30", DIMS_ERR_UNIT_NOT_LAST, "The unit \"cm\" after side 1 must come after the last side."},
	{"60x40mmx30", DIMS_ERR_UNIT_NOT_LAST, NULL},
	{"0x1Ax2x3", DIMS_ERR_EXPECTED_SEPARATOR, NULL},
	{"0x10x20x30", DIMS_ERR_TOO_MANY_SIDES, NULL},
	{"0x3C", DIMS_ERR_EXPECTED_SEPARATOR, NULL},
	{"6 0x40x30", DIMS_ERR_EXPECTED_SEPARATOR,
	"Expected a separator (x, X, * or the multiplication sign) after side 1, at character 3."},
	{"60,5x40x30", DIMS_ERR_EXPECTED_SEPARATOR, NULL},
	{"60/40/30", DIMS_ERR_EXPECTED_SEPARATOR, NULL},
	{"+60x40x30", DIMS_ERR_EXPECTED_NUMBER, NULL},
	{"60\xC3x40x30", DIMS_ERR_EXPECTED_SEPARATOR, NULL},
	{"60\xC3\x97\xC3\x97" "40x30", DIMS_ERR_EXPECTED_NUMBER,
	"Side 2 is missing or not a number (at character 4)."},
	{".x1x1", DIMS_ERR_EXPECTED_NUMBER, NULL},
	{"1ex1x1", DIMS_ERR_EXPECTED_SEPARATOR, NULL},
	{"1e+x1x1", DIMS_ERR_EXPECTED_SEPARATOR, NULL},
	{"60x40x30e", DIMS_ERR_UNKNOWN_UNIT, NULL},
	{"(60,40,30)", DIMS_ERR_EXPECTED_NUMBER, NULL},
};

/* deterministic pseudo-random numbers (xorshift64*) */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static bool
same_bits(const Dims *a, const Dims *b)
{
	return memcmp(a, b, sizeof(Dims)) == 0;
}

static bool
valid_dims(const Dims *d)
{
	int			i;

	for (i = 0; i < 3; i++)
		if (!isfinite(d->side[i]) || !(d->side[i] > 0.0) || d->side[i] > DIMS_MAX_CM)
			return false;
	return d->side[0] >= d->side[1] && d->side[1] >= d->side[2];
}

/*
 * One fuzz case: must not crash; when accepted, the value must be valid
 * and parse(format(value)) must give the same bits and the same text.
 * Returns false (and prints a diagnostic) on a violation.
 */
static bool
fuzz_one(const char *s, long *accepted)
{
	Dims		d,
				d2;
	DimsError	err;
	char		out[DIMS_FORMAT_LEN],
				out2[DIMS_FORMAT_LEN],
				detail[DIMS_DETAIL_LEN];
	int			len;

	if (!dims_parse(s, &d, &err))
	{
		dims_error_detail(&err, detail, sizeof(detail));
		if (err.code == DIMS_OK || strlen(detail) == 0 || strlen(detail) >= sizeof(detail) - 1)
		{
			printf("# bad error for input \"%s\"\n", s);
			return false;
		}
		return true;
	}
	(*accepted)++;
	len = dims_format(&d, out, sizeof(out));
	if (!valid_dims(&d) || len <= 0 || len >= (int) sizeof(out) ||
		!dims_parse(out, &d2, NULL) || !same_bits(&d, &d2))
	{
		printf("# round trip failed for \"%s\" -> \"%s\"\n", s, out);
		return false;
	}
	dims_format(&d2, out2, sizeof(out2));
	if (strcmp(out, out2) != 0)
	{
		printf("# output not stable for \"%s\"\n", s);
		return false;
	}
	return true;
}

/* a digit generator in Ryu's style ("60.5", "1e-05"), counting its calls */
static int	fake_calls = 0;

static int
fake_shortest(double v, char *buf)
{
	fake_calls++;
	return snprintf(buf, 48, "%.17g", v);
}

/* significant digits of a formatted side ("0.0015" → 2, "10000" → 1) */
static int
sig_digits(const char *s)
{
	int			n = 0,
				zeros = 0;
	bool		started = false;

	for (; *s && *s != 'e'; s++)
	{
		if (*s < '0' || *s > '9')
			continue;
		if (*s == '0' && !started)
			continue;
		started = true;
		if (*s == '0')
			zeros++;
		else
		{
			n += zeros + 1;
			zeros = 0;
		}
	}
	return n;
}

/* reference: the fewest digits (1..17) whose rounding reads back to v */
static int
shortest_digits_ref(double v)
{
	char		e[48];
	int			p;

	for (p = 1; p < 17; p++)
	{
		snprintf(e, sizeof(e), "%.*e", p - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	return p;
}

static const char *const seeds[] = {
	"60x40x30", "60 x 40 x 30 cm", "600x400x300mm", "0.6x0.4x0.3 m",
	"605x400x300mm", "1e2x5E1x3e+1", "60\xC3\x97" "40\xC3\x97" "30",
	"0.0001x0.5x9999.999", ".5x5.x50 MM", "1x1x1e-5 m",
};

/* pieces the random strings are built of */
static const char *const atoms[] = {
	"0", "1", "2", "5", "9", ".", "x", "X", "*", "\xC3\x97", " ", "\t",
	"e", "E", "+", "-", "cm", "mm", "m", "M", "nan", "inf", "0x", "1e5",
	"10000", "0.0001", "\xC3", "\x97", "\xFF", "a", ",", "00000000000000000001",
	"99999999999999999999", "e-400", "e400",
};

int
main(void)
{
	size_t		i;
	char		buf[256];

	/* accepted inputs */
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
	{
		Dims		d,
					d2;
		DimsError	err;
		char		out[DIMS_FORMAT_LEN];
		bool		parsed = dims_parse(good[i].in, &d, &err);

		if (parsed)
			dims_format(&d, out, sizeof(out));
		else
			strcpy(out, "(refused)");
		snprintf(buf, sizeof(buf), "\"%s\" -> \"%s\" (got \"%s\")",
				 good[i].in, good[i].out, out);
		ok(parsed && strcmp(out, good[i].out) == 0 &&
		   dims_parse(out, &d2, NULL) && same_bits(&d, &d2), "%s", buf);
	}

	/* refused inputs: the right code, a detail, *out untouched */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		Dims		d = {{1.0, 2.0, 3.0}};
		DimsError	err;
		char		detail[DIMS_DETAIL_LEN];
		bool		parsed = dims_parse(bad[i].in, &d, &err);
		bool		pass;

		if (!parsed)
			dims_error_detail(&err, detail, sizeof(detail));
		else
			strcpy(detail, "(accepted)");
		pass = !parsed && err.code == bad[i].code &&
			d.side[0] == 1.0 && d.side[2] == 3.0 &&
			(bad[i].detail == NULL || strcmp(detail, bad[i].detail) == 0);
		snprintf(buf, sizeof(buf), "refuses \"%s\": %s", bad[i].in, detail);
		ok(pass, "%s", buf);
	}

	/* a NULL error pointer is allowed */
	{
		Dims		d;

		ok(!dims_parse("bad", &d, NULL), "%s", "NULL error pointer accepted");
	}

	/* a very long number is refused, not overflowed */
	{
		static char longnum[2048];
		Dims		d;
		DimsError	err;

		memset(longnum, '1', 1000);
		strcpy(longnum + 1000, "x1x1");
		ok(!dims_parse(longnum, &d, &err) && err.code == DIMS_ERR_NUMBER_TOO_LONG,
		   "%s", "1000-digit side refused as too long");
		longnum[0] = '0';
		longnum[1] = '.';
		memset(longnum + 2, '0', 290);
		strcpy(longnum + 292, "1x1x1");
		ok(dims_parse(longnum, &d, &err) && d.side[2] > 0 && d.side[2] < 1e-280,
		   "%s", "a 293-character side is read");
	}

	/* exactness of the unit conversions */
	{
		Dims		a,
					b,
					c;

		dims_parse("60.5x40x30", &a, NULL);
		dims_parse("605x400x300mm", &b, NULL);
		dims_parse("0.605x0.4x0.3 m", &c, NULL);
		ok(same_bits(&a, &b) && same_bits(&a, &c), "%s", "cm, mm and m variants are the same bits");
		dims_parse("0.07x0.07x0.07 m", &a, NULL);
		ok(a.side[0] == 7.0, "%s", "0.07 m is exactly 7 cm (0.07*100 would be 7.000000000000001)");
		dims_parse("1.1x1.1x1.1 m", &a, NULL);
		ok(a.side[0] == 110.0, "%s", "1.1 m is exactly 110 cm");
		dims_parse("0.3x0.3x0.3 mm", &a, NULL);
		ok(a.side[0] == 0.03, "%s", "0.3 mm is exactly the double nearest 0.03 cm");
	}

	/* dims_make */
	{
		Dims		d;
		DimsError	err;

		ok(dims_make(30, 60, 40, &d, &err) && d.side[0] == 60 && d.side[1] == 40 && d.side[2] == 30,
		   "%s", "dims_make sorts");
		ok(!dims_make(30, NAN, 40, &d, &err) && err.code == DIMS_ERR_NOT_FINITE && err.side == 2,
		   "%s", "dims_make refuses NaN");
		ok(!dims_make(30, 60, INFINITY, &d, &err) && err.code == DIMS_ERR_TOO_LARGE,
		   "%s", "dims_make refuses +inf");
		ok(!dims_make(-INFINITY, 60, 1, &d, &err) && err.code == DIMS_ERR_NOT_FINITE,
		   "%s", "dims_make refuses -inf");
		ok(!dims_make(0, 60, 40, &d, &err) && err.code == DIMS_ERR_NOT_POSITIVE,
		   "%s", "dims_make refuses 0");
		ok(!dims_make(-1, 60, 40, &d, &err) && err.code == DIMS_ERR_NEGATIVE,
		   "%s", "dims_make refuses -1");
		ok(!dims_make(1, 60, 10000.000000001, &d, &err) && err.code == DIMS_ERR_TOO_LARGE && err.side == 3,
		   "%s", "dims_make refuses 10000.000000001");
		ok(dims_make(10000, 5e-324, 1, &d, &err), "%s", "dims_make takes 10000 and the smallest double");
	}

	/* comparison and fits */
	{
		Dims		a,
					b,
					c;

		dims_parse("60x40x30", &a, NULL);
		dims_parse("30x60x40", &b, NULL);
		dims_parse("60x40x31", &c, NULL);
		ok(dims_cmp(&a, &b) == 0, "%s", "sorted on input: 30x60x40 = 60x40x30");
		ok(dims_cmp(&a, &c) < 0 && dims_cmp(&c, &a) > 0, "%s", "60x40x30 < 60x40x31");
		dims_parse("61x1x1", &c, NULL);
		ok(dims_cmp(&a, &c) < 0, "%s", "lexicographic on sorted sides: 60x40x30 < 61x1x1");
		ok(dims_fits(&a, &b), "%s", "equal size fits");
		dims_parse("50x50x50", &c, NULL);
		ok(!dims_fits(&a, &c), "%s", "60x40x30 does not fit in 50x50x50");
		dims_parse("40x65x35", &c, NULL);
		ok(dims_fits(&a, &c) && !dims_fits(&c, &a), "%s", "60x40x30 fits in 40x65x35 rotated");
		ok(dims_volume(&a) == 72000 && dims_girth(&a) == 140 && dims_developed(&a) == 200,
		   "%s", "volume 72000, girth 140, developed 200");
	}

	/* shortest output of a few awkward doubles */
	{
		char		s[40];

		dims_format_side(0.1 + 0.2, s, sizeof(s));
		ok(strcmp(s, "0.30000000000000004") == 0, "%s", "0.1+0.2 prints 0.30000000000000004");
		dims_format_side(60.00000000000001, s, sizeof(s));
		ok(strcmp(s, "60.00000000000001") == 0, "%s", "60.00000000000001 is kept");
		dims_format_side(0.0001, s, sizeof(s));
		ok(strcmp(s, "0.0001") == 0, "%s", "0.0001 plain");
		dims_format_side(nextafter(0.0001, 0.0), s, sizeof(s));
		ok(strcmp(s, "9.999999999999999e-5") == 0, "%s", "the double just below 0.0001 is scientific");
		dims_format_side(1e15, s, sizeof(s));
		ok(strcmp(s, "1000000000000000") == 0, "%s", "1e15 plain (error details only)");
		dims_format_side(1234.5, s, sizeof(s));
		ok(strcmp(s, "1234.5") == 0, "%s", "1234.5");
		dims_format_side(1e-7 * 1.5, s, sizeof(s));
		ok(strcmp(s, "1.5e-7") == 0, "%s", "1.5e-7 in scientific form");
	}

	/* laying out decimal strings of any notation (what Ryu or printf give) */
	{
		static const struct
		{
			const char *in;
			const char *out;
		}			lay[] = {
			{"60.5", "60.5"}, {"6.05e+01", "60.5"}, {"6.050000000000000e+01", "60.5"},
			{"60.50", "60.5"}, {"0060.5", "60.5"}, {"10000", "10000"}, {"1e4", "10000"},
			{"1E+04", "10000"}, {"0.0001", "0.0001"}, {"1e-04", "0.0001"}, {"1e-4", "0.0001"},
			{"1e-05", "1e-5"}, {"0.00001", "1e-5"}, {"1.5e-07", "1.5e-7"}, {"15e-8", "1.5e-7"},
			{"5e-324", "5e-324"}, {"0.30000000000000004", "0.30000000000000004"},
			{"3.0000000000000004e-01", "0.30000000000000004"}, {"1e15", "1000000000000000"},
			{"1e16", "1e16"}, {"123456789e-3", "123456.789"}, {"0", "0"}, {"0.000", "0"},
			{"-2.5", "-2.5"}, {".5", "0.5"}, {"5.", "5"},
		};
		size_t		k;
		int			bad = 0;

		for (k = 0; k < sizeof(lay) / sizeof(lay[0]); k++)
		{
			char		out[40];

			dims_layout_decimal(lay[k].in, out, sizeof(out));
			if (strcmp(out, lay[k].out) != 0)
			{
				bad++;
				printf("# layout \"%s\" gave \"%s\", expected \"%s\"\n", lay[k].in, out, lay[k].out);
			}
		}
		snprintf(buf, sizeof(buf), "%d decimal strings laid out canonically", (int) k);
		ok(bad == 0, "%s", buf);
	}

	/* a caller-supplied digit generator is used */
	{
		Dims		d = {{60.5, 40.0, 30.0}};
		char		out[DIMS_FORMAT_LEN];

		dims_format_with(&d, fake_shortest, out, sizeof(out));
		ok(strcmp(out, "60.5x40x30") == 0 && fake_calls == 3, "%s", "dims_format_with calls the generator per side");
	}

	/* fuzz 1: random doubles in the valid range round-trip bit for bit */
	{
		long		n,
					bad_rt = 0,
					tried = 0,
					acc = 0;

		for (n = 0; n < FUZZ_N; n++)
		{
			Dims		d;
			double		v[3];
			char		out[DIMS_FORMAT_LEN];
			int			k;

			for (k = 0; k < 3; k++)
			{
				uint64_t	bits = rng();

				if (n % 2 == 0)
					memcpy(&v[k], &bits, sizeof(double));
				else
					v[k] = (double) (bits >> 11) / 9007199254740992.0 * DIMS_MAX_CM;
			}
			if (!dims_make(v[0], v[1], v[2], &d, NULL))
				continue;
			tried++;
			dims_format(&d, out, sizeof(out));
			if (!fuzz_one(out, &acc))
				bad_rt++;
		}
		snprintf(buf, sizeof(buf), "%ld random valid doubles: format/parse round trips", tried);
		ok(bad_rt == 0 && tried > FUZZ_N / 5, "%s", buf);
	}

	/* fuzz 1b: the output is as short as the digit-by-digit reference */
	{
		long		n,
					longer = 0;

		for (n = 0; n < FUZZ_N; n++)
		{
			uint64_t	r = rng();
			double		v;
			char		out[40];

			switch (n % 4)
			{
				case 0:			/* short decimals: 60.5, 0.0015, 1234.56 */
					v = (double) (r % 100000 + 1) / pow(10.0, (double) ((r >> 20) % 9));
					break;
				case 1:			/* uniform in (0, 10000] */
					v = (double) ((r >> 11) + 1) / 9007199254740992.0 * DIMS_MAX_CM;
					break;
				case 2:			/* any positive double up to 10000, subnormals too */
					r &= 0x7FFFFFFFFFFFFFFFULL;
					memcpy(&v, &r, sizeof(v));
					if (!(v > 0.0) || v > DIMS_MAX_CM)
						v = 5e-324 * (double) (n % 1000 + 1);
					break;
				default:		/* a neighbour of a short decimal */
					v = nextafter((double) (r % 10000 + 1) / 100.0, (r & 1) ? 0.0 : 1e9);
					break;
			}
			dims_format_side(v, out, sizeof(out));
			if (strtod(out, NULL) != v || sig_digits(out) != shortest_digits_ref(v))
			{
				if (longer++ < 5)
					printf("# %.17g printed as %s (%d digits, shortest %d)\n",
						   v, out, sig_digits(out), shortest_digits_ref(v));
			}
		}
		snprintf(buf, sizeof(buf), "%d doubles printed with the fewest digits that read back", FUZZ_N);
		ok(longer == 0, "%s", buf);
	}

	/* fuzz 2: random strings of atoms and raw bytes never crash */
	{
		long		n,
					bad_cases = 0,
					acc = 0;

		for (n = 0; n < FUZZ_N; n++)
		{
			char		s[200];
			size_t		len = 0;
			int			pieces = (int) (rng() % 14);
			int			k;

			for (k = 0; k < pieces; k++)
			{
				const char *a;
				char		raw[2];

				if (rng() % 8 == 0)
				{
					raw[0] = (char) (rng() % 255 + 1);
					raw[1] = '\0';
					a = raw;
				}
				else
					a = atoms[rng() % (sizeof(atoms) / sizeof(atoms[0]))];
				if (len + strlen(a) >= sizeof(s))
					break;
				memcpy(s + len, a, strlen(a));
				len += strlen(a);
			}
			s[len] = '\0';
			if (!fuzz_one(s, &acc))
				bad_cases++;
		}
		snprintf(buf, sizeof(buf), "%d random strings (%ld accepted): no crash, round trips", FUZZ_N, acc);
		ok(bad_cases == 0, "%s", buf);
	}

	/* fuzz 3: mutations of valid inputs */
	{
		long		n,
					bad_cases = 0,
					acc = 0;

		for (n = 0; n < FUZZ_N; n++)
		{
			char		s[128];
			size_t		len;
			int			m,
						muts = 1 + (int) (rng() % 3);

			strcpy(s, seeds[rng() % (sizeof(seeds) / sizeof(seeds[0]))]);
			for (m = 0; m < muts; m++)
			{
				size_t		pos;
				char		c = "0123456789.xX* eE+-cmM\xC3\x97\xff"[rng() % 25];

				len = strlen(s);
				pos = len ? rng() % (len + 1) : 0;
				switch (rng() % 3)
				{
					case 0:		/* insert */
						if (len + 2 < sizeof(s))
						{
							memmove(s + pos + 1, s + pos, len - pos + 1);
							s[pos] = c;
						}
						break;
					case 1:		/* delete */
						if (pos < len)
							memmove(s + pos, s + pos + 1, len - pos);
						break;
					default:	/* replace */
						if (pos < len)
							s[pos] = c;
						break;
				}
			}
			if (!fuzz_one(s, &acc))
				bad_cases++;
		}
		snprintf(buf, sizeof(buf), "%d mutated inputs (%ld accepted): no crash, round trips", FUZZ_N, acc);
		ok(bad_cases == 0, "%s", buf);
	}

	if (failures)
		diag("some tests failed");
	printf("1..%d\n", test_no);
	return failures ? 1 : 0;
}
