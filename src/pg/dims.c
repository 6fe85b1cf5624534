/*
 * dims.c — PostgreSQL glue of the type lastmile.dims (SPEC §1): text and
 * binary I/O, the measure functions, comparison and "fits inside"
 * operators, btree and hash support.  The rules live in src/core/dims.c;
 * this file only converts arguments and turns core errors into ereport().
 *
 * A value is 24 bytes, passed by reference: three float8 in cm, sorted
 * longest first (the core's Dims struct).
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/float.h"

#include "dims.h"
#include "lastmile.h"

StaticAssertDecl(sizeof(Dims) == 24, "lastmile.dims is 24 bytes");

#define DatumGetDimsP(X)		((Dims *) DatumGetPointer(X))
#define DimsPGetDatum(X)		PointerGetDatum(X)
#define PG_GETARG_DIMS_P(n)		DatumGetDimsP(PG_GETARG_DATUM(n))
#define PG_RETURN_DIMS_P(x)		return DimsPGetDatum(x)

/* dims_in(cstring) → dims: parses the text form */
PG_FUNCTION_INFO_V1(dims_in);
Datum
dims_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	Dims	   *result = (Dims *) palloc(sizeof(Dims));
	DimsError	err;

	if (!dims_parse(input, result, &err))
	{
		char		detail[DIMS_DETAIL_LEN];

		dims_error_detail(&err, detail, sizeof(detail));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type dims: \"%s\"", input),
				 errdetail("%s", detail)));
	}
	PG_RETURN_DIMS_P(result);
}

/*
 * Shortest round-trip digits by PostgreSQL's Ryu (what float8out prints),
 * independent of extra_float_digits; the core lays them out.
 */
static int
pg_shortest(double v, char *buf)
{
	StaticAssertStmt(DOUBLE_SHORTEST_DECIMAL_LEN <= 48, "buffer of DimsShortestFn");
	return double_to_shortest_decimal_buf(v, buf);
}

/* dims_out(dims) → cstring: canonical cm form, shortest decimals */
PG_FUNCTION_INFO_V1(dims_out);
Datum
dims_out(PG_FUNCTION_ARGS)
{
	Dims	   *d = PG_GETARG_DIMS_P(0);
	char	   *buf = palloc(DIMS_FORMAT_LEN);

	dims_format_with(d, pg_shortest, buf, DIMS_FORMAT_LEN);
	PG_RETURN_CSTRING(buf);
}

/* dims_recv(internal) → dims: three float8, validated and re-sorted */
PG_FUNCTION_INFO_V1(dims_recv);
Datum
dims_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	double		a = pq_getmsgfloat8(buf);
	double		b = pq_getmsgfloat8(buf);
	double		c = pq_getmsgfloat8(buf);
	Dims	   *result = (Dims *) palloc(sizeof(Dims));
	DimsError	err;

	if (!dims_make(a, b, c, result, &err))
	{
		char		detail[DIMS_DETAIL_LEN];

		dims_error_detail(&err, detail, sizeof(detail));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external value for type dims"),
				 errdetail("%s", detail)));
	}
	PG_RETURN_DIMS_P(result);
}

/* dims_send(dims) → bytea: three float8, longest first */
PG_FUNCTION_INFO_V1(dims_send);
Datum
dims_send(PG_FUNCTION_ARGS)
{
	Dims	   *d = PG_GETARG_DIMS_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendfloat8(&buf, d->side[0]);
	pq_sendfloat8(&buf, d->side[1]);
	pq_sendfloat8(&buf, d->side[2]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* dims_make(float8, float8, float8) → dims: sides in cm, any order */
PG_FUNCTION_INFO_V1(dims_make_sides);
Datum
dims_make_sides(PG_FUNCTION_ARGS)
{
	Dims	   *result = (Dims *) palloc(sizeof(Dims));
	DimsError	err;

	if (!dims_make(PG_GETARG_FLOAT8(0), PG_GETARG_FLOAT8(1),
				   PG_GETARG_FLOAT8(2), result, &err))
	{
		char		detail[DIMS_DETAIL_LEN];
		static const char *const names[] = {"length", "width", "height"};

		dims_error_detail(&err, detail, sizeof(detail));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s for type dims: %s",
						names[err.side - 1],
						float8out_internal(err.value)),
				 errdetail("%s", detail)));
	}
	PG_RETURN_DIMS_P(result);
}

/* length(dims): the longest side, cm */
PG_FUNCTION_INFO_V1(dims_length);
Datum
dims_length(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(PG_GETARG_DIMS_P(0)->side[0]);
}

/* width(dims): the middle side, cm */
PG_FUNCTION_INFO_V1(dims_width);
Datum
dims_width(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(PG_GETARG_DIMS_P(0)->side[1]);
}

/* height(dims): the shortest side, cm */
PG_FUNCTION_INFO_V1(dims_height);
Datum
dims_height(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(PG_GETARG_DIMS_P(0)->side[2]);
}

/* volume_cm3(dims): length · width · height */
PG_FUNCTION_INFO_V1(dims_volume_cm3);
Datum
dims_volume_cm3(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(dims_volume(PG_GETARG_DIMS_P(0)));
}

/* girth(dims): 2 · (width + height) */
PG_FUNCTION_INFO_V1(dims_girth_fn);
Datum
dims_girth_fn(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(dims_girth(PG_GETARG_DIMS_P(0)));
}

/* developed(dims): length + 2 · width + 2 · height */
PG_FUNCTION_INFO_V1(dims_developed_fn);
Datum
dims_developed_fn(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(dims_developed(PG_GETARG_DIMS_P(0)));
}

/* volumetric_weight(dims, divisor float8): volume_cm3 / divisor, kg */
PG_FUNCTION_INFO_V1(dims_volumetric_weight);
Datum
dims_volumetric_weight(PG_FUNCTION_ARGS)
{
	Dims	   *d = PG_GETARG_DIMS_P(0);
	float8		divisor = PG_GETARG_FLOAT8(1);

	if (!(divisor > 0.0) || isinf(divisor))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("volumetric divisor must be a finite number greater than zero: %s",
						float8out_internal(divisor))));
	PG_RETURN_FLOAT8(dims_volume(d) / divisor);
}

/* comparison operators and btree support */
PG_FUNCTION_INFO_V1(dims_cmp_fn);
Datum
dims_cmp_fn(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(dims_cmp(PG_GETARG_DIMS_P(0), PG_GETARG_DIMS_P(1)));
}

PG_FUNCTION_INFO_V1(dims_eq);
Datum
dims_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(dims_cmp(PG_GETARG_DIMS_P(0), PG_GETARG_DIMS_P(1)) == 0);
}

PG_FUNCTION_INFO_V1(dims_ne);
Datum
dims_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(dims_cmp(PG_GETARG_DIMS_P(0), PG_GETARG_DIMS_P(1)) != 0);
}

PG_FUNCTION_INFO_V1(dims_lt);
Datum
dims_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(dims_cmp(PG_GETARG_DIMS_P(0), PG_GETARG_DIMS_P(1)) < 0);
}

PG_FUNCTION_INFO_V1(dims_le);
Datum
dims_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(dims_cmp(PG_GETARG_DIMS_P(0), PG_GETARG_DIMS_P(1)) <= 0);
}

PG_FUNCTION_INFO_V1(dims_gt);
Datum
dims_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(dims_cmp(PG_GETARG_DIMS_P(0), PG_GETARG_DIMS_P(1)) > 0);
}

PG_FUNCTION_INFO_V1(dims_ge);
Datum
dims_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(dims_cmp(PG_GETARG_DIMS_P(0), PG_GETARG_DIMS_P(1)) >= 0);
}

/* a <@ b: package a fits inside box b in some orientation */
PG_FUNCTION_INFO_V1(dims_contained);
Datum
dims_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(dims_fits(PG_GETARG_DIMS_P(0), PG_GETARG_DIMS_P(1)));
}

/* a @> b: box a holds package b in some orientation */
PG_FUNCTION_INFO_V1(dims_contains);
Datum
dims_contains(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(dims_fits(PG_GETARG_DIMS_P(1), PG_GETARG_DIMS_P(0)));
}

/*
 * Hash support: equal values have identical bytes (sides are finite and
 * > 0, so there is no -0.0 / NaN ambiguity), so hashing the bytes agrees
 * with =.
 */
PG_FUNCTION_INFO_V1(dims_hash);
Datum
dims_hash(PG_FUNCTION_ARGS)
{
	return hash_any((const unsigned char *) PG_GETARG_DIMS_P(0), sizeof(Dims));
}

PG_FUNCTION_INFO_V1(dims_hash_extended);
Datum
dims_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_any_extended((const unsigned char *) PG_GETARG_DIMS_P(0),
							 sizeof(Dims), PG_GETARG_INT64(1));
}
