/*
 * dims.h — the outer dimensions of a package (SPEC §1, type lastmile.dims):
 * parse, format, compare and "fits inside" on three sides in centimetres,
 * stored sorted longest first.
 *
 * Plain C99, no PostgreSQL headers: the code that bad input reaches, unit
 * tested and fuzzed by test/unit/test_dims.c.  The PostgreSQL glue is
 * src/pg/dims.c; it turns the error codes below into ereport().
 */
#ifndef LASTMILE_DIMS_H
#define LASTMILE_DIMS_H

#include <stdbool.h>
#include <stddef.h>

/* The largest side allowed, in cm (SPEC §1: at most 10,000 cm). */
#define DIMS_MAX_CM 10000.0

/* Longest number token accepted by dims_parse (characters). */
#define DIMS_MAX_NUMBER_LEN 300

/* Enough room for dims_format() of any value, terminator included. */
#define DIMS_FORMAT_LEN 96

/* Enough room for dims_error_detail() of any error, terminator included. */
#define DIMS_DETAIL_LEN 160

/*
 * The on-disk and in-memory form: 24 bytes, three float8 in cm, sorted
 * longest first: side[0] = length >= side[1] = width >= side[2] = height.
 * Every valid value has each side finite, > 0 and <= DIMS_MAX_CM.
 */
typedef struct Dims
{
	double		side[3];
} Dims;

/* Why a text or binary value was refused. */
typedef enum DimsErrorCode
{
	DIMS_OK = 0,
	DIMS_ERR_EMPTY,				/* nothing but spaces */
	DIMS_ERR_EXPECTED_NUMBER,	/* something else where a side was due */
	DIMS_ERR_NUMBER_TOO_LONG,	/* a number longer than DIMS_MAX_NUMBER_LEN */
	DIMS_ERR_NEGATIVE,			/* a side written with a minus sign */
	DIMS_ERR_NOT_FINITE,		/* nan, inf, infinity (or a NaN on recv) */
	DIMS_ERR_NOT_POSITIVE,		/* zero, or so small it rounds to zero */
	DIMS_ERR_TOO_LARGE,			/* more than DIMS_MAX_CM after conversion */
	DIMS_ERR_TOO_FEW_SIDES,		/* one or two sides */
	DIMS_ERR_TOO_MANY_SIDES,	/* a separator after the third side */
	DIMS_ERR_EXPECTED_SEPARATOR,	/* after side 1 or 2: not x, X, * or × */
	DIMS_ERR_UNIT_NOT_LAST,		/* a unit after side 1 or 2 */
	DIMS_ERR_UNKNOWN_UNIT,		/* letters after side 3 that are no unit */
	DIMS_ERR_TRAILING			/* anything after the unit */
} DimsErrorCode;

/* An error with where it happened, for the error detail. */
typedef struct DimsError
{
	DimsErrorCode code;
	int			side;			/* 1-based side concerned, 0 if none */
	int			position;		/* 1-based character position, 0 if none */
	int			count;			/* sides found (DIMS_ERR_TOO_FEW_SIDES) */
	double		value;			/* offending value in cm (TOO_LARGE) */
	char		word[20];		/* offending unit word (ASCII), "" if none */
} DimsError;

/*
 * Parses text such as "60x40x30", "60 x 40 x 30 cm", "600x400x300mm" or
 * "0.6x0.4x0.3 m" into *out (sorted).  Returns true on success; on failure
 * returns false and fills *err (which may be NULL) and leaves *out alone.
 * The string must be NUL-terminated; it is treated as UTF-8 (× is C3 97).
 */
extern bool dims_parse(const char *input, Dims *out, DimsError *err);

/*
 * Builds a value from three sides in cm given in any order: checks each is
 * finite, > 0 and <= DIMS_MAX_CM, and sorts them.  Returns true on
 * success; otherwise false with *err filled (side = 1-based argument).
 */
extern bool dims_make(double a, double b, double c, Dims *out, DimsError *err);

/* Sorts three sides longest first, in place. */
extern void dims_sort(Dims *d);

/*
 * Writes the canonical text form ("60.5x40x30": cm, shortest decimal that
 * reads back to the same double, no exponent in [0.0001, 10000]) into buf,
 * which must have room for DIMS_FORMAT_LEN bytes.  Returns the length.
 */
extern int	dims_format(const Dims *d, char *buf, size_t buflen);

/* Formats one side as dims_format does (buf of at least 32 bytes). */
extern int	dims_format_side(double v, char *buf, size_t buflen);

/*
 * A generator of the shortest decimal string that reads back to v (v finite
 * and > 0), in any plain or exponent notation ("60.5", "1.5e-07"), written
 * NUL-terminated into buf (room for 48 bytes); returns its length.  The
 * PostgreSQL glue passes PostgreSQL's Ryu (double_to_shortest_decimal_buf);
 * NULL means the portable snprintf/strtod search of dims.c.  Both give the
 * same digits: the shortest, and among those the closest to v.
 */
typedef int (*DimsShortestFn) (double v, char *buf);

/* dims_format / dims_format_side with a given digit generator. */
extern int	dims_format_with(const Dims *d, DimsShortestFn shortest,
							 char *buf, size_t buflen);
extern int	dims_format_side_with(double v, DimsShortestFn shortest,
								  char *buf, size_t buflen);

/*
 * Lays out a decimal string ("60.50", "0.0015", "1.5e-07", "6.05E+01") in
 * the canonical form of a side: significant digits without leading or
 * trailing zeros, plain notation for decimal exponents -4 to 15, else
 * "1.5e-7".  Returns the length written (buf of at least 32 bytes).
 */
extern int	dims_layout_decimal(const char *dec, char *buf, size_t buflen);

/* Writes a full-sentence English description of *err into buf. */
extern void dims_error_detail(const DimsError *err, char *buf, size_t buflen);

/* Total order: the sorted sides compared lexicographically (-1, 0, 1). */
extern int	dims_cmp(const Dims *a, const Dims *b);

/* True when a fits inside b in some orientation (each sorted side <=). */
extern bool dims_fits(const Dims *a, const Dims *b);

/* Derived measures (cm, cm³). */
static inline double
dims_volume(const Dims *d)
{
	return d->side[0] * d->side[1] * d->side[2];
}

/* 2 · (width + height) */
static inline double
dims_girth(const Dims *d)
{
	return 2.0 * (d->side[1] + d->side[2]);
}

/* length + 2 · width + 2 · height (the carriers' "développé") */
static inline double
dims_developed(const Dims *d)
{
	return d->side[0] + 2.0 * d->side[1] + 2.0 * d->side[2];
}

#endif							/* LASTMILE_DIMS_H */
