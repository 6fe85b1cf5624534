#!/usr/bin/env bash
# make bench — lastmile's allocation against a competent pure-SQL version, on
# one realistic data set, in one run (see docs/performance.md).
#
# Against the server the PG* variables point at, with lastmile installed
# (make install).  Builds database $BENCH_DB (default lastmile_bench): the
# detailed French départements, 30 carriers, 5 retailers and 100,000 requests
# of 1–3 packages (demo/generate.sql), then prints
#   - requests/s of lastmile.allocate_pending() over the whole wave, writes included
#   - requests/s of the pure-SQL version (test/bench/reference.sql), and the ratio
#   - the mismatch count between the two (carrier and price per request)
#   - the write floor: the same rows written through plain SQL, nothing decided
#   - p50/p99 server time of ranking() and delivery_options(), C and SQL
#
# Settings (environment):
#   BENCH_DB=lastmile_bench  BENCH_REQUESTS=100000  BENCH_CARRIERS=30
#   BENCH_RETAILERS=5  BENCH_DAYS=5  BENCH_SEED=1  BENCH_CALLS=10000
#   BENCH_COMPARE=2000  carts whose ranking and options are compared C vs SQL
#   BENCH_REUSE=1   keep the database of a previous run if it has the same data set
set -euo pipefail
cd "$(dirname "$0")/../.."

db=${BENCH_DB:-lastmile_bench}
requests=${BENCH_REQUESTS:-100000}
carriers=${BENCH_CARRIERS:-30}
retailers=${BENCH_RETAILERS:-5}
days=${BENCH_DAYS:-5}
seed=${BENCH_SEED:-1}
calls=${BENCH_CALLS:-10000}
compare=${BENCH_COMPARE:-2000}
geojson=${BENCH_GEOJSON:-data/fr-departements.geojson}
tag="$carriers/$retailers/$requests/$days/$seed"

psql_db() { psql -X -q -v ON_ERROR_STOP=1 -P pager=off -d "$db" "$@"; }
# server-side wall time (ms) of one statement, committed, in a fresh session
time_ms() {
    psql -X -q -v ON_ERROR_STOP=1 -A -t -d "$db" -c '\timing on' -c "$1" |
        awk '/^Time:/ { print $2 }' | tail -1
}
settle() {
    psql_db -c "SELECT lastmile_bench.reset()" >/dev/null
    psql_db -c "VACUUM ANALYZE lastmile.transport_request, lastmile.package, lastmile.allocation" >/dev/null
    psql_db -c "VACUUM ANALYZE lastmile.carrier_day" >/dev/null 2>&1 || true
    psql_db -c "CHECKPOINT" >/dev/null 2>&1 || true
}

started=$(date +%s)
have=$(psql -X -A -t -d "$db" -c "SELECT obj_description('lastmile_bench'::regnamespace, 'pg_namespace')" 2>/dev/null || true)
if [ "${BENCH_REUSE:-0}" = 1 ] && [ "$have" = "data set $tag" ]; then
    echo "== reusing database $db (data set $tag)"
    psql_db -f test/bench/reference.sql >/dev/null
    psql_db -f test/bench/bench.sql >/dev/null
    psql_db -c "SELECT lastmile_ref.prepare()" >/dev/null
else
    echo "== building database $db: $carriers carriers, $retailers retailers, $requests requests over $days ship dates (seed $seed)"
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    createdb "$db"
    psql_db -c "SET client_min_messages = warning; CREATE EXTENSION lastmile CASCADE;"
    t0=$(date +%s)
    psql_db <<EOF
\set doc \`cat $geojson\`
SELECT lastmile.load_geojson(:'doc') AS departements \gset
\unset doc
EOF
    echo "   départements loaded ($(( $(date +%s) - t0 )) s)"
    t0=$(date +%s)
    psql_db -f demo/generate.sql >/dev/null
    psql_db -A -t -F ' ' -c "SELECT what, n FROM lastmile_demo.generate($carriers, $retailers, $requests, $seed, '2026-12-07', $days)" |
        tr '\n' ' ' | sed 's/^/   /'
    echo "($(( $(date +%s) - t0 )) s)"
    psql_db -f test/bench/reference.sql >/dev/null
    psql_db -f test/bench/bench.sql >/dev/null
    t0=$(date +%s)
    parts=$(psql_db -A -t -c "SELECT lastmile_ref.prepare()")
    echo "   SQL version: covered areas cut into $parts parts ($(( $(date +%s) - t0 )) s, not timed)"
    psql_db -A -t -c "SELECT lastmile_bench.snapshot($calls)" | sed 's/^/   requests in the wave: /'
    psql_db -c "COMMENT ON SCHEMA lastmile_bench IS 'data set $tag'"
    psql_db -c "VACUUM ANALYZE" >/dev/null
fi
wave=$(psql_db -A -t -c "SELECT count(*) FROM lastmile_bench.wave")
ncalls=$(psql_db -A -t -c "SELECT count(*) FROM lastmile_bench.cart")

echo "== allocate_pending (C), $wave requests"
settle
t_c=$(time_ms "SELECT count(*) FROM lastmile.allocate_pending()")
psql_db -c "SELECT lastmile_bench.save('c', keep_rows => true)" >/dev/null
echo "   $t_c ms"

echo "== pure-SQL version"
settle
t_sql=$(time_ms "SELECT count(*) FROM lastmile_ref.allocate_pending()")
psql_db -c "SELECT lastmile_bench.save('sql')" >/dev/null
echo "   $t_sql ms"

mismatch=$(psql_db -A -t -c "
    SELECT count(*) FROM lastmile_bench.result c JOIN lastmile_bench.result s USING (request_id)
    WHERE c.run = 'c' AND s.run = 'sql'
      AND (c.carrier_id IS DISTINCT FROM s.carrier_id OR c.price IS DISTINCT FROM s.price)")
if [ "$mismatch" != 0 ]; then
    echo "   first mismatches (request: C carrier/price vs SQL carrier/price):"
    psql_db -A -t -F ' ' -c "
        SELECT c.request_id, coalesce(c.carrier_id, '-') || '/' || coalesce(c.price::text, '-'),
               'vs', coalesce(s.carrier_id, '-') || '/' || coalesce(s.price::text, '-')
        FROM lastmile_bench.result c JOIN lastmile_bench.result s USING (request_id)
        WHERE c.run = 'c' AND s.run = 'sql'
          AND (c.carrier_id IS DISTINCT FROM s.carrier_id OR c.price IS DISTINCT FROM s.price)
        ORDER BY 1 LIMIT 10" | sed 's/^/     /'
fi
allocated=$(psql_db -A -t -c "SELECT count(carrier_id) FROM lastmile_bench.result WHERE run = 'c'")
alloc_bytes=$(psql_db -A -t -c "SELECT round(avg(pg_column_size(ranking) + pg_column_size(rejected))) FROM lastmile_bench.floor_alloc")
packages=$(psql_db -A -t -c "SELECT count(*) FROM lastmile_bench.floor_pkg")

echo "== write floor: the same rows through plain SQL, nothing decided"
settle
t_floor=$(time_ms "SELECT lastmile_bench.write_floor()")
echo "   $t_floor ms ($wave allocation rows of ~$alloc_bytes bytes of jsonb, $wave request updates, $packages package updates)"

echo "== ranking() and delivery_options(): $ncalls calls each, server time per call"
settle
psql_db -c "SELECT count(*) FROM lastmile_bench.time_ranking_c(200), lastmile_bench.time_ranking_sql(200),
                                   lastmile_bench.time_options_c(200), lastmile_bench.time_options_sql(200)" >/dev/null
lat() { psql_db -A -t -F ' ' -c "SELECT round(p50_us::numeric, 1), round(p99_us::numeric, 1) FROM lastmile_bench.pct(lastmile_bench.$1($ncalls))"; }
read -r rc50 rc99 <<<"$(lat time_ranking_c)"
read -r rs50 rs99 <<<"$(lat time_ranking_sql)"
read -r oc50 oc99 <<<"$(lat time_options_c)"
read -r os50 os99 <<<"$(lat time_options_sql)"
ncompare=$(( compare < ncalls ? compare : ncalls ))
read -r rmis omis <<<"$(psql_db -A -t -F ' ' -c "SELECT * FROM lastmile_bench.compare_calls($ncompare)")"
settle

echo
echo "lastmile bench — $(date -u '+%Y-%m-%d %H:%M UTC'), PostgreSQL $(psql_db -A -t -c 'SHOW server_version'), $(nproc) CPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "data set: $carriers carriers, $retailers retailers, $wave requests in the wave ($allocated allocated), $packages packages tracked, detailed départements"
echo
awk -v n="$wave" -v tc="$t_c" -v ts="$t_sql" -v tf="$t_floor" \
    -v rc50="$rc50" -v rc99="$rc99" -v rs50="$rs50" -v rs99="$rs99" \
    -v oc50="$oc50" -v oc99="$oc99" -v os50="$os50" -v os99="$os99" '
function r(x, y) { return (y > 0) ? sprintf("%.1f×", x / y) : "-" }
BEGIN {
    printf "%-44s %14s %14s %9s\n", "measure", "lastmile (C)", "SQL baseline", "C vs SQL"
    printf "%-44s %14.0f %14.0f %9s\n", "allocate_pending, requests/s (writes incl.)", n / tc * 1000, n / ts * 1000, r(ts, tc)
    printf "%-44s %14.0f %14.0f %9s\n", "allocate_pending, ms for the wave", tc, ts, r(ts, tc)
    printf "%-44s %14.0f %14s %9s\n", "write floor, requests/s (same rows, no decision)", n / tf * 1000, "", ""
    printf "%-44s %14.1f %14.1f %9s\n", "ranking() p50, µs", rc50, rs50, r(rs50, rc50)
    printf "%-44s %14.1f %14.1f %9s\n", "ranking() p99, µs", rc99, rs99, r(rs99, rc99)
    printf "%-44s %14.1f %14.1f %9s\n", "delivery_options() p50, µs", oc50, os50, r(os50, oc50)
    printf "%-44s %14.1f %14.1f %9s\n", "delivery_options() p99, µs", oc99, os99, r(os99, oc99)
}'
echo
echo "mismatches C vs SQL: allocate_pending $mismatch of $wave requests (carrier, price); ranking $rmis, delivery_options $omis of $ncompare carts"
echo "write floor: allocate_pending takes $(awk -v a="$t_c" -v b="$t_floor" 'BEGIN { printf "%.2f", a / b }')× the time of writing its rows alone"
echo "(bench took $(( $(date +%s) - started )) s; database $db left in place, BENCH_REUSE=1 reuses it)"
