/*
 * postgis_fns.h — PostGIS functions called directly through fmgr (no
 * query), for the checkout and covering_areas (src/pg/postgis_fns.c).
 */
#ifndef LASTMILE_POSTGIS_FNS_H
#define LASTMILE_POSTGIS_FNS_H

#include "postgres.h"

#include "fmgr.h"

typedef struct PostgisFns
{
	Oid			geomtype;
	FmgrInfo	type;			/* GeometryType(geometry) → text */
	FmgrInfo	srid;			/* ST_SRID(geometry) → int4 */
	FmgrInfo	isempty;		/* ST_IsEmpty(geometry) → bool */
	FmgrInfo	x;				/* ST_X(geometry) → float8 */
	FmgrInfo	y;				/* ST_Y(geometry) → float8 */
	FmgrInfo	distance;		/* ST_DistanceSphere(geometry, geometry) → float8 */
} PostgisFns;

/* The functions for this geometry type (looked up once per backend). */
extern PostgisFns *postgis_fns(Oid geomtype);

/* 22023 unless dest is a non-empty POINT of SRID 4326; returns its x, y. */
extern void postgis_check_destination(PostgisFns *g, Datum dest, double *x, double *y);

#endif							/* LASTMILE_POSTGIS_FNS_H */
