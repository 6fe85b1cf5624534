#!/usr/bin/env bash
# pg_dump / pg_restore of a database holding lastmile data: every row comes
# back (the tables are extension configuration tables), identity sequences
# go on from where they were, and the dims values are intact.
# Prints TAP; needs the PG* variables of a running server with lastmile installed.
set -uo pipefail
src=lastmile_dump_src_$$
dst=lastmile_dump_dst_$$
dump=$(mktemp)
trap 'dropdb --if-exists $src >/dev/null 2>&1; dropdb --if-exists $dst >/dev/null 2>&1; rm -f "$dump" "$dump.err"' EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"; fi; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

echo "1..7"
createdb "$src" && q "$src" "SET client_min_messages = warning; CREATE EXTENSION lastmile CASCADE" >/dev/null
q "$src" "
INSERT INTO lastmile.retailer (retailer_id, name, w_cost) VALUES ('r1', 'Retailer one', 2);
INSERT INTO lastmile.carrier (carrier_id, name, max_dims, daily_capacity) VALUES ('c1', 'Carrier one', '120x80x60', 50);
INSERT INTO lastmile.area (name, geom, code, kind)
    VALUES ('Square', ST_Multi(ST_MakeEnvelope(2, 48, 3, 49, 4326)), 'SQ', 'zone');
INSERT INTO lastmile.coverage (carrier_id, area_id, zone) SELECT 'c1', area_id, 'Z1' FROM lastmile.area;
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price, per_kg) VALUES ('c1', 'Z1', '[0,30)', 5.90, 0.25);
INSERT INTO lastmile.contract (retailer_id, carrier_id, price_factor) VALUES ('r1', 'c1', 0.9);
INSERT INTO lastmile.place (retailer_id, kind, name, location) VALUES ('r1', 'warehouse', 'WH', ST_SetSRID(ST_MakePoint(2.2, 48.7), 4326));
INSERT INTO lastmile.transport_request (retailer_id, origin_id, destination, ship_date, time_window, recipient_name)
    SELECT 'r1', place_id, ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326), '2026-12-01',
           '[2026-12-01 09:00+01, 2026-12-01 12:00+01)', 'Zoé Lefèvre' FROM lastmile.place;
INSERT INTO lastmile.package (request_id, dims, weight_kg, tracking)
    SELECT request_id, '60.5x40x30', 3.2, 'TRK1' FROM lastmile.transport_request;
INSERT INTO lastmile.allocation (request_id, carrier_id, price, ranking, rejected)
    SELECT request_id, 'c1', 5.31, '[{\"rank\": 1, \"carrier_id\": \"c1\"}]', '{}' FROM lastmile.transport_request;
INSERT INTO lastmile.notification (request_id, event) SELECT request_id, 'allocated' FROM lastmile.transport_request;
INSERT INTO lastmile.message (notification_id, channel, recipient, body)
    SELECT notification_id, 'email', 'zoe@example.org', 'Votre colis arrive' FROM lastmile.notification;
" >/dev/null

snapshot() {
    q "$1" "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
        SELECT 'r' || row(r.*)::text AS x FROM lastmile.retailer r
        UNION ALL SELECT 'c' || row(c.*)::text FROM lastmile.carrier c
        UNION ALL SELECT 'a' || row(a.*)::text FROM lastmile.area a
        UNION ALL SELECT 'v' || row(v.*)::text FROM lastmile.coverage v
        UNION ALL SELECT 't' || row(t.*)::text FROM lastmile.rate t
        UNION ALL SELECT 'k' || row(k.*)::text FROM lastmile.contract k
        UNION ALL SELECT 'p' || row(p.*)::text FROM lastmile.place p
        UNION ALL SELECT 'q' || row(q.*)::text FROM lastmile.transport_request q
        UNION ALL SELECT 'g' || row(g.*)::text FROM lastmile.package g
        UNION ALL SELECT 'l' || row(l.*)::text FROM lastmile.allocation l
        UNION ALL SELECT 'n' || row(n.*)::text FROM lastmile.notification n
        UNION ALL SELECT 'm' || row(m.*)::text FROM lastmile.message m) s"
}
before=$(snapshot "$src")
pg_dump -Fc -f "$dump" "$src" 2>/dev/null
ok "$?" "0" "pg_dump of a database holding lastmile data succeeds"
createdb "$dst"
pg_restore -d "$dst" "$dump" 2>"$dump.err"
ok "$?" "0" "pg_restore into an empty database succeeds"
[ -s "$dump.err" ] && sed 's/^/# /' "$dump.err"
after=$(snapshot "$dst")
ok "$after" "$before" "every row of every table comes back identical"
ok "$(q "$dst" "SELECT dims FROM lastmile.package")" "60.5x40x30" "dims values survive the dump"
ok "$(q "$dst" "INSERT INTO lastmile.transport_request (retailer_id, origin_id, destination)
               SELECT 'r1', place_id, ST_SetSRID(ST_MakePoint(2.3, 48.8), 4326) FROM lastmile.place
               RETURNING request_id > (SELECT min(request_id) FROM lastmile.transport_request)")" "t" \
   "identity sequences go on after the restored ids"
ok "$(q "$dst" "SELECT count(*) FROM pg_extension WHERE extname = 'lastmile'")" "1" "the extension itself is restored, not its objects one by one"
ok "$(q "$dst" "SELECT lastmile.load_geojson(NULL)")" "0" "the restored extension's functions work"
