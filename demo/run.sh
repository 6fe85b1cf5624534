#!/usr/bin/env bash
# The lastmile demo: a fresh database, the French départements, a realistic
# set of carriers, rate grids, retailers and a few thousand requests, then
# each step of the job (demo/NN-*.sql, in order) with what a user would want
# to see.  Runs against the server the PG* variables point at.
set -euo pipefail
cd "$(dirname "$0")/.."
db=${DEMO_DB:-lastmile_demo}
dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
psql -X -q -d "$db" -c "SET client_min_messages = warning; CREATE EXTENSION lastmile CASCADE;"
for step in demo/[0-9][0-9]-*.sql; do
    echo
    echo "################ $(basename "$step" .sql)"
    psql -X -q -v ON_ERROR_STOP=1 -P pager=off -d "$db" -f "$step"
done
echo
echo "The demo database '$db' is left in place: psql -d $db"
