
-- ---------------------------------------------------------------------------
-- 95-messages-grants.sql — after the roles of 90-security.sql exist: a
-- sender worker running as lastmile_app takes its batch with
-- SELECT ... FROM lastmile.message_queue ... FOR UPDATE SKIP LOCKED, which
-- needs the UPDATE privilege on the view (row level security of message and
-- notification still applies: the view is security_invoker).
-- ---------------------------------------------------------------------------

GRANT UPDATE ON lastmile.message_queue TO lastmile_app;
