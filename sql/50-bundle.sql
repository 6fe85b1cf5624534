------------------------------------------------------------------------
-- Bundling and resources (SPEC §4 bundle, assign_resources): the tour span
-- of a bundle, the user's distance matrix, the functions, a summary view
-- and an SVG map.  See docs/bundling.md.
------------------------------------------------------------------------

ALTER TABLE lastmile.bundle
    ADD COLUMN depart_at   timestamptz,
    ADD COLUMN return_at   timestamptz,
    ADD COLUMN assigned_at timestamptz;
COMMENT ON COLUMN lastmile.bundle.depart_at IS
    'When the vehicle leaves the origin (bundle()''s depart_at); start of the tour span that assign_resources() reserves.';
COMMENT ON COLUMN lastmile.bundle.return_at IS
    'When the vehicle is back at the origin; end of the tour span that assign_resources() reserves.';
COMMENT ON COLUMN lastmile.bundle.assigned_at IS
    'When assign_resources() reserved this bundle''s vehicle and driver (NULL = not yet).';

------------------------------------------------------------------------
-- User-supplied road distances and durations
------------------------------------------------------------------------

CREATE TABLE lastmile.route_matrix (
    from_point geometry(Point, 4326) NOT NULL,
    to_point   geometry(Point, 4326) NOT NULL,
    km         float8 NOT NULL,
    minutes    float8,
    source     text,
    CONSTRAINT route_matrix_km_valid CHECK (km >= 0 AND km < 'Infinity'),
    CONSTRAINT route_matrix_minutes_valid CHECK (minutes >= 0 AND minutes < 'Infinity')
);
COMMENT ON TABLE lastmile.route_matrix IS
    'Road distances and driving times between points, e.g. from OSRM''s table service or pgRouting; bundle() uses them instead of great-circle distances when the table holds every ordered pair of distinct points among the origin''s location and the destinations (matched exactly by coordinates).';
COMMENT ON COLUMN lastmile.route_matrix.from_point IS 'Where the leg starts: a place''s location or a request''s destination, exactly as stored there.';
COMMENT ON COLUMN lastmile.route_matrix.to_point IS 'Where the leg ends (same rule).';
COMMENT ON COLUMN lastmile.route_matrix.km IS 'Road distance of the leg, km (may differ by direction).';
COMMENT ON COLUMN lastmile.route_matrix.minutes IS 'Driving time of the leg, minutes (NULL = km at bundle()''s speed_kmh).';
COMMENT ON COLUMN lastmile.route_matrix.source IS 'Free text: where the figures come from (e.g. ''osrm 2026-05'').';
CREATE UNIQUE INDEX route_matrix_pair_idx ON lastmile.route_matrix
    ((ST_X(from_point)), (ST_Y(from_point)), (ST_X(to_point)), (ST_Y(to_point)));
SELECT pg_catalog.pg_extension_config_dump('lastmile.route_matrix', '');

------------------------------------------------------------------------
-- bundle()
------------------------------------------------------------------------

CREATE FUNCTION lastmile.bundle(
    origin_id    bigint,
    ship_date    date,
    capacity_kg  float8,
    capacity_m3  float8 DEFAULT NULL,
    max_stops    int DEFAULT NULL,
    speed_kmh    float8 DEFAULT 30,
    stop_minutes float8 DEFAULT 5,
    depart_at    timestamptz DEFAULT NULL)
RETURNS TABLE (bundle_id bigint, stops int, weight_kg float8, volume_m3 float8, distance_km float8)
AS 'MODULE_PATHNAME', 'lastmile_bundle'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path FROM CURRENT
COST 100000 ROWS 10;
COMMENT ON FUNCTION lastmile.bundle(bigint, date, float8, float8, int, float8, float8, timestamptz) IS
    'Groups every request of the origin and ship date not yet in a bundle and not cancelled, of any retailer, into vehicle loads within capacity_kg, capacity_m3 and max_stops, each stop served inside its time window, tours as short as the search budget (lastmile.bundle_time_limit_ms) allows; writes bundle and bundle_stop and returns the loads made by this call. depart_at NULL = 08:00 of ship_date (session time zone), or earlier when a window opens earlier that day. Allocated requests become bundled. See docs/bundling.md.';

CREATE FUNCTION lastmile.unbundle(origin_id bigint, ship_date date)
RETURNS int
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path FROM CURRENT
AS $fn$
#variable_conflict use_column
DECLARE
    p_origin    bigint := $1;
    p_day       date := $2;
    n           int;
    bad         record;
BEGIN
    IF p_origin IS NULL THEN
        RAISE EXCEPTION 'origin_id must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_day IS NULL THEN
        RAISE EXCEPTION 'ship_date must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM lastmile.place pl WHERE pl.place_id = p_origin) THEN
        RAISE EXCEPTION 'origin place % does not exist', p_origin USING ERRCODE = 'no_data_found';
    END IF;
    -- the lock bundle() takes: no bundling of that origin and day meanwhile
    PERFORM pg_advisory_xact_lock(hashtextextended(
        'lastmile.bundle ' || p_origin || ' ' || (p_day - date '2000-01-01'), 0));
    SELECT s.request_id, r.status INTO bad
    FROM lastmile.bundle b
    JOIN lastmile.bundle_stop s ON s.bundle_id = b.bundle_id
    JOIN lastmile.transport_request r ON r.request_id = s.request_id
    WHERE b.origin_id = p_origin AND b.ship_date = p_day
      AND r.status IN ('labelled', 'shipped', 'delivered')
    ORDER BY s.request_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot unbundle origin % on %: request % is already %',
                p_origin, to_char(p_day, 'YYYY-MM-DD'), bad.request_id, bad.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Delete the other bundles one by one (DELETE FROM lastmile.bundle WHERE bundle_id = ...).';
    END IF;
    UPDATE lastmile.transport_request r SET status = 'allocated'
    FROM lastmile.bundle_stop s, lastmile.bundle b
    WHERE s.request_id = r.request_id AND b.bundle_id = s.bundle_id
      AND b.origin_id = p_origin AND b.ship_date = p_day AND r.status = 'bundled';
    DELETE FROM lastmile.bundle b WHERE b.origin_id = p_origin AND b.ship_date = p_day;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$fn$;
COMMENT ON FUNCTION lastmile.unbundle(bigint, date) IS
    'Undoes the bundling of one origin and day, to bundle again with other arguments: deletes its bundles with their stops and reservations, and puts their bundled requests back to allocated; refuses (55000) when one of them is already labelled, shipped or delivered. Returns the number of bundles deleted.';

------------------------------------------------------------------------
-- assign_resources()
------------------------------------------------------------------------

CREATE FUNCTION lastmile.assign_resources(origin_id bigint, ship_date date)
RETURNS TABLE (bundle_id bigint, vehicle_id bigint, driver_id bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path FROM CURRENT
AS $fn$
#variable_conflict use_column
DECLARE
    p_origin    bigint := $1;
    p_day       date := $2;
    b           record;
    span        tstzrange;
    cand        bigint;
    v           bigint;
    d           bigint;
    v_res       bigint;
    why         text;
BEGIN
    IF p_origin IS NULL THEN
        RAISE EXCEPTION 'origin_id must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_day IS NULL THEN
        RAISE EXCEPTION 'ship_date must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM lastmile.place pl WHERE pl.place_id = p_origin) THEN
        RAISE EXCEPTION 'origin place % does not exist', p_origin USING ERRCODE = 'no_data_found';
    END IF;

    -- Resources are based at a place: one caller per place at a time, so
    -- that two callers never wait on each other's reservations (no
    -- deadlock).  The queries below take a new snapshot after the lock
    -- (READ COMMITTED) and see what the previous holder committed.
    PERFORM pg_advisory_xact_lock(hashtextextended('lastmile.resources ' || p_origin, 0));

    FOR b IN
        SELECT bu.bundle_id AS id, bu.weight_kg AS kg, coalesce(bu.volume_m3, 0) AS m3,
               bu.depart_at, bu.return_at,
               (SELECT min(s.eta) FROM lastmile.bundle_stop s WHERE s.bundle_id = bu.bundle_id) AS first_eta,
               (SELECT max(s.eta) FROM lastmile.bundle_stop s WHERE s.bundle_id = bu.bundle_id) AS last_eta
        FROM lastmile.bundle bu
        WHERE bu.origin_id = p_origin AND bu.ship_date = p_day
          AND NOT EXISTS (SELECT 1 FROM lastmile.reservation x WHERE x.bundle_id = bu.bundle_id)
        ORDER BY bu.bundle_id
        FOR UPDATE OF bu
    LOOP
        -- the tour span: departure to return (or first to last eta when the
        -- bundle was written without them)
        span := CASE
            WHEN b.depart_at IS NOT NULL AND b.return_at IS NOT NULL AND b.return_at > b.depart_at
                THEN tstzrange(b.depart_at, b.return_at, '[)')
            WHEN b.depart_at IS NOT NULL AND b.return_at IS NOT NULL AND b.return_at = b.depart_at
                THEN tstzrange(b.depart_at, b.return_at, '[]')
            WHEN b.depart_at IS NULL AND b.first_eta IS NOT NULL
                THEN tstzrange(b.first_eta, b.last_eta, '[]')
            END;
        bundle_id := b.id;
        vehicle_id := NULL;
        driver_id := NULL;
        IF span IS NULL THEN
            RAISE NOTICE 'bundle % gets no resources: it has no tour span (depart_at, return_at or stop etas)', b.id;
            RETURN NEXT;
            CONTINUE;
        END IF;

        -- the smallest vehicle of the place that carries the load and is free
        v := NULL;
        v_res := NULL;
        FOR cand IN
            SELECT rs.resource_id FROM lastmile.resource rs
            WHERE rs.place_id = p_origin AND rs.kind = 'vehicle'
              AND (rs.capacity_kg IS NULL OR rs.capacity_kg >= coalesce(b.kg, 0))
              AND (rs.capacity_m3 IS NULL OR rs.capacity_m3 >= b.m3)
              AND (rs.available IS NULL OR rs.available @> span)
              AND NOT EXISTS (SELECT 1 FROM lastmile.reservation x
                              WHERE x.resource_id = rs.resource_id AND x.during && span)
            ORDER BY rs.capacity_kg NULLS LAST, rs.capacity_m3 NULLS LAST, rs.resource_id
        LOOP
            BEGIN
                INSERT INTO lastmile.reservation (resource_id, during, bundle_id)
                VALUES (cand, span, b.id)
                RETURNING reservation_id INTO v_res;
                v := cand;
                EXIT;
            EXCEPTION WHEN exclusion_violation THEN
                -- booked meanwhile by a writer outside this function: next one
                NULL;
            END;
        END LOOP;

        -- a driver of the place who is free
        d := NULL;
        IF v IS NOT NULL THEN
            FOR cand IN
                SELECT rs.resource_id FROM lastmile.resource rs
                WHERE rs.place_id = p_origin AND rs.kind = 'driver'
                  AND (rs.available IS NULL OR rs.available @> span)
                  AND NOT EXISTS (SELECT 1 FROM lastmile.reservation x
                                  WHERE x.resource_id = rs.resource_id AND x.during && span)
                ORDER BY rs.resource_id
            LOOP
                BEGIN
                    INSERT INTO lastmile.reservation (resource_id, during, bundle_id)
                    VALUES (cand, span, b.id);
                    d := cand;
                    EXIT;
                EXCEPTION WHEN exclusion_violation THEN
                    NULL;
                END;
            END LOOP;
        END IF;

        IF v IS NOT NULL AND d IS NOT NULL THEN
            UPDATE lastmile.bundle bu SET assigned_at = now() WHERE bu.bundle_id = b.id;
            vehicle_id := v;
            driver_id := d;
            RETURN NEXT;
            CONTINUE;
        END IF;

        -- none: give the vehicle back, and say why
        IF v_res IS NOT NULL THEN
            DELETE FROM lastmile.reservation x WHERE x.reservation_id = v_res;
        END IF;
        IF v IS NULL THEN
            IF NOT EXISTS (SELECT 1 FROM lastmile.resource rs
                           WHERE rs.place_id = p_origin AND rs.kind = 'vehicle') THEN
                why := format('place %s has no vehicle', p_origin);
            ELSIF NOT EXISTS (SELECT 1 FROM lastmile.resource rs
                              WHERE rs.place_id = p_origin AND rs.kind = 'vehicle'
                                AND (rs.capacity_kg IS NULL OR rs.capacity_kg >= coalesce(b.kg, 0))
                                AND (rs.capacity_m3 IS NULL OR rs.capacity_m3 >= b.m3)) THEN
                why := format('no vehicle of place %s carries %s kg and %s m3', p_origin,
                              round(coalesce(b.kg, 0)::numeric, 3)::float8, round(b.m3::numeric, 3)::float8);
            ELSIF NOT EXISTS (SELECT 1 FROM lastmile.resource rs
                              WHERE rs.place_id = p_origin AND rs.kind = 'vehicle'
                                AND (rs.capacity_kg IS NULL OR rs.capacity_kg >= coalesce(b.kg, 0))
                                AND (rs.capacity_m3 IS NULL OR rs.capacity_m3 >= b.m3)
                                AND (rs.available IS NULL OR rs.available @> span)) THEN
                why := format('no vehicle big enough is available for the whole tour %s', span);
            ELSE
                why := format('every vehicle big enough is already reserved during %s', span);
            END IF;
        ELSE
            IF NOT EXISTS (SELECT 1 FROM lastmile.resource rs
                           WHERE rs.place_id = p_origin AND rs.kind = 'driver') THEN
                why := format('place %s has no driver', p_origin);
            ELSIF NOT EXISTS (SELECT 1 FROM lastmile.resource rs
                              WHERE rs.place_id = p_origin AND rs.kind = 'driver'
                                AND (rs.available IS NULL OR rs.available @> span)) THEN
                why := format('no driver is available for the whole tour %s', span);
            ELSE
                why := format('every driver is already reserved during %s', span);
            END IF;
        END IF;
        RAISE NOTICE 'bundle % gets no resources: %', b.id, why;
        RETURN NEXT;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION lastmile.assign_resources(bigint, date) IS
    'Gives each bundle of the origin and day without a reservation the smallest vehicle based there that carries its load, and a driver based there, both available and free for the whole tour (depart_at to return_at), and reserves them; a bundle that gets none keeps NULLs and a NOTICE says why. Safe under concurrent callers. See docs/bundling.md.';

------------------------------------------------------------------------
-- For analysts
------------------------------------------------------------------------

CREATE VIEW lastmile.bundle_summary WITH (security_invoker = true) AS
SELECT b.bundle_id,
       b.origin_id,
       b.ship_date,
       count(s.request_id)::int AS stops,
       b.weight_kg,
       b.volume_m3,
       b.distance_km,
       b.depart_at,
       b.return_at,
       b.return_at - b.depart_at AS duration,
       min(s.eta) AS first_eta,
       max(s.eta) AS last_eta,
       count(DISTINCT r.retailer_id)::int AS retailers,
       array_agg(DISTINCT r.retailer_id ORDER BY r.retailer_id)
           FILTER (WHERE r.retailer_id IS NOT NULL) AS retailer_ids,
       count(*) FILTER (WHERE s.eta > upper(r.time_window)
                           OR s.eta < lower(r.time_window))::int AS stops_outside_window,
       (SELECT x.resource_id FROM lastmile.reservation x
        JOIN lastmile.resource rs ON rs.resource_id = x.resource_id
        WHERE x.bundle_id = b.bundle_id AND rs.kind = 'vehicle'
        ORDER BY x.resource_id LIMIT 1) AS vehicle_id,
       (SELECT x.resource_id FROM lastmile.reservation x
        JOIN lastmile.resource rs ON rs.resource_id = x.resource_id
        WHERE x.bundle_id = b.bundle_id AND rs.kind = 'driver'
        ORDER BY x.resource_id LIMIT 1) AS driver_id
FROM lastmile.bundle b
LEFT JOIN lastmile.bundle_stop s ON s.bundle_id = b.bundle_id
LEFT JOIN lastmile.transport_request r ON r.request_id = s.request_id
GROUP BY b.bundle_id;
COMMENT ON VIEW lastmile.bundle_summary IS
    'One row per bundle: stops, load, tour length and span, the retailers sharing it, stops served outside their window (should be 0), and the reserved vehicle and driver.';
COMMENT ON COLUMN lastmile.bundle_summary.bundle_id IS 'The bundle.';
COMMENT ON COLUMN lastmile.bundle_summary.origin_id IS 'Place the tour starts from and returns to.';
COMMENT ON COLUMN lastmile.bundle_summary.ship_date IS 'Day of the tour.';
COMMENT ON COLUMN lastmile.bundle_summary.weight_kg IS 'Total weight of the load, kg.';
COMMENT ON COLUMN lastmile.bundle_summary.volume_m3 IS 'Total volume of the load, m³.';
COMMENT ON COLUMN lastmile.bundle_summary.distance_km IS 'Length of the tour, km.';
COMMENT ON COLUMN lastmile.bundle_summary.depart_at IS 'When the vehicle leaves the origin.';
COMMENT ON COLUMN lastmile.bundle_summary.return_at IS 'When the vehicle is back at the origin.';
COMMENT ON COLUMN lastmile.bundle_summary.stops IS 'Number of stops.';
COMMENT ON COLUMN lastmile.bundle_summary.duration IS 'Tour span: return_at − depart_at.';
COMMENT ON COLUMN lastmile.bundle_summary.first_eta IS 'Service start at the first stop.';
COMMENT ON COLUMN lastmile.bundle_summary.last_eta IS 'Service start at the last stop.';
COMMENT ON COLUMN lastmile.bundle_summary.retailers IS 'How many retailers share the load.';
COMMENT ON COLUMN lastmile.bundle_summary.retailer_ids IS 'The retailers sharing the load.';
COMMENT ON COLUMN lastmile.bundle_summary.stops_outside_window IS 'Stops whose eta is outside the request''s time window (0 for bundles made by bundle()).';
COMMENT ON COLUMN lastmile.bundle_summary.vehicle_id IS 'Reserved vehicle (NULL = none yet).';
COMMENT ON COLUMN lastmile.bundle_summary.driver_id IS 'Reserved driver (NULL = none yet).';

------------------------------------------------------------------------
-- A map of one origin's tours of a day
------------------------------------------------------------------------

CREATE FUNCTION lastmile.bundle_svg(origin_id bigint, ship_date date, width int DEFAULT 800)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path FROM CURRENT
AS $fn$
#variable_conflict use_column
DECLARE
    p_origin  bigint := $1;
    p_day     date := $2;
    w         float8;
    o         geometry;
    box       box2d;
    lat0      float8;
    kx        float8;          -- cos(lat0): degrees of longitude → east-west units
    minx      float8;
    maxx      float8;
    miny      float8;
    maxy      float8;
    pad       float8;
    s         float8;          -- pixels per unit
    h         float8;
    legend_h  float8;
    palette   text[] := ARRAY['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4',
                              '#42d4f4', '#f032e6', '#9a6324', '#800000', '#469990',
                              '#808000', '#000075'];
    out       text;
    labels    text;
    rec       record;
    i         int := 0;
BEGIN
    IF p_origin IS NULL OR p_day IS NULL THEN
        RETURN NULL;
    END IF;
    w := greatest(coalesce($3, 800), 200);
    SELECT pl.location INTO o FROM lastmile.place pl WHERE pl.place_id = p_origin;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'origin place % does not exist', p_origin USING ERRCODE = 'no_data_found';
    END IF;
    IF o IS NULL THEN
        RAISE EXCEPTION 'origin place % has no location', p_origin USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- the frame: origin and every stop of the day, with a margin
    SELECT ST_Extent(g) INTO box FROM (
        SELECT o AS g
        UNION ALL
        SELECT r.destination FROM lastmile.bundle bu
        JOIN lastmile.bundle_stop st ON st.bundle_id = bu.bundle_id
        JOIN lastmile.transport_request r ON r.request_id = st.request_id
        WHERE bu.origin_id = p_origin AND bu.ship_date = p_day AND r.destination IS NOT NULL) f;
    lat0 := (ST_YMin(box) + ST_YMax(box)) / 2;
    kx := cos(radians(lat0));
    pad := greatest((ST_XMax(box) - ST_XMin(box)) * kx, ST_YMax(box) - ST_YMin(box), 0.02) * 0.08;
    minx := ST_XMin(box) * kx - pad;
    maxx := ST_XMax(box) * kx + pad;
    miny := ST_YMin(box) - pad;
    maxy := ST_YMax(box) + pad;
    -- keep the picture between 1:2 and 2:1
    IF (maxy - miny) < (maxx - minx) / 2 THEN
        pad := ((maxx - minx) / 2 - (maxy - miny)) / 2; miny := miny - pad; maxy := maxy + pad;
    ELSIF (maxx - minx) < (maxy - miny) / 2 THEN
        pad := ((maxy - miny) / 2 - (maxx - minx)) / 2; minx := minx - pad; maxx := maxx + pad;
    END IF;
    s := w / (maxx - minx);
    h := (maxy - miny) * s;
    SELECT 22 + 16 * count(*) INTO legend_h FROM lastmile.bundle bu
    WHERE bu.origin_id = p_origin AND bu.ship_date = p_day;

    out := format('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
                  round(w), round(h + legend_h), round(w), round(h + legend_h))
        || format('<rect width="%s" height="%s" fill="#eef2f6"/>', round(w), round(h + legend_h));

    -- département (area) outlines inside the frame; ST_AsSVG writes -y, so y
    -- is mapped to (y - maxy)·s to come out as (maxy - y)·s
    out := out || '<g fill="#fffdf7" stroke="#8a96a3" stroke-width="0.8">';
    labels := '';
    FOR rec IN
        SELECT ST_AsSVG(ST_Affine(c.g, s * kx, 0, 0, s, -minx * s, -maxy * s), 0, 1) AS path,
               CASE WHEN NOT ST_IsEmpty(c.g) THEN ST_PointOnSurface(c.g) END AS label_at,
               replace(replace(replace(coalesce(a.name, ''), '&', '&amp;'), '<', '&lt;'), '>', '&gt;') AS name
        FROM lastmile.area a
        CROSS JOIN LATERAL (SELECT ST_ClipByBox2D(a.geom, ST_MakeEnvelope(minx / kx, miny, maxx / kx, maxy, 4326)) AS g) c
        WHERE a.geom && ST_MakeEnvelope(minx / kx, miny, maxx / kx, maxy, 4326)
        ORDER BY a.area_id
    LOOP
        IF rec.path IS NOT NULL AND rec.path <> '' THEN
            out := out || format('<path d="%s"><title>%s</title></path>', rec.path, rec.name);
            IF rec.label_at IS NOT NULL THEN
                labels := labels || format('<text x="%s" y="%s">%s</text>',
                                           round(((ST_X(rec.label_at) * kx - minx) * s)::numeric, 1),
                                           round(((maxy - ST_Y(rec.label_at)) * s)::numeric, 1), rec.name);
            END IF;
        END IF;
    END LOOP;
    out := out || '</g>'
        || '<g fill="#8a96a3" font-size="11" text-anchor="middle">' || labels || '</g>';

    -- one coloured tour per bundle: origin → stops in seq → origin
    FOR rec IN
        SELECT bu.bundle_id, bu.weight_kg, bu.distance_km,
               string_agg(format('%s,%s', round(((ST_X(r.destination) * kx - minx) * s)::numeric, 1),
                                          round(((maxy - ST_Y(r.destination)) * s)::numeric, 1)),
                          ' ' ORDER BY st.seq) AS pts,
               string_agg(format('<circle cx="%s" cy="%s" r="4"><title>request %s, stop %s, eta %s</title></circle>',
                                 round(((ST_X(r.destination) * kx - minx) * s)::numeric, 1),
                                 round(((maxy - ST_Y(r.destination)) * s)::numeric, 1),
                                 r.request_id, st.seq, to_char(st.eta, 'HH24:MI')),
                          '' ORDER BY st.seq) AS dots,
               count(*) AS n
        FROM lastmile.bundle bu
        JOIN lastmile.bundle_stop st ON st.bundle_id = bu.bundle_id
        JOIN lastmile.transport_request r ON r.request_id = st.request_id
        WHERE bu.origin_id = p_origin AND bu.ship_date = p_day AND r.destination IS NOT NULL
        GROUP BY bu.bundle_id
        ORDER BY bu.bundle_id
    LOOP
        i := i + 1;
        out := out || format('<g stroke="%1$s" fill="%1$s"><polyline points="%2$s,%3$s %4$s %2$s,%3$s" fill="none" stroke-width="2" stroke-linejoin="round" opacity="0.85"/><g stroke="#ffffff" stroke-width="1">%5$s</g></g>',
                             palette[1 + (i - 1) % array_length(palette, 1)],
                             round(((ST_X(o) * kx - minx) * s)::numeric, 1),
                             round(((maxy - ST_Y(o)) * s)::numeric, 1),
                             rec.pts, rec.dots)
            || format('<g transform="translate(10,%s)"><rect width="18" height="4" y="-4" fill="%s"/><text x="24" fill="#222">bundle %s: %s stops, %s kg, %s km</text></g>',
                      round(h + 18 + 16 * (i - 1)),
                      palette[1 + (i - 1) % array_length(palette, 1)],
                      rec.bundle_id, rec.n, round(coalesce(rec.weight_kg, 0)::numeric, 1),
                      round(coalesce(rec.distance_km, 0)::numeric, 1));
    END LOOP;

    -- the origin
    out := out || format('<rect x="%s" y="%s" width="12" height="12" fill="#111" stroke="#fff" stroke-width="1.5"><title>origin %s</title></rect>',
                         round(((ST_X(o) * kx - minx) * s - 6)::numeric, 1),
                         round(((maxy - ST_Y(o)) * s - 6)::numeric, 1), p_origin)
        || format('<text x="%s" y="16" text-anchor="end" fill="#222">origin %s, %s</text>',
                  round(w - 8), p_origin, p_day)
        || '</svg>';
    RETURN out;
END
$fn$;
COMMENT ON FUNCTION lastmile.bundle_svg(bigint, date, int) IS
    'An SVG map (text) of the bundles of one origin and day: the areas (e.g. départements) under them, one coloured tour per bundle (origin → stops → origin, stops with tooltips), the origin as a black square, and a legend. width in pixels; NULL for a NULL origin or day.';

CREATE FUNCTION lastmile.bundle_geojson(origin_id bigint, ship_date date)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path FROM CURRENT
AS $fn$
    WITH o AS (
        SELECT pl.place_id, pl.name, pl.location FROM lastmile.place pl WHERE pl.place_id = $1),
    b AS (
        SELECT bu.* FROM lastmile.bundle bu, o
        WHERE bu.origin_id = o.place_id AND bu.ship_date = $2),
    s AS (
        SELECT st.bundle_id, st.seq, st.request_id, st.eta, r.retailer_id, r.destination
        FROM b JOIN lastmile.bundle_stop st ON st.bundle_id = b.bundle_id
        JOIN lastmile.transport_request r ON r.request_id = st.request_id),
    features AS (
        SELECT 0 AS k, 0::bigint AS b, 0 AS q,
               jsonb_build_object('type', 'Feature',
                   'geometry', ST_AsGeoJSON(o.location)::jsonb,
                   'properties', jsonb_build_object('kind', 'origin', 'place_id', o.place_id, 'name', o.name)) AS f
        FROM o
        UNION ALL
        SELECT 1, b.bundle_id, 0,
               jsonb_build_object('type', 'Feature',
                   'geometry', ST_AsGeoJSON(ST_MakeLine(
                        array_prepend(o.location, array_append(
                            (SELECT array_agg(s.destination ORDER BY s.seq) FROM s WHERE s.bundle_id = b.bundle_id),
                            o.location))))::jsonb,
                   'properties', jsonb_build_object('kind', 'tour', 'bundle_id', b.bundle_id,
                        'stops', (SELECT count(*) FROM s WHERE s.bundle_id = b.bundle_id),
                        'weight_kg', b.weight_kg, 'volume_m3', b.volume_m3, 'distance_km', b.distance_km,
                        'depart_at', b.depart_at, 'return_at', b.return_at))
        FROM b, o
        UNION ALL
        SELECT 2, s.bundle_id, s.seq,
               jsonb_build_object('type', 'Feature',
                   'geometry', ST_AsGeoJSON(s.destination)::jsonb,
                   'properties', jsonb_build_object('kind', 'stop', 'bundle_id', s.bundle_id, 'seq', s.seq,
                        'request_id', s.request_id, 'retailer_id', s.retailer_id, 'eta', s.eta))
        FROM s)
    SELECT CASE WHEN EXISTS (SELECT 1 FROM o) THEN
        jsonb_build_object('type', 'FeatureCollection',
                           'features', coalesce((SELECT jsonb_agg(f ORDER BY k, b, q) FROM features), '[]'::jsonb))
    END
$fn$;
COMMENT ON FUNCTION lastmile.bundle_geojson(bigint, date) IS
    'The bundles of one origin and day as a GeoJSON FeatureCollection for web maps (Leaflet, OpenLayers, QGIS): the origin (kind origin), one LineString per bundle origin → stops → origin (kind tour, with its load, length and span), and one Point per stop (kind stop, with seq, request, retailer and eta). NULL when the origin does not exist or an argument is NULL.';
