-- test/bench/bench.sql — helpers of test/bench/run.sh (schema lastmile_bench):
-- remember the wave, put it back to "new" between runs, keep each run's
-- decisions, write the same rows without deciding (the write floor), and
-- time ranking() / delivery_options() calls on the server.

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS lastmile_bench;

DO $$ BEGIN
    PERFORM set_config('search_path',
        'lastmile_bench, lastmile, ' || (SELECT quote_ident(extnamespace::regnamespace::text)
                                          FROM pg_extension WHERE extname = 'postgis'), false);
END $$;

-- the requests of the wave (status new when the data set was built)
CREATE TABLE IF NOT EXISTS lastmile_bench.wave (request_id bigint PRIMARY KEY);
-- the carts of the latency runs: every k-th request of the wave, as a checkout would see it
CREATE TABLE IF NOT EXISTS lastmile_bench.cart (
    i int PRIMARY KEY, request_id bigint, retailer_id text, destination geometry,
    dims lastmile.dims[], weights_kg float8[], service lastmile.service, ship_date date);
-- each run's decision per request
CREATE TABLE IF NOT EXISTS lastmile_bench.result (run text, request_id bigint, carrier_id text, price numeric,
                                    PRIMARY KEY (run, request_id));
-- the rows a run wrote, replayed by write_floor()
CREATE TABLE IF NOT EXISTS lastmile_bench.floor_alloc (LIKE lastmile.allocation);
CREATE TABLE IF NOT EXISTS lastmile_bench.floor_req (request_id bigint PRIMARY KEY, status lastmile.request_status,
                                       carrier_id text, price numeric);
CREATE TABLE IF NOT EXISTS lastmile_bench.floor_pkg (package_id bigint PRIMARY KEY, tracking text);

CREATE OR REPLACE FUNCTION lastmile_bench.snapshot(calls int) RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    n bigint;
BEGIN
    TRUNCATE lastmile_bench.wave, lastmile_bench.cart;
    INSERT INTO lastmile_bench.wave
    SELECT request_id FROM lastmile.transport_request WHERE status = 'new';
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO lastmile_bench.cart
    SELECT row_number() OVER (ORDER BY r.request_id), r.request_id, r.retailer_id, r.destination,
           p.dims, p.kg, r.service, r.ship_date
    FROM lastmile.transport_request r
    CROSS JOIN LATERAL (SELECT array_agg(dims ORDER BY package_id) AS dims,
                               array_agg(weight_kg ORDER BY package_id) AS kg
                        FROM lastmile.package WHERE request_id = r.request_id) p
    WHERE r.request_id IN (SELECT request_id FROM lastmile_bench.wave)
      AND r.request_id % greatest(1, n / calls) = 0
    ORDER BY r.request_id
    LIMIT calls;
    RETURN n;
END
$$;

-- every request of the wave back to new, no allocation, no tracking number
CREATE OR REPLACE FUNCTION lastmile_bench.reset() RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE lastmile.transport_request r SET status = 'new', carrier_id = NULL, price = NULL
    FROM lastmile_bench.wave w WHERE r.request_id = w.request_id AND r.status <> 'new';
    UPDATE lastmile.package p SET tracking = NULL
    FROM lastmile_bench.wave w WHERE p.request_id = w.request_id AND p.tracking IS NOT NULL;
    TRUNCATE lastmile.allocation;
END
$$;

CREATE OR REPLACE FUNCTION lastmile_bench.save(run text, keep_rows bool DEFAULT false) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM lastmile_bench.result r WHERE r.run = save.run;
    INSERT INTO lastmile_bench.result
    SELECT save.run, r.request_id, r.carrier_id, r.price
    FROM lastmile.transport_request r JOIN lastmile_bench.wave w USING (request_id);
    IF keep_rows THEN
        TRUNCATE lastmile_bench.floor_alloc, lastmile_bench.floor_req, lastmile_bench.floor_pkg;
        INSERT INTO lastmile_bench.floor_alloc SELECT * FROM lastmile.allocation;
        INSERT INTO lastmile_bench.floor_req
        SELECT r.request_id, r.status, r.carrier_id, r.price
        FROM lastmile.transport_request r JOIN lastmile_bench.wave w USING (request_id);
        INSERT INTO lastmile_bench.floor_pkg
        SELECT p.package_id, p.tracking
        FROM lastmile.package p JOIN lastmile_bench.wave w USING (request_id)
        WHERE p.tracking IS NOT NULL;
    END IF;
END
$$;

-- The write floor: the same rows as the saved run (allocation log with its
-- jsonb, request updates, package tracking numbers) written through plain
-- SQL, nothing decided.
CREATE OR REPLACE FUNCTION lastmile_bench.write_floor() RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    n bigint;
BEGIN
    INSERT INTO lastmile.allocation SELECT * FROM lastmile_bench.floor_alloc ORDER BY allocation_id;
    UPDATE lastmile.transport_request r SET status = f.status, carrier_id = f.carrier_id, price = f.price
    FROM lastmile_bench.floor_req f WHERE r.request_id = f.request_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE lastmile.package p SET tracking = f.tracking
    FROM lastmile_bench.floor_pkg f WHERE p.package_id = f.package_id;
    RETURN n;
END
$$;

-- Percentiles (µs) of per-call server times measured with clock_timestamp().
CREATE OR REPLACE FUNCTION lastmile_bench.pct(t float8[]) RETURNS TABLE (calls int, p50_us float8, p99_us float8, mean_us float8)
LANGUAGE sql IMMUTABLE AS $$
    SELECT count(*)::int,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY x),
           percentile_cont(0.99) WITHIN GROUP (ORDER BY x),
           avg(x)
    FROM unnest(t) x
$$;

-- One function per target so that each call runs a cached plan.
CREATE OR REPLACE FUNCTION lastmile_bench.time_ranking_c(n int) RETURNS float8[]
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    c record;
    t0 timestamptz;
    t float8[] := '{}';
BEGIN
    FOR c IN SELECT * FROM lastmile_bench.cart WHERE i <= n ORDER BY i LOOP
        t0 := clock_timestamp();
        PERFORM count(*) FROM lastmile.ranking(c.request_id);
        t := t || (extract(epoch FROM clock_timestamp() - t0) * 1e6)::float8;
    END LOOP;
    RETURN t;
END
$$;

CREATE OR REPLACE FUNCTION lastmile_bench.time_ranking_sql(n int) RETURNS float8[]
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    c record;
    t0 timestamptz;
    t float8[] := '{}';
BEGIN
    FOR c IN SELECT * FROM lastmile_bench.cart WHERE i <= n ORDER BY i LOOP
        t0 := clock_timestamp();
        PERFORM count(*) FROM lastmile_ref.ranking(c.request_id);
        t := t || (extract(epoch FROM clock_timestamp() - t0) * 1e6)::float8;
    END LOOP;
    RETURN t;
END
$$;

CREATE OR REPLACE FUNCTION lastmile_bench.time_options_c(n int) RETURNS float8[]
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    c record;
    t0 timestamptz;
    t float8[] := '{}';
BEGIN
    FOR c IN SELECT * FROM lastmile_bench.cart WHERE i <= n ORDER BY i LOOP
        t0 := clock_timestamp();
        PERFORM count(*) FROM lastmile.delivery_options(c.retailer_id, c.destination, c.dims, c.weights_kg,
                                                        c.service, c.ship_date);
        t := t || (extract(epoch FROM clock_timestamp() - t0) * 1e6)::float8;
    END LOOP;
    RETURN t;
END
$$;

CREATE OR REPLACE FUNCTION lastmile_bench.time_options_sql(n int) RETURNS float8[]
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    c record;
    t0 timestamptz;
    t float8[] := '{}';
BEGIN
    FOR c IN SELECT * FROM lastmile_bench.cart WHERE i <= n ORDER BY i LOOP
        t0 := clock_timestamp();
        PERFORM count(*) FROM lastmile_ref.delivery_options(c.retailer_id, c.destination, c.dims, c.weights_kg,
                                                            c.service, c.ship_date);
        t := t || (extract(epoch FROM clock_timestamp() - t0) * 1e6)::float8;
    END LOOP;
    RETURN t;
END
$$;

-- Carts whose ranking / checkout options differ between C and SQL (carrier,
-- price and, for the options, eta, in rank order).
CREATE OR REPLACE FUNCTION lastmile_bench.compare_calls(n int) RETURNS TABLE (ranking_mismatches bigint, options_mismatches bigint)
LANGUAGE sql SET search_path FROM CURRENT AS $$
    SELECT count(*) FILTER (WHERE
               (SELECT array_agg(x.carrier_id || ':' || x.price ORDER BY x.rank) FROM lastmile.ranking(c.request_id) x)
               IS DISTINCT FROM
               (SELECT array_agg(x.carrier_id || ':' || x.price ORDER BY x.rank) FROM lastmile_ref.ranking(c.request_id) x)),
           count(*) FILTER (WHERE
               (SELECT array_agg(x.carrier_id || ':' || x.price || ':' || x.eta ORDER BY x.rank)
                FROM lastmile.delivery_options(c.retailer_id, c.destination, c.dims, c.weights_kg, c.service, c.ship_date) x)
               IS DISTINCT FROM
               (SELECT array_agg(x.carrier_id || ':' || x.price || ':' || x.eta ORDER BY x.rank)
                FROM lastmile_ref.delivery_options(c.retailer_id, c.destination, c.dims, c.weights_kg, c.service, c.ship_date) x))
    FROM lastmile_bench.cart c WHERE c.i <= n
$$;

RESET search_path;
RESET client_min_messages;
