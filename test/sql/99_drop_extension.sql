-- DROP EXTENSION removes everything lastmile created (runs last).
\set VERBOSITY terse
DROP EXTENSION lastmile;
SELECT count(*) AS schemas_left FROM pg_namespace WHERE nspname = 'lastmile';
SELECT count(*) AS types_left FROM pg_type WHERE typname IN ('dims', 'service', 'request_status', 'channel');
SELECT count(*) AS operators_left FROM pg_operator WHERE oprcode::text LIKE '%dims%';
SELECT count(*) AS functions_left FROM pg_proc WHERE proname IN ('allocate', 'bundle', 'label_zpl', 'notify', 'dims_in');
-- the roles are cluster-wide and stay, without any lastmile privilege left
SELECT rolname FROM pg_roles WHERE rolname LIKE 'lastmile\_%' ORDER BY 1;
-- and it installs again
SET client_min_messages = warning;
CREATE EXTENSION lastmile;
RESET client_min_messages;
SELECT '30x60x40'::lastmile.dims = '60x40x30' AS installs_again;
