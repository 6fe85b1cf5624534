#!/usr/bin/env bash
# Quality and speed of the bundling solver core on CVRPLIB A and Solomon
# C1/R1 (and a generated 2,000-stop instance), standalone (no server).
#   bash test/bench/run_vrp_core.sh [-t ms] [-s seed] [-i iterations] [cvrp|solomon|gen|all]
# Single-threaded; prints per instance our distance, the best-known routes
# evaluated in the same metric, the gap, vehicles and time; then mean gaps.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${VRP_DATA:-/work/shared/data/vrp}
opts=()
what=all
while [ $# -gt 0 ]; do
    case $1 in
        -t|-s|-i) opts+=("$1" "$2"); shift 2 ;;
        *) what=$1; shift ;;
    esac
done
bin=$(mktemp -d)/vrp_bench
${CC:-cc} -std=gnu99 -O2 -g -Wall -Wextra -Wno-unused-parameter ${BENCH_CFLAGS:-} \
    -Isrc/core -o "$bin" test/bench/vrp_bench.c src/core/route/*.c -lm
case $what in
    cvrp)    "$bin" "${opts[@]}" "$data"/cvrp/*.vrp ;;
    solomon) "$bin" "${opts[@]}" "$data"/vrptw/*.txt ;;
    gen)     "$bin" "${opts[@]:--t}" ${opts[@]:+} -g 2000 ;;
    all)     "$bin" "${opts[@]}" "$data"/cvrp/*.vrp "$data"/vrptw/*.txt -g 2000 ;;
esac
