/*
 * capacity.c — daily capacity: the advisory locks taken before counting,
 * the counters read per ship date, and the statement trigger that keeps
 * lastmile.carrier_day in step with the requests.
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
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
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "orch.h"
#include "alloc.h"

PG_FUNCTION_INFO_V1(lastmile_capacity_track);

/* True while allocate's own writes run: the capacity trigger stands aside. */
bool		orch_capacity_trigger_off = false;

/* ------------------------------------------------------------------ */
/* Capacity: advisory locks and counters                                */
/* ------------------------------------------------------------------ */

int *
days_get(Days *ds, DateADT day)
{
	for (int i = 0; i < ds->n; i++)
		if (ds->d[i].day == day)
			return ds->d[i].used;
	if (ds->n == ds->cap)
	{
		ds->cap = ds->cap ? ds->cap * 2 : 8;
		ds->d = ds->d ? repalloc(ds->d, sizeof(DayUse) * ds->cap) : palloc(sizeof(DayUse) * ds->cap);
	}
	ds->d[ds->n].day = day;
	ds->d[ds->n].used = palloc0(sizeof(int) * Max(ds->nc, 1));
	return ds->d[ds->n++].used;
}

/* second key of lastmile's advisory locks ('lmca') */
#define LM_LOCK_CLASS 0x6c6d6361

typedef struct LockKey
{
	int32		k1;
	int32		k2;
} LockKey;

static int
lockkey_cmp(const void *a, const void *b)
{
	const LockKey *x = a;
	const LockKey *y = b;

	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	if (x->k2 != y->k2)
		return x->k2 < y->k2 ? -1 : 1;
	return 0;
}

/*
 * Reads the counters of the days of ds from lastmile.carrier_day.  A
 * checkout reads them on every call: through the primary key index
 * directly, not through the executor, with the caller's privileges
 * checked as a query would (and through a query when row level security
 * applies to the caller).  read_only: with the statement's snapshot (as a
 * read-only SPI query); otherwise with a new one, taken after the advisory
 * locks, that sees the counters the previous holder committed.
 */
static SPIPlanPtr plan_used;

static void
read_counters_sql(OrchCatalog *cat, Days *ds, bool read_only)
{
	Datum	   *days = palloc(sizeof(Datum) * ds->n);
	Datum		arg;
	Oid			argtype = DATEARRAYOID;
	SPITupleTable *tt;

	for (int i = 0; i < ds->n; i++)
		days[i] = DateADTGetDatum(ds->d[i].day);
	arg = PointerGetDatum(construct_array(days, ds->n, DATEOID, 4, true, TYPALIGN_INT));
	orch_exec(orch_plan(&plan_used,
						"SELECT ship_date, carrier_id, used FROM lastmile.carrier_day "
						"WHERE ship_date = ANY ($1::date[])",
						1, &argtype), &arg, NULL, read_only, SPI_OK_SELECT);
	tt = SPI_tuptable;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		DateADT		day = DatumGetDateADT(SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull));
		int			c = orch_carrier_find(cat, SPI_getvalue(tt->vals[i], tt->tupdesc, 2));

		if (c >= 0)
			days_get(ds, day)[c] = DatumGetInt32(SPI_getbinval(tt->vals[i], tt->tupdesc, 3, &isnull));
	}
}

static void
read_counters(OrchCatalog *cat, Days *ds, bool read_only)
{
	Oid			relid = get_relname_relid("carrier_day", get_namespace_oid("lastmile", false));
	AclResult	acl;
	Relation	rel;
	Oid			pkey;
	Snapshot	snap;
	int			ndays = ds->n;

	if (!OidIsValid(relid))
		elog(ERROR, "relation lastmile.carrier_day does not exist");
	acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, "carrier_day");
	if (check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED)
	{
		read_counters_sql(cat, ds, read_only);
		return;
	}
	if (!read_only)
		CommandCounterIncrement();
	snap = RegisterSnapshot(read_only ? GetActiveSnapshot() : GetTransactionSnapshot());
	rel = table_open(relid, AccessShareLock);
	pkey = RelationGetPrimaryKeyIndex(rel);
	if (!OidIsValid(pkey))
		elog(ERROR, "lastmile.carrier_day has no primary key");
	for (int i = 0; i < ndays; i++)
	{
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;
		int		   *used = ds->d[i].used;

		/* attribute numbers of the table: 2 = ship_date (first key column) */
		ScanKeyInit(&key, 2, BTEqualStrategyNumber, F_DATE_EQ, DateADTGetDatum(ds->d[i].day));
		scan = systable_beginscan(rel, pkey, true, snap, 1, &key);
		while ((tup = systable_getnext(scan)) != NULL)
		{
			bool		null_id,
						null_used;
			Datum		id = heap_getattr(tup, 1, RelationGetDescr(rel), &null_id);
			Datum		n = heap_getattr(tup, 3, RelationGetDescr(rel), &null_used);
			char		buf[NAMEDATALEN * 4];
			int			c;

			if (null_id || null_used)
				continue;
			text_to_cstring_buffer(DatumGetTextPP(id), buf, sizeof(buf));
			c = orch_carrier_find(cat, buf);
			if (c >= 0)
				used[c] = DatumGetInt32(n);
		}
		systable_endscan(scan);
	}
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snap);
}

/*
 * Takes the transaction advisory locks of the capped carriers of the given
 * retailers' contracts on the given days, in one global order (so that no
 * two allocators wait for each other), then reads the counters of those
 * days.
 */
void
lock_and_count(OrchCatalog *cat, Days *ds, bool *retailer_seen, bool do_lock, bool read_only)
{
	if (do_lock)
	{
		int			nk = 0;
		LockKey    *keys;
		bool	   *cap = palloc0(sizeof(bool) * Max(cat->ncarriers, 1));

		for (int i = 0; i < cat->nretailers; i++)
		{
			if (!retailer_seen[i])
				continue;
			for (int k = 0; k < cat->retailers[i].ncontracts; k++)
			{
				int			c = cat->retailers[i].contracts[k].carrier;

				if (cat->carriers[c].capacity >= 0)
					cap[c] = true;
			}
		}
		/*
		 * One lock per capped carrier, whatever the days: a wave over a
		 * whole year takes 30 locks, not 30 × 365 (the shared lock table
		 * would not hold them); allocations of one carrier on different
		 * days serialise, which costs little.
		 */
		keys = palloc(sizeof(LockKey) * Max(cat->ncarriers, 1));
		for (int c = 0; c < cat->ncarriers; c++)
			if (cap[c])
			{
				keys[nk].k1 = cat->carriers[c].lock_key;
				keys[nk].k2 = LM_LOCK_CLASS;
				nk++;
			}
		qsort(keys, nk, sizeof(LockKey), lockkey_cmp);
		for (int i = 0; i < nk; i++)
		{
			if (i > 0 && lockkey_cmp(&keys[i], &keys[i - 1]) == 0)
				continue;
			DirectFunctionCall2(pg_advisory_xact_lock_int4,
								Int32GetDatum(keys[i].k1), Int32GetDatum(keys[i].k2));
		}
	}
	if (ds->n > 0)
		read_counters(cat, ds, read_only);
}

/* used[] of r's ship date (not counting r itself) */
int *
used_for_one(OrchCatalog *cat, const Req *r, bool lock, bool read_only)
{
	Days		ds;
	bool	   *seen = palloc0(sizeof(bool) * Max(cat->nretailers, 1));
	int		   *used;

	memset(&ds, 0, sizeof(ds));
	ds.nc = cat->ncarriers;
	days_get(&ds, r->ship_date);
	if (r->ret)
		seen[r->ret - cat->retailers] = true;
	lock_and_count(cat, &ds, seen, lock, read_only);
	used = days_get(&ds, r->ship_date);
	if (r->counted && used[r->old_carrier] > 0)
		used[r->old_carrier]--;
	return used;
}

/* ------------------------------------------------------------------ */
/* Capacity trigger and tracking check                                  */
/* ------------------------------------------------------------------ */

/*
 * AFTER INSERT / UPDATE / DELETE statement trigger on transport_request,
 * with transition tables old_rows / new_rows: moves the units of
 * lastmile.carrier_day of the requests that entered or left a counted
 * status, carrier or day, one upsert per (carrier, day) per statement, in
 * (carrier_id, ship_date) order.  allocate's own bulk writes switch it off
 * and write the counters themselves.
 */
Datum
lastmile_capacity_track(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	const char *counted = "status IN ('allocated', 'bundled', 'labelled', 'shipped', 'delivered') "
		"AND carrier_id IS NOT NULL";
	StringInfoData q;
	bool		has_old,
				has_new;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		!TRIGGER_FIRED_AFTER(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("lastmile.capacity_track() must be called as an AFTER STATEMENT trigger")));
	if (orch_capacity_trigger_off)
		return PointerGetDatum(NULL);
	has_old = td->tg_oldtable != NULL;
	has_new = td->tg_newtable != NULL;
	if (!has_old && !has_new)
		return PointerGetDatum(NULL);

	initStringInfo(&q);
	appendStringInfoString(&q,
						   "INSERT INTO lastmile.carrier_day AS d (carrier_id, ship_date, used) "
						   "SELECT carrier_id, ship_date, sum(delta) FROM (");
	if (has_old)
		appendStringInfo(&q, "SELECT carrier_id, ship_date, -1 AS delta FROM old_rows WHERE %s", counted);
	if (has_old && has_new)
		appendStringInfoString(&q, " UNION ALL ");
	if (has_new)
		appendStringInfo(&q, "SELECT carrier_id, ship_date, 1 AS delta FROM new_rows WHERE %s", counted);
	appendStringInfoString(&q,
						   ") AS x GROUP BY carrier_id, ship_date HAVING sum(delta) <> 0 "
						   "ORDER BY carrier_id, ship_date "
						   "ON CONFLICT (ship_date, carrier_id) DO UPDATE SET used = d.used + excluded.used");
	SPI_connect();
	if (SPI_register_trigger_data(td) != SPI_OK_TD_REGISTER)
		elog(ERROR, "SPI_register_trigger_data failed");
	if (SPI_execute(q.data, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "capacity counter update failed");
	SPI_finish();
	return PointerGetDatum(NULL);
}

