/*
 * orch.h — the allocation catalog (carriers, contracts, rates, coverage,
 * areas, retailers) as loaded by src/pg/catalog.c, shared by the entry
 * points in src/pg/allocate.c.
 */
#ifndef LASTMILE_ORCH_H
#define LASTMILE_ORCH_H

#include "postgres.h"

#include "geo.h"
#include "rules.h"

/* the bands of one zone of a carrier, sorted by lower bound */
typedef struct OrchZone
{
	char	   *name;
	LmBand	   *bands;
	int			nbands;
} OrchZone;

typedef struct OrchCarrier
{
	char	   *carrier_id;
	int			idlen;
	uint64		services;		/* bit i = i-th value of lastmile.service */
	LmLimits	lim;
	double		divisor;		/* NaN = actual weight only */
	double		quality;
	double		co2_per_km;
	LmDec		fuel_pct;
	int			capacity;		/* -1 = no limit */
	char		prefix[5];		/* tracking prefix */
	int32		lock_key;		/* first key of its advisory locks */
	int			nzones;
	OrchZone   *zones;
} OrchCarrier;

typedef struct OrchContract
{
	int			carrier;		/* index in carriers (= carrier_id order) */
	LmDec		factor;
} OrchContract;

typedef struct OrchRetailer
{
	char	   *retailer_id;
	double		w_cost;
	double		w_quality;
	double		w_environment;
	int			ncontracts;		/* active ones, by carrier_id */
	OrchContract *contracts;
} OrchRetailer;

typedef struct OrchCov
{
	int			carrier;
	int			zone;
} OrchCov;

typedef struct OrchArea
{
	int64		area_id;
	double		size;			/* area.size_km2; the smallest covering area gives the zone */
	int			ncov;
	OrchCov    *cov;
} OrchArea;

typedef struct OrchCatalog
{
	MemoryContext cxt;
	int			ncarriers;
	OrchCarrier *carriers;		/* sorted by carrier_id (database collation) */
	int		   *carriers_by_name;	/* indexes sorted by strcmp, for lookup */
	int		   *carriers_jsonb_order;	/* indexes in jsonb key order (length, bytes) */
	int			nretailers;
	OrchRetailer *retailers;	/* sorted by strcmp */
	int			nareas;
	OrchArea   *areas;			/* sorted by area_id */
	int			nservices;
	Oid		   *service_oids;	/* enum value OIDs of lastmile.service, in order */
	/* the shape of every area (lastmile.area.geom), indexed: see geo.h */
	LmGeo		geo;
	Size		geo_bytes;		/* memory of geo */
	double		geo_load_ms;	/* time to read and index it */
} OrchCatalog;

/* The catalog of this backend, reloaded when stale; SPI must be connected. */
extern OrchCatalog *orch_catalog_get(void);
extern bool orch_retailer_visible(const char *retailer_id);
extern void orch_exec_as_owner(SPIPlanPtr plan, Datum *values, const char *nulls,
							   bool read_only, int expect);

extern int	orch_carrier_find(const OrchCatalog *cat, const char *carrier_id);
extern OrchRetailer *orch_retailer_find(const OrchCatalog *cat, const char *retailer_id);
extern const OrchArea *orch_area_find(const OrchCatalog *cat, int64 area_id);
extern int	orch_service_index(const OrchCatalog *cat, Oid enum_oid);

/*
 * The areas covering (x, y) as ST_Covers decides it (a point on a border is
 * inside), each once, ascending, in a palloc'd array (NULL when none);
 * returns their number.  NaN coordinates (an empty point) are covered by
 * nothing.
 */
extern int	orch_covering_areas(const OrchCatalog *cat, double x, double y, int64 **areas);

/* Prepares (once per backend) and runs a plan; checks the result code. */
extern SPIPlanPtr orch_plan(SPIPlanPtr *cache, const char *sql, int nargs, Oid *argtypes);
extern void orch_exec(SPIPlanPtr plan, Datum *values, const char *nulls,
					  bool read_only, int expect);

/* Parses numeric text into a decimal or raises an error naming what. */
extern LmDec orch_dec_from_text(const char *txt, const char *what);

/* A SPI result column as a C string (NULL when SQL NULL). */
extern char *orch_getstr(HeapTuple tup, TupleDesc td, int col);

/* True while allocate's own writes run: the capacity trigger stands aside. */
extern bool orch_capacity_trigger_off;

#endif							/* LASTMILE_ORCH_H */
