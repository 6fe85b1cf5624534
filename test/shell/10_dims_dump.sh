#!/usr/bin/env bash
# 10_dims_dump.sh — lastmile.dims values survive pg_dump / pg_restore (custom
# and plain formats) bit for bit.  TAP output; uses the server the PG*
# variables point at, in two scratch databases it drops at the end.
set -uo pipefail
src=lastmile_dims_dump_src_$$
dst=lastmile_dims_dump_dst_$$
dump=$(mktemp)
trap 'dropdb --if-exists "$src" >/dev/null 2>&1; dropdb --if-exists "$dst" >/dev/null 2>&1; rm -f "$dump"' EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$@"; }

echo "1..5"
createdb "$src" && q "$src" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION lastmile CASCADE;
CREATE TABLE public.boxes (id int PRIMARY KEY, d lastmile.dims, arr lastmile.dims[]);
INSERT INTO public.boxes VALUES
    (1, '60x40x30', ARRAY['1x2x3', '0.6x0.4x0.3 m']::lastmile.dims[]),
    (2, '605x400x300mm', NULL),
    (3, '0.000015x1x1 m', '{}'),
    (4, '10000x10000x10000', ARRAY['1x1x1e-300']::lastmile.dims[]),
    (5, '0.1x0.2x0.3', NULL),
    (6, NULL, NULL);
CREATE UNIQUE INDEX boxes_d ON public.boxes (d);
SQL
ok $? "source database with dims values"

fingerprint="SELECT string_agg(id || ':' || coalesce(lastmile.dims_send(d)::text, 'null') || ':' || coalesce(arr::text, 'null'), ',' ORDER BY id) FROM public.boxes"
before=$(q "$src" -c "$fingerprint")

pg_dump -Fc -f "$dump" "$src" && createdb "$dst" && pg_restore -d "$dst" "$dump" 2>/dev/null
ok $? "pg_dump -Fc / pg_restore"
after=$(q "$dst" -c "$fingerprint")
[ -n "$before" ] && [ "$before" = "$after" ]
ok $? "custom format: same bytes after restore"

dropdb "$dst" && createdb "$dst" && pg_dump -Fp "$src" | q "$dst" >/dev/null 2>&1
after=$(q "$dst" -c "$fingerprint")
[ -n "$before" ] && [ "$before" = "$after" ]
ok $? "plain format: same bytes after restore"

[ "$(q "$dst" -c "SELECT count(*) FROM public.boxes WHERE d = '30x60x40' AND d <@ '70x50x40'")" = 1 ]
ok $? "operators work in the restored database"
