/*
 * places.h — the per-backend copy of lastmile.place used by the checkout
 * (src/pg/places.c).
 */
#ifndef LASTMILE_PLACES_H
#define LASTMILE_PLACES_H

#include "postgres.h"

#include "fmgr.h"

typedef struct OrchPlace
{
	int64		place_id;
	char	   *retailer_id;	/* NULL: shared (a hub) */
	Datum		location;		/* geometry(Point, 4326) */
	double		x;				/* longitude */
	double		y;				/* latitude */
} OrchPlace;

typedef struct OrchPlaces
{
	MemoryContext cxt;
	Oid			geomtype;
	int			n;
	OrchPlace  *p;				/* sorted by place_id; places with a location */
} OrchPlaces;

extern OrchPlaces *orch_places_get(void);
extern const OrchPlace *orch_place_find(const OrchPlaces *ps, int64 place_id);
extern const OrchPlace *orch_place_nearest(const OrchPlaces *ps, const char *retailer_id,
										   Datum dest, double x, double y,
										   FmgrInfo *distance, double *metres);

#endif							/* LASTMILE_PLACES_H */
