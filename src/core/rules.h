/*
 * rules.h — the allocation rules of SPEC.md §3 in plain C99 (no PostgreSQL
 * headers): eligibility reason codes, chargeable weight, rate-band search,
 * the grid price in exact decimal arithmetic, scores and the ranking order,
 * working-day arithmetic for the checkout ETA, and tracking numbers.
 *
 * The PostgreSQL glue (src/pg/catalog.c, src/pg/allocate.c) loads the data,
 * calls these functions, and turns their return codes into ereport().
 */
#ifndef LASTMILE_RULES_H
#define LASTMILE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A decimal number m / 10^s (s >= 0), the way numeric holds money, weights
 * of rate bands and factors.  Comparisons and the price formula are exact;
 * values that do not fit (more than 18 significant digits) are refused at
 * load time.
 */
typedef struct LmDec
{
	int64_t		m;
	int			s;
} LmDec;

#define LM_DEC_MAX_SCALE 30

/* Parses numeric text ("12", "-0.125", "3.50"); false when it does not fit. */
extern bool lm_dec_parse(const char *txt, LmDec *out);

/*
 * The decimal value PostgreSQL gives to float8::numeric: the double rounded
 * to 15 significant digits (printf "%.15g").  x must be finite and >= 0 and
 * below 1e18; returns false otherwise.
 */
extern bool lm_dec_from_double(double x, LmDec *out);

/* Writes the plain decimal text ("12.30" keeps its scale); returns length. */
extern int	lm_dec_format(LmDec d, char *buf, size_t buflen);

/* -1, 0 or 1; exact. */
extern int	lm_dec_cmp(LmDec a, LmDec b);

/* The nearest double (as numeric::float8 gives it, for common values). */
extern double lm_dec_to_double(LmDec d);

/* Removes trailing zeros of the fraction (value unchanged). */
extern LmDec lm_dec_normalize(LmDec d);

/* Eligibility reason codes (SPEC §3), as bits, in the order of the SPEC. */
typedef enum LmReason
{
	LM_R_SERVICE = 1 << 0,
	LM_R_WEIGHT = 1 << 1,
	LM_R_DIMENSIONS = 1 << 2,
	LM_R_DEVELOPED = 1 << 3,
	LM_R_SECTOR = 1 << 4,
	LM_R_NO_RATE = 1 << 5,
	LM_R_CAPACITY = 1 << 6
} LmReason;

#define LM_N_REASONS 7

/* "service", "weight", ... indexed by bit number. */
extern const char *const lm_reason_names[LM_N_REASONS];

/* Writes the names of the reasons in mask, in SPEC order; returns count. */
extern int	lm_reasons_list(unsigned mask, const char **names);

/* A package: sorted sides (longest first) in cm and actual weight in kg. */
typedef struct LmPackage
{
	double		side[3];
	double		weight_kg;
} LmPackage;

/* The carrier limits used by the package checks (NaN or <= 0 = none). */
typedef struct LmLimits
{
	double		max_weight_kg;	/* NaN = none */
	bool		has_max_dims;
	double		max_dims[3];	/* sorted, longest first */
	double		max_developed_cm;	/* NaN = none */
} LmLimits;

/* weight / dimensions / developed reasons of one package (bits). */
extern unsigned lm_package_reasons(const LmLimits *lim, const LmPackage *p);

/* length + 2·width + 2·height, as lastmile.developed() computes it. */
extern double lm_developed(const LmPackage *p);

/*
 * Chargeable weight: max(actual, volume_cm3 / divisor); divisor <= 0 or NaN
 * means actual weight only.
 */
extern double lm_chargeable_weight(const LmPackage *p, double divisor);

/*
 * A rate band: numrange bounds (lower never infinite in lastmile; upper may
 * be), inclusive flags as in PostgreSQL's range types.
 */
typedef struct LmBand
{
	LmDec		lo;
	LmDec		hi;
	bool		lo_inc;
	bool		hi_inc;
	bool		hi_inf;
	LmDec		price;
	LmDec		per_kg;
	int			transit_days;
} LmBand;

/* True when band @> w, exactly as numrange @> numeric. */
extern bool lm_band_contains(const LmBand *b, LmDec w);

/*
 * Index of the band containing w among n non-overlapping bands sorted by
 * lower bound (binary search), or -1.
 */
extern int	lm_band_find(const LmBand *bands, int n, LmDec w);

/* Sorts bands by lower bound (exclusive lower after inclusive). */
extern void lm_bands_sort(LmBand *bands, int n);

typedef enum LmPriceStatus
{
	LM_PRICE_OK = 0,
	LM_PRICE_NO_RATE,			/* a package falls in no band */
	LM_PRICE_OVERFLOW			/* does not fit the exact arithmetic */
} LmPriceStatus;

/*
 * The grid price of SPEC §3:
 *   round( Σ (b.price + b.per_kg · (w − lower(b))) · factor · (1 + fuel_pct/100), 2)
 * with w = the chargeable weight of each package as float8::numeric,
 * computed exactly and rounded half away from zero (numeric round()).
 * *transit_days gets the largest transit_days of the bands used.
 */
extern LmPriceStatus lm_grid_price(const LmBand *bands, int nbands,
								   const LmPackage *pk, int npk,
								   double divisor, LmDec factor, LmDec fuel_pct,
								   LmDec *price, int *transit_days);

/*
 * The chargeable weight of each package as float8::numeric, exactly as
 * lm_grid_price computes it (w[i].s = -1 when it does not fit), so that a
 * request priced by several carriers with the same divisor converts once.
 */
extern void lm_chargeable_decs(const LmPackage *pk, int npk, double divisor, LmDec *w);

/* lm_grid_price on chargeable weights computed by lm_chargeable_decs. */
extern LmPriceStatus lm_grid_price_w(const LmBand *bands, int nbands,
									 const LmDec *w, int npk,
									 LmDec factor, LmDec fuel_pct,
									 LmDec *price, int *transit_days);

/*
 * Whether every package has a band (LM_PRICE_OK), as lm_grid_price_w
 * decides it, without the price: enough for a carrier that is ineligible
 * anyway, whose no_rate reason still counts.
 */
extern LmPriceStatus lm_grid_bands_w(const LmBand *bands, int nbands,
									 const LmDec *w, int npk);

/* One eligible carrier of a request, to be scored and ranked. */
typedef struct LmOption
{
	int			carrier;		/* index of the carrier in the catalog */
	int			order;			/* rank of carrier_id in collation order */
	LmDec		price;
	double		co2_g;
	double		quality;
	int			transit_days;
	/* filled by lm_rank */
	double		cost_score;
	double		quality_score;
	double		environment_score;
	double		score;
} LmOption;

/*
 * Fills the scores of n options (cost = min_price/price, 1 when price = 0;
 * quality; environment = min_co2/co2, 1 when co2 = 0; the weighted mean
 * with the retailer's weights) and sorts them best first: score desc,
 * then lower price, then carrier_id (order).
 */
extern void lm_rank(LmOption *opts, int n, double w_cost, double w_quality,
					double w_environment);

/*
 * Working days: the date n working days (Monday–Friday) after date, dates
 * as days since 2000-01-01 (PostgreSQL's DateADT).  n = 0 gives date itself.
 */
extern int32_t lm_add_working_days(int32_t date, int n);

/* Day of week of a DateADT, 0 = Sunday ... 6 = Saturday. */
extern int	lm_day_of_week(int32_t date);

/*
 * Tracking numbers: PREFIX (2–4 letters A–Z) + 12-digit sequence + 2 check
 * digits by ISO 7064 MOD 97-10 over prefix and sequence, letters counted as
 * A=10 ... Z=35 (as in IBAN), so that the whole string read the same way
 * is ≡ 1 (mod 97).
 */
#define LM_TRACKING_LEN 19		/* 4 + 12 + 2 + NUL */

/* Writes the tracking number; false when prefix is not 2–4 letters A–Z. */
extern bool lm_tracking_make(const char *prefix, uint64_t seq, char *out);

/* True when s has the format above and a correct check. */
extern bool lm_tracking_valid(const char *s);

/* The default prefix for a carrier id: its first 4 ASCII letters, uppercased
 * (padded with 'X' to at least 2). out has room for 5 bytes. */
extern void lm_tracking_prefix(const char *carrier_id, char *out);

#endif							/* LASTMILE_RULES_H */
