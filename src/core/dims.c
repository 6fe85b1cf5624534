/*
 * dims.c — parse, format, compare the package dimensions (see dims.h).
 *
 * Grammar of the text form (spaces = ASCII white space, allowed between any
 * two tokens, never inside a number):
 *
 *     input  := number sep number sep number [unit]
 *     sep    := "x" | "X" | "*" | "×" (U+00D7, UTF-8 C3 97)
 *     number := digits ["." [digits]] [exponent] | "." digits [exponent]
 *     exponent := ("e" | "E") ["+" | "-"] digits
 *     unit   := "cm" | "mm" | "m"   (any letter case; cm when absent)
 *
 * Unit conversion is exact in decimal: a number in mm or m is read by one
 * correctly rounded strtod() of its own digits with the decimal exponent
 * moved by -1 (mm) or +2 (m), so "0.6 m" reads exactly as "60" would, with
 * no binary multiplication in between.
 */
#include "dims.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exponents beyond this are clamped: the value is then 0 or inf anyway. */
#define EXP_CLAMP 100000

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A letter that can start or continue a word: any letter but x / X. */
static bool
is_word_letter(char c)
{
	return is_letter(c) && c != 'x' && c != 'X';
}

static char
lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

static const char *
skip_spaces(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

/* Length in bytes of the separator at p, or 0 if there is none. */
static int
separator_len(const char *p)
{
	if (*p == 'x' || *p == 'X' || *p == '*')
		return 1;
	if ((unsigned char) p[0] == 0xC3 && (unsigned char) p[1] == 0x97)
		return 2;
	return 0;
}

/* 1-based character position of p in s (UTF-8: continuation bytes skipped). */
static int
char_position(const char *s, const char *p)
{
	int			n = 1;

	for (; s < p; s++)
		if (((unsigned char) *s & 0xC0) != 0x80)
			n++;
	return n;
}

/* Case-insensitive comparison of the word [w, w+len) with lower-case lit. */
static bool
word_is(const char *w, size_t len, const char *lit)
{
	size_t		i;

	if (strlen(lit) != len)
		return false;
	for (i = 0; i < len; i++)
		if (lower(w[i]) != lit[i])
			return false;
	return true;
}

/* Decimal exponent shift of a unit word to cm, or -100 if no unit. */
static int
unit_shift(const char *w, size_t len)
{
	if (word_is(w, len, "cm"))
		return 0;
	if (word_is(w, len, "mm"))
		return -1;
	if (word_is(w, len, "m"))
		return 2;
	return -100;
}

static void
set_error(DimsError *err, DimsErrorCode code, int side, int position)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
	err->code = code;
	err->side = side;
	err->position = position;
}

static void
set_word(DimsError *err, const char *w, size_t len)
{
	if (err == NULL)
		return;
	if (len >= sizeof(err->word))
		len = sizeof(err->word) - 1;
	memcpy(err->word, w, len);
	err->word[len] = '\0';
}

/* A number token found by scan_number. */
typedef struct NumTok
{
	const char *start;			/* mantissa: digits with an optional '.' */
	size_t		mant_len;
	long		exponent;		/* written exponent, clamped */
} NumTok;

/*
 * Scans a number at *pp (spaces already skipped) for side number `side`.
 * Advances *pp past it and returns DIMS_OK, or returns an error code.
 */
static DimsErrorCode
scan_number(const char **pp, NumTok *tok)
{
	const char *p = *pp;
	const char *start = p;
	size_t		ndigits = 0;

	while (is_digit(*p))
	{
		p++;
		ndigits++;
	}
	if (*p == '.')
	{
		p++;
		while (is_digit(*p))
		{
			p++;
			ndigits++;
		}
	}
	if (ndigits == 0)
		return DIMS_ERR_EXPECTED_NUMBER;
	tok->start = start;
	tok->mant_len = (size_t) (p - start);
	tok->exponent = 0;

	/* an exponent only when digits follow the e (and its sign) */
	if ((*p == 'e' || *p == 'E') &&
		(is_digit(p[1]) || ((p[1] == '+' || p[1] == '-') && is_digit(p[2]))))
	{
		bool		neg = false;
		long		e = 0;

		p++;
		if (*p == '+' || *p == '-')
			neg = (*p++ == '-');
		while (is_digit(*p))
		{
			if (e < EXP_CLAMP)
				e = e * 10 + (*p - '0');
			p++;
		}
		if (e > EXP_CLAMP)
			e = EXP_CLAMP;
		tok->exponent = neg ? -e : e;
	}
	if ((size_t) (p - start) > DIMS_MAX_NUMBER_LEN)
		return DIMS_ERR_NUMBER_TOO_LONG;
	*pp = p;
	return DIMS_OK;
}

/* The value of a number token in cm: one correctly rounded strtod. */
static double
number_value(const NumTok *tok, int shift)
{
	char		buf[DIMS_MAX_NUMBER_LEN + 32];
	char	   *o = buf + tok->mant_len;
	long		e = tok->exponent + shift;

	memcpy(buf, tok->start, tok->mant_len);
	if (e != 0)
	{
		char		digits[24];
		int			n = 0;
		unsigned long u = (unsigned long) (e < 0 ? -e : e);

		*o++ = 'e';
		if (e < 0)
			*o++ = '-';
		do
		{
			digits[n++] = (char) ('0' + u % 10);
			u /= 10;
		} while (u > 0);
		while (n > 0)
			*o++ = digits[--n];
	}
	*o = '\0';
	return strtod(buf, NULL);
}

/* Checks one side in cm; returns DIMS_OK or the error code. */
static DimsErrorCode
check_side(double v)
{
	if (isnan(v))
		return DIMS_ERR_NOT_FINITE;
	if (v > DIMS_MAX_CM)		/* +inf included */
		return DIMS_ERR_TOO_LARGE;
	if (isinf(v))
		return DIMS_ERR_NOT_FINITE;
	if (!(v > 0.0))
		return v < 0.0 ? DIMS_ERR_NEGATIVE : DIMS_ERR_NOT_POSITIVE;
	return DIMS_OK;
}

void
dims_sort(Dims *d)
{
	double		t;

#define SWAP_IF_LESS(i, j) \
	do { if (d->side[i] < d->side[j]) { t = d->side[i]; d->side[i] = d->side[j]; d->side[j] = t; } } while (0)
	SWAP_IF_LESS(0, 1);
	SWAP_IF_LESS(1, 2);
	SWAP_IF_LESS(0, 1);
#undef SWAP_IF_LESS
}

bool
dims_parse(const char *input, Dims *out, DimsError *err)
{
	const char *p = skip_spaces(input);
	NumTok		tok[3];
	int			n;
	int			shift = 0;
	double		v[3];
	int			i;

	if (*p == '\0')
	{
		set_error(err, DIMS_ERR_EMPTY, 0, 0);
		return false;
	}

	for (n = 0; n < 3; n++)
	{
		DimsErrorCode rc;
		const char *w;

		p = skip_spaces(p);
		if (*p == '-' && (is_digit(p[1]) || (p[1] == '.' && is_digit(p[2]))))
		{
			set_error(err, DIMS_ERR_NEGATIVE, n + 1, char_position(input, p));
			return false;
		}
		/* nan, inf, infinity (with or without a minus sign) */
		w = (*p == '-') ? p + 1 : p;
		if (is_letter(*w))
		{
			size_t		len = 0;

			while (is_word_letter(w[len]))
				len++;
			if (word_is(w, len, "nan") || word_is(w, len, "inf") ||
				word_is(w, len, "infinity"))
			{
				set_error(err, DIMS_ERR_NOT_FINITE, n + 1, char_position(input, p));
				return false;
			}
		}
		rc = scan_number(&p, &tok[n]);
		if (rc != DIMS_OK)
		{
			set_error(err, rc, n + 1, char_position(input, p));
			return false;
		}
		p = skip_spaces(p);

		if (n < 2)
		{
			int			sl = separator_len(p);

			if (sl > 0)
			{
				p += sl;
				continue;
			}
			if (*p == '\0')
			{
				set_error(err, DIMS_ERR_TOO_FEW_SIDES, 0, char_position(input, p));
				if (err)
					err->count = n + 1;
				return false;
			}
			if (is_word_letter(*p))
			{
				size_t		len = 0;

				w = p;
				while (is_word_letter(w[len]))
					len++;
				if (unit_shift(w, len) != -100)
				{
					if (*skip_spaces(w + len) == '\0')
					{
						set_error(err, DIMS_ERR_TOO_FEW_SIDES, 0,
								  char_position(input, p));
						if (err)
							err->count = n + 1;
					}
					else
					{
						set_error(err, DIMS_ERR_UNIT_NOT_LAST, n + 1,
								  char_position(input, p));
						set_word(err, w, len);
					}
					return false;
				}
			}
			set_error(err, DIMS_ERR_EXPECTED_SEPARATOR, n + 1,
					  char_position(input, p));
			return false;
		}
	}

	/* after the third side: an optional unit, then the end */
	if (separator_len(p) > 0)
	{
		set_error(err, DIMS_ERR_TOO_MANY_SIDES, 0, char_position(input, p));
		return false;
	}
	if (is_word_letter(*p))
	{
		const char *w = p;
		size_t		len = 0;

		while (is_word_letter(w[len]))
			len++;
		shift = unit_shift(w, len);
		if (shift == -100)
		{
			set_error(err, DIMS_ERR_UNKNOWN_UNIT, 0, char_position(input, p));
			set_word(err, w, len);
			return false;
		}
		p = skip_spaces(w + len);
	}
	if (*p != '\0')
	{
		set_error(err, DIMS_ERR_TRAILING, 0, char_position(input, p));
		return false;
	}

	for (i = 0; i < 3; i++)
	{
		DimsErrorCode rc;

		v[i] = number_value(&tok[i], shift);
		rc = check_side(v[i]);
		if (rc != DIMS_OK)
		{
			set_error(err, rc, i + 1, char_position(input, tok[i].start));
			if (err)
				err->value = v[i];
			return false;
		}
	}
	out->side[0] = v[0];
	out->side[1] = v[1];
	out->side[2] = v[2];
	dims_sort(out);
	return true;
}

bool
dims_make(double a, double b, double c, Dims *out, DimsError *err)
{
	double		v[3];
	int			i;

	v[0] = a;
	v[1] = b;
	v[2] = c;
	for (i = 0; i < 3; i++)
	{
		DimsErrorCode rc = check_side(v[i]);

		if (rc != DIMS_OK)
		{
			set_error(err, rc, i + 1, 0);
			if (err)
				err->value = v[i];
			return false;
		}
	}
	out->side[0] = a;
	out->side[1] = b;
	out->side[2] = c;
	dims_sort(out);
	return true;
}

/*
 * The shortest decimal that reads back to v (v finite and > 0), in "%e"
 * style, into buf (at least 48 bytes); the portable digit generator used
 * when the caller gives none.  Any decimal of at most 15 digits (DBL_DIG)
 * survives decimal → double → 15 digits unchanged, so for a normal double:
 * if the 15-digit rounding reads back, the shortest form is it without its
 * trailing zeros (dims_layout_decimal strips them); otherwise it is the
 * 16-digit rounding if that reads back, else 17 digits.  Subnormals have
 * fewer bits, so they try 1, 2, ... digits.
 */
static int
shortest_portable(double v, char *buf)
{
	int			prec;
	int			len = 0;

	for (prec = (v >= DBL_MIN ? 15 : 1); prec <= 17; prec++)
	{
		len = snprintf(buf, 48, "%.*e", prec - 1, v);
		if (prec == 17 || strtod(buf, NULL) == v)
			break;
	}
	return len;
}

int
dims_layout_decimal(const char *dec, char *buf, size_t buflen)
{
	char		digits[48];
	int			nd = 0;
	int			intdigits = 0;	/* digits before the decimal point */
	int			first = -1;		/* index of the first non-zero digit */
	int			index = 0;		/* digits seen so far */
	bool		point = false;
	bool		negative = false;
	long		exp10;
	const char *s = dec;
	size_t		o = 0;
	int			i;

	if (buflen == 0)
		return 0;
	if (*s == '-' || *s == '+')
		negative = (*s++ == '-');
	for (; *s && *s != 'e' && *s != 'E'; s++)
	{
		if (*s == '.')
		{
			point = true;
			continue;
		}
		if (!is_digit(*s))
			break;
		if (!point)
			intdigits++;
		if (first < 0 && *s != '0')
			first = index;
		if (first >= 0 && nd < (int) sizeof(digits) - 1)
			digits[nd++] = *s;
		index++;
	}
	while (nd > 0 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	if (nd == 0)
		return snprintf(buf, buflen, "0");
	exp10 = (long) intdigits - 1 - first;
	if (*s == 'e' || *s == 'E')
		exp10 += strtol(s + 1, NULL, 10);

#define PUT(ch) do { if (o + 1 < buflen) buf[o] = (ch); o++; } while (0)
	if (negative)
		PUT('-');
	if (exp10 >= -4 && exp10 <= 15)
	{
		/* plain decimal: every side from 0.0001 to 10000 cm (and error values) */
		if (exp10 >= 0)
		{
			for (i = 0; i <= exp10; i++)
				PUT(i < nd ? digits[i] : '0');
			if (nd > exp10 + 1)
			{
				PUT('.');
				for (i = (int) exp10 + 1; i < nd; i++)
					PUT(digits[i]);
			}
		}
		else
		{
			PUT('0');
			PUT('.');
			for (i = 0; i < -exp10 - 1; i++)
				PUT('0');
			for (i = 0; i < nd; i++)
				PUT(digits[i]);
		}
	}
	else
	{
		/* tiny (or, outside any side's range, huge): "1.5e-7" */
		char		ex[24];
		const char *x;

		PUT(digits[0]);
		if (nd > 1)
		{
			PUT('.');
			for (i = 1; i < nd; i++)
				PUT(digits[i]);
		}
		snprintf(ex, sizeof(ex), "e%ld", exp10);
		for (x = ex; *x; x++)
			PUT(*x);
	}
#undef PUT
	buf[o < buflen ? o : buflen - 1] = '\0';
	return (int) o;
}

int
dims_format_side_with(double v, DimsShortestFn shortest, char *buf, size_t buflen)
{
	char		dec[48];

	if (buflen == 0)
		return 0;
	if (!isfinite(v) || v <= 0.0)
		return snprintf(buf, buflen, "%g", v);
	if (shortest != NULL)
		shortest(v, dec);
	else
		shortest_portable(v, dec);
	return dims_layout_decimal(dec, buf, buflen);
}

int
dims_format_side(double v, char *buf, size_t buflen)
{
	return dims_format_side_with(v, NULL, buf, buflen);
}

int
dims_format_with(const Dims *d, DimsShortestFn shortest, char *buf, size_t buflen)
{
	char		s[3][40];

	dims_format_side_with(d->side[0], shortest, s[0], sizeof(s[0]));
	dims_format_side_with(d->side[1], shortest, s[1], sizeof(s[1]));
	dims_format_side_with(d->side[2], shortest, s[2], sizeof(s[2]));
	return snprintf(buf, buflen, "%sx%sx%s", s[0], s[1], s[2]);
}

int
dims_format(const Dims *d, char *buf, size_t buflen)
{
	return dims_format_with(d, NULL, buf, buflen);
}

void
dims_error_detail(const DimsError *err, char *buf, size_t buflen)
{
	char		v[40];

	switch (err->code)
	{
		case DIMS_OK:
			snprintf(buf, buflen, "No error.");
			break;
		case DIMS_ERR_EMPTY:
			snprintf(buf, buflen, "The input is empty; expected three sides such as \"60x40x30\".");
			break;
		case DIMS_ERR_EXPECTED_NUMBER:
			snprintf(buf, buflen, "Side %d is missing or not a number (at character %d).",
					 err->side, err->position);
			break;
		case DIMS_ERR_NUMBER_TOO_LONG:
			snprintf(buf, buflen, "Side %d is longer than %d characters.",
					 err->side, DIMS_MAX_NUMBER_LEN);
			break;
		case DIMS_ERR_NEGATIVE:
			snprintf(buf, buflen, "Side %d is negative; each side must be greater than zero.",
					 err->side);
			break;
		case DIMS_ERR_NOT_FINITE:
			snprintf(buf, buflen, "Side %d is not a finite number.", err->side);
			break;
		case DIMS_ERR_NOT_POSITIVE:
			snprintf(buf, buflen, "Side %d is zero; each side must be greater than zero.",
					 err->side);
			break;
		case DIMS_ERR_TOO_LARGE:
			if (isinf(err->value))
				snprintf(buf, buflen, "Side %d is too large; the maximum is 10000 cm.",
						 err->side);
			else
			{
				dims_format_side(err->value, v, sizeof(v));
				snprintf(buf, buflen, "Side %d is %s cm; the maximum is 10000 cm.",
						 err->side, v);
			}
			break;
		case DIMS_ERR_TOO_FEW_SIDES:
			snprintf(buf, buflen, "Expected 3 sides, found %d.", err->count);
			break;
		case DIMS_ERR_TOO_MANY_SIDES:
			snprintf(buf, buflen, "Expected 3 sides, found more than 3.");
			break;
		case DIMS_ERR_EXPECTED_SEPARATOR:
			snprintf(buf, buflen,
					 "Expected a separator (x, X, * or the multiplication sign) after side %d, at character %d.",
					 err->side, err->position);
			break;
		case DIMS_ERR_UNIT_NOT_LAST:
			snprintf(buf, buflen,
					 "The unit \"%s\" after side %d must come after the last side.",
					 err->word, err->side);
			break;
		case DIMS_ERR_UNKNOWN_UNIT:
			snprintf(buf, buflen,
					 "Unknown unit \"%s\"; the unit is cm (the default), mm or m.",
					 err->word);
			break;
		case DIMS_ERR_TRAILING:
			snprintf(buf, buflen, "Unexpected text after the end of the value, at character %d.",
					 err->position);
			break;
		default:
			snprintf(buf, buflen, "Invalid value.");
			break;
	}
}

int
dims_cmp(const Dims *a, const Dims *b)
{
	int			i;

	for (i = 0; i < 3; i++)
	{
		if (a->side[i] < b->side[i])
			return -1;
		if (a->side[i] > b->side[i])
			return 1;
	}
	return 0;
}

bool
dims_fits(const Dims *a, const Dims *b)
{
	return a->side[0] <= b->side[0] &&
		a->side[1] <= b->side[1] &&
		a->side[2] <= b->side[2];
}
