#!/usr/bin/env bash
# tools/valgrind-check.sh — run the test suite against a PostgreSQL server
# that runs under valgrind memcheck, and fail when valgrind reports a memory
# error: "Invalid read", "Invalid write", "Invalid free", an overlapping
# memcpy, a use of an "uninitialised" value, or (with --leaks) a
# "definitely lost" block allocated from lastmile code.
#
#   tools/valgrind-check.sh [options] [-- make arguments]
#
#   --name NAME   private installation and cluster /work/pg-NAME, made by
#                 tools/devpg (default: valgrind)
#   --port PORT   port of that cluster (default: 5599)
#   --all         run every suite (bash test/run_all.sh), not only
#                 make installcheck (pg_regress + isolation)
#   --leaks       also check leaks (--leak-check=full): a "definitely lost"
#                 block whose allocation stack passes through lastmile code
#                 fails the run (PostgreSQL's own end-of-process leaks are
#                 ignored)
#   --origins     --track-origins=yes: says where an uninitialised value
#                 came from (about twice as slow)
#   --unit        also run the C unit tests (test/unit/test_*.bin) under
#                 valgrind, outside the server
#   --keep-logs   keep the per-process valgrind logs and the copy of the
#                 tree even when clean
#   --gen-supp    write a ready-made suppression after each report in the
#                 logs (--gen-suppressions=all), to extend tools/valgrind.supp
#
#   examples:
#     tools/valgrind-check.sh                                  # pg_regress suite
#     tools/valgrind-check.sh -- REGRESS="00_setup 10_dims"    # two test files
#     tools/valgrind-check.sh --all --name me-vg --port 5612
#
# What it does: makes (or reuses) the private installation with tools/devpg,
# copies the working tree (so that you can go on editing, and its results/
# are not touched), builds and installs lastmile from the copy, starts that cluster's postgres under
#   valgrind --leak-check=no --error-exitcode=1 --trace-children=yes
#            --suppressions=<PostgreSQL's valgrind.supp, or tools/valgrind.supp>
# (every backend is a fork of the postmaster, so valgrind follows each one
# and writes one log per process), runs the tests, stops the server and
# scans the logs.  Each distinct report is printed once with its stack; the
# frames in lastmile code (lastmile.so, src/core, src/pg) are marked
# "<-- lastmile".  Exit status: 0 clean; 1 valgrind errors; 2 tests failed
# (valgrind clean); 3 the server did not start.
#
# Suppressions: PostgreSQL's own src/tools/valgrind.supp is used when
# VALGRIND_SUPP points at it (or it is found under the PostgreSQL source
# trees listed below); otherwise tools/valgrind.supp, a small file of ours
# for the known harmless reports of an uninstrumented PostgreSQL 15 build.
# Several files may be given, colon-separated, in VALGRIND_SUPP.
#
# Runs as root, like tools/devpg (the server itself runs as user postgres).
# It takes a while: a backend under memcheck is 20-50 times slower.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

name=valgrind
port=5599
suite=installcheck
leaks=no
origins=no
keep_logs=no
unit=no
gen_supp=no
make_args=()
while [ $# -gt 0 ]; do
    case $1 in
    --name) name=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --all) suite=all; shift ;;
    --leaks) leaks=yes; shift ;;
    --origins) origins=yes; shift ;;
    --unit) unit=yes; shift ;;
    --keep-logs) keep_logs=yes; shift ;;
    --gen-supp) gen_supp=yes; keep_logs=yes; shift ;;
    --) shift; make_args=("$@"); break ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "valgrind-check: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

command -v valgrind >/dev/null || { echo "valgrind-check: valgrind is not installed (apt-get install valgrind)" >&2; exit 3; }

# 1. the private installation and cluster (made once by tools/devpg), with
#    its ordinary server stopped: we start it again under valgrind
tools/devpg up "$name" "$port" >/dev/null || exit 3
tools/devpg down "$name" "$port" >/dev/null 2>&1
eval "$(tools/devpg env "$name" "$port")"
root=${DEVPG_BASE:-/work}/pg-$name
bindir=$root/usr/lib/postgresql/15/bin
data=$root/data
sock=$root/sock
logdir=$root/valgrind
echo "== valgrind-check: cluster $name on port $port, logs in $logdir"

# 2. a copy of the working tree: build and install lastmile from it
work=$(mktemp -d /tmp/lastmile-valgrind.XXXXXX)
tar -C "$top" --exclude=./.git --exclude=./results --exclude=./output_iso \
    --exclude='*.o' --exclude='*.bc' --exclude='*.so' --exclude='*.bin' -cf - . |
    tar -C "$work" -xf - || exit 3
cd "$work" || exit 3
if ! { make -s COPT="${COPT:-}" >/dev/null && make -s install >/dev/null; }; then
    echo "valgrind-check: build or install failed (in $work)" >&2
    exit 3
fi

# 3. suppressions
supp=()
if [ -n "${VALGRIND_SUPP:-}" ]; then
    IFS=: read -r -a files <<<"$VALGRIND_SUPP"
    for f in "${files[@]}"; do supp+=("--suppressions=$f"); done
else
    for f in /usr/src/postgresql*/src/tools/valgrind.supp \
             /usr/local/src/postgresql*/src/tools/valgrind.supp; do
        [ -f "$f" ] && { supp+=("--suppressions=$f"); break; }
    done
    supp+=("--suppressions=$top/tools/valgrind.supp")
fi

# 4. start postgres under valgrind
rm -rf "$logdir"
mkdir -p "$logdir"
chown postgres: "$logdir"
vg=(valgrind --quiet --leak-check=no --error-exitcode=1 --trace-children=yes
    --num-callers=40 --read-inline-info=yes --fullpath-after= "${supp[@]}"
    "--log-file=$logdir/vg.%p.log")
[ "$leaks" = yes ] && vg+=(--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite)
[ "$origins" = yes ] && vg+=(--track-origins=yes)
[ "$gen_supp" = yes ] && vg+=(--gen-suppressions=all)
pgopts=(-D "$data" -p "$port" -k "$sock" -c listen_addresses=''
        -c jit=off -c max_connections=40 -c shared_buffers=64MB
        -c max_worker_processes=4 -c max_parallel_workers_per_gather=0
        -c autovacuum=off -c log_min_messages=warning)
runuser -u postgres -- "${vg[@]}" "$bindir/postgres" "${pgopts[@]}" \
    >"$logdir/server.log" 2>&1 &
server_pid=$!

stop_server() {
    if kill -0 "$server_pid" 2>/dev/null; then
        runuser -u postgres -- "$bindir/pg_ctl" -D "$data" -m fast -w -t 600 stop >/dev/null 2>&1 ||
            kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
}
trap stop_server EXIT INT TERM

for _ in $(seq 1 300); do
    pg_isready -q -h "$sock" -p "$port" && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 1
done
if ! pg_isready -q -h "$sock" -p "$port"; then
    echo "valgrind-check: the server did not start under valgrind:" >&2
    tail -20 "$logdir/server.log" >&2
    exit 3
fi

# 5. the tests
started=$(date +%s)
if [ "$suite" = all ]; then
    bash test/run_all.sh >"$logdir/tests.log" 2>&1
else
    make -s installcheck "${make_args[@]}" >"$logdir/tests.log" 2>&1
fi
tests_rc=$?
elapsed=$(( $(date +%s) - started ))
grep -E '\.\.\. (ok|FAILED|failed)|passed, .* failed|^not ok' "$logdir/tests.log" | tail -60
echo "== tests finished in ${elapsed}s (exit status $tests_rc)"

# 6. stop the server so that every process has written its log
stop_server
trap - EXIT INT TERM

# 6b. the C unit tests of src/core under valgrind, outside the server
if [ "$unit" = yes ] && compgen -G "test/unit/test_*.c" >/dev/null; then
    bins=$(ls test/unit/test_*.c | sed 's/\.c$/.bin/')
    # shellcheck disable=SC2086
    make -s $bins >/dev/null 2>&1
    for t in test/unit/test_*.bin; do
        b=$(basename "$t" .bin)
        valgrind --quiet --error-exitcode=1 --num-callers=40 --fullpath-after= \
            "--log-file=$logdir/vg.$b.log" "$t" >"$logdir/$b.tap" 2>&1
        rc=$?
        nok=$(grep -c '^not ok' "$logdir/$b.tap")
        echo "    $b under valgrind: exit status $rc ($(grep -c '^ok' "$logdir/$b.tap") ok, $nok not ok)"
        # a failed test (often a time budget, 20-50 times slower here) is a
        # test failure; memory errors are counted from the logs below
        if [ "$nok" -gt 0 ]; then
            grep '^not ok' "$logdir/$b.tap" | sed 's/^/      /'
            tests_rc=2
        fi
    done
fi

# 7. scan the logs: one block per distinct report, counted over processes
report=$logdir/report.txt
awk -v leaks="$leaks" '
    function flush() {
        if (kind != "" && keep) {
            key = kind SUBSEP stack
            if (!(key in count)) { order[++n] = key; text[key] = body; ours[key] = mine; at[key] = where }
            count[key]++
        }
        kind = ""; stack = ""; body = ""; keep = 0; mine = 0; where = ""
    }
    {
        sub(/^==[0-9]+== ?/, "")
    }
    /^$/ { flush(); next }
    kind == "" && /^(Invalid (read|write|free)|Mismatched free|Source and destination overlap|Conditional jump or move depends on uninitialised|Use of uninitialised|Syscall param .* uninitialised|.* bytes in .* blocks are definitely lost)/ {
        kind = $0
        keep = 1
        if (kind ~ /definitely lost/) keep = (leaks == "yes")
        body = "  " $0 "\n"
        next
    }
    kind != "" {
        line = $0
        if (line ~ /lastmile\.so|\/src\/(core|pg)\/|\(src\/(core|pg)\//) {
            if (!mine) { where = line; sub(/^ *(at|by) 0x[0-9A-Fa-f]+: /, "", where) }
            mine = 1; line = line "   <-- lastmile"
        }
        if (line ~ /^ *(at|by) 0x/) { k = line; sub(/0x[0-9A-Fa-f]+: /, "", k); stack = stack "|" k }
        body = body "  " line "\n"
    }
    END {
        flush()
        bad = 0
        for (i = 1; i <= n; i++) {
            key = order[i]
            # leaks count only when lastmile code is on the allocation stack
            if (text[key] ~ /definitely lost/ && !ours[key]) continue
            bad++
            printf "---- %s(%d process%s)\n%s", (ours[key] ? "[lastmile: " at[key] "] " : ""), count[key],
                (count[key] == 1 ? "" : "es"), text[key]
        }
        printf "== %d distinct valgrind report%s\n", bad, (bad == 1 ? "" : "s")
        exit(bad > 0)
    }
' "$logdir"/vg.*.log >"$report"
vg_rc=$?
cat "$report"

if [ $vg_rc -ne 0 ]; then
    echo "valgrind-check: FAILED: valgrind reported memory errors (logs: $logdir)"
    exit 1
fi
if [ $tests_rc -ne 0 ]; then
    echo "valgrind-check: valgrind clean, but the tests failed (see $logdir/tests.log)"
    exit 2
fi
[ "$keep_logs" = yes ] || { rm -f "$logdir"/vg.*.log; rm -rf "$work"; }
echo "valgrind-check: OK (no memory errors)"
exit 0
