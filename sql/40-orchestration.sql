------------------------------------------------------------------------
-- Orchestration (SPEC §3, §4): eligibility, price, ranking, allocate,
-- allocate_pending, delivery_options; the objects they need beside the
-- tables of 20-schema.sql; the analyst views.  See docs/orchestration.md.
------------------------------------------------------------------------

-- Carriers: the letters their tracking numbers start with.
ALTER TABLE lastmile.carrier ADD COLUMN tracking_prefix text
    CONSTRAINT carrier_tracking_prefix_format CHECK (tracking_prefix ~ '^[A-Z]{2,4}$');
COMMENT ON COLUMN lastmile.carrier.tracking_prefix IS
    'Letters (2–4, A–Z) that start the carrier''s tracking numbers; NULL = the first four letters of carrier_id, upper-cased (padded with X).';

-- The decision log keeps the zone and CO2 of the winner too.
ALTER TABLE lastmile.allocation ADD COLUMN zone text, ADD COLUMN co2_g float8;
COMMENT ON COLUMN lastmile.allocation.zone IS 'Pricing zone of the winner at the destination (NULL when none was eligible).';
-- A decision's ranking and rejected jsonb take 1–4 kB with 30 carriers: keep
-- such rows inline and uncompressed (compressing them with pglz cost more than
-- deciding); larger ones are compressed with lz4 where the server has it.
ALTER TABLE lastmile.allocation SET (toast_tuple_target = 8160);
DO $$
BEGIN
    ALTER TABLE lastmile.allocation ALTER COLUMN ranking SET COMPRESSION lz4,
                                    ALTER COLUMN rejected SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;   -- a server built without lz4 keeps pglz
END
$$;
COMMENT ON COLUMN lastmile.allocation.co2_g IS 'CO2 of the winner, grams: co2_g_per_km · great-circle km origin → destination.';

------------------------------------------------------------------------
-- Daily capacity: how many requests each carrier holds per ship date
-- (statuses allocated, bundled, labelled, shipped, delivered), kept by a
-- statement trigger on transport_request whoever changes it.  allocate() locks
-- these rows (in carrier_id, ship_date order) before it decides.
------------------------------------------------------------------------
CREATE TABLE lastmile.carrier_day (
    carrier_id  text NOT NULL,
    ship_date   date NOT NULL,
    used        int NOT NULL DEFAULT 0,
    PRIMARY KEY (ship_date, carrier_id)
);
COMMENT ON TABLE lastmile.carrier_day IS
    'Requests each carrier holds per ship date (statuses allocated, bundled, labelled, shipped, delivered), kept by a trigger on transport_request; the daily capacity is checked and taken here under a row lock. Rebuild with lastmile.recount_capacity().';
COMMENT ON COLUMN lastmile.carrier_day.carrier_id IS 'The carrier.';
COMMENT ON COLUMN lastmile.carrier_day.ship_date IS 'The ship date.';
COMMENT ON COLUMN lastmile.carrier_day.used IS 'Requests of that carrier and day in a counted status.';

CREATE FUNCTION lastmile.capacity_track() RETURNS trigger
AS 'MODULE_PATHNAME', 'lastmile_capacity_track'
LANGUAGE C SECURITY DEFINER SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.capacity_track() IS
    'Statement trigger function: keeps lastmile.carrier_day in step with the requests'' status, carrier and ship date (one upsert per carrier and day per statement).';
CREATE TRIGGER capacity_track_insert AFTER INSERT ON lastmile.transport_request
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lastmile.capacity_track();
CREATE TRIGGER capacity_track_update AFTER UPDATE ON lastmile.transport_request
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lastmile.capacity_track();
CREATE TRIGGER capacity_track_delete AFTER DELETE ON lastmile.transport_request
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lastmile.capacity_track();

CREATE FUNCTION lastmile.capacity_truncate() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM lastmile.carrier_day;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION lastmile.capacity_truncate() IS
    'Trigger function: empties lastmile.carrier_day when transport_request is truncated.';
CREATE TRIGGER capacity_truncate AFTER TRUNCATE ON lastmile.transport_request
    FOR EACH STATEMENT EXECUTE FUNCTION lastmile.capacity_truncate();

CREATE FUNCTION lastmile.recount_capacity() RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    n bigint;
BEGIN
    LOCK TABLE lastmile.carrier_day IN EXCLUSIVE MODE;
    DELETE FROM lastmile.carrier_day;
    INSERT INTO lastmile.carrier_day (carrier_id, ship_date, used)
    SELECT r.carrier_id, r.ship_date, count(*)
    FROM lastmile.transport_request r
    WHERE r.carrier_id IS NOT NULL
      AND r.status IN ('allocated', 'bundled', 'labelled', 'shipped', 'delivered')
    GROUP BY 1, 2;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION lastmile.recount_capacity() IS
    'Rebuilds lastmile.carrier_day from the requests (after a data-only restore with triggers disabled); returns the number of carrier-days.';

------------------------------------------------------------------------
-- Tracking numbers: PREFIX + 12-digit sequence + 2 check digits
-- (ISO 7064 MOD 97-10, letters A=10 … Z=35).  The sequence hands out
-- blocks of 1000 numbers: one nextval per allocated request, or per 1000
-- packages in allocate_pending.
------------------------------------------------------------------------
CREATE SEQUENCE lastmile.tracking_block_seq;
COMMENT ON SEQUENCE lastmile.tracking_block_seq IS
    'Blocks of 1000 tracking sequence numbers (sequence number = block · 1000 + i).';
SELECT pg_catalog.pg_extension_config_dump('lastmile.tracking_block_seq', '');

CREATE FUNCTION lastmile.tracking_valid(tracking text) RETURNS bool
AS 'MODULE_PATHNAME', 'lastmile_tracking_valid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lastmile.tracking_valid(text) IS
    'True when the text is a well-formed lastmile tracking number: 2–4 letters A–Z, 12 digits, 2 check digits (02–98) such that the whole, read with A=10 … Z=35, is ≡ 1 mod 97 (ISO 7064 MOD 97-10).';

------------------------------------------------------------------------
-- Catalog cache invalidation: the C functions keep the carriers,
-- contracts, rates, coverage, areas and retailers in memory per backend;
-- any change to those tables invalidates every backend's copy.
------------------------------------------------------------------------
CREATE FUNCTION lastmile.catalog_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'lastmile_catalog_changed' LANGUAGE C;
COMMENT ON FUNCTION lastmile.catalog_changed() IS
    'Trigger function: tells every backend that its cached allocation catalog is stale.';
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['retailer', 'carrier', 'contract', 'rate', 'coverage', 'area']
    LOOP
        EXECUTE format('CREATE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lastmile.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION lastmile.catalog_changed()', t);
    END LOOP;
END
$$;

------------------------------------------------------------------------
-- The functions of SPEC §4
------------------------------------------------------------------------
CREATE FUNCTION lastmile.eligibility(request_id bigint)
RETURNS TABLE (carrier_id text, eligible bool, reasons text[], zone text)
AS 'MODULE_PATHNAME', 'lastmile_eligibility'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED COST 1000 ROWS 20
SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.eligibility(bigint) IS
    'One row per carrier with an active contract with the request''s retailer, ordered by carrier_id: whether it may take the request, the reasons why not (service, weight, dimensions, developed, sector, no_rate, capacity, in that order) and the pricing zone of the destination (the zone of the smallest covering area; NULL when outside its sector). Unknown request: SQLSTATE P0002.';

CREATE FUNCTION lastmile.price(request_id bigint, carrier_id text)
RETURNS numeric
AS 'MODULE_PATHNAME', 'lastmile_price'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED COST 1000
SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.price(bigint, text) IS
    'Price of the request with that carrier: its most recently written live quote as is, else the rate grid of the destination''s zone (Σ per package (band price + per_kg · (chargeable weight − band lower bound)) · contract price_factor · (1 + fuel_surcharge_pct/100), rounded to cents). The pure price rule: computed whatever other eligibility reasons apply; NULL when no quote and no rate applies (outside the sector, a package in no band, or no contract). Unknown request: P0002.';

CREATE FUNCTION lastmile.ranking(request_id bigint)
RETURNS TABLE (rank int, carrier_id text, price numeric, co2_g float8, cost_score float8,
               quality_score float8, environment_score float8, score float8)
AS 'MODULE_PATHNAME', 'lastmile_ranking'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED COST 1000 ROWS 10
SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.ranking(bigint) IS
    'The eligible carriers of the request, best first (score desc, then lower price, then carrier_id), with price, CO2 and the three sub-scores. Unknown request: P0002.';

CREATE FUNCTION lastmile.allocate(request_id bigint, force bool DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'lastmile_allocate'
LANGUAGE C VOLATILE PARALLEL UNSAFE COST 10000
SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.allocate(bigint, bool) IS
    'Allocates the request to its best eligible carrier: writes an allocation row (ranking and rejected reasons as jsonb), sets the request''s status (allocated or unallocatable), carrier and price, gives each package a tracking number and takes one unit of the carrier''s daily capacity (never exceeded under concurrency). Returns the carrier_id, NULL when none is eligible. A request not in status new is an error (SQLSTATE 55000) unless force, which re-allocates it (its old capacity unit is released first). Unknown request: P0002; NULL request_id: 22023.';

CREATE FUNCTION lastmile.allocate_pending(retailer_id text DEFAULT NULL, ship_date date DEFAULT NULL)
RETURNS TABLE (request_id bigint, carrier_id text, price numeric, score float8)
AS 'MODULE_PATHNAME', 'lastmile_allocate_pending'
LANGUAGE C VOLATILE PARALLEL UNSAFE COST 100000 ROWS 1000
SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.allocate_pending(text, date) IS
    'Allocates every request in status new (of that retailer and ship date when given), with the same result as allocate() on each in request_id order, set-based. Requests locked by another transaction are skipped (left new). Returns one row per request decided, in request_id order.';

CREATE FUNCTION lastmile.delivery_options(
    retailer_id text,
    destination geometry,
    dims lastmile.dims[],
    weights_kg float8[],
    service lastmile.service DEFAULT 'delivery',
    ship_date date DEFAULT current_date,
    origin_id bigint DEFAULT NULL)
RETURNS TABLE (rank int, carrier_id text, price numeric, eta date, co2_g float8, score float8)
AS 'MODULE_PATHNAME', 'lastmile_delivery_options'
LANGUAGE C STABLE PARALLEL RESTRICTED COST 1000 ROWS 10
SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.delivery_options(text, geometry, lastmile.dims[], float8[], lastmile.service, date, bigint) IS
    'Checkout: the carriers that could take a cart that has no request yet (same eligibility, price and score rules, daily capacity of ship_date included), best first, with eta = ship_date + transit_days working days (Monday–Friday). origin_id NULL = the retailer''s place nearest to the destination. Errors (22023): unknown retailer, destination not a Point of SRID 4326, dims and weights of different or zero length, a NULL or non-positive weight, a NULL dims.';

------------------------------------------------------------------------
-- Views for analysts (BI tools)
------------------------------------------------------------------------
CREATE VIEW lastmile.current_allocation AS
SELECT DISTINCT ON (a.request_id)
       a.request_id,
       r.retailer_id,
       r.ship_date,
       r.status,
       a.carrier_id,
       a.zone,
       a.price,
       a.co2_g,
       a.score,
       a.cost_score,
       a.quality_score,
       a.environment_score,
       jsonb_array_length(a.ranking) AS eligible_carriers,
       a.decided_at,
       a.allocation_id
FROM lastmile.allocation a
JOIN lastmile.transport_request r ON r.request_id = a.request_id
ORDER BY a.request_id, a.allocation_id DESC;
COMMENT ON VIEW lastmile.current_allocation IS 'The latest allocation decision of each request, with the winner, its zone, price, CO2 and scores.';
COMMENT ON COLUMN lastmile.current_allocation.request_id IS 'The request.';
COMMENT ON COLUMN lastmile.current_allocation.retailer_id IS 'Its retailer.';
COMMENT ON COLUMN lastmile.current_allocation.ship_date IS 'Its ship date.';
COMMENT ON COLUMN lastmile.current_allocation.status IS 'Its status now.';
COMMENT ON COLUMN lastmile.current_allocation.carrier_id IS 'Carrier chosen (NULL = none was eligible).';
COMMENT ON COLUMN lastmile.current_allocation.zone IS 'Pricing zone of the chosen carrier at the destination.';
COMMENT ON COLUMN lastmile.current_allocation.price IS 'Price of the chosen carrier, euros.';
COMMENT ON COLUMN lastmile.current_allocation.co2_g IS 'CO2 of the chosen carrier, grams.';
COMMENT ON COLUMN lastmile.current_allocation.score IS 'Global score of the chosen carrier.';
COMMENT ON COLUMN lastmile.current_allocation.cost_score IS 'Its cost score (cheapest price / its price).';
COMMENT ON COLUMN lastmile.current_allocation.quality_score IS 'Its quality score.';
COMMENT ON COLUMN lastmile.current_allocation.environment_score IS 'Its environment score (lowest CO2 / its CO2).';
COMMENT ON COLUMN lastmile.current_allocation.eligible_carriers IS 'How many carriers were eligible.';
COMMENT ON COLUMN lastmile.current_allocation.decided_at IS 'When the decision was made.';
COMMENT ON COLUMN lastmile.current_allocation.allocation_id IS 'The allocation log row.';

CREATE VIEW lastmile.carrier_share AS
SELECT c.retailer_id,
       c.ship_date,
       c.carrier_id,
       count(*) AS requests,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY c.retailer_id, c.ship_date), 1) AS share_pct,
       sum(c.price) AS spend,
       avg(c.score) AS mean_score,
       sum(c.co2_g) AS co2_g
FROM lastmile.current_allocation c
WHERE c.carrier_id IS NOT NULL
GROUP BY c.retailer_id, c.ship_date, c.carrier_id;
COMMENT ON VIEW lastmile.carrier_share IS 'Per retailer, ship date and carrier: the requests currently allocated to the carrier, their share, spend, mean score and CO2.';
COMMENT ON COLUMN lastmile.carrier_share.retailer_id IS 'The retailer.';
COMMENT ON COLUMN lastmile.carrier_share.ship_date IS 'The ship date.';
COMMENT ON COLUMN lastmile.carrier_share.carrier_id IS 'The carrier.';
COMMENT ON COLUMN lastmile.carrier_share.requests IS 'Requests allocated to it.';
COMMENT ON COLUMN lastmile.carrier_share.share_pct IS 'Its share of the retailer''s allocated requests that day, percent.';
COMMENT ON COLUMN lastmile.carrier_share.spend IS 'Sum of the prices, euros.';
COMMENT ON COLUMN lastmile.carrier_share.mean_score IS 'Mean global score of those allocations.';
COMMENT ON COLUMN lastmile.carrier_share.co2_g IS 'Total CO2, grams.';

CREATE VIEW lastmile.rejection_detail AS
SELECT c.request_id,
       c.retailer_id,
       c.ship_date,
       rj.key AS carrier_id,
       reason.value AS reason
FROM lastmile.current_allocation c
JOIN lastmile.allocation a ON a.allocation_id = c.allocation_id
CROSS JOIN LATERAL jsonb_each(a.rejected) AS rj
CROSS JOIN LATERAL jsonb_array_elements_text(rj.value) AS reason;
COMMENT ON VIEW lastmile.rejection_detail IS 'One row per request, rejected carrier and reason, from the latest allocation of each request.';
COMMENT ON COLUMN lastmile.rejection_detail.request_id IS 'The request.';
COMMENT ON COLUMN lastmile.rejection_detail.retailer_id IS 'Its retailer.';
COMMENT ON COLUMN lastmile.rejection_detail.ship_date IS 'Its ship date.';
COMMENT ON COLUMN lastmile.rejection_detail.carrier_id IS 'A carrier that could not take it.';
COMMENT ON COLUMN lastmile.rejection_detail.reason IS 'One reason why (service, weight, dimensions, developed, sector, no_rate, capacity).';

CREATE VIEW lastmile.rejection_reasons AS
SELECT carrier_id, reason, count(*) AS requests
FROM lastmile.rejection_detail
GROUP BY carrier_id, reason;
COMMENT ON VIEW lastmile.rejection_reasons IS 'Per carrier and reason: how many requests (latest allocation of each) it was rejected for.';
COMMENT ON COLUMN lastmile.rejection_reasons.carrier_id IS 'The carrier.';
COMMENT ON COLUMN lastmile.rejection_reasons.reason IS 'The reason code.';
COMMENT ON COLUMN lastmile.rejection_reasons.requests IS 'Requests rejected for that reason.';
