/*
 * evaluate.c — SPEC §3 applied to one loaded request: every contracted
 * carrier with its reasons, zone, price and CO2 (the only place the rules
 * are applied, for every entry point), and the eligible ones ranked.
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
/* Evaluation: the one place where SPEC §3 is applied                   */
/* ------------------------------------------------------------------ */

void
scratch_init(Scratch *s, OrchCatalog *cat)
{
	s->nc = cat->ncarriers;
	s->zone = palloc(sizeof(int) * Max(s->nc, 1));
	/* carriers a retailer has no contract with are never reset by evaluate() */
	for (int i = 0; i < s->nc; i++)
		s->zone[i] = -1;
	s->size = palloc(sizeof(double) * Max(s->nc, 1));
	s->area = palloc(sizeof(int64) * Max(s->nc, 1));
	/* carriers an area covers but the retailer has no contract with are compared too */
	for (int i = 0; i < s->nc; i++)
		s->zone[i] = -1;
	s->ndiv = 0;
	s->price_all = false;
	s->wcap = 4;
	s->w = palloc(sizeof(LmDec) * SCRATCH_DIVISORS * s->wcap);
}

static void
price_out_of_range(const Req *r, const OrchCarrier *c)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("price of request %lld with carrier \"%s\" is out of range",
					(long long) r->request_id, c->carrier_id)));
}

/*
 * The chargeable weights of r's packages for this divisor (NaN: actual
 * weight), converted once per request and divisor: carriers share few
 * divisors (past SCRATCH_DIVISORS of them, the last slot is reused).
 */
static const LmDec *
chargeable(Scratch *s, const Req *r, double divisor)
{
	int			i;

	for (i = 0; i < s->ndiv; i++)
		if (s->div[i] == divisor || (isnan(s->div[i]) && isnan(divisor)))
			return &s->w[i * s->wcap];
	if (s->ndiv == SCRATCH_DIVISORS)
		i = SCRATCH_DIVISORS - 1;
	else
		s->ndiv++;
	s->div[i] = divisor;
	lm_chargeable_decs(r->pk, r->npk, divisor, &s->w[i * s->wcap]);
	return &s->w[i * s->wcap];
}

/*
 * Evaluates every contracted carrier of r into out[] (carrier_id order);
 * used[] = requests each carrier already holds on r's ship date (other
 * than r), or NULL to ignore capacity.  Returns the number of candidates.
 */
int
evaluate(OrchCatalog *cat, Scratch *s, const Req *r, const int *used, Cand *out)
{
	int			n;

	if (r->ret == NULL)
		return 0;
	n = r->ret->ncontracts;
	s->ndiv = 0;
	if (r->npk > s->wcap)
	{
		s->wcap = r->npk;
		s->w = repalloc(s->w, sizeof(LmDec) * SCRATCH_DIVISORS * s->wcap);
	}

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
		if (o->zone >= 0 && o->reasons != 0 && !s->price_all)
		{
			/*
			 * Ineligible anyway: its price is never used (only price()
			 * asks for it), whether no_rate applies still counts.
			 */
			if (q == NULL)
			{
				const OrchZone *z = &c->zones[o->zone];
				LmPriceStatus st = lm_grid_bands_w(z->bands, z->nbands,
												   chargeable(s, r, c->divisor), r->npk);

				if (st == LM_PRICE_OVERFLOW)
					price_out_of_range(r, c);
				if (st == LM_PRICE_NO_RATE)
					o->reasons |= LM_R_NO_RATE;
			}
		}
		else if (o->zone >= 0)
		{
			const OrchZone *z = &c->zones[o->zone];
			LmDec		gp;
			int			transit;
			LmPriceStatus st = lm_grid_price_w(z->bands, z->nbands, chargeable(s, r, c->divisor), r->npk,
											   k->factor, c->fuel_pct, &gp, &transit);

			if (st == LM_PRICE_OVERFLOW)
				price_out_of_range(r, c);
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
int
rank_options(OrchCatalog *cat, const Req *r, const Cand *cand, int n, LmOption *opts)
{
	int			m = 0;

	if (n == 0)
		return 0;			/* nothing eligible (or an unknown retailer: no contracts) */
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

