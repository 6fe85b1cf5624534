#!/usr/bin/env bash
# make bench-bundle: the bundling benchmark (CVRPLIB A set, Solomon C1/R1, a
# generated 2,000-stop instance) against the server the PG* variables point
# at, where lastmile is installed (make install).  Creates and drops its own
# database.  Options go to bundle_bench.py: --ms N (search budget per
# instance, default 900: with the reading and writing a call stays within 1 s), --big-ms N (the 2,000-stop one, default 8000),
# --only REGEX.  Data: $VRP_DATA or /work/shared/data/vrp.
set -euo pipefail
cd "$(dirname "$0")"
db=${BENCH_DB:-lastmile_bench_bundle}
data=${VRP_DATA:-/work/shared/data/vrp}
[ -d "$data" ] || { echo "no VRP data in $data (set VRP_DATA)" >&2; exit 1; }
dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET client_min_messages = warning; CREATE EXTENSION lastmile CASCADE;"
BENCH_DB=$db python3 bundle_bench.py "$data" "$@"
