/*
 * alloc.h — what the allocation modules share: a request as loaded, its
 * evaluated candidates, the capacity counters of a wave, the writer that
 * records decisions and writes them in bulk.
 *
 *   request_load.c  reading requests, packages, quotes, covering areas
 *   evaluate.c      SPEC §3 applied to one request (the only place)
 *   decision_json.c numeric and jsonb Datums of a decision
 *   capacity.c      advisory locks, counters, the capacity trigger
 *   writer.c        decisions recorded and written in bulk
 *   heap_write.c    rows inserted / updated through the table AM, no SQL
 *   allocate.c      eligibility, price, ranking, allocate, allocate_pending
 *   checkout.c      delivery_options
 */
#ifndef LASTMILE_ALLOC_H
#define LASTMILE_ALLOC_H

#include "postgres.h"

#include "executor/spi.h"
#include "utils/date.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "orch.h"

typedef struct Quote
{
	int			carrier;
	LmDec		price;
} Quote;

typedef struct Req
{
	int64		request_id;
	OrchRetailer *ret;			/* NULL: unknown retailer (no contracts) */
	int			service;		/* index in lastmile.service, -1 unknown */
	DateADT		ship_date;
	double		km;				/* great-circle origin → destination */
	bool		counted;		/* old status holds capacity (force) */
	int			old_carrier;	/* its carrier then, -1 none */
	char	   *status;			/* old status */
	double		x,
				y;				/* destination (NaN: an empty point) */
	ItemPointerData tid;		/* the request row as read (and locked) */
	/* details, filled per chunk */
	int			npk;
	LmPackage  *pk;
	int64	   *pk_id;
	bool	   *pk_tracked;
	ItemPointerData *pk_tid;	/* package rows as read */
	int			narea;
	int64	   *areas;
	int			nq;
	Quote	   *q;
} Req;

/* One contracted carrier of a request, evaluated. */
typedef struct Cand
{
	int			carrier;
	unsigned	reasons;
	int			zone;			/* -1 outside the sector */
	bool		has_price;
	LmDec		price;
	int			transit;
	double		co2;
} Cand;


/* request columns, in this order, for every loader (see req_from_tuple) */
#define REQ_COLS \
	"r.request_id, r.retailer_id, r.service, r.ship_date, " \
	"ST_DistanceSphere(o.location, r.destination), r.status::text, r.carrier_id, " \
	"r.status IN ('allocated', 'bundled', 'labelled', 'shipped', 'delivered') "

/* per-carrier scratch of evaluate() */
typedef struct Scratch
{
	int			nc;
	int		   *zone;			/* per carrier: zone of the smallest area */
	double	   *size;
	int64	   *area;
	/* chargeable weights of the request's packages, per volumetric divisor */
#define SCRATCH_DIVISORS 8
	int			ndiv;
	double		div[SCRATCH_DIVISORS];
	LmDec	   *w;				/* SCRATCH_DIVISORS × wcap */
	int			wcap;
	/* price carriers that are ineligible anyway (price() does; the others need no such price) */
	bool		price_all;
} Scratch;

/* capacity used per carrier, per ship date of a wave */
typedef struct DayUse
{
	DateADT		day;
	int		   *used;			/* per carrier */
} DayUse;

typedef struct Days
{
	int			n;
	int			cap;
	DayUse	   *d;
	int			nc;
} Days;

typedef struct Writer
{
	int			n;
	Datum	   *req_id;
	ItemPointerData *req_tid;
	Datum	   *carrier;
	bool	   *carrier_null;
	Datum	   *price;
	Datum	   *score;
	Datum	   *cost;
	Datum	   *quality;
	Datum	   *env;
	bool	   *score_null;
	Datum	   *ranking;
	Datum	   *rejected;
	Datum	   *zone;
	bool	   *zone_null;
	Datum	   *co2;
	/* packages */
	int			npk;
	int			pkcap;
	Datum	   *pk_id;
	ItemPointerData *pk_tid;
	Datum	   *pk_tracking;
	bool	   *pk_null;
	bool	   *won;			/* per carrier: wins a request of this writer */
	/* counters: delta per (carrier, day) */
	int			nd;
	int			dcap;
	int		   *d_carrier;
	DateADT    *d_day;
	int		   *d_delta;
	/* tracking sequence block */
	int64		block;
	int			block_used;
	int		   *slot;			/* per carrier, for rejected_jsonb() */
} Writer;

/* request_load.c */
extern void req_from_tuple(OrchCatalog *cat, Req *r, HeapTuple t, TupleDesc td);
extern void load_details(OrchCatalog *cat, Req *reqs, int n);
extern int *load_one(OrchCatalog *cat, int64 id, bool lock, Req *r);

/* evaluate.c */
extern void scratch_init(Scratch *s, OrchCatalog *cat);
extern int	evaluate(OrchCatalog *cat, Scratch *s, const Req *r, const int *used, Cand *out);
extern int	rank_options(OrchCatalog *cat, const Req *r, const Cand *cand, int n, LmOption *opts);

/* decision_json.c */
extern Numeric dec_numeric(LmDec d);
extern const char *zone_name(OrchCatalog *cat, const Cand *c);
/* the decision log's jsonb, each palloc'd once (exact size) in CurrentMemoryContext */
extern Jsonb *ranking_jsonb(OrchCatalog *cat, const Cand *cand, const LmOption *opts, int m);
extern Jsonb *rejected_jsonb(OrchCatalog *cat, const Cand *cand, int n, int *slot);
extern Datum reasons_array(unsigned mask);

/* capacity.c */
extern int *days_get(Days *ds, DateADT day);
extern void lock_and_count(OrchCatalog *cat, Days *ds, bool *retailer_seen, bool do_lock, bool read_only);
extern int *used_for_one(OrchCatalog *cat, const Req *r, bool lock, bool read_only);

/* writer.c */
extern void writer_init(Writer *w, int n, int ncarriers);
extern const LmOption *decide(OrchCatalog *cat, Writer *w, const Req *r, const Cand *cand, int n,
							  const LmOption *opts, int m);
extern void writer_flush(OrchCatalog *cat, Writer *w);

/* heap_write.c: rows written through the table AM instead of SQL statements */
typedef struct HwRel HwRel;
extern bool lastmile_direct_writes;
extern HwRel *hw_open(const char *relname, CmdType op, const char *const *cols, const Oid *types,
					  int ncols, const char *keycol, bool fk_ok, const char **why);
extern const char *hw_fk_name(HwRel *h);
extern Oid	hw_coltype(HwRel *h, int i);
extern void hw_insert(HwRel *h, const Datum *values, const bool *nulls);
extern bool hw_update(HwRel *h, ItemPointer tid, int64 key, const Datum *values, const bool *nulls);
extern void hw_close(HwRel *h);

/* phase timings (CPU time of this backend) at DEBUG1: SET client_min_messages = debug1 */
extern void orch_phase_start(void);
extern void orch_phase(const char *name);
#define PHASE_START() orch_phase_start()
#define PHASE(name) orch_phase(name)

#endif							/* LASTMILE_ALLOC_H */
