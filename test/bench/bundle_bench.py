#!/usr/bin/env python3
"""Bundling benchmark: loads the CVRPLIB A set and Solomon C1/R1 instances
into lastmile tables (as /work/shared/data/README.md says: 1 unit = 1 km,
centred near lon/lat 0, demand = kg), runs lastmile.bundle() on each, and
evaluates every result in the instance's own Euclidean metric from the
original x, y, by seq.  Prints per instance our distance, the best-known
routes' distance in the same metric, the gap, vehicles and run time; the
mean gap per set; and the time of a generated 2,000-stop instance.

Talks to the server through psql (PG* variables); needs no Python package.
Usage: bundle_bench.py DATA_DIR [--ms N] [--big-ms N] [--only REGEX]
"""
import argparse
import glob
import math
import os
import random
import re
import subprocess
import sys

KM_PER_DEG = 111.195            # README: (x - cx) / 111.195 degrees
SHIP_DATE = "2030-01-07"
DEPART = "2030-01-07 00:00:00+00"


def psql(sql, db):
    """Runs sql in db, returns rows as lists of strings (unaligned, |)."""
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1",
                        "-d", db],
                       input=sql, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit("psql failed")
    return [line.split("|") for line in p.stdout.splitlines() if line != ""]


def read_cvrp(path):
    txt = open(path).read()
    cap = int(re.search(r"CAPACITY\s*:\s*(\d+)", txt).group(1))
    coords, demand = {}, {}
    sec = None
    depot = 1
    for line in txt.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] in ("NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION"):
            sec = f[0]
            continue
        if f[0] == "EOF":
            break
        if not re.match(r"^-?\d+$", f[0]):
            sec = None
            continue
        if sec == "NODE_COORD_SECTION":
            coords[int(f[0])] = (float(f[1]), float(f[2]))
        elif sec == "DEMAND_SECTION":
            demand[int(f[0])] = float(f[1])
        elif sec == "DEPOT_SECTION" and int(f[0]) > 0:
            depot = int(f[0])
    # customers: every node but the depot; .sol numbers customers 1..n-1 as
    # node number - 1 (depot = node 1 = 0)
    nodes = {}
    for i, (x, y) in coords.items():
        nodes[i - 1] = dict(x=x, y=y, demand=demand.get(i, 0.0), ready=None, due=None, service=0.0)
    return dict(kind="cvrp", capacity=cap, depot=depot - 1, nodes=nodes,
                speed=30.0, stop_minutes=0.0)


def read_solomon(path):
    lines = open(path).read().splitlines()
    cap = None
    nodes = {}
    for i, line in enumerate(lines):
        if line.strip().startswith("NUMBER"):
            cap = float(lines[i + 1].split()[1])
        f = line.split()
        if len(f) == 7 and all(re.match(r"^-?\d+(\.\d+)?$", v) for v in f):
            c = int(f[0])
            nodes[c] = dict(x=float(f[1]), y=float(f[2]), demand=float(f[3]),
                            ready=float(f[4]), due=float(f[5]), service=float(f[6]))
    services = {n["service"] for c, n in nodes.items() if c != 0}
    return dict(kind="vrptw", capacity=cap, depot=0, nodes=nodes,
                speed=60.0, stop_minutes=max(services) if services else 0.0)


def read_sol(path):
    routes, cost = [], None
    for line in open(path):
        m = re.match(r"\s*Route\s*#\d+\s*:(.*)", line)
        if m:
            routes.append([int(v) for v in m.group(1).split()])
        m = re.match(r"\s*Cost\s+([\d.]+)", line)
        if m:
            cost = float(m.group(1))
    return routes, cost


def euclid(a, b):
    return math.hypot(a["x"] - b["x"], a["y"] - b["y"])


def routes_km(inst, routes):
    n = inst["nodes"]
    d = n[inst["depot"]]
    total = 0.0
    for r in routes:
        prev = d
        for c in r:
            total += euclid(prev, n[c])
            prev = n[c]
        total += euclid(prev, d)
    return total


def window_lateness(inst, routes):
    """Max minutes after due (Euclidean times, 1 unit per minute) and how many
    stops are late by more than 0.01 min."""
    n = inst["nodes"]
    d = n[inst["depot"]]
    worst, late = 0.0, 0
    for r in routes:
        t, prev = 0.0, d
        for c in r:
            t += euclid(prev, n[c])
            if n[c]["ready"] is not None:
                t = max(t, n[c]["ready"])
                over = t - n[c]["due"]
                worst = max(worst, over)
                if over > 0.01:
                    late += 1
            t += n[c]["service"]
            prev = n[c]
    return worst, late


def sql_instance(idx, inst, name):
    """INSERTs for one instance: its origin place and one request per
    customer, with one package of demand kg."""
    n = inst["nodes"]
    xs = [v["x"] for v in n.values()]
    ys = [v["y"] for v in n.values()]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    origin = 800000 + idx
    d = n[inst["depot"]]
    out = ["INSERT INTO lastmile.place (place_id, retailer_id, kind, name, location) VALUES "
           "(%d, 'bench', 'hub', '%s', ST_SetSRID(ST_MakePoint(%.12f, %.12f), 4326));"
           % (origin, name, (d["x"] - cx) / KM_PER_DEG, (d["y"] - cy) / KM_PER_DEG)]
    req, pkg = [], []
    for c, v in sorted(n.items()):
        if c == inst["depot"]:
            continue
        rid = origin * 10000 + c
        tw = "NULL"
        if v["ready"] is not None:
            tw = ("tstzrange(timestamptz '%s' + make_interval(secs => %r), "
                  "timestamptz '%s' + make_interval(secs => %r), '[]')"
                  % (DEPART, v["ready"] * 60, DEPART, v["due"] * 60))
        req.append("(%d, 'bench', %d, ST_SetSRID(ST_MakePoint(%.12f, %.12f), 4326), '%s', %s)"
                   % (rid, origin, (v["x"] - cx) / KM_PER_DEG, (v["y"] - cy) / KM_PER_DEG,
                      SHIP_DATE, tw))
        if v["demand"] > 0:
            pkg.append("(%d, '10x10x10', %r)" % (rid, v["demand"]))
    out.append("INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, "
               "destination, ship_date, time_window) VALUES\n" + ",\n".join(req) + ";")
    if pkg:
        out.append("INSERT INTO lastmile.package (request_id, dims, weight_kg) VALUES\n"
                   + ",\n".join(pkg) + ";")
    return origin, "\n".join(out)


def run_bundle(db, origin, inst, ms):
    """Runs bundle() in its own transaction; returns (ms, routes as customer
    lists by seq, late stops as seen by the database)."""
    sql = """
SET lastmile.bundle_time_limit_ms = %d;
SET client_min_messages = warning;
-- warm the session (libraries loaded, plans prepared): an empty day
SELECT count(*) FROM lastmile.bundle(%d, '2000-01-01', 1);
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
CREATE TEMP TABLE res AS SELECT * FROM lastmile.bundle(%d, '%s', %r, speed_kmh => %r,
    stop_minutes => %r, depart_at => '%s');
SELECT 'T', extract(epoch FROM clock_timestamp() - t) * 1000 FROM t0;
SELECT 'R', b.bundle_id, string_agg((s.request_id %% 10000)::text, ' ' ORDER BY s.seq)
FROM res b JOIN lastmile.bundle_stop s USING (bundle_id) GROUP BY b.bundle_id ORDER BY 2;
SELECT 'L', coalesce(sum(stops_outside_window), 0) FROM lastmile.bundle_summary
WHERE bundle_id IN (SELECT bundle_id FROM res);
""" % (ms, origin, origin, SHIP_DATE, float(inst["capacity"]), inst["speed"], inst["stop_minutes"], DEPART)
    rows = [r for r in psql(sql, db) if len(r) > 1]
    t = float([r for r in rows if r[0] == "T"][0][1])
    routes = [[int(v) for v in r[2].split()] for r in rows if r[0] == "R"]
    late_db = int([r for r in rows if r[0] == "L"][0][1])
    return t, routes, late_db


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--db", default=os.environ.get("BENCH_DB", "lastmile_bench_bundle"))
    ap.add_argument("--ms", type=int, default=900, help="lastmile.bundle_time_limit_ms per instance")
    ap.add_argument("--big-ms", type=int, default=8000, help="budget of the 2,000-stop instance")
    ap.add_argument("--big-n", type=int, default=2000)
    ap.add_argument("--only", default=None, help="regex on instance names")
    a = ap.parse_args()

    psql("INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('bench', 'benchmark') "
         "ON CONFLICT DO NOTHING;", a.db)

    sets = [("CVRPLIB A", sorted(glob.glob(os.path.join(a.data, "cvrp", "A-*.vrp"))), read_cvrp),
            ("Solomon C1", sorted(glob.glob(os.path.join(a.data, "vrptw", "C1*.txt"))), read_solomon),
            ("Solomon R1", sorted(glob.glob(os.path.join(a.data, "vrptw", "R1*.txt"))), read_solomon)]
    idx = 0
    summary = []
    print("budget: lastmile.bundle_time_limit_ms = %d" % a.ms)
    for set_name, files, reader in sets:
        gaps, times, lates = [], [], 0
        print()
        print("== %s" % set_name)
        print("%-12s %6s %10s %10s %8s %9s %10s %s" % ("instance", "stops", "ours", "best", "gap %",
                                                       "vehicles", "time ms", "late"))
        for f in files:
            name = os.path.splitext(os.path.basename(f))[0]
            if a.only and not re.search(a.only, name):
                continue
            inst = reader(f)
            sol = os.path.splitext(f)[0] + ".sol"
            bks_routes, _ = read_sol(sol) if os.path.exists(sol) else ([], None)
            idx += 1
            origin, sql = sql_instance(idx, inst, name)
            psql(sql, a.db)
            t, routes, late_db = run_bundle(a.db, origin, inst, a.ms)
            served = sum(len(r) for r in routes)
            ours = routes_km(inst, routes)
            best = routes_km(inst, bks_routes) if bks_routes else float("nan")
            gap = (ours - best) / best * 100 if bks_routes else float("nan")
            late = ""
            if inst["kind"] == "vrptw":
                worst, nlate = window_lateness(inst, routes)
                lates += nlate + late_db
                late = "db %d, euclid %d (max %.3f min)" % (late_db, nlate, max(worst, 0.0))
            if served != len(inst["nodes"]) - 1:
                late += " UNSERVED %d" % (len(inst["nodes"]) - 1 - served)
            gaps.append(gap)
            times.append(t)
            print("%-12s %6d %10.2f %10.2f %8.2f %4d/%-4d %10.0f %s"
                  % (name, len(inst["nodes"]) - 1, ours, best, gap, len(routes), len(bks_routes), t, late))
        if gaps:
            mg = sum(gaps) / len(gaps)
            print("%-12s %6s %10s %10s %8.2f %9s %10.0f %s" % ("mean", "", "", "", mg, "",
                                                                sum(times) / len(times),
                                                                ("late stops %d" % lates) if set_name.startswith("Sol") else ""))
            summary.append((set_name, len(gaps), mg, max(gaps), sum(times) / len(times), max(times), lates))

    # a generated 2,000-stop instance: uniform in a 100 km square, 1-20 kg,
    # capacity 200 kg, no windows, 5 min per stop
    rnd = random.Random(20260601)
    n = a.big_n
    nodes = {0: dict(x=50.0, y=50.0, demand=0.0, ready=None, due=None, service=0.0)}
    for c in range(1, n + 1):
        nodes[c] = dict(x=rnd.uniform(0, 100), y=rnd.uniform(0, 100), demand=float(rnd.randint(1, 20)),
                        ready=None, due=None, service=5.0)
    inst = dict(kind="cvrp", capacity=200, depot=0, nodes=nodes, speed=30.0, stop_minutes=5.0)
    idx += 1
    origin, sql = sql_instance(idx, inst, "generated-%d" % n)
    psql(sql, a.db)
    t, routes, _ = run_bundle(a.db, origin, inst, a.big_ms)
    ours = routes_km(inst, routes)
    lb = sum(2 * euclid(nodes[0], nodes[c]) * nodes[c]["demand"] for c in nodes if c) / 200
    print()
    print("== generated instance: %d stops, capacity 200 kg, budget %d ms" % (n, a.big_ms))
    print("time %.0f ms, %d vehicles, %.1f km (radial lower bound %.1f km), %d stops served"
          % (t, len(routes), ours, lb, sum(len(r) for r in routes)))
    print()
    print("== summary")
    for s in summary:
        print("%-12s %2d instances: mean gap %.2f %%, worst %.2f %%, mean time %.0f ms, worst %.0f ms%s"
              % (s[0], s[1], s[2], s[3], s[4], s[5], (", late stops %d" % s[6]) if s[0].startswith("Sol") else ""))
    print("generated %d stops: %.0f ms" % (n, t))


if __name__ == "__main__":
    main()
