-- test/bench/reference.sql — the allocation of SPEC §3 written in plain SQL,
-- the way a competent PostgreSQL user would write it without lastmile's C:
-- set-based (one GiST-indexed join for the sectors, hash joins for limits,
-- rate bands and quotes, window functions for the scores and the ranking),
-- plus one procedural pass for the only inherently sequential rule, the
-- daily capacity consumed in request_id order.  It is the baseline of
-- `make bench` and the second opinion of test/tap/45_reference_equivalence.sql.
--
--   \i test/bench/reference.sql
--   SELECT lastmile_ref.prepare();             -- cut the covered areas (once, like an index)
--   SELECT * FROM lastmile_ref.allocate_pending();   -- decide and write, like lastmile.allocate_pending()
--   SELECT lastmile_ref.decide();              -- decide only: fills the temp table ref_decision
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

-- The covered areas cut into parts of at most 64 vertices: a GiST probe then
-- tests a point against a few dozen vertices instead of a whole département.
CREATE TABLE lastmile_ref.area_part (area_id bigint NOT NULL, geom geometry NOT NULL);
COMMENT ON TABLE lastmile_ref.area_part IS 'The covered areas cut by ST_Subdivide (built by lastmile_ref.prepare()).';

CREATE FUNCTION lastmile_ref.prepare() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET client_min_messages = warning AS $$
DECLARE
    n bigint;
BEGIN
    TRUNCATE lastmile_ref.area_part;
    DROP INDEX IF EXISTS lastmile_ref.area_part_geom_idx;  -- built after the rows
    INSERT INTO lastmile_ref.area_part (area_id, geom)
    SELECT a.area_id, ST_Subdivide(a.geom, 64)
    FROM lastmile.area a
    WHERE a.area_id IN (SELECT c.area_id FROM lastmile.coverage c);
    GET DIAGNOSTICS n = ROW_COUNT;
    CREATE INDEX area_part_geom_idx ON lastmile_ref.area_part USING gist (geom);
    ANALYZE lastmile_ref.area_part;
    RETURN n;
END
$$;
COMMENT ON FUNCTION lastmile_ref.prepare() IS 'Cuts the covered areas into lastmile_ref.area_part (GiST-indexed); returns the number of parts.';

-- Decides every request in status new, as allocate() on each in request_id
-- order would, into the temp table ref_decision (one row per request:
-- winner, price, scores, zone, co2, ranking and rejected jsonb).  Reasons
-- travel as a bit mask (service 1, weight 2, dimensions 4, developed 8,
-- sector 16, no_rate 32, capacity 64) and become text at the end.
CREATE FUNCTION lastmile_ref.decide() RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT SET jit = off SET work_mem = '256MB' SET enable_hashagg = off
SET client_min_messages = warning SET extra_float_digits = 1 AS $fn$
DECLARE
    rec         record;
    v_used      int[];
    v_cap       int[];
    slot_carrier text[];
    full_ids    text[];
    winner      text;
    wslot       int;
    cl_slot     int[] := '{}';
    cl_after    bigint[] := '{}';
    n           bigint;
BEGIN
    DROP TABLE IF EXISTS ref_car, ref_req, ref_hit, ref_zone, ref_pkg, ref_lim, ref_quote, ref_pw, ref_band, ref_cand,
                         ref_price, ref_ok, ref_slot, ref_closed, ref_rank, ref_reason, ref_decision;

    -- the wave: requests in status new, with their distance and retailer weights
    CREATE TEMP TABLE ref_req AS
    SELECT r.request_id, r.retailer_id, r.service, r.ship_date, r.destination,
           ST_DistanceSphere(o.location, r.destination) / 1000.0 AS km,
           t.w_cost, t.w_quality, t.w_environment
    FROM lastmile.transport_request r
    JOIN lastmile.place o ON o.place_id = r.origin_id
    JOIN lastmile.retailer t ON t.retailer_id = r.retailer_id
    WHERE r.status = 'new';
    ALTER TABLE ref_req ADD PRIMARY KEY (request_id);
    ANALYZE ref_req;

    -- sectors: one GiST-indexed join for the whole wave
    CREATE TEMP TABLE ref_hit AS
    SELECT DISTINCT q.request_id, p.area_id
    FROM ref_req q JOIN lastmile_ref.area_part p ON ST_Covers(p.geom, q.destination);
    ANALYZE ref_hit;

    -- per request and carrier covering it: the zone of the smallest area
    CREATE TEMP TABLE ref_zone AS
    SELECT DISTINCT ON (h.request_id, c.carrier_id) h.request_id, c.carrier_id, c.zone
    FROM ref_hit h
    JOIN lastmile.coverage c ON c.area_id = h.area_id
    JOIN lastmile.area a ON a.area_id = h.area_id
    ORDER BY h.request_id, c.carrier_id, a.size_km2, a.area_id;
    ANALYZE ref_zone;

    -- packages, sides sorted longest first
    CREATE TEMP TABLE ref_pkg AS
    SELECT p.request_id, p.package_id, p.weight_kg,
           lastmile.length(p.dims) AS l, lastmile.width(p.dims) AS w, lastmile.height(p.dims) AS h,
           lastmile.developed(p.dims) AS developed
    FROM lastmile.package p JOIN ref_req q USING (request_id);
    ANALYZE ref_pkg;

    -- a package breaks a limit iff the request's largest value of that measure does
    CREATE TEMP TABLE ref_lim AS
    SELECT request_id, max(weight_kg) AS weight_kg, max(l) AS l, max(w) AS w, max(h) AS h,
           max(developed) AS developed
    FROM ref_pkg GROUP BY request_id;
    ALTER TABLE ref_lim ADD PRIMARY KEY (request_id);
    ANALYZE ref_lim;

    -- live quotes, the most recently written per carrier
    CREATE TEMP TABLE ref_quote AS
    SELECT DISTINCT ON (qu.request_id, qu.carrier_id) qu.request_id, qu.carrier_id, qu.price
    FROM lastmile.quote qu JOIN ref_req q USING (request_id)
    WHERE qu.expires_at IS NULL OR qu.expires_at > now()
    ORDER BY qu.request_id, qu.carrier_id, qu.created_at DESC, qu.quote_id DESC;
    ANALYZE ref_quote;

    -- chargeable weight of each package for each volumetric divisor in use
    -- (key 0: no divisor, actual weight)
    CREATE TEMP TABLE ref_pw AS
    SELECT p.request_id, p.package_id, dv.divkey,
           (CASE WHEN dv.divkey > 0 THEN greatest(p.l * p.w * p.h / dv.divkey, p.weight_kg)
                 ELSE p.weight_kg END)::numeric AS w
    FROM ref_pkg p
    CROSS JOIN (SELECT DISTINCT coalesce(volumetric_divisor, 0) AS divkey FROM lastmile.carrier) dv;
    ANALYZE ref_pw;

    -- each rate grid as arrays sorted by lower bound, searched by width_bucket()
    CREATE TEMP TABLE ref_band AS
    SELECT carrier_id, zone,
           array_agg(lower(weight_kg) ORDER BY lower(weight_kg), lower_inc(weight_kg) DESC) AS lo,
           array_agg(weight_kg ORDER BY lower(weight_kg), lower_inc(weight_kg) DESC) AS band,
           array_agg(price ORDER BY lower(weight_kg), lower_inc(weight_kg) DESC) AS price,
           array_agg(per_kg ORDER BY lower(weight_kg), lower_inc(weight_kg) DESC) AS per_kg
    FROM lastmile.rate GROUP BY carrier_id, zone;
    ANALYZE ref_band;

    -- the active contracts with their carrier's limits, sides unpacked
    CREATE TEMP TABLE ref_car AS
    SELECT k.retailer_id, c.carrier_id, c.services, c.max_weight_kg, lastmile.length(c.max_dims) AS ml,
           lastmile.width(c.max_dims) AS mw, lastmile.height(c.max_dims) AS mh, c.max_developed_cm,
           coalesce(c.volumetric_divisor, 0) AS divkey, c.quality, c.co2_g_per_km, c.fuel_surcharge_pct,
           k.price_factor
    FROM lastmile.contract k JOIN lastmile.carrier c ON c.carrier_id = k.carrier_id
    WHERE k.active;
    ANALYZE ref_car;

    -- every request × carrier with an active contract and the reasons known
    -- without prices (service, weight, dimensions, developed, sector)
    CREATE TEMP TABLE ref_cand AS
    SELECT q.request_id, q.ship_date, c.carrier_id, c.quality, c.co2_g_per_km * q.km AS co2_g,
           c.divkey, c.price_factor, c.fuel_surcharge_pct,
           z.zone, qu.price AS quote_price, lim.request_id IS NULL AS no_package,
           CASE WHEN NOT (q.service = ANY (c.services)) THEN 1 ELSE 0 END
           | CASE WHEN lim.weight_kg > c.max_weight_kg THEN 2 ELSE 0 END
           | CASE WHEN lim.l > c.ml OR lim.w > c.mw OR lim.h > c.mh THEN 4 ELSE 0 END
           | CASE WHEN lim.developed > c.max_developed_cm THEN 8 ELSE 0 END
           | CASE WHEN z.zone IS NULL THEN 16 ELSE 0 END AS mask
    FROM ref_req q
    JOIN ref_car c ON c.retailer_id = q.retailer_id
    LEFT JOIN ref_lim lim ON lim.request_id = q.request_id
    LEFT JOIN ref_zone z ON z.request_id = q.request_id AND z.carrier_id = c.carrier_id
    LEFT JOIN ref_quote qu ON qu.request_id = q.request_id AND qu.carrier_id = c.carrier_id;
    ANALYZE ref_cand;

    -- grid prices where the carrier covers the destination and has no live
    -- quote: each package's chargeable weight in its band, or no_rate
    CREATE TEMP TABLE ref_price AS
    SELECT x.request_id, x.carrier_id,
           CASE WHEN bool_and(x.term IS NOT NULL)
                THEN round(sum(x.term) * min(x.price_factor) * (1 + min(x.fuel_surcharge_pct) / 100), 2) END AS price
    FROM (
        SELECT y.request_id, y.carrier_id, y.price_factor, y.fuel_surcharge_pct,
               y.b_price[y.k] + y.b_per_kg[y.k] * (y.w - y.lo[y.k]) AS term
        FROM (
        SELECT c.request_id, c.carrier_id, c.price_factor, c.fuel_surcharge_pct, c.w, b.lo,
               b.price AS b_price, b.per_kg AS b_per_kg,
               CASE WHEN kb.k0 > 0 AND b.band[kb.k0] @> c.w THEN kb.k0
                    WHEN kb.k0 > 1 AND b.band[kb.k0 - 1] @> c.w THEN kb.k0 - 1 END AS k
        FROM (SELECT c.request_id, c.carrier_id, c.zone, c.price_factor, c.fuel_surcharge_pct, p.w
              FROM ref_cand c
              JOIN ref_pw p ON p.request_id = c.request_id AND p.divkey = c.divkey
              WHERE c.zone IS NOT NULL AND c.quote_price IS NULL) c
        LEFT JOIN ref_band b ON b.carrier_id = c.carrier_id AND b.zone = c.zone
        CROSS JOIN LATERAL (SELECT width_bucket(c.w, b.lo) AS k0) kb
        ) y
        OFFSET 0
    ) x
    GROUP BY x.request_id, x.carrier_id;
    ANALYZE ref_price;

    -- eligible but for capacity, with the price
    CREATE TEMP TABLE ref_ok AS
    SELECT c.request_id, c.ship_date, c.carrier_id, c.quality, c.co2_g, c.zone,
           coalesce(c.quote_price, pr.price, CASE WHEN c.no_package THEN 0.00 END) AS price
    FROM ref_cand c
    LEFT JOIN ref_price pr ON pr.request_id = c.request_id AND pr.carrier_id = c.carrier_id
    WHERE c.mask = 0 AND coalesce(c.quote_price, pr.price, CASE WHEN c.no_package THEN 0.00 END) IS NOT NULL;
    CREATE INDEX ON ref_ok (request_id);
    ANALYZE ref_ok;

    -- daily capacity, consumed in request_id order.  Slots: carrier × ship
    -- date with a capacity, starting from the requests already held.
    CREATE TEMP TABLE ref_slot AS
    SELECT row_number() OVER (ORDER BY c.carrier_id, d.ship_date)::int AS slot,
           c.carrier_id, d.ship_date, c.daily_capacity AS cap, coalesce(h.n, 0)::int AS held
    FROM lastmile.carrier c
    CROSS JOIN (SELECT DISTINCT ship_date FROM ref_req) d
    LEFT JOIN (SELECT r.carrier_id, r.ship_date, count(*) AS n
               FROM lastmile.transport_request r
               WHERE r.carrier_id IS NOT NULL
                 AND r.status IN ('allocated', 'bundled', 'labelled', 'shipped', 'delivered')
               GROUP BY r.carrier_id, r.ship_date) h ON h.carrier_id = c.carrier_id AND h.ship_date = d.ship_date
    WHERE c.daily_capacity IS NOT NULL;
    ALTER TABLE ref_slot ADD PRIMARY KEY (carrier_id, ship_date);

    SELECT coalesce(array_agg(held ORDER BY slot), '{}'), coalesce(array_agg(cap ORDER BY slot), '{}'),
           coalesce(array_agg(carrier_id ORDER BY slot), '{}')
    INTO v_used, v_cap, slot_carrier FROM ref_slot;
    -- slots full before the wave
    SELECT coalesce(array_agg(slot ORDER BY slot), '{}'), coalesce(array_agg(0::bigint ORDER BY slot), '{}')
    INTO cl_slot, cl_after FROM ref_slot WHERE held >= cap;

    -- Only requests with a capacity-limited carrier among their eligible
    -- ones can consume capacity or lose a carrier to it.  Their best carrier
    -- assuming nothing full is computed set-based; the loop re-ranks a
    -- request only when one of its carriers is full.
    FOR rec IN
        WITH e AS (
            SELECT o.*, q.w_cost, q.w_quality, q.w_environment, sl.slot,
                   min(o.price) OVER w AS min_price, min(o.co2_g) OVER w AS min_co2
            FROM ref_ok o
            JOIN ref_req q USING (request_id)
            LEFT JOIN ref_slot sl ON sl.carrier_id = o.carrier_id AND sl.ship_date = o.ship_date
            WHERE o.request_id IN (SELECT o2.request_id FROM ref_ok o2
                                   JOIN ref_slot s2 ON s2.carrier_id = o2.carrier_id AND s2.ship_date = o2.ship_date)
            WINDOW w AS (PARTITION BY o.request_id)
        ), sc AS (
            SELECT e.*, (e.w_cost * CASE WHEN e.price = 0 THEN 1 ELSE e.min_price::float8 / e.price::float8 END
                         + e.w_quality * e.quality
                         + e.w_environment * CASE WHEN e.co2_g = 0 THEN 1 ELSE e.min_co2 / e.co2_g END)
                        / (e.w_cost + e.w_quality + e.w_environment) AS score
            FROM e
        )
        SELECT sc.request_id,
               (array_agg(sc.carrier_id ORDER BY sc.score DESC, sc.price, sc.carrier_id COLLATE "C"))[1] AS best,
               array_agg(sc.slot) FILTER (WHERE sc.slot IS NOT NULL) AS slots
        FROM sc
        GROUP BY sc.request_id
        ORDER BY sc.request_id
    LOOP
        full_ids := NULL;
        FOR i IN 1 .. cardinality(rec.slots) LOOP
            IF v_used[rec.slots[i]] >= v_cap[rec.slots[i]] THEN
                full_ids := coalesce(full_ids, '{}') || slot_carrier[rec.slots[i]];
            END IF;
        END LOOP;
        IF full_ids IS NULL THEN
            winner := rec.best;
        ELSE
            SELECT x.carrier_id INTO winner
            FROM (SELECT o.carrier_id, o.price,
                         (q.w_cost * CASE WHEN o.price = 0 THEN 1
                                          ELSE (min(o.price) OVER ())::float8 / o.price::float8 END
                          + q.w_quality * o.quality
                          + q.w_environment * CASE WHEN o.co2_g = 0 THEN 1
                                                   ELSE (min(o.co2_g) OVER ()) / o.co2_g END)
                         / (q.w_cost + q.w_quality + q.w_environment) AS score
                  FROM ref_ok o JOIN ref_req q USING (request_id)
                  WHERE o.request_id = rec.request_id AND o.carrier_id <> ALL (full_ids)) x
            ORDER BY x.score DESC, x.price, x.carrier_id COLLATE "C"
            LIMIT 1;
        END IF;
        IF winner IS NOT NULL THEN
            wslot := NULL;
            FOR i IN 1 .. cardinality(rec.slots) LOOP
                IF slot_carrier[rec.slots[i]] = winner THEN
                    wslot := rec.slots[i];
                END IF;
            END LOOP;
            IF wslot IS NOT NULL THEN
                v_used[wslot] := v_used[wslot] + 1;
                IF v_used[wslot] = v_cap[wslot] THEN
                    cl_slot := cl_slot || wslot;
                    cl_after := cl_after || rec.request_id;
                END IF;
            END IF;
        END IF;
    END LOOP;

    -- a carrier is full for the requests of its ship date after the one that filled it
    CREATE TEMP TABLE ref_closed AS
    SELECT sl.carrier_id, sl.ship_date, x.after_request_id
    FROM unnest(cl_slot, cl_after) AS x(slot, after_request_id)
    JOIN ref_slot sl USING (slot);
    ANALYZE ref_closed;

    -- the final ranking, set-based, among the carriers not full
    CREATE TEMP TABLE ref_rank AS
    WITH e AS (
        SELECT o.*, q.w_cost, q.w_quality, q.w_environment,
               min(o.price) OVER w AS min_price, min(o.co2_g) OVER w AS min_co2
        FROM ref_ok o
        JOIN ref_req q USING (request_id)
        LEFT JOIN ref_closed cl ON cl.carrier_id = o.carrier_id AND cl.ship_date = o.ship_date
                               AND cl.after_request_id < o.request_id
        WHERE cl.carrier_id IS NULL
        WINDOW w AS (PARTITION BY o.request_id)
    ), sc AS (
        SELECT e.*,
               CASE WHEN e.price = 0 THEN 1 ELSE e.min_price::float8 / e.price::float8 END AS cost_score,
               CASE WHEN e.co2_g = 0 THEN 1 ELSE e.min_co2 / e.co2_g END AS environment_score
        FROM e
    ), sc2 AS (
        SELECT sc.*, (sc.w_cost * sc.cost_score + sc.w_quality * sc.quality
                      + sc.w_environment * sc.environment_score)
                     / (sc.w_cost + sc.w_quality + sc.w_environment) AS score
        FROM sc
    )
    SELECT sc2.request_id, sc2.carrier_id, sc2.price, sc2.co2_g, sc2.zone, sc2.cost_score,
           sc2.quality AS quality_score, sc2.environment_score, sc2.score,
           row_number() OVER (PARTITION BY sc2.request_id
                              ORDER BY sc2.score DESC, sc2.price, sc2.carrier_id COLLATE "C")::int AS rank
    FROM sc2;

    -- reason masks as the JSON arrays of their codes, in the order of SPEC §3
    CREATE TEMP TABLE ref_reason AS
    SELECT m AS mask,
           to_jsonb(ARRAY(SELECT u.code
                          FROM unnest('{service,weight,dimensions,developed,sector,no_rate,capacity}'::text[])
                               WITH ORDINALITY AS u(code, i)
                          WHERE m & (1 << (u.i::int - 1)) <> 0 ORDER BY u.i))::text AS reasons
    FROM generate_series(1, 127) m;

    CREATE TEMP TABLE ref_decision AS
    SELECT q.request_id, w.carrier_id, w.price, w.score, w.cost_score, w.quality_score,
           w.environment_score, w.zone, w.co2_g,
           coalesce(rk.ranking, '[]') AS ranking, coalesce(rj.rejected, '{}') AS rejected
    FROM ref_req q
    LEFT JOIN ref_rank w ON w.request_id = q.request_id AND w.rank = 1
    -- (the JSON is assembled as text and parsed once per request: much
    -- cheaper than jsonb_build_object() per element; the same six keys as
    -- lastmile writes, floats with the shortest digits that read back)
    LEFT JOIN (SELECT e.request_id,
                      ('[' || string_agg(format('{"rank":%s,"carrier_id":%s,"price":%s,"score":%s,"co2_g":%s,"zone":%s}',
                                                e.rank, to_json(e.carrier_id), e.price, e.score, e.co2_g,
                                                coalesce(to_json(e.zone)::text, 'null')),
                                         ',' ORDER BY e.rank) || ']')::jsonb AS ranking
               FROM ref_rank e GROUP BY e.request_id) rk
           ON rk.request_id = q.request_id
    LEFT JOIN (SELECT x.request_id,
                      ('{' || string_agg(to_json(x.carrier_id)::text || ':' || rr.reasons, ',') || '}')::jsonb AS rejected
               FROM (SELECT c.request_id, c.carrier_id,
                            c.mask
                            | CASE WHEN c.mask & 16 = 0 AND c.quote_price IS NULL AND pr.price IS NULL
                                        AND NOT c.no_package THEN 32 ELSE 0 END
                            | CASE WHEN cl.carrier_id IS NOT NULL THEN 64 ELSE 0 END AS mask
                     FROM ref_cand c
                     LEFT JOIN ref_price pr ON pr.request_id = c.request_id AND pr.carrier_id = c.carrier_id
                     LEFT JOIN ref_closed cl ON cl.carrier_id = c.carrier_id AND cl.ship_date = c.ship_date
                                            AND cl.after_request_id < c.request_id) x
               JOIN ref_reason rr ON rr.mask = x.mask
               GROUP BY x.request_id) rj
           ON rj.request_id = q.request_id;
    GET DIAGNOSTICS n = ROW_COUNT;
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

    UPDATE lastmile.package p
    SET tracking = t.body || lpad((98 - (t.digits || '00')::numeric % 97)::text, 2, '0')
    FROM (SELECT p2.package_id, x.prefix || lpad(p2.package_id::text, 12, '0') AS body,
                 (SELECT string_agg((ascii(substr(x.prefix, i, 1)) - 55)::text, '' ORDER BY i)
                  FROM generate_series(1, length(x.prefix)) i) || lpad(p2.package_id::text, 12, '0') AS digits
          FROM ref_decision d
          JOIN lastmile.package p2 ON p2.request_id = d.request_id
          JOIN LATERAL (SELECT rpad(left(upper(regexp_replace(d.carrier_id, '[^A-Za-z]', '', 'g')), 4), 4, 'X')
                               AS prefix) x ON true
          WHERE d.carrier_id IS NOT NULL) t
    WHERE p.package_id = t.package_id;

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
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $fn$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH pk AS (
        SELECT x.n, lastmile.length(x.d) AS l, lastmile.width(x.d) AS w, lastmile.height(x.d) AS h,
               lastmile.developed(x.d) AS developed, x.kg
        FROM unnest(options.dims, options.weights_kg) WITH ORDINALITY AS x(d, kg, n)
    ), lim AS (
        SELECT max(kg) AS kg, max(l) AS l, max(w) AS w, max(h) AS h, max(developed) AS developed FROM pk
    ), z AS (
        SELECT DISTINCT ON (c.carrier_id) c.carrier_id, c.zone
        FROM lastmile_ref.area_part p
        JOIN lastmile.coverage c ON c.area_id = p.area_id
        JOIN lastmile.area a ON a.area_id = p.area_id
        WHERE ST_Covers(p.geom, options.destination)
        ORDER BY c.carrier_id, a.size_km2, a.area_id
    ), cand AS (
        SELECT c.carrier_id, c.quality, c.volumetric_divisor, c.fuel_surcharge_pct, k.price_factor,
               c.co2_g_per_km * (ST_DistanceSphere(options.origin, options.destination) / 1000.0) AS co2_g,
               z.zone, qu.price AS quote_price, rt.retailer_id IS NOT NULL AS ok_retailer,
               rt.w_cost, rt.w_quality, rt.w_environment,
               (NOT (options.service = ANY (c.services))
                OR coalesce(lim.kg > c.max_weight_kg, false)
                OR coalesce(lim.l > lastmile.length(c.max_dims) OR lim.w > lastmile.width(c.max_dims)
                            OR lim.h > lastmile.height(c.max_dims), false)
                OR coalesce(lim.developed > c.max_developed_cm, false)
                OR z.zone IS NULL
                OR coalesce(coalesce((SELECT d.used FROM lastmile.carrier_day d
                                      WHERE d.carrier_id = c.carrier_id AND d.ship_date = options.ship_date), 0)
                            - CASE WHEN c.carrier_id = options.held_carrier THEN 1 ELSE 0 END
                            >= c.daily_capacity, false))
               AS rejected
        FROM lastmile.contract k
        JOIN lastmile.carrier c ON c.carrier_id = k.carrier_id
        JOIN lastmile.retailer rt ON rt.retailer_id = k.retailer_id
        CROSS JOIN lim
        LEFT JOIN z ON z.carrier_id = c.carrier_id
        LEFT JOIN LATERAL (
            SELECT q.price FROM lastmile.quote q
            WHERE q.request_id = options.request_id AND q.carrier_id = c.carrier_id
              AND (q.expires_at IS NULL OR q.expires_at > now())
            ORDER BY q.created_at DESC, q.quote_id DESC LIMIT 1) qu ON true
        WHERE k.retailer_id = options.retailer_id AND k.active
    ), priced AS (
        SELECT c.*, coalesce(c.quote_price, g.price) AS price, coalesce(g.transit_days, 0) AS transit_days
        FROM cand c
        LEFT JOIN LATERAL (
            SELECT CASE WHEN bool_and(b.carrier_id IS NOT NULL) THEN
                       round(coalesce(sum(b.price + b.per_kg * (cw.w - lower(b.weight_kg))), 0)
                             * c.price_factor * (1 + c.fuel_surcharge_pct / 100), 2) END AS price,
                   max(b.transit_days) AS transit_days
            FROM pk
            CROSS JOIN LATERAL (
                SELECT (CASE WHEN c.volumetric_divisor > 0
                             THEN greatest(pk.l * pk.w * pk.h / c.volumetric_divisor, pk.kg)
                             ELSE pk.kg END)::numeric AS w) cw
            LEFT JOIN lastmile.rate b
                   ON b.carrier_id = c.carrier_id AND b.zone = c.zone AND b.weight_kg @> cw.w
        ) g ON c.quote_price IS NULL
        WHERE NOT c.rejected
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
           -- ship date + transit working days (Monday–Friday)
           (SELECT CASE WHEN o.transit_days <= 0 THEN delivery_options.ship_date
                        ELSE (SELECT d::date FROM generate_series(delivery_options.ship_date + 1,
                                                                  delivery_options.ship_date + 3 * o.transit_days + 7,
                                                                  interval '1 day') d
                              WHERE extract(isodow FROM d) < 6
                              ORDER BY d OFFSET o.transit_days - 1 LIMIT 1) END),
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
