-- test/bench/reference.sql — the allocation of SPEC §3 written in plain SQL,
-- the way a competent PostgreSQL user would write it without lastmile's C.
-- It is the baseline of `make bench` and the second opinion of
-- test/tap/45_reference_equivalence.sql, so it is written for speed as much
-- as plain SQL and PL/pgSQL allow, with the same results to the cent:
--
-- The wave (decide()) is set-based over temp tables:
--   - carriers, retailers and pricing grids get small integer keys first, so
--     that the wave joins, sorts and groups on integers, never on text;
--   - sectors: one GiST join, each covered area probing an index built on
--     the wave's destinations, so that PostGIS tests many points in a row
--     against one polygon (which it prepares once); ST_Covers on the whole
--     area, as the rule says;
--   - the zone of each carrier, its limits and its contract are looked up
--     once per (retailer, set of covering areas), not per request;
--   - rate bands by equality instead of range containment: the bounds of
--     all bands cut the weights into buckets, one width_bucket() per
--     package and divisor, then a hash join on (grid, bucket);
--   - window functions for the scores and the ranking;
--   - one PL/pgSQL pass for the only sequential rule, the daily capacity
--     consumed in request_id order, over the requests that can take a slot
--     able to fill up, re-ranking a request only when a full slot took a
--     carrier that decides its ranking; the final ranking is recomputed
--     only for the requests that lost a carrier;
--   - the same writes as lastmile.allocate_pending(), in three statements.
-- Single calls (options(), ranking(), delivery_options()) are one cached
-- generic plan each: a GiST probe into the covered areas cut by
-- ST_Subdivide, rate bands by primary key (both tables built by prepare()
-- from the catalog, like indexes), the ETA by arithmetic.
--
--   \i test/bench/reference.sql
--   SELECT lastmile_ref.prepare();             -- area parts and rate bands (once, like indexes)
--   SELECT * FROM lastmile_ref.allocate_pending();   -- decide and write, like lastmile.allocate_pending()
--   SELECT lastmile_ref.decide();              -- decide only: fills the temp table ref_decision
--   SET lastmile_ref.trace = on;               -- then decide() reports the time of each step
--
-- Everything lives in schema lastmile_ref; nothing here is part of the
-- extension.

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS lastmile_ref CASCADE;
CREATE SCHEMA lastmile_ref;
COMMENT ON SCHEMA lastmile_ref IS 'Pure-SQL reference implementation of lastmile allocation (test/bench/reference.sql), the baseline of make bench.';

DO $$ BEGIN
    PERFORM set_config('search_path',
        'lastmile_ref, lastmile, ' || (SELECT quote_ident(extnamespace::regnamespace::text)
                                        FROM pg_extension WHERE extname = 'postgis'), false);
END $$;

-- Built once from the catalog by prepare(), like indexes (single calls
-- only; the wave works from the catalog itself):
-- the covered areas cut into parts of at most 64 vertices, so that a GiST
-- probe tests a point against a few dozen vertices instead of a whole
-- département, with the area's size beside them;
CREATE TABLE lastmile_ref.area_part (area_id bigint NOT NULL, size_km2 float8, geom geometry NOT NULL);
COMMENT ON TABLE lastmile_ref.area_part IS 'The covered areas cut by ST_Subdivide (built by lastmile_ref.prepare()).';
-- the rate bands by weight bucket (see decide(): every bound of every band,
-- sorted, in band_bounds; bucket 2i is bound i itself, 2i+1 the weights
-- between bounds i and i+1), found by primary key instead of a range test.
CREATE TABLE lastmile_ref.band_bounds (bounds numeric[]);
COMMENT ON TABLE lastmile_ref.band_bounds IS 'Every bound of every rate band, sorted (built by lastmile_ref.prepare()).';
CREATE TABLE lastmile_ref.band (
    carrier_id text, zone text, g int, price numeric, per_kg numeric, lo numeric, transit_days int,
    PRIMARY KEY (carrier_id, zone, g));
COMMENT ON TABLE lastmile_ref.band IS 'The rate band of each carrier, zone and weight bucket (built by lastmile_ref.prepare()).';

CREATE FUNCTION lastmile_ref.prepare() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET client_min_messages = warning AS $$
DECLARE
    n bigint;
    bounds numeric[];
BEGIN
    TRUNCATE lastmile_ref.area_part, lastmile_ref.band_bounds, lastmile_ref.band;
    DROP INDEX IF EXISTS lastmile_ref.area_part_geom_idx;  -- built after the rows
    INSERT INTO lastmile_ref.area_part (area_id, size_km2, geom)
    SELECT a.area_id, a.size_km2, ST_Subdivide(a.geom, 64)
    FROM lastmile.area a
    WHERE a.area_id IN (SELECT c.area_id FROM lastmile.coverage c);
    GET DIAGNOSTICS n = ROW_COUNT;
    CREATE INDEX area_part_geom_idx ON lastmile_ref.area_part USING gist (geom);
    SELECT array_agg(b ORDER BY b) INTO bounds
    FROM (SELECT lower(r.weight_kg) FROM lastmile.rate r UNION SELECT upper(r.weight_kg) FROM lastmile.rate r) x(b)
    WHERE b IS NOT NULL;
    INSERT INTO lastmile_ref.band_bounds VALUES (bounds);
    INSERT INTO lastmile_ref.band
    SELECT r.carrier_id, r.zone, k.g, r.price, r.per_kg, lower(r.weight_kg), r.transit_days
    FROM lastmile.rate r
    CROSS JOIN LATERAL (
        SELECT k.g, CASE WHEN k.g % 2 = 0 THEN bounds[k.g / 2]
                         WHEN k.g = 1 THEN bounds[1] - 1
                         WHEN k.g / 2 = cardinality(bounds) THEN bounds[k.g / 2] + 1
                         ELSE (bounds[k.g / 2] + bounds[k.g / 2 + 1]) / 2 END AS x
        FROM generate_series(1, 2 * coalesce(cardinality(bounds), 0) + 1) k(g)) k
    WHERE r.weight_kg @> k.x;
    ANALYZE lastmile_ref.area_part, lastmile_ref.band_bounds, lastmile_ref.band;
    RETURN n;
END
$$;
COMMENT ON FUNCTION lastmile_ref.prepare() IS
    'Builds lastmile_ref.area_part (the covered areas cut, GiST-indexed) and the rate bands by weight bucket from the catalog; returns the number of area parts.';

-- Decides every request in status new, as allocate() on each in request_id
-- order would, into the temp table ref_decision (one row per request:
-- winner, price, scores, zone, co2, ranking and rejected jsonb).  Reasons
-- travel as a bit mask (service 1, weight 2, dimensions 4, developed 8,
-- sector 16, no_rate 32, capacity 64) and become text at the end.
-- Carriers, retailers and pricing grids get small integer keys first, so
-- that every join, sort and grouping of the wave is on integers (carriers
-- are numbered in carrier_id byte order, the last tie rule of the ranking).
-- SET lastmile_ref.trace = on prints the time of each step (WARNING).
CREATE FUNCTION lastmile_ref.decide() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET jit = off SET work_mem = '512MB'
SET enable_nestloop = off SET client_min_messages = warning SET extra_float_digits = 1 AS $fn$
DECLARE
    bounds      numeric[];
    rec         record;
    used        int[];
    cap         int[];
    closed      int[];
    cl_after    bigint[];
    wslot       int;
    n           bigint;
    reranked    int := 0;
    trace       bool := coalesce(current_setting('lastmile_ref.trace', true), '') = 'on';
    t0          timestamptz := clock_timestamp();
BEGIN
    DROP TABLE IF EXISTS ref_car, ref_ret, ref_con, ref_grid, ref_bb, ref_req, ref_hit, ref_rsect, ref_sect, ref_sc,
                         ref_rq, ref_pkg, ref_pw, ref_quote, ref_cand, ref_slot, ref_rank0, ref_closed, ref_gone, ref_rank,
                         ref_reason, ref_decision;

    -- the catalog with integer keys
    CREATE TEMP TABLE ref_car AS
    SELECT (row_number() OVER (ORDER BY c.carrier_id COLLATE "C"))::int AS cno, c.carrier_id, c.services,
           c.max_weight_kg, lastmile.length(c.max_dims) AS ml, lastmile.width(c.max_dims) AS mw,
           lastmile.height(c.max_dims) AS mh, c.max_developed_cm, coalesce(c.volumetric_divisor, 0) AS divkey,
           c.quality, c.co2_g_per_km, c.fuel_surcharge_pct, c.daily_capacity
    FROM lastmile.carrier c;
    CREATE TEMP TABLE ref_ret AS
    SELECT (row_number() OVER (ORDER BY t.retailer_id))::int AS rno, t.retailer_id,
           t.w_cost, t.w_quality, t.w_environment
    FROM lastmile.retailer t;
    CREATE TEMP TABLE ref_con AS
    SELECT t.rno, c.cno, k.price_factor
    FROM lastmile.contract k JOIN ref_car c USING (carrier_id) JOIN ref_ret t USING (retailer_id)
    WHERE k.active;
    -- a pricing grid per carrier and zone
    CREATE TEMP TABLE ref_grid AS
    SELECT (row_number() OVER ())::int AS gid, g.cno, g.zone
    FROM (SELECT DISTINCT c.cno, v.zone FROM lastmile.coverage v JOIN ref_car c USING (carrier_id)) g;
    -- Rate bands found by equality instead of range containment: every
    -- bound of every band, sorted, cuts the weights into buckets (each bound
    -- alone, and the open intervals between them); a band contains either
    -- all or none of a bucket's weights, so (grid, bucket) → band is a
    -- small table, and a chargeable weight needs one width_bucket().
    SELECT array_agg(b ORDER BY b) INTO bounds
    FROM (SELECT lower(r.weight_kg) FROM lastmile.rate r UNION SELECT upper(r.weight_kg) FROM lastmile.rate r) x(b)
    WHERE b IS NOT NULL;
    CREATE TEMP TABLE ref_bb AS
    SELECT g.gid, k.g, r.price, r.per_kg, lower(r.weight_kg) AS lo
    FROM lastmile.rate r
    JOIN ref_car c ON c.carrier_id = r.carrier_id
    JOIN ref_grid g ON g.cno = c.cno AND g.zone = r.zone
    CROSS JOIN LATERAL (
        SELECT k.g, CASE WHEN k.g % 2 = 0 THEN bounds[k.g / 2]
                         WHEN k.g = 1 THEN bounds[1] - 1
                         WHEN k.g / 2 = cardinality(bounds) THEN bounds[k.g / 2] + 1
                         ELSE (bounds[k.g / 2] + bounds[k.g / 2 + 1]) / 2 END AS x
        FROM generate_series(1, 2 * coalesce(cardinality(bounds), 0) + 1) k(g)) k
    WHERE r.weight_kg @> k.x;
    ANALYZE ref_car, ref_ret, ref_con, ref_grid, ref_bb;
    IF trace THEN RAISE WARNING 'catalog % ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000); t0 := clock_timestamp(); END IF;

    -- the wave: requests in status new with their distance
    CREATE TEMP TABLE ref_req AS
    SELECT r.request_id, t.rno, r.service, r.ship_date, r.destination,
           ST_DistanceSphere(o.location, r.destination) / 1000.0 AS km
    FROM lastmile.transport_request r
    JOIN lastmile.place o ON o.place_id = r.origin_id
    JOIN ref_ret t ON t.retailer_id = r.retailer_id
    WHERE r.status = 'new';
    CREATE INDEX ON ref_req USING gist (destination);
    ANALYZE ref_req (request_id, rno);
    IF trace THEN RAISE WARNING 'wave % ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000); t0 := clock_timestamp(); END IF;

    -- Sectors: one GiST-indexed join for the whole wave, each covered area
    -- probing the index of the destinations (so PostGIS tests many points
    -- in a row against the same polygon, which it prepares once), ST_Covers
    -- on the whole area as the rule says (a point on a border is inside).
    CREATE TEMP TABLE ref_hit AS
    SELECT q.request_id, a.area_id
    FROM lastmile.area a
    CROSS JOIN LATERAL (SELECT q.request_id FROM ref_req q WHERE ST_Covers(a.geom, q.destination)) q
    WHERE a.area_id IN (SELECT v.area_id FROM lastmile.coverage v);
    -- the set of areas around each destination ("sector"), numbered: the
    -- zone of each carrier is decided once per sector, not per request
    CREATE TEMP TABLE ref_rsect AS
    SELECT h.request_id, array_agg(h.area_id) AS areas
    FROM (SELECT * FROM ref_hit ORDER BY request_id, area_id) h
    GROUP BY h.request_id;
    CREATE TEMP TABLE ref_sect AS
    SELECT (row_number() OVER ())::int AS sect, s.areas FROM (SELECT DISTINCT areas FROM ref_rsect) s;
    -- per retailer and sector, each carrier under an active contract with
    -- what a request needs of it: the zone of the smallest area it covers
    -- there (NULL: sector), its limits and its price factors
    CREATE TEMP TABLE ref_sc AS
    SELECT k.rno, s.sect, c.cno, z.zone, z.gid, c.services, c.max_weight_kg, c.ml, c.mw, c.mh,
           c.max_developed_cm, c.divkey, k.price_factor, c.fuel_surcharge_pct
    FROM (SELECT 0 AS sect, NULL::bigint[] AS areas UNION ALL SELECT * FROM ref_sect) s
    CROSS JOIN ref_con k
    JOIN ref_car c ON c.cno = k.cno
    LEFT JOIN (SELECT DISTINCT ON (s.sect, c.cno) s.sect, c.cno, v.zone, g.gid
               FROM ref_sect s
               CROSS JOIN LATERAL unnest(s.areas) u(area_id)
               JOIN lastmile.coverage v ON v.area_id = u.area_id
               JOIN lastmile.area a ON a.area_id = u.area_id
               JOIN ref_car c ON c.carrier_id = v.carrier_id
               JOIN ref_grid g ON g.cno = c.cno AND g.zone = v.zone
               ORDER BY s.sect, c.cno, a.size_km2, a.area_id) z ON z.sect = s.sect AND z.cno = k.cno;
    ANALYZE ref_sc;
    IF trace THEN RAISE WARNING 'sectors % ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000); t0 := clock_timestamp(); END IF;

    -- each package's sides, longest first; per request the largest value of
    -- each measure (a package breaks a limit iff the largest value does)
    -- and, for each volumetric divisor in use, each package's chargeable
    -- weight and its bucket (divisor 0: the actual weight)
    CREATE TEMP TABLE ref_pkg AS
    SELECT p.request_id, p.package_id, p.weight_kg,
           lastmile.length(p.dims) AS l, lastmile.width(p.dims) AS w, lastmile.height(p.dims) AS h,
           lastmile.developed(p.dims) AS developed
    FROM lastmile.package p JOIN ref_req q USING (request_id);
    CREATE TEMP TABLE ref_rq AS
    SELECT q.request_id, q.rno, q.service, q.ship_date, q.km, t.w_cost, t.w_quality, t.w_environment,
           coalesce(s.sect, 0) AS sect, coalesce(m.npk, 0) AS npk, m.weight_kg, m.l, m.w, m.h, m.developed
    FROM ref_req q
    JOIN ref_ret t USING (rno)
    LEFT JOIN (SELECT request_id, count(*) AS npk, max(weight_kg) AS weight_kg, max(l) AS l, max(w) AS w,
                      max(h) AS h, max(developed) AS developed
               FROM ref_pkg GROUP BY request_id) m USING (request_id)
    LEFT JOIN ref_rsect r USING (request_id)
    LEFT JOIN ref_sect s ON s.areas = r.areas;
    ANALYZE ref_rq (request_id, rno, sect);
    -- (OFFSET 0 keeps each subquery a step of its own: pulled up, its
    -- expressions would be evaluated again at every reference)
    CREATE TEMP TABLE ref_pw AS
    SELECT x.request_id, x.divkey, x.w,
           CASE WHEN x.i > 0 AND x.w = bounds[x.i] THEN 2 * x.i ELSE 2 * x.i + 1 END AS g
    FROM (SELECT y.request_id, y.divkey, y.w, coalesce(width_bucket(y.w, bounds), 0) AS i
          FROM (SELECT p.request_id, dv.divkey,
                       (CASE WHEN dv.divkey > 0 THEN greatest(p.l * p.w * p.h / dv.divkey, p.weight_kg)
                             ELSE p.weight_kg END)::numeric AS w
                FROM ref_pkg p
                CROSS JOIN (SELECT DISTINCT divkey FROM ref_car) dv
                OFFSET 0) y
          OFFSET 0) x;
    ANALYZE ref_pw (request_id, divkey, g);

    -- live quotes, the most recently written per carrier
    CREATE TEMP TABLE ref_quote AS
    SELECT DISTINCT ON (qu.request_id, c.cno) qu.request_id, c.cno, qu.price
    FROM lastmile.quote qu JOIN ref_req q USING (request_id) JOIN ref_car c USING (carrier_id)
    WHERE qu.expires_at IS NULL OR qu.expires_at > now()
    ORDER BY qu.request_id, c.cno, qu.created_at DESC, qu.quote_id DESC;
    ANALYZE ref_quote;
    IF trace THEN RAISE WARNING 'packages % ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000); t0 := clock_timestamp(); END IF;

    -- every request × carrier with an active contract: the reasons (all
    -- but capacity) and the price (a live quote, else the grid's, 0 for
    -- a request without packages)
    CREATE TEMP TABLE ref_cand AS
    WITH pair AS MATERIALIZED (
        SELECT q.request_id, q.ship_date, c.cno, c.gid, c.divkey, qu.price AS quote_price, q.npk,
               c.price_factor, c.fuel_surcharge_pct,
               CASE WHEN NOT (q.service = ANY (c.services)) THEN 1 ELSE 0 END
               | CASE WHEN q.weight_kg > c.max_weight_kg THEN 2 ELSE 0 END
               | CASE WHEN q.l > c.ml OR q.w > c.mw OR q.h > c.mh THEN 4 ELSE 0 END
               | CASE WHEN q.developed > c.max_developed_cm THEN 8 ELSE 0 END
               | CASE WHEN c.zone IS NULL THEN 16 ELSE 0 END AS mask
        FROM ref_rq q
        JOIN ref_sc c ON c.rno = q.rno AND c.sect = q.sect
        LEFT JOIN ref_quote qu ON qu.request_id = q.request_id AND qu.cno = c.cno
    )
    SELECT p.request_id, p.ship_date, p.cno, p.gid, p.mask,
           coalesce(p.quote_price, CASE WHEN p.npk = 0 THEN 0.00 END) AS price
    FROM pair p
    WHERE p.gid IS NULL OR p.quote_price IS NOT NULL OR p.npk = 0
    UNION ALL
    -- the grid price: each package's chargeable weight in its band, or
    -- no_rate; one package needs no grouping
    SELECT p.request_id, p.ship_date, p.cno, p.gid, p.mask | CASE WHEN b.gid IS NULL THEN 32 ELSE 0 END,
           round((b.price + b.per_kg * (w.w - b.lo)) * p.price_factor * (1 + p.fuel_surcharge_pct / 100), 2)
    FROM pair p
    JOIN ref_pw w ON w.request_id = p.request_id AND w.divkey = p.divkey
    LEFT JOIN ref_bb b ON b.gid = p.gid AND b.g = w.g
    WHERE p.gid IS NOT NULL AND p.quote_price IS NULL AND p.npk = 1
    UNION ALL
    SELECT p.request_id, min(p.ship_date), p.cno, min(p.gid),
           min(p.mask) | CASE WHEN count(b.gid) = count(*) THEN 0 ELSE 32 END,
           CASE WHEN count(b.gid) = count(*)
                THEN round(sum(b.price + b.per_kg * (w.w - b.lo)) * min(p.price_factor)
                           * (1 + min(p.fuel_surcharge_pct) / 100), 2) END
    FROM pair p
    JOIN ref_pw w ON w.request_id = p.request_id AND w.divkey = p.divkey
    LEFT JOIN ref_bb b ON b.gid = p.gid AND b.g = w.g
    WHERE p.gid IS NOT NULL AND p.quote_price IS NULL AND p.npk > 1
    GROUP BY p.request_id, p.cno;
    IF trace THEN RAISE WARNING 'candidates % ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000); t0 := clock_timestamp(); END IF;

    -- daily capacity: slots are carrier × ship date with a capacity,
    -- starting from the requests already held.  A slot can only fill up if
    -- the requests already held plus every request of the wave that could
    -- take it reach the capacity; the others never refuse anyone and are
    -- left out.
    CREATE TEMP TABLE ref_slot AS
    SELECT (row_number() OVER (ORDER BY c.cno, w.ship_date))::int AS slot,
           c.cno, w.ship_date, c.daily_capacity AS cap, coalesce(h.n, 0)::int AS held
    FROM ref_car c
    CROSS JOIN (SELECT DISTINCT q.ship_date FROM ref_rq q) w
    LEFT JOIN (SELECT o.cno, o.ship_date, count(*) AS n FROM ref_cand o WHERE o.mask = 0 GROUP BY 1, 2) d
         ON d.cno = c.cno AND d.ship_date = w.ship_date
    LEFT JOIN (SELECT r.carrier_id, r.ship_date, count(*) AS n
               FROM lastmile.transport_request r
               WHERE r.carrier_id IS NOT NULL
                 AND r.status IN ('allocated', 'bundled', 'labelled', 'shipped', 'delivered')
               GROUP BY r.carrier_id, r.ship_date) h ON h.carrier_id = c.carrier_id AND h.ship_date = w.ship_date
    WHERE c.daily_capacity IS NOT NULL AND coalesce(h.n, 0) + coalesce(d.n, 0) >= c.daily_capacity;
    SELECT coalesce(array_agg(s.held ORDER BY s.slot), '{}'), coalesce(array_agg(s.cap ORDER BY s.slot), '{}'),
           coalesce(array_agg(s.slot ORDER BY s.slot) FILTER (WHERE s.held >= s.cap), '{}')
    INTO used, cap, closed
    FROM ref_slot s;
    cl_after := array_fill(0::bigint, ARRAY[cardinality(closed)]);
    ANALYZE ref_slot;

    -- the eligible carriers (but for capacity) ranked, nothing full yet
    -- (each price cast to float8 once: min(price)::float8 = min(price::float8);
    -- OFFSET 0 keeps the cast from being evaluated again at every reference)
    CREATE TEMP TABLE ref_rank0 AS
    SELECT sc.*,
           row_number() OVER (PARTITION BY sc.request_id ORDER BY sc.score DESC, sc.price, sc.cno)::int AS rank
    FROM (SELECT m.*, (m.w_cost * m.cost_score + m.w_quality * m.quality + m.w_environment * m.environment_score)
                      / (m.w_cost + m.w_quality + m.w_environment) AS score
          FROM (SELECT m.*,
                       CASE WHEN m.price = 0 THEN 1 ELSE m.min_pf / m.pf END AS cost_score,
                       CASE WHEN m.co2_g = 0 THEN 1 ELSE m.min_co2 / m.co2_g END AS environment_score
                FROM (SELECT e.*, min(e.pf) OVER w AS min_pf, min(e.co2_g) OVER w AS min_co2
                      FROM (SELECT o.request_id, o.ship_date, o.cno, o.gid, o.price, o.price::float8 AS pf, c.quality,
                                   c.co2_g_per_km * q.km AS co2_g, q.w_cost, q.w_quality, q.w_environment, s.slot
                            FROM ref_cand o
                            JOIN ref_rq q USING (request_id)
                            JOIN ref_car c ON c.cno = o.cno
                            LEFT JOIN ref_slot s ON s.cno = o.cno AND s.ship_date = o.ship_date
                            WHERE o.mask = 0
                            OFFSET 0) e
                      WINDOW w AS (PARTITION BY e.request_id)) m) m) sc;
    CREATE INDEX ON ref_rank0 (request_id);
    IF trace THEN RAISE WARNING 'ranking % ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000); t0 := clock_timestamp(); END IF;

    -- Capacity consumed in request_id order: only requests that could take
    -- a slot able to fill up are visited.  A request takes its first-ranked
    -- carrier unless a full slot took away a carrier that decides its
    -- ranking: the first-ranked one, or one with the lowest price or CO2
    -- (whose loss changes the others' scores); then it is ranked again
    -- among the carriers left.  Losing any other carrier changes nothing.
    FOR rec IN
        SELECT o.request_id,
               array_agg(o.slot) FILTER (WHERE o.rank = 1 OR o.pf = o.min_pf OR o.co2_g = o.min_co2) AS slots,
               min(o.slot) FILTER (WHERE o.rank = 1) AS best_slot
        FROM ref_rank0 o
        WHERE o.slot IS NOT NULL AND (o.rank = 1 OR o.pf = o.min_pf OR o.co2_g = o.min_co2)
        GROUP BY o.request_id
        ORDER BY o.request_id
    LOOP
        IF rec.slots && closed THEN
            reranked := reranked + 1;
            SELECT x.slot INTO wslot
            FROM (SELECT o.cno, o.price, o.slot,
                         (o.w_cost * CASE WHEN o.price = 0 THEN 1
                                          ELSE (min(o.price) OVER ())::float8 / o.price::float8 END
                          + o.w_quality * o.quality
                          + o.w_environment * CASE WHEN o.co2_g = 0 THEN 1
                                                   ELSE (min(o.co2_g) OVER ()) / o.co2_g END)
                         / (o.w_cost + o.w_quality + o.w_environment) AS score
                  FROM ref_rank0 o
                  WHERE o.request_id = rec.request_id AND (o.slot IS NULL OR NOT (o.slot = ANY (closed)))) x
            ORDER BY x.score DESC, x.price, x.cno
            LIMIT 1;
        ELSE
            wslot := rec.best_slot;
        END IF;
        IF wslot IS NOT NULL THEN
            used[wslot] := used[wslot] + 1;
            IF used[wslot] >= cap[wslot] THEN
                closed := closed || wslot;
                cl_after := cl_after || rec.request_id;
            END IF;
        END IF;
    END LOOP;
    IF trace THEN RAISE WARNING 'capacity % ms (% slots full, % requests ranked again)', round(extract(epoch FROM clock_timestamp() - t0) * 1000), cardinality(closed), reranked; t0 := clock_timestamp(); END IF;

    -- a carrier is full for the requests of its ship date after the one that filled it
    CREATE TEMP TABLE ref_closed AS
    SELECT s.cno, s.ship_date, x.after_request_id
    FROM unnest(closed, cl_after) AS x(slot, after_request_id)
    JOIN ref_slot s USING (slot);
    ANALYZE ref_closed;
    -- the eligible carriers that capacity took away
    CREATE TEMP TABLE ref_gone AS
    SELECT o.request_id, o.cno
    FROM ref_rank0 o JOIN ref_closed cl ON cl.cno = o.cno AND cl.ship_date = o.ship_date
                                        AND cl.after_request_id < o.request_id;
    ANALYZE ref_gone;

    -- the final ranking: as before for the requests capacity left alone,
    -- ranked again among the carriers left for the others
    CREATE TEMP TABLE ref_rank AS
    SELECT o.request_id, o.cno, o.gid, o.price, o.co2_g, o.cost_score, o.quality AS quality_score,
           o.environment_score, o.score, o.rank
    FROM ref_rank0 o
    WHERE o.request_id NOT IN (SELECT g.request_id FROM ref_gone g)
    UNION ALL
    SELECT sc2.request_id, sc2.cno, sc2.gid, sc2.price, sc2.co2_g, sc2.cost_score, sc2.quality,
           sc2.environment_score, sc2.score,
           row_number() OVER (PARTITION BY sc2.request_id ORDER BY sc2.score DESC, sc2.price, sc2.cno)::int
    FROM (SELECT sc.*, (sc.w_cost * sc.cost_score + sc.w_quality * sc.quality
                        + sc.w_environment * sc.environment_score)
                       / (sc.w_cost + sc.w_quality + sc.w_environment) AS score
          FROM (SELECT m.*,
                       CASE WHEN m.price = 0 THEN 1 ELSE m.min_price::float8 / m.price::float8 END AS cost_score,
                       CASE WHEN m.co2_g = 0 THEN 1 ELSE m.min_co2 / m.co2_g END AS environment_score
                FROM (SELECT o.request_id, o.cno, o.gid, o.price, o.quality, o.co2_g, o.w_cost, o.w_quality,
                             o.w_environment, min(o.price) OVER w AS min_price, min(o.co2_g) OVER w AS min_co2
                      FROM ref_rank0 o
                      WHERE o.request_id IN (SELECT g.request_id FROM ref_gone g)
                        AND (o.request_id, o.cno) NOT IN (SELECT g.request_id, g.cno FROM ref_gone g)
                      WINDOW w AS (PARTITION BY o.request_id)) m) sc) sc2;
    IF trace THEN RAISE WARNING 'final ranking % ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000); t0 := clock_timestamp(); END IF;

    -- reason masks as the JSON arrays of their codes, in the order of SPEC §3
    CREATE TEMP TABLE ref_reason AS
    SELECT m AS mask,
           to_jsonb(ARRAY(SELECT u.code
                          FROM unnest('{service,weight,dimensions,developed,sector,no_rate,capacity}'::text[])
                               WITH ORDINALITY AS u(code, i)
                          WHERE m & (1 << (u.i::int - 1)) <> 0 ORDER BY u.i))::text AS reasons
    FROM generate_series(1, 127) m;
    ANALYZE ref_reason;

    CREATE TEMP TABLE ref_decision AS
    SELECT q.request_id, wc.carrier_id, w.price, w.score, w.cost_score, w.quality_score,
           w.environment_score, wg.zone, w.co2_g,
           coalesce(rk.ranking, '[]') AS ranking, coalesce(rj.rejected, '{}') AS rejected
    FROM ref_rq q
    LEFT JOIN ref_rank w ON w.request_id = q.request_id AND w.rank = 1
    LEFT JOIN ref_car wc ON wc.cno = w.cno
    LEFT JOIN ref_grid wg ON wg.gid = w.gid
    -- (the JSON is assembled as text and parsed once per request: much
    -- cheaper than jsonb_build_object() per element; the same six keys as
    -- lastmile writes, floats with the shortest digits that read back)
    LEFT JOIN (SELECT e.request_id,
                      ('[' || string_agg(format('{"rank":%s,"carrier_id":%s,"price":%s,"score":%s,"co2_g":%s,"zone":%s}',
                                                e.rank, to_json(e.carrier_id), e.price, e.score, e.co2_g,
                                                coalesce(to_json(e.zone)::text, 'null')),
                                         ',' ORDER BY e.rank) || ']')::jsonb AS ranking
               FROM (SELECT r.*, c.carrier_id, g.zone FROM ref_rank r JOIN ref_car c USING (cno)
                     LEFT JOIN ref_grid g USING (gid)) e
               GROUP BY e.request_id) rk
           ON rk.request_id = q.request_id
    LEFT JOIN (SELECT x.request_id,
                      ('{' || string_agg(to_json(x.carrier_id)::text || ':' || rr.reasons, ',') || '}')::jsonb AS rejected
               FROM (SELECT o.request_id, c.carrier_id,
                            o.mask | CASE WHEN cl.cno IS NOT NULL THEN 64 ELSE 0 END AS mask
                     FROM ref_cand o
                     JOIN ref_car c USING (cno)
                     LEFT JOIN ref_closed cl ON cl.cno = o.cno AND cl.ship_date = o.ship_date
                                            AND cl.after_request_id < o.request_id) x
               JOIN ref_reason rr ON rr.mask = x.mask
               GROUP BY x.request_id) rj
           ON rj.request_id = q.request_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF trace THEN RAISE WARNING 'decisions % ms', round(extract(epoch FROM clock_timestamp() - t0) * 1000); END IF;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION lastmile_ref.decide() IS
    'Decides every request in status new as allocate() in request_id order would, into the temp table ref_decision; returns the number of requests.';

-- Decides and writes the same rows as lastmile.allocate_pending(): the
-- allocation log, the requests' status, carrier and price, and a tracking
-- number per package of an allocated request (carrier letters, 12 digits,
-- ISO 7064 MOD 97-10 check digits, as lastmile does).
CREATE FUNCTION lastmile_ref.allocate_pending()
RETURNS TABLE (request_id bigint, carrier_id text, price numeric, score float8)
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET jit = off AS $fn$
#variable_conflict use_column
BEGIN
    PERFORM lastmile_ref.decide();

    INSERT INTO lastmile.allocation (request_id, carrier_id, price, score, cost_score, quality_score,
                                     environment_score, ranking, rejected, zone, co2_g)
    SELECT d.request_id, d.carrier_id, d.price, d.score, d.cost_score, d.quality_score,
           d.environment_score, d.ranking, d.rejected, d.zone, d.co2_g
    FROM ref_decision d ORDER BY d.request_id;

    -- (lastmile's statement triggers keep lastmile.carrier_day, the
    -- requests held per carrier and day, in step with this update)
    UPDATE lastmile.transport_request r
    SET status = CASE WHEN d.carrier_id IS NULL THEN 'unallocatable' ELSE 'allocated' END::lastmile.request_status,
        carrier_id = d.carrier_id, price = d.price
    FROM ref_decision d WHERE r.request_id = d.request_id;

    -- (the check digits of the carrier letters are worked out once per carrier)
    UPDATE lastmile.package p
    SET tracking = x.prefix || lpad(p.package_id::text, 12, '0')
                   || lpad((98 - (x.digits || lpad(p.package_id::text, 12, '0') || '00')::numeric % 97)::text, 2, '0')
    FROM ref_decision d
    JOIN (SELECT c.carrier_id, c.prefix,
                 (SELECT string_agg((ascii(substr(c.prefix, i, 1)) - 55)::text, '' ORDER BY i)
                  FROM generate_series(1, length(c.prefix)) i) AS digits
          FROM (SELECT c.carrier_id,
                       rpad(left(upper(regexp_replace(c.carrier_id, '[^A-Za-z]', '', 'g')), 4), 4, 'X') AS prefix
                FROM lastmile.carrier c) c) x ON x.carrier_id = d.carrier_id
    WHERE p.request_id = d.request_id;

    RETURN QUERY SELECT d.request_id, d.carrier_id, d.price, d.score FROM ref_decision d ORDER BY d.request_id;
END
$fn$;
COMMENT ON FUNCTION lastmile_ref.allocate_pending() IS
    'Pure-SQL counterpart of lastmile.allocate_pending() (every new request): decides with lastmile_ref.decide() and writes the allocation rows, the requests and the tracking numbers.';

-- One request or one cart: the ranked eligible carriers, as lastmile.ranking()
-- and lastmile.delivery_options() return them, in one SQL statement
-- (GiST probe for the sectors, rate bands by range containment, the day's
-- held capacity from lastmile.carrier_day, which lastmile keeps by trigger).
-- request_id (may be NULL for a cart) selects the quotes and is not counted
-- against its own carrier's capacity.
CREATE FUNCTION lastmile_ref.options(
    retailer_id text, destination geometry, origin geometry, dims lastmile.dims[],
    weights_kg float8[], service lastmile.service, ship_date date, request_id bigint,
    held_carrier text DEFAULT NULL)
RETURNS TABLE (rank int, carrier_id text, price numeric, co2_g float8, cost_score float8,
               quality_score float8, environment_score float8, score float8, transit_days int)
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT SET plan_cache_mode = force_generic_plan AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH pk AS (
        SELECT lastmile.length(x.d) AS l, lastmile.width(x.d) AS w, lastmile.height(x.d) AS h,
               lastmile.developed(x.d) AS developed, x.kg
        FROM unnest(options.dims, options.weights_kg) AS x(d, kg)
    ), lim AS (
        SELECT max(kg) AS kg, max(l) AS l, max(w) AS w, max(h) AS h, max(developed) AS developed FROM pk
    ), z AS (
        SELECT DISTINCT ON (c.carrier_id) c.carrier_id, c.zone
        FROM lastmile_ref.area_part p
        JOIN lastmile.coverage c ON c.area_id = p.area_id
        WHERE ST_Covers(p.geom, options.destination)
        ORDER BY c.carrier_id, p.size_km2, p.area_id
    ), cand AS (
        -- the carriers that pass every rule but no_rate
        SELECT c.carrier_id, c.quality, coalesce(c.volumetric_divisor, 0) AS divkey, c.fuel_surcharge_pct,
               k.price_factor, c.co2_g_per_km * (ST_DistanceSphere(options.origin, options.destination) / 1000.0) AS co2_g,
               z.zone, qu.price AS quote_price, rt.w_cost, rt.w_quality, rt.w_environment
        FROM lastmile.contract k
        JOIN lastmile.carrier c ON c.carrier_id = k.carrier_id
        JOIN lastmile.retailer rt ON rt.retailer_id = k.retailer_id
        JOIN z ON z.carrier_id = c.carrier_id
        CROSS JOIN lim
        LEFT JOIN lastmile.carrier_day d ON d.ship_date = options.ship_date AND d.carrier_id = c.carrier_id
        LEFT JOIN LATERAL (
            SELECT q.price FROM lastmile.quote q
            WHERE q.request_id = options.request_id AND q.carrier_id = c.carrier_id
              AND (q.expires_at IS NULL OR q.expires_at > now())
            ORDER BY q.created_at DESC, q.quote_id DESC LIMIT 1) qu ON true
        WHERE k.retailer_id = options.retailer_id AND k.active
          AND options.service = ANY (c.services)
          AND NOT coalesce(lim.kg > c.max_weight_kg, false)
          AND NOT coalesce(lim.l > lastmile.length(c.max_dims) OR lim.w > lastmile.width(c.max_dims)
                           OR lim.h > lastmile.height(c.max_dims), false)
          AND NOT coalesce(lim.developed > c.max_developed_cm, false)
          AND NOT coalesce(coalesce(d.used, 0) - CASE WHEN c.carrier_id = options.held_carrier THEN 1 ELSE 0 END
                           >= c.daily_capacity, false)
    ), g AS (
        -- grid prices: each package's chargeable weight, its bucket, its band
        SELECT x.carrier_id, CASE WHEN bool_and(b.g IS NOT NULL) THEN sum(b.price + b.per_kg * (x.w - b.lo)) END AS total,
               max(b.transit_days) AS transit_days
        FROM (SELECT y.carrier_id, y.zone, y.w, coalesce(width_bucket(y.w, y.bounds), 0) AS i, y.bounds
              FROM (SELECT c.carrier_id, c.zone, bb.bounds,
                           (CASE WHEN c.divkey > 0 THEN greatest(pk.l * pk.w * pk.h / c.divkey, pk.kg)
                                 ELSE pk.kg END)::numeric AS w
                    FROM cand c
                    CROSS JOIN pk
                    CROSS JOIN lastmile_ref.band_bounds bb
                    WHERE c.quote_price IS NULL
                    OFFSET 0) y
              OFFSET 0) x
        LEFT JOIN LATERAL (
            SELECT b.g, b.price, b.per_kg, b.lo, b.transit_days FROM lastmile_ref.band b
            WHERE b.carrier_id = x.carrier_id AND b.zone = x.zone
              AND b.g = CASE WHEN x.i > 0 AND x.w = x.bounds[x.i] THEN 2 * x.i ELSE 2 * x.i + 1 END
            LIMIT 1) b ON true
        GROUP BY x.carrier_id
    ), priced AS (
        SELECT c.*, coalesce(c.quote_price, round(g.total * c.price_factor * (1 + c.fuel_surcharge_pct / 100), 2)) AS price,
               coalesce(g.transit_days, 0) AS transit_days
        FROM cand c LEFT JOIN g ON g.carrier_id = c.carrier_id AND c.quote_price IS NULL
    ), e AS (
        SELECT p.*, min(p.price) OVER () AS min_price, min(p.co2_g) OVER () AS min_co2
        FROM priced p WHERE p.price IS NOT NULL
    ), sc AS (
        SELECT e.*,
               CASE WHEN e.price = 0 THEN 1 ELSE e.min_price::float8 / e.price::float8 END AS cs,
               CASE WHEN e.co2_g = 0 THEN 1 ELSE e.min_co2 / e.co2_g END AS es
        FROM e
    ), sc2 AS (
        SELECT sc.*, (sc.w_cost * sc.cs + sc.w_quality * sc.quality + sc.w_environment * sc.es)
                     / (sc.w_cost + sc.w_quality + sc.w_environment) AS sco
        FROM sc
    )
    SELECT (row_number() OVER (ORDER BY sc2.sco DESC, sc2.price, sc2.carrier_id COLLATE "C"))::int,
           sc2.carrier_id, sc2.price, sc2.co2_g, sc2.cs, sc2.quality, sc2.es, sc2.sco, sc2.transit_days
    FROM sc2
    ORDER BY 1;
END
$fn$;
COMMENT ON FUNCTION lastmile_ref.options(text, geometry, geometry, lastmile.dims[], float8[], lastmile.service, date, bigint, text) IS
    'The ranked eligible carriers of one request or cart, in one SQL statement (the rules of SPEC §3).';

CREATE FUNCTION lastmile_ref.ranking(request_id bigint)
RETURNS TABLE (rank int, carrier_id text, price numeric, co2_g float8, cost_score float8,
               quality_score float8, environment_score float8, score float8)
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT o.rank, o.carrier_id, o.price, o.co2_g, o.cost_score, o.quality_score, o.environment_score, o.score
    FROM lastmile.transport_request r
    JOIN lastmile.place pl ON pl.place_id = r.origin_id
    CROSS JOIN LATERAL (
        SELECT array_agg(p.dims ORDER BY p.package_id) AS dims, array_agg(p.weight_kg ORDER BY p.package_id) AS kg
        FROM lastmile.package p WHERE p.request_id = r.request_id) pk
    CROSS JOIN LATERAL lastmile_ref.options(
        r.retailer_id, r.destination, pl.location, coalesce(pk.dims, '{}'), coalesce(pk.kg, '{}'),
        r.service, r.ship_date, r.request_id,
        CASE WHEN r.status IN ('allocated', 'bundled', 'labelled', 'shipped', 'delivered') THEN r.carrier_id END) o
    WHERE r.request_id = ranking.request_id;
END
$fn$;
COMMENT ON FUNCTION lastmile_ref.ranking(bigint) IS 'Pure-SQL counterpart of lastmile.ranking().';

CREATE FUNCTION lastmile_ref.delivery_options(
    retailer_id text, destination geometry, dims lastmile.dims[], weights_kg float8[],
    service lastmile.service DEFAULT 'delivery', ship_date date DEFAULT current_date,
    origin_id bigint DEFAULT NULL)
RETURNS TABLE (rank int, carrier_id text, price numeric, eta date, co2_g float8, score float8)
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT o.rank, o.carrier_id, o.price,
           -- ship date + transit working days (Monday–Friday): from a
           -- weekend day count from the Friday before; five working days
           -- make a week
           CASE WHEN o.transit_days <= 0 THEN delivery_options.ship_date
                ELSE delivery_options.ship_date
                     - greatest(extract(isodow FROM delivery_options.ship_date)::int - 5, 0)
                     + o.transit_days
                     + 2 * ((least(extract(isodow FROM delivery_options.ship_date)::int, 5) - 1 + o.transit_days) / 5)
           END,
           o.co2_g, o.score
    FROM (SELECT pl.location FROM lastmile.place pl
          WHERE (delivery_options.origin_id IS NOT NULL AND pl.place_id = delivery_options.origin_id)
             OR (delivery_options.origin_id IS NULL AND pl.retailer_id = delivery_options.retailer_id)
          ORDER BY ST_DistanceSphere(pl.location, delivery_options.destination), pl.place_id
          LIMIT 1) org
    CROSS JOIN LATERAL lastmile_ref.options(
        delivery_options.retailer_id, delivery_options.destination, org.location,
        delivery_options.dims, delivery_options.weights_kg, delivery_options.service,
        delivery_options.ship_date, NULL) o;
END
$fn$;
COMMENT ON FUNCTION lastmile_ref.delivery_options(text, geometry, lastmile.dims[], float8[], lastmile.service, date, bigint) IS
    'Pure-SQL counterpart of lastmile.delivery_options().';

RESET search_path;
RESET client_min_messages;
