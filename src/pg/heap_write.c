/*
 * heap_write.c — rows written without SQL statements: inserted in batches
 * through the table AM (as COPY FROM does) and updated in place by their
 * ctid (as logical replication's apply does), with what the SQL statement
 * would have given: column defaults, generated columns, NOT NULL and CHECK
 * constraints, index entries (unique ones checked), privileges, replica
 * identity, and READ COMMITTED's rule for a row another transaction changed
 * since it was read (its newest version is locked and updated; a deleted
 * row is skipped).
 *
 * hw_open() tells whether a table may be written this way: not when the
 * setting lastmile.direct_writes is off, when row level security applies to
 * the current user, when the table carries a trigger that would fire (other
 * than lastmile's own capacity trigger, which stands aside during
 * allocation, and foreign-key triggers the caller answers for) or a rule,
 * when it is partitioned, or when a column does not have the type written.  The caller
 * (writer.c) then writes that table through SQL.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "rewrite/prs2lock.h"
#include "rewrite/rewriteHandler.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "alloc.h"
#include "lastmile.h"

/* rows handed to the table AM at once (COPY FROM buffers up to 1000) */
#define HW_BATCH 1000

bool		lastmile_direct_writes = true;

struct HwRel
{
	Relation	rel;
	CmdType		op;
	EState	   *estate;
	ResultRelInfo *rri;
	CommandId	cid;
	Snapshot	snapshot;
	int			ncols;
	AttrNumber *att;			/* attribute of each written column */
	AttrNumber	keyatt;			/* update: the int8 key rechecked on a newer version */
	/* insert */
	int			ndef;
	AttrNumber *defatt;			/* columns left to their default */
	ExprState **defexpr;
	TupleTableSlot **slots;
	int			nbuf;
	BulkInsertState bistate;
	/* update */
	TupleTableSlot *oldslot;
	TupleTableSlot *newslot;
	/* the foreign key the caller answers for (transport_request.carrier_id) */
	char	   *fk_name;
};

void
lastmile_writer_init(void)
{
	DefineCustomBoolVariable("lastmile.direct_writes",
							 "Whether allocation writes its rows through the table access method rather than SQL statements.",
							 "Off writes every allocation row, request and package update through SQL "
							 "(the same rows; slower). Tables with triggers of their own or row level "
							 "security for the current user are written through SQL anyway.",
							 &lastmile_direct_writes,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
}

static bool
set_has(const AttrNumber *set, int n, AttrNumber a)
{
	for (int i = 0; i < n; i++)
		if (set[i] == a)
			return true;
	return false;
}

static bool
is_carrier_key(Oid relid, AttrNumber att)
{
	Oid			nsp = get_namespace_oid("lastmile", false);

	return relid == get_relname_relid("carrier", nsp) &&
		att == get_attnum(relid, "carrier_id");
}

/*
 * Whether a trigger of h->rel would fire for the write and ask for SQL; sets
 * *why when so.  Foreign keys: the referenced side fires only when a
 * referenced column changes; the referencing side when a key column is
 * written, which the caller may answer for when it is the one foreign key
 * to lastmile.carrier(carrier_id) (fk_ok) by locking the carriers itself.
 */
static bool
trigger_needs_sql(HwRel *h, Trigger *t, bool fk_ok, const char **why)
{
	bool		fires = (h->op == CMD_INSERT) ? TRIGGER_FOR_INSERT(t->tgtype) : TRIGGER_FOR_UPDATE(t->tgtype);
	int			ri;

	if (!fires || t->tgenabled == TRIGGER_DISABLED)
		return false;
	ri = RI_FKey_trigger_type(t->tgfoid);
	if (ri != RI_TRIGGER_NONE)
	{
		HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(t->tgconstraint));
		Form_pg_constraint con;
		int			n;
		AttrNumber	conkey[INDEX_MAX_KEYS];
		AttrNumber	confkey[INDEX_MAX_KEYS];
		Oid			pf[INDEX_MAX_KEYS],
					pp[INDEX_MAX_KEYS],
					ff[INDEX_MAX_KEYS];
		bool		touched = false;
		bool		ok;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for constraint %u", t->tgconstraint);
		con = (Form_pg_constraint) GETSTRUCT(tup);
		DeconstructFkConstraintRow(tup, &n, conkey, confkey, pf, pp, ff, NULL, NULL);
		for (int i = 0; i < n; i++)
		{
			if (ri == RI_TRIGGER_PK && con->confrelid == RelationGetRelid(h->rel) &&
				set_has(h->att, h->ncols, confkey[i]))
				touched = true;
			if (ri == RI_TRIGGER_FK && con->conrelid == RelationGetRelid(h->rel) &&
				(h->op == CMD_INSERT || set_has(h->att, h->ncols, conkey[i])))
				touched = true;
		}
		ok = !touched;
		if (touched && ri == RI_TRIGGER_FK && fk_ok && h->op == CMD_UPDATE && n == 1 &&
			is_carrier_key(con->confrelid, confkey[0]) &&
			strcmp(get_attname(con->conrelid, conkey[0], false), "carrier_id") == 0)
		{
			h->fk_name = pstrdup(NameStr(con->conname));
			ok = true;
		}
		if (!ok)
			*why = psprintf("foreign key %s", NameStr(con->conname));
		ReleaseSysCache(tup);
		return !ok;
	}
	/* lastmile's capacity trigger stands aside: allocation moves the counters itself */
	if (get_func_namespace(t->tgfoid) == get_namespace_oid("lastmile", false))
	{
		char	   *fn = get_func_name(t->tgfoid);

		if (fn && strcmp(fn, "capacity_track") == 0)
			return false;
	}
	*why = psprintf("trigger %s", t->tgname);
	return true;
}

/*
 * Opens relation relid of schema lastmile for writing columns cols[0..ncols)
 * (of types types[], InvalidOid = any enum) by op (CMD_INSERT: the other
 * columns take their defaults; CMD_UPDATE: rows are found by ctid and
 * keycol, an int8, is rechecked on a newer version).  Returns NULL with
 * *why set when the table must be written through SQL.  fk_ok: the caller
 * locks the referenced carriers (see hw_fk_name).  Raises the permission
 * error SQL would when the current user may not write those columns.
 */
HwRel *
hw_open(const char *relname, CmdType op, const char *const *cols, const Oid *types, int ncols,
		const char *keycol, bool fk_ok, const char **why)
{
	Oid			relid = get_relname_relid(relname, get_namespace_oid("lastmile", false));
	Relation	rel;
	TupleDesc	td;
	HwRel	   *h;
	RangeTblEntry *rte;
	AclMode		perms;

	if (!lastmile_direct_writes)
	{
		*why = "lastmile.direct_writes is off";
		return NULL;
	}
	if (!OidIsValid(relid))
		elog(ERROR, "relation lastmile.%s does not exist", relname);
	rel = table_open(relid, RowExclusiveLock);
	td = RelationGetDescr(rel);
	h = palloc0(sizeof(HwRel));
	h->rel = rel;
	h->op = op;
	h->ncols = ncols;
	h->att = palloc(sizeof(AttrNumber) * Max(ncols, 1));

	*why = NULL;
	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relispartition)
		*why = "partitioned";
	else if (check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED)
		*why = "row level security applies";
	for (int i = 0; i < ncols && *why == NULL; i++)
	{
		Form_pg_attribute a;

		h->att[i] = get_attnum(relid, cols[i]);
		if (h->att[i] <= 0)
		{
			*why = psprintf("no column %s", cols[i]);
			break;
		}
		a = TupleDescAttr(td, h->att[i] - 1);
		if ((OidIsValid(types[i]) ? a->atttypid != types[i] : !type_is_enum(a->atttypid)) ||
			a->atttypmod != -1 || a->attgenerated)
			*why = psprintf("column %s has another type", cols[i]);
	}
	if (*why == NULL && keycol)
	{
		h->keyatt = get_attnum(relid, keycol);
		if (h->keyatt <= 0 || TupleDescAttr(td, h->keyatt - 1)->atttypid != INT8OID)
			*why = psprintf("no int8 column %s", keycol);
	}
	if (*why == NULL && op == CMD_UPDATE && td->constr && td->constr->has_generated_stored)
		*why = "generated columns";
	if (*why == NULL && rel->rd_rules)
		for (int i = 0; i < rel->rd_rules->numLocks; i++)
			if (rel->rd_rules->rules[i]->event == op)
			{
				*why = "a rule";
				break;
			}
	if (*why == NULL && rel->trigdesc)
		for (int i = 0; i < rel->trigdesc->numtriggers; i++)
			if (trigger_needs_sql(h, &rel->trigdesc->triggers[i], fk_ok, why))
				break;
	if (*why != NULL)
	{
		table_close(rel, NoLock);
		return NULL;
	}

	/* an executor state of one result relation, as logical replication's apply makes */
	h->estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	perms = (op == CMD_INSERT) ? ACL_INSERT : ACL_UPDATE;
	for (int i = 0; i < ncols; i++)
	{
		int			bit = h->att[i] - FirstLowInvalidHeapAttributeNumber;

		if (op == CMD_INSERT)
			rte->insertedCols = bms_add_member(rte->insertedCols, bit);
		else
			rte->updatedCols = bms_add_member(rte->updatedCols, bit);
	}
	if (h->keyatt > 0)
	{
		/* the statement's WHERE reads the key */
		perms |= ACL_SELECT;
		rte->selectedCols = bms_add_member(rte->selectedCols, h->keyatt - FirstLowInvalidHeapAttributeNumber);
	}
	rte->requiredPerms = perms;
	/* the same check, and error, as the statement's */
	ExecCheckRTPerms(list_make1(rte), true);
	CheckCmdReplicaIdentity(rel, op);
	ExecInitRangeTable(h->estate, list_make1(rte));
	h->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(h->rri, rel, 1, NULL, 0);
	ExecOpenIndices(h->rri, false);
	h->cid = GetCurrentCommandId(true);
	h->estate->es_output_cid = h->cid;
	h->snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
	h->estate->es_snapshot = h->snapshot;

	if (op == CMD_INSERT)
	{
		/* the other columns: their defaults, evaluated per row as COPY does */
		h->defatt = palloc(sizeof(AttrNumber) * td->natts);
		h->defexpr = palloc(sizeof(ExprState *) * td->natts);
		for (int a = 1; a <= td->natts; a++)
		{
			Form_pg_attribute fa = TupleDescAttr(td, a - 1);
			Expr	   *e;

			if (fa->attisdropped || fa->attgenerated || set_has(h->att, ncols, a))
				continue;
			e = (Expr *) build_column_default(rel, a);
			if (e == NULL)
				continue;
			h->defatt[h->ndef] = a;
			h->defexpr[h->ndef] = ExecPrepareExpr(e, h->estate);
			h->ndef++;
		}
		h->slots = palloc0(sizeof(TupleTableSlot *) * HW_BATCH);
		if (rel->rd_rel->relam == HEAP_TABLE_AM_OID)
			h->bistate = GetBulkInsertState();
	}
	else
	{
		h->oldslot = table_slot_create(rel, &h->estate->es_tupleTable);
		h->newslot = table_slot_create(rel, &h->estate->es_tupleTable);
	}
	return h;
}

/* The foreign key to lastmile.carrier the caller must answer for, or NULL. */
const char *
hw_fk_name(HwRel *h)
{
	return h->fk_name;
}

/* The type of written column i. */
Oid
hw_coltype(HwRel *h, int i)
{
	return TupleDescAttr(RelationGetDescr(h->rel), h->att[i] - 1)->atttypid;
}

static void
hw_flush_inserts(HwRel *h)
{
	if (h->nbuf == 0)
		return;
	table_multi_insert(h->rel, h->slots, h->nbuf, h->cid, 0, h->bistate);
	for (int i = 0; i < h->nbuf; i++)
	{
		if (h->rri->ri_NumIndices > 0)
			list_free(ExecInsertIndexTuples(h->rri, h->slots[i], h->estate, false, false, NULL, NIL));
		ExecClearTuple(h->slots[i]);
		ResetPerTupleExprContext(h->estate);
	}
	h->nbuf = 0;
}

/* Inserts one row: values[i] / nulls[i] of column i, the others their defaults. */
void
hw_insert(HwRel *h, const Datum *values, const bool *nulls)
{
	TupleTableSlot *slot;
	TupleDesc	td = RelationGetDescr(h->rel);
	ExprContext *econtext = GetPerTupleExprContext(h->estate);
	MemoryContext old;

	if (h->slots[h->nbuf] == NULL)
		h->slots[h->nbuf] = table_slot_create(h->rel, &h->estate->es_tupleTable);
	slot = h->slots[h->nbuf];
	ExecClearTuple(slot);
	for (int a = 0; a < td->natts; a++)
	{
		slot->tts_values[a] = (Datum) 0;
		slot->tts_isnull[a] = true;
	}
	for (int i = 0; i < h->ncols; i++)
	{
		slot->tts_values[h->att[i] - 1] = values[i];
		slot->tts_isnull[h->att[i] - 1] = nulls[i];
	}
	old = MemoryContextSwitchTo(GetPerTupleMemoryContext(h->estate));
	for (int i = 0; i < h->ndef; i++)
	{
		int			a = h->defatt[i] - 1;

		slot->tts_values[a] = ExecEvalExpr(h->defexpr[i], econtext, &slot->tts_isnull[a]);
	}
	MemoryContextSwitchTo(old);
	ExecStoreVirtualTuple(slot);
	if (td->constr && td->constr->has_generated_stored)
		ExecComputeStoredGenerated(h->rri, h->estate, slot, CMD_INSERT);
	if (td->constr)
		ExecConstraints(h->rri, slot, h->estate);
	/* the row outlives this tuple's memory: it waits for its batch */
	ExecMaterializeSlot(slot);
	ResetPerTupleExprContext(h->estate);
	if (++h->nbuf == HW_BATCH)
		hw_flush_inserts(h);
}

/*
 * Updates the row version at *tid, setting column i to values[i] / nulls[i]
 * and keeping the others, as "UPDATE ... WHERE keycol = key" would in its
 * statement: when another transaction changed the row since it was read, its
 * newest version is locked and updated if it still has that key (READ
 * COMMITTED's recheck; a serialization failure under REPEATABLE READ and
 * SERIALIZABLE).  Returns false when the row is gone (deleted, or no longer
 * with that key), as the statement would update nothing.
 */
bool
hw_update(HwRel *h, ItemPointer tid, int64 key, const Datum *values, const bool *nulls)
{
	ItemPointerData ctid = *tid;
	TupleDesc	td = RelationGetDescr(h->rel);

	for (;;)
	{
		TM_Result	res;
		TM_FailureData tmfd;
		LockTupleMode lockmode;
		bool		update_indexes;
		bool		isnull;
		Datum		k;

		CHECK_FOR_INTERRUPTS();
		if (!table_tuple_fetch_row_version(h->rel, &ctid, SnapshotAny, h->oldslot))
			elog(ERROR, "failed to fetch tuple being updated");
		k = slot_getattr(h->oldslot, h->keyatt, &isnull);
		if (isnull || DatumGetInt64(k) != key)
			return false;
		slot_getallattrs(h->oldslot);
		ExecClearTuple(h->newslot);
		memcpy(h->newslot->tts_values, h->oldslot->tts_values, sizeof(Datum) * td->natts);
		memcpy(h->newslot->tts_isnull, h->oldslot->tts_isnull, sizeof(bool) * td->natts);
		for (int i = 0; i < h->ncols; i++)
		{
			h->newslot->tts_values[h->att[i] - 1] = values[i];
			h->newslot->tts_isnull[h->att[i] - 1] = nulls[i];
		}
		ExecStoreVirtualTuple(h->newslot);
		if (td->constr)
			ExecConstraints(h->rri, h->newslot, h->estate);

		res = table_tuple_update(h->rel, &ctid, h->newslot, h->cid, h->snapshot, InvalidSnapshot,
								 true, &tmfd, &lockmode, &update_indexes);
		switch (res)
		{
			case TM_Ok:
				if (update_indexes && h->rri->ri_NumIndices > 0)
					list_free(ExecInsertIndexTuples(h->rri, h->newslot, h->estate, true, false, NULL, NIL));
				ResetPerTupleExprContext(h->estate);
				return true;
			case TM_SelfModified:
				if (tmfd.cmax != h->cid)
					ereport(ERROR,
							(errcode(ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION),
							 errmsg("tuple to be updated was already modified by an operation triggered by the current command")));
				return false;	/* updated twice by this write: the first stands */
			case TM_Deleted:
				if (IsolationUsesXactSnapshot())
					ereport(ERROR,
							(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
							 errmsg("could not serialize access due to concurrent delete")));
				return false;
			case TM_Updated:
				if (IsolationUsesXactSnapshot())
					ereport(ERROR,
							(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
							 errmsg("could not serialize access due to concurrent update")));
				/* lock the newest version, then update it (after the key recheck above) */
				res = table_tuple_lock(h->rel, &ctid, h->snapshot, h->oldslot, h->cid, lockmode,
									   LockWaitBlock, TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &tmfd);
				switch (res)
				{
					case TM_Ok:
						ctid = h->oldslot->tts_tid;
						break;
					case TM_Deleted:
						return false;
					case TM_SelfModified:
						if (tmfd.cmax != h->cid)
							ereport(ERROR,
									(errcode(ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION),
									 errmsg("tuple to be updated was already modified by an operation triggered by the current command")));
						return false;
					default:
						elog(ERROR, "unexpected table_tuple_lock status: %u", res);
				}
				break;
			default:
				elog(ERROR, "unrecognized table_tuple_update status: %u", res);
		}
	}
}

/* Writes what waits, releases everything; the rows are visible to what follows. */
void
hw_close(HwRel *h)
{
	if (h->op == CMD_INSERT)
		hw_flush_inserts(h);
	if (h->bistate)
		FreeBulkInsertState(h->bistate);
	ExecCloseIndices(h->rri);
	ExecResetTupleTable(h->estate->es_tupleTable, false);
	FreeExecutorState(h->estate);
	table_close(h->rel, NoLock);
	CommandCounterIncrement();
}
