
-- ---------------------------------------------------------------------------
-- 70-labels.sql — what the carrier is handed: labels (ZPL II and PDF), the
-- delivery slip (rows and PDF) and the transport order (JSON).  See
-- docs/labels.md.
-- ---------------------------------------------------------------------------

CREATE FUNCTION lastmile.label_zpl(package_id bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'lastmile_label_zpl'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 1000
SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.label_zpl(bigint) IS
    'The shipping label of a package as ZPL II for a 4x6 in thermal printer at 203 dpi (812x1218 dots, UTF-8 via ^CI28): sender, recipient, carrier, service, ship date, order ref, package n/N, weight and the tracking number as Code 128. User text is hex-escaped (^FH) so it cannot inject printer commands. Unknown package: P0002; no tracking number yet (not allocated) or cancelled request: 55000.';

CREATE FUNCTION lastmile.label_pdf(package_id bigint)
RETURNS bytea
AS 'MODULE_PATHNAME', 'lastmile_label_pdf'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 5000
SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.label_pdf(bigint) IS
    'The same label as label_zpl as a one-page 4x6 in PDF (drawn with cairo, Code 128 from zint, DejaVu Sans text that stays selectable text). Same errors as label_zpl.';

CREATE FUNCTION lastmile.delivery_slip(carrier_id text, origin_id bigint, ship_date date)
RETURNS TABLE(line int, package_id bigint, request_id bigint, order_ref text,
              tracking text, weight_kg float8, dims lastmile.dims, recipient text)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    IF NOT EXISTS (SELECT 1 FROM lastmile.carrier c WHERE c.carrier_id = $1) THEN
        RAISE EXCEPTION 'carrier "%" does not exist', $1 USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM lastmile.place o WHERE o.place_id = $2) THEN
        RAISE EXCEPTION 'place % does not exist', $2 USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY
    SELECT (row_number() OVER w)::int,
           p.package_id, r.request_id, r.order_ref, p.tracking, p.weight_kg,
           p.dims, r.recipient_name
      FROM lastmile.transport_request r
      JOIN lastmile.package p ON p.request_id = r.request_id
      LEFT JOIN lastmile.bundle_stop bs ON bs.request_id = r.request_id
     WHERE r.carrier_id = $1
       AND r.origin_id = $2
       AND r.ship_date = $3
       AND r.status NOT IN ('new', 'unallocatable', 'cancelled')
    WINDOW w AS (ORDER BY bs.bundle_id NULLS LAST, bs.seq, r.request_id, p.package_id)
     ORDER BY 1;
END
$$;
COMMENT ON FUNCTION lastmile.delivery_slip(text, bigint, date) IS
    'The slip handed to the carrier''s driver: one row per package of the requests allocated to that carrier from that origin on that ship date (status not new, unallocatable or cancelled). Lines are numbered in loading-list order: bundled requests first, by bundle and stop sequence, then the others by request_id; packages of a request by package_id. recipient is the request''s recipient_name. Unknown carrier or origin: P0002.';

CREATE FUNCTION lastmile.delivery_slip_pdf(carrier_id text, origin_id bigint, ship_date date)
RETURNS bytea
AS 'MODULE_PATHNAME', 'lastmile_delivery_slip_pdf'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10000
SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.delivery_slip_pdf(text, bigint, date) IS
    'The rows of delivery_slip() as an A4 PDF: a header on every page (carrier, origin, ship date, page n/N), the table, then totals (packages, weight kg, volume m3) and a signature box for the driver (name, signature, time). Same errors as delivery_slip.';

CREATE FUNCTION lastmile.transport_order(carrier_id text, origin_id bigint, ship_date date)
RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path FROM CURRENT
AS $$
DECLARE
    result jsonb;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM lastmile.carrier c WHERE c.carrier_id = $1) THEN
        RAISE EXCEPTION 'carrier "%" does not exist', $1 USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM lastmile.place o WHERE o.place_id = $2) THEN
        RAISE EXCEPTION 'place % does not exist', $2 USING ERRCODE = 'no_data_found';
    END IF;

    WITH req AS (
        SELECT r.*, bs.bundle_id, bs.seq, bs.eta,
               row_number() OVER (ORDER BY bs.bundle_id NULLS LAST, bs.seq, r.request_id) AS ord
          FROM lastmile.transport_request r
          LEFT JOIN lastmile.bundle_stop bs ON bs.request_id = r.request_id
         WHERE r.carrier_id = $1
           AND r.origin_id = $2
           AND r.ship_date = $3
           AND r.status NOT IN ('new', 'unallocatable', 'cancelled')
    ), pkg AS (
        SELECT p.request_id,
               jsonb_agg(jsonb_build_object(
                   'package_id', p.package_id,
                   'n', p.n,
                   'of', p.total,
                   'tracking', p.tracking,
                   'weight_kg', p.weight_kg,
                   'dims', p.dims::text,
                   'length_cm', lastmile.length(p.dims),
                   'width_cm', lastmile.width(p.dims),
                   'height_cm', lastmile.height(p.dims),
                   'volume_cm3', lastmile.volume_cm3(p.dims))
                   ORDER BY p.package_id) AS packages,
               count(*) AS n_packages,
               sum(p.weight_kg) AS weight_kg,
               sum(lastmile.volume_cm3(p.dims)) AS volume_cm3
          FROM (SELECT q.*,
                       row_number() OVER (PARTITION BY q.request_id ORDER BY q.package_id) AS n,
                       count(*) OVER (PARTITION BY q.request_id) AS total
                  FROM lastmile.package q
                 WHERE q.request_id IN (SELECT req.request_id FROM req)) p
         GROUP BY p.request_id
    )
    SELECT jsonb_build_object(
        'type', 'lastmile.transport_order',
        'version', 1,
        'reference', concat_ws('/', c.carrier_id, o.place_id, to_char($3, 'YYYY-MM-DD')),
        'carrier', jsonb_build_object('carrier_id', c.carrier_id, 'name', c.name),
        'ship_date', to_char($3, 'YYYY-MM-DD'),
        'pickup', jsonb_build_object(
            'place_id', o.place_id, 'name', o.name, 'kind', o.kind,
            'address', o.address, 'postcode', o.postcode, 'city', o.city,
            'country', o.country,
            'lon', ST_X(o.location), 'lat', ST_Y(o.location)),
        'totals', jsonb_build_object(
            'shipments', (SELECT count(*) FROM req),
            'packages', coalesce((SELECT sum(n_packages) FROM pkg), 0),
            'weight_kg', coalesce((SELECT sum(pkg.weight_kg) FROM pkg), 0),
            'volume_m3', coalesce((SELECT round((sum(pkg.volume_cm3) / 1e6)::numeric, 6)::float8 FROM pkg), 0)),
        'shipments', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                'request_id', req.request_id,
                'order_ref', req.order_ref,
                'retailer_id', req.retailer_id,
                'service', req.service,
                'status', req.status,
                'price', req.price,
                'time_window', CASE WHEN req.time_window IS NULL THEN NULL
                                    ELSE jsonb_build_object('start', lower(req.time_window),
                                                            'end', upper(req.time_window)) END,
                'bundle', CASE WHEN req.bundle_id IS NULL THEN NULL
                               ELSE jsonb_build_object('bundle_id', req.bundle_id,
                                                       'seq', req.seq, 'eta', req.eta) END,
                'recipient', jsonb_build_object(
                    'name', req.recipient_name, 'phone', req.recipient_phone,
                    'email', req.recipient_email, 'address', req.address,
                    'postcode', req.postcode, 'city', req.city, 'country', req.country,
                    'lon', ST_X(req.destination), 'lat', ST_Y(req.destination)),
                'packages', coalesce(pkg.packages, '[]'::jsonb))
                ORDER BY req.ord)
              FROM req LEFT JOIN pkg ON pkg.request_id = req.request_id), '[]'::jsonb))
      INTO result
      FROM lastmile.carrier c, lastmile.place o
     WHERE c.carrier_id = $1 AND o.place_id = $2;
    RETURN result;
END
$$;
COMMENT ON FUNCTION lastmile.transport_order(text, bigint, date) IS
    'What the carrier is asked to carry from one origin on one ship date, as one JSON document for a carrier integration (EDI/API): reference, carrier, pickup place, totals (shipments, packages, weight_kg, volume_m3) and the shipments (requests allocated to the carrier, same selection and order as delivery_slip) each with its recipient, time window, bundle stop and packages (tracking, weight, dims). Format documented in docs/labels.md. Unknown carrier or origin: P0002.';
