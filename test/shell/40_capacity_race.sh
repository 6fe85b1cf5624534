#!/usr/bin/env bash
# Capacity race: 8 pgbench clients allocate 600 requests of one retailer at
# random, one at a time or whole waves, all wanting the same cheap carrier
# (daily capacity 40) and a second one (capacity 25).  Afterwards: no
# carrier over its capacity, the counters equal the requests, every request
# decided exactly once, no deadlock and no failed transaction.  Also: the
# catalog cache of a backend follows a rate changed by another session.
# Prints TAP; needs the PG* variables of a running server with lastmile installed.
set -uo pipefail
db=lastmile_race_$$
dir=$(mktemp -d)
trap 'dropdb --if-exists $db >/dev/null 2>&1; rm -rf "$dir"' EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"; fi; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

echo "1..9"
createdb "$db" && q "SET client_min_messages = warning; CREATE EXTENSION lastmile CASCADE" >/dev/null
q "
INSERT INTO lastmile.area (area_id, name, geom) VALUES (1, 'all', ST_Multi(ST_MakeEnvelope(0, 40, 10, 50, 4326)));
INSERT INTO lastmile.retailer (retailer_id) VALUES ('race');
INSERT INTO lastmile.carrier (carrier_id, quality, co2_g_per_km, daily_capacity) VALUES
 ('cheap', 0.9, 10, 40), ('second', 0.8, 10, 25), ('last', 0.1, 10, NULL);
INSERT INTO lastmile.coverage (carrier_id, area_id, zone) SELECT c, 1, 'Z' FROM unnest('{cheap,second,last}'::text[]) c;
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('cheap', 'Z', '[0,)', 5), ('second', 'Z', '[0,)', 6), ('last', 'Z', '[0,)', 50);
INSERT INTO lastmile.contract (retailer_id, carrier_id) SELECT 'race', c FROM unnest('{cheap,second,last}'::text[]) c;
INSERT INTO lastmile.place (place_id, retailer_id, location) VALUES (1, 'race', ST_SetSRID(ST_MakePoint(5, 45), 4326));
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination, ship_date)
SELECT i, 'race', 1, ST_SetSRID(ST_MakePoint(5, 45.5), 4326), '2026-11-23' FROM generate_series(1, 600) i;
INSERT INTO lastmile.package (request_id, dims, weight_kg) SELECT i, '10x10x10', 1 FROM generate_series(1, 600) i;
-- allocate one request, ignoring 'already allocated' (55000) only
CREATE FUNCTION race_one(id bigint) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
    PERFORM lastmile.allocate(id);
EXCEPTION WHEN object_not_in_prerequisite_state THEN
    NULL;
END \$\$;
" >/dev/null

cat >"$dir/one.sql" <<'EOF'
\set id random(1, 600)
SELECT race_one(:id);
EOF
cat >"$dir/wave.sql" <<'EOF'
SELECT count(*) FROM lastmile.allocate_pending('race', '2026-11-23');
EOF
pgbench -n -c 8 -j 2 -t 150 -f "$dir/one.sql@20" -f "$dir/wave.sql@1" "$db" >"$dir/pgbench.log" 2>&1
rc=$?
ok "$rc" "0" "pgbench: 8 clients ran without error"
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$dir/pgbench.log" | head -1)
ok "${failed:-0}" "0" "no failed transaction (no deadlock, no capacity error)"
grep -iE "deadlock|error" "$dir/pgbench.log" | head -5 | sed 's/^/# /'
# whatever is left: one last wave
q "SELECT count(*) FROM lastmile.allocate_pending('race')" >/dev/null
ok "$(q "SELECT count(*) FROM lastmile.transport_request WHERE status = 'new'")" "0" "every request decided"
ok "$(q "SELECT count(*) FROM lastmile.carrier c JOIN lastmile.carrier_day d USING (carrier_id) WHERE d.used > c.daily_capacity")" "0" \
   "no carrier over its daily capacity"
ok "$(q "SELECT string_agg(carrier_id || '=' || n, ',' ORDER BY carrier_id) FROM (SELECT carrier_id, count(*) n FROM lastmile.transport_request GROUP BY 1) x")" \
   "cheap=40,last=535,second=25" "the capacities are filled exactly, the rest goes to the last carrier"
ok "$(q "SELECT count(*) FROM (SELECT r.carrier_id, r.ship_date, count(*) n FROM lastmile.transport_request r WHERE r.status = 'allocated' GROUP BY 1, 2) x JOIN lastmile.carrier_day d USING (carrier_id, ship_date) WHERE d.used <> x.n")" "0" \
   "the counters equal the requests"
ok "$(q "SELECT count(*) FROM (SELECT request_id FROM lastmile.allocation GROUP BY 1 HAVING count(*) <> 1) x")" "0" \
   "every request decided exactly once"

# the catalog cache of one backend follows a change committed by another
cat >"$dir/cache.sql" <<'EOF'
SELECT price FROM lastmile.delivery_options('race', ST_SetSRID(ST_MakePoint(5, 45.5), 4326), '{10x10x10}', '{1}', 'delivery', '2026-11-30') WHERE carrier_id = 'cheap';
\! psql -X -q -d "$PGDATABASE" -c "UPDATE lastmile.rate SET price = 7 WHERE carrier_id = 'cheap'"
SELECT price FROM lastmile.delivery_options('race', ST_SetSRID(ST_MakePoint(5, 45.5), 4326), '{10x10x10}', '{1}', 'delivery', '2026-11-30') WHERE carrier_id = 'cheap';
EOF
out=$(PGDATABASE=$db psql -X -q -A -t -d "$db" -f "$dir/cache.sql" 2>&1 | tr '\n' ' ')
ok "$out" "5.00 7.00 " "a backend sees a rate changed by another session"
# and a change rolled back in its own session is forgotten
out=$(psql -X -q -A -t -d "$db" 2>&1 <<'EOF' | tr '\n' ' '
BEGIN;
UPDATE lastmile.rate SET price = 9 WHERE carrier_id = 'cheap';
SELECT price FROM lastmile.delivery_options('race', ST_SetSRID(ST_MakePoint(5, 45.5), 4326), '{10x10x10}', '{1}', 'delivery', '2026-11-30') WHERE carrier_id = 'cheap';
ROLLBACK;
SELECT price FROM lastmile.delivery_options('race', ST_SetSRID(ST_MakePoint(5, 45.5), 4326), '{10x10x10}', '{1}', 'delivery', '2026-11-30') WHERE carrier_id = 'cheap';
EOF
)
ok "$out" "9.00 7.00 " "a rolled-back change is forgotten"
