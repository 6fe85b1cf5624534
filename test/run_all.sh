#!/usr/bin/env bash
# Runs every test suite of lastmile against the server the PG* variables
# point at (lastmile must be installed there: make install), and ends with
# one line "N passed, N failed" that sums them all.
#
#   1. pg_regress + isolation tests   (make installcheck: test/sql, test/specs)
#   2. pgTAP suites                    (pg_prove: test/tap/*.sql)
#   3. C unit tests of src/core        (prove: test/unit/test_*.c)
#   4. shell tests                     (prove: test/shell/*.sh, TAP output)
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
passed=0
failed=0

# Counts "ok N" / "not ok N" lines of verbose TAP output; a suite that exits
# non-zero without any "not ok" (bad plan, crash) counts one failure.
count_tap() {
    local log=$1 rc=$2 p f
    p=$(grep -cE '^[[:space:]]*ok [0-9]+' "$log")
    f=$(grep -cE '^[[:space:]]*not ok [0-9]+' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    echo "    $p passed, $f failed"
}

echo "== pg_regress and isolation tests (make installcheck)"
make -s installcheck >"$out/regress.log" 2>&1
rc=$?
cat "$out/regress.log"
p=$(grep -cE '\.\.\. ok' "$out/regress.log")
f=$(grep -cE '\.\.\. FAILED|\.\.\. failed' "$out/regress.log")
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
[ -f regression.diffs ] && [ "$f" -gt 0 ] && head -200 regression.diffs
[ -f output_iso/regression.diffs ] && head -200 output_iso/regression.diffs
passed=$((passed + p)); failed=$((failed + f))
echo "    $p passed, $f failed"

echo "== pgTAP suites (pg_prove)"
if compgen -G "test/tap/*.sql" >/dev/null; then
    db=lastmile_tap
    dropdb --if-exists "$db" >/dev/null 2>&1
    createdb "$db" &&
    psql -q -X -v ON_ERROR_STOP=1 -d "$db" \
        -c "CREATE EXTENSION lastmile CASCADE; CREATE EXTENSION pgtap;" >/dev/null
    pg_prove --verbose -d "$db" test/tap/*.sql >"$out/tap.log" 2>&1
    rc=$?
    grep -vE '^[[:space:]]*ok [0-9]+' "$out/tap.log"
    count_tap "$out/tap.log" $rc
    dropdb --if-exists "$db" >/dev/null 2>&1
fi

echo "== C unit tests of src/core"
if compgen -G "test/unit/test_*.c" >/dev/null; then
    make -s unitcheck PROVE_FLAGS=-v >/dev/null 2>"$out/unit-build.log"
    prove -v -e '' test/unit/test_*.bin >"$out/unit.log" 2>&1
    rc=$?
    cat "$out/unit-build.log"
    grep -vE '^[[:space:]]*ok [0-9]+' "$out/unit.log"
    count_tap "$out/unit.log" $rc
fi

echo "== shell tests"
if compgen -G "test/shell/*.sh" >/dev/null; then
    prove -v -e bash test/shell/*.sh >"$out/shell.log" 2>&1
    rc=$?
    grep -vE '^[[:space:]]*ok [0-9]+' "$out/shell.log"
    count_tap "$out/shell.log" $rc
fi

rm -rf "$out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
