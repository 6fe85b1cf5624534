------------------------------------------------------------------------
-- The checkout keeps a per-backend copy of lastmile.place (to find a
-- cart's origin without a query); any change to place invalidates every
-- backend's copy, and only that copy.
------------------------------------------------------------------------
CREATE FUNCTION lastmile.place_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'lastmile_place_changed' LANGUAGE C;
COMMENT ON FUNCTION lastmile.place_changed() IS
    'Trigger function: tells every backend that its cached copy of lastmile.place is stale.';
CREATE TRIGGER place_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lastmile.place
    FOR EACH STATEMENT EXECUTE FUNCTION lastmile.place_changed();
