-- Who may see what (SPEC §5).  Applied last, so that it covers every table,
-- sequence and function the modules before it created.
--
--   lastmile_admin    everything, every retailer's rows
--   lastmile_app      reads the catalog; reads and writes its own retailer's rows
--   lastmile_analyst  read-only, its own retailer's rows
--   lastmile_auditor  read-only, every retailer's rows (the operator's own BI)
--
-- A session's retailer is current_setting('lastmile.retailer', true); an app
-- or analyst session without it sees and changes no retailer's rows.

CREATE FUNCTION lastmile.current_retailer() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path FROM CURRENT
AS $$ SELECT nullif(pg_catalog.current_setting('lastmile.retailer', true), '') $$;
COMMENT ON FUNCTION lastmile.current_retailer() IS
    'The retailer of this session: the setting lastmile.retailer (SET lastmile.retailer = ''...''), NULL when unset or empty. Row level security shows app and analyst roles only this retailer''s rows.';

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['lastmile_admin', 'lastmile_app', 'lastmile_analyst', 'lastmile_auditor']
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA lastmile
    TO lastmile_admin, lastmile_app, lastmile_analyst, lastmile_auditor;

-- Reading: every role reads every table and view; row level security below
-- narrows what app and analyst roles see.
GRANT SELECT ON ALL TABLES IN SCHEMA lastmile
    TO lastmile_admin, lastmile_app, lastmile_analyst, lastmile_auditor;
GRANT ALL ON ALL TABLES IN SCHEMA lastmile TO lastmile_admin;
GRANT ALL ON ALL SEQUENCES IN SCHEMA lastmile TO lastmile_admin;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA lastmile TO lastmile_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA lastmile
    TO lastmile_admin, lastmile_app, lastmile_analyst, lastmile_auditor;

-- Writing: the app writes everything but the operator's catalog (carriers,
-- their coverage and rates, areas, SMS rates, resources, retailers and their
-- contracts, road distances) and the shared loads (bundles, their stops,
-- reservations: they mix retailers), which only the admin maintains; the
-- derived tables (area parts, capacity counters) are kept by lastmile's own
-- triggers and functions, never written by hand.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_catalog.pg_class c
        WHERE c.relnamespace = 'lastmile'::regnamespace AND c.relkind IN ('r', 'p')
          AND c.relname NOT IN ('retailer', 'carrier', 'area', 'coverage', 'rate', 'contract',
                                'sms_rate', 'resource', 'bundle', 'bundle_stop', 'reservation',
                                'carrier_day', 'route_matrix')
        ORDER BY 1
    LOOP
        EXECUTE format('GRANT INSERT, UPDATE, DELETE ON lastmile.%I TO lastmile_app', t);
    END LOOP;
END
$$;
REVOKE UPDATE, DELETE ON lastmile.allocation FROM lastmile_app;
-- A sender worker takes its batch with SELECT ... FROM lastmile.message_queue
-- ... FOR UPDATE SKIP LOCKED, which needs UPDATE on the view (row level
-- security of message and notification still applies: it is security_invoker).
GRANT UPDATE ON lastmile.message_queue TO lastmile_app;

-- Row level security: one policy for the roles that see every row, one for
-- the roles bound to the session's retailer.  Tables that reach the retailer
-- through a request use EXISTS on transport_request, whose own policy
-- applies inside it.
DO $$
DECLARE
    t text;
    own text;
BEGIN
    FOR t, own IN VALUES
        ('retailer',          'retailer_id = (SELECT lastmile.current_retailer())'),
        ('contract',          'retailer_id = (SELECT lastmile.current_retailer())'),
        ('transport_request', 'retailer_id = (SELECT lastmile.current_retailer())'),
        ('package',           'EXISTS (SELECT 1 FROM lastmile.transport_request r WHERE r.request_id = package.request_id)'),
        ('quote',             'EXISTS (SELECT 1 FROM lastmile.transport_request r WHERE r.request_id = quote.request_id)'),
        ('allocation',        'EXISTS (SELECT 1 FROM lastmile.transport_request r WHERE r.request_id = allocation.request_id)'),
        ('bundle_stop',       'EXISTS (SELECT 1 FROM lastmile.transport_request r WHERE r.request_id = bundle_stop.request_id)'),
        ('notification',      'EXISTS (SELECT 1 FROM lastmile.transport_request r WHERE r.request_id = notification.request_id)'),
        ('message',           'EXISTS (SELECT 1 FROM lastmile.notification n WHERE n.notification_id = message.notification_id)')
    LOOP
        EXECUTE format('ALTER TABLE lastmile.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY every_retailer ON lastmile.%I TO lastmile_admin, lastmile_auditor USING (true) WITH CHECK (true)', t);
        EXECUTE format('CREATE POLICY own_retailer ON lastmile.%I TO lastmile_app, lastmile_analyst USING (%s) WITH CHECK (%s)', t, own, own);
    END LOOP;
END
$$;

-- Places: shared places (hubs, retailer_id NULL) are visible to every
-- retailer; a retailer writes only its own.
ALTER TABLE lastmile.place ENABLE ROW LEVEL SECURITY;
CREATE POLICY every_retailer ON lastmile.place TO lastmile_admin, lastmile_auditor
    USING (true) WITH CHECK (true);
CREATE POLICY own_retailer ON lastmile.place TO lastmile_app, lastmile_analyst
    USING (retailer_id IS NULL OR retailer_id = (SELECT lastmile.current_retailer()))
    WITH CHECK (retailer_id = (SELECT lastmile.current_retailer()));

-- Bundles mix retailers: a retailer sees the bundles (and their
-- reservations) that carry at least one of its requests.
ALTER TABLE lastmile.bundle ENABLE ROW LEVEL SECURITY;
CREATE POLICY every_retailer ON lastmile.bundle TO lastmile_admin, lastmile_auditor
    USING (true) WITH CHECK (true);
CREATE POLICY own_retailer ON lastmile.bundle TO lastmile_app, lastmile_analyst
    USING (EXISTS (SELECT 1 FROM lastmile.bundle_stop s WHERE s.bundle_id = bundle.bundle_id));
ALTER TABLE lastmile.reservation ENABLE ROW LEVEL SECURITY;
CREATE POLICY every_retailer ON lastmile.reservation TO lastmile_admin, lastmile_auditor
    USING (true) WITH CHECK (true);
CREATE POLICY own_retailer ON lastmile.reservation TO lastmile_app, lastmile_analyst
    USING (bundle_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM lastmile.bundle b WHERE b.bundle_id = reservation.bundle_id));

-- Views answer with the rights of whoever queries them, so that row level
-- security applies through them too (PostgreSQL 15 security_invoker).
DO $$
DECLARE
    v text;
BEGIN
    FOR v IN
        SELECT c.relname FROM pg_catalog.pg_class c
        WHERE c.relnamespace = 'lastmile'::regnamespace AND c.relkind = 'v'
    LOOP
        EXECUTE format('ALTER VIEW lastmile.%I SET (security_invoker = true)', v);
    END LOOP;
END
$$;
