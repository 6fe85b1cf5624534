/*
 * lastmile.h — declarations shared by the PostgreSQL glue modules.
 */
#ifndef LASTMILE_H
#define LASTMILE_H

/* Module initialisers called from _PG_init (src/pg/lastmile.c). */
extern void lastmile_bundle_init(void);	/* bundle.c */
extern void lastmile_messages_init(void);	/* messages.c */
extern void lastmile_writer_init(void);	/* heap_write.c */

#endif							/* LASTMILE_H */
