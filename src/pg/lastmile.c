/*
 * lastmile.c — module entry point: the magic block and _PG_init, which
 * defines the settings of every module (each module exposes one
 * lastmile_<module>_init() declared in lastmile.h).
 */
#include "postgres.h"
#include "fmgr.h"

#include "lastmile.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/* one call per module that defines settings; keep alphabetical */
	lastmile_bundle_init();
	lastmile_messages_init();
	lastmile_writer_init();
}
