-- Installs lastmile once for the pg_regress run; every later test file
-- assumes it and leaves no rows behind.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lastmile CASCADE;
RESET client_min_messages;
SELECT extname FROM pg_extension WHERE extname IN ('lastmile', 'postgis', 'btree_gist') ORDER BY 1;
