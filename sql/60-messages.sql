
-- ---------------------------------------------------------------------------
-- 60-messages.sql — customer messages: notify(), sms_segments(), SMS rates
-- and sender names, and the sending queue (docs/messages.md).
-- ---------------------------------------------------------------------------

-- The retailer's SMS sender name ---------------------------------------------

ALTER TABLE lastmile.retailer
    ADD COLUMN sms_sender text
        CONSTRAINT retailer_sms_sender_check
        CHECK (sms_sender ~ '^[A-Za-z0-9]{1,11}$' AND sms_sender ~ '[A-Za-z]');
COMMENT ON COLUMN lastmile.retailer.sms_sender IS
    'Alphanumeric SMS sender name shown to customers (1 to 11 ASCII letters or digits, at least one letter); used where the sms_rate of the number has sender_allowed, otherwise the gateway''s default number is used (message.sender NULL).';

-- SMS rates: shipped examples, and the user's own rows -------------------------

ALTER TABLE lastmile.sms_rate
    ADD COLUMN shipped boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN lastmile.sms_rate.shipped IS
    'True for the example rows installed by CREATE EXTENSION and not changed since; pg_dump dumps only the rows where it is false (the shipped rows are recreated by CREATE EXTENSION). Inserting a row for a shipped prefix replaces the shipped row; updating a shipped row makes it the user''s.';

-- Example per-segment prices (EUR, excluding VAT) in the range French SMS
-- gateways charge in 2024-2026; replace them with your gateway's prices.
INSERT INTO lastmile.sms_rate (prefix, country, price, sender_allowed, shipped) VALUES
    ('33',  'France',                                      0.0450, true,  true),
    ('262', 'Réunion, Mayotte',                            0.0790, true,  true),
    ('590', 'Guadeloupe, Saint-Barthélemy, Saint-Martin',  0.0790, false, true),
    ('594', 'Guyane',                                      0.0850, false, true),
    ('596', 'Martinique',                                  0.0790, false, true);

SELECT pg_catalog.pg_extension_config_dump('lastmile.sms_rate', 'WHERE NOT shipped');

-- A row the user inserts for a shipped prefix replaces the shipped row, and
-- a shipped row the user changes becomes the user's: both are then dumped,
-- and restoring them after CREATE EXTENSION replaces the shipped rows again.
CREATE FUNCTION lastmile.sms_rate_user_row() RETURNS trigger
    LANGUAGE plpgsql VOLATILE
    SET search_path FROM CURRENT
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT NEW.shipped THEN
            DELETE FROM lastmile.sms_rate s WHERE s.prefix = NEW.prefix AND s.shipped;
        END IF;
    ELSIF OLD.shipped AND NEW.shipped
          AND (NEW.prefix, NEW.country, NEW.price, NEW.sender_allowed)
              IS DISTINCT FROM (OLD.prefix, OLD.country, OLD.price, OLD.sender_allowed) THEN
        NEW.shipped := false;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION lastmile.sms_rate_user_row() IS
    'Trigger of sms_rate: an inserted row replaces the shipped example row of the same prefix, and an updated shipped row becomes the user''s (shipped = false), so that pg_dump keeps it.';
CREATE TRIGGER sms_rate_user_row
    BEFORE INSERT OR UPDATE ON lastmile.sms_rate
    FOR EACH ROW EXECUTE FUNCTION lastmile.sms_rate_user_row();

-- Notifications: idempotency keys ---------------------------------------------

ALTER TABLE lastmile.notification
    ADD COLUMN idempotency_key text
        CONSTRAINT notification_idempotency_key_check
        CHECK (length(idempotency_key) BETWEEN 1 AND 200);
COMMENT ON COLUMN lastmile.notification.idempotency_key IS
    'Optional key given to notify(..., idempotency_key): unique per request, so that a retried call returns the first call''s message instead of sending twice.';
CREATE UNIQUE INDEX notification_request_idempotency_key
    ON lastmile.notification (request_id, idempotency_key);
COMMENT ON INDEX lastmile.notification_request_idempotency_key IS
    'One notification per (request, idempotency key); rows without a key never conflict.';

-- Messages: what was measured, and the sending state ---------------------------

ALTER TABLE lastmile.message
    ADD COLUMN sender text,
    ADD COLUMN encoding text
        CONSTRAINT message_encoding_check CHECK (encoding IN ('gsm7', 'ucs2')),
    ADD COLUMN status text NOT NULL DEFAULT 'pending'
        CONSTRAINT message_status_check CHECK (status IN ('pending', 'sent', 'failed')),
    ADD COLUMN attempts int NOT NULL DEFAULT 0,
    ADD COLUMN not_before timestamptz,
    ADD COLUMN sent_at timestamptz,
    ADD COLUMN error text,
    ADD COLUMN provider_ref text;
COMMENT ON COLUMN lastmile.message.sender IS
    'SMS sender name (the retailer''s sms_sender) where the rate of the number allows one; NULL for the gateway''s default number and for other channels.';
COMMENT ON COLUMN lastmile.message.encoding IS
    'SMS alphabet the body is sent in: gsm7 (GSM 03.38) or ucs2; NULL for other channels.';
COMMENT ON COLUMN lastmile.message.status IS
    'pending (to send, listed by message_queue), sent or failed; set by message_sent().';
COMMENT ON COLUMN lastmile.message.attempts IS
    'Number of send attempts reported by message_sent().';
COMMENT ON COLUMN lastmile.message.not_before IS
    'A pending message is not listed by message_queue before this time (retry back-off set by message_sent(..., retry_after)).';
COMMENT ON COLUMN lastmile.message.sent_at IS
    'When the gateway accepted the message (message_sent() without error).';
COMMENT ON COLUMN lastmile.message.error IS
    'Last error reported by message_sent().';
COMMENT ON COLUMN lastmile.message.provider_ref IS
    'The gateway''s id of the sent message, for delivery reports.';

CREATE INDEX message_pending_idx ON lastmile.message (message_id) WHERE status = 'pending';
COMMENT ON INDEX lastmile.message_pending_idx IS 'The sending queue: pending messages in order.';

-- The queue ----------------------------------------------------------------------

CREATE VIEW lastmile.message_queue WITH (security_invoker = true) AS
SELECT m.message_id,
       n.notification_id,
       n.request_id,
       n.event,
       m.channel,
       m.recipient,
       m.sender,
       m.body,
       m.encoding,
       m.segments,
       m.price,
       m.attempts,
       m.error AS last_error,
       n.created_at
  FROM lastmile.message m
  JOIN lastmile.notification n ON n.notification_id = m.notification_id
 WHERE m.status = 'pending'
   AND (m.not_before IS NULL OR m.not_before <= now());
COMMENT ON VIEW lastmile.message_queue IS
    'Messages to send. A sender worker takes a batch with SELECT ... FROM lastmile.message_queue ORDER BY message_id LIMIT n FOR UPDATE SKIP LOCKED, sends them, and reports each with lastmile.message_sent() in the same transaction (docs/messages.md).';

COMMENT ON COLUMN lastmile.message_queue.message_id IS 'The message to send (message.message_id).';
COMMENT ON COLUMN lastmile.message_queue.notification_id IS 'Its notification.';
COMMENT ON COLUMN lastmile.message_queue.request_id IS 'The request the message is about.';
COMMENT ON COLUMN lastmile.message_queue.event IS 'The notification''s event (e.g. ''out_for_delivery'').';
COMMENT ON COLUMN lastmile.message_queue.channel IS 'sms, email or slack.';
COMMENT ON COLUMN lastmile.message_queue.recipient IS 'E.164 number, e-mail address, Slack channel (#name) or webhook name (webhook:name).';
COMMENT ON COLUMN lastmile.message_queue.sender IS 'SMS sender name to use, or NULL for the gateway''s default number.';
COMMENT ON COLUMN lastmile.message_queue.body IS 'Text to send.';
COMMENT ON COLUMN lastmile.message_queue.encoding IS 'SMS alphabet: gsm7 or ucs2; NULL for other channels.';
COMMENT ON COLUMN lastmile.message_queue.segments IS 'SMS segments billed; NULL for other channels.';
COMMENT ON COLUMN lastmile.message_queue.price IS 'Price of sending, euros.';
COMMENT ON COLUMN lastmile.message_queue.attempts IS 'Send attempts reported so far.';
COMMENT ON COLUMN lastmile.message_queue.last_error IS 'Last error reported by message_sent(), for a retried message.';
COMMENT ON COLUMN lastmile.message_queue.created_at IS 'When the notification was raised.';

-- Functions ---------------------------------------------------------------------

CREATE FUNCTION lastmile.sms_segments(body text) RETURNS int
    AS 'MODULE_PATHNAME', 'lastmile_sms_segments'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lastmile.sms_segments(text) IS
    'Segments an SMS body needs: GSM 03.38 (160 septets, 153 per part, extension characters count 2) or UCS-2 when needed (70 units, 67 per part); a 2-septet character or a surrogate pair is never split across parts; 0 for an empty body.';

CREATE FUNCTION lastmile.sms_info(body text,
                                  OUT encoding text, OUT chars int, OUT units int,
                                  OUT segments int, OUT per_segment int)
    AS 'MODULE_PATHNAME', 'lastmile_sms_info'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lastmile.sms_info(text) IS
    'How an SMS body is measured: encoding (gsm7 or ucs2), characters, units (septets or UTF-16 code units), segments, and the capacity of one segment (160, 153, 70 or 67).';

CREATE FUNCTION lastmile.notify(request_id bigint, event text, channel lastmile.channel,
                                recipient text, body text)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'lastmile_notify'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.notify(bigint, text, lastmile.channel, text, text) IS
    'Creates one notification of the request and its one message (sms, email or slack) and returns the message_id; checks the recipient, measures and prices an SMS (lastmile.sms_max_segments, sms_rate of the longest prefix); signals LISTEN channel lastmile_message at commit.';

CREATE FUNCTION lastmile.notify(request_id bigint, event text, channel lastmile.channel,
                                recipient text, body text, idempotency_key text)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'lastmile_notify'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path FROM CURRENT;
COMMENT ON FUNCTION lastmile.notify(bigint, text, lastmile.channel, text, text, text) IS
    'notify() for retries: the first call with a (request_id, idempotency_key) creates the message, a later or concurrent call with the same key and arguments returns the same message_id; the same key with other arguments is a unique_violation (23505).';

CREATE FUNCTION lastmile.message_sent(message_id bigint, error text DEFAULT NULL,
                                      retry_after interval DEFAULT NULL,
                                      provider_ref text DEFAULT NULL)
    RETURNS text
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path FROM CURRENT
AS $$
DECLARE
    st text;
BEGIN
    IF message_sent.message_id IS NULL THEN
        RAISE EXCEPTION 'message_id must not be null' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF message_sent.retry_after < interval '0' THEN
        RAISE EXCEPTION 'retry_after must not be negative: %', message_sent.retry_after
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT m.status INTO st
      FROM lastmile.message m
     WHERE m.message_id = message_sent.message_id
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'message % does not exist', message_sent.message_id
            USING ERRCODE = 'no_data_found';
    END IF;
    IF st = 'sent' THEN
        IF message_sent.error IS NULL THEN
            RETURN st;          -- a repeated success report changes nothing
        END IF;
        RAISE EXCEPTION 'message % was already sent', message_sent.message_id
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF st = 'failed' THEN
        RAISE EXCEPTION 'message % has already failed', message_sent.message_id
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Call notify() again to send a new message.';
    END IF;
    IF message_sent.error IS NULL THEN
        UPDATE lastmile.message m
           SET status = 'sent', sent_at = now(), attempts = m.attempts + 1,
               provider_ref = message_sent.provider_ref, not_before = NULL
         WHERE m.message_id = message_sent.message_id;
        RETURN 'sent';
    ELSIF message_sent.retry_after IS NOT NULL THEN
        UPDATE lastmile.message m
           SET attempts = m.attempts + 1, error = message_sent.error,
               not_before = now() + message_sent.retry_after
         WHERE m.message_id = message_sent.message_id;
        RETURN 'pending';
    ELSE
        UPDATE lastmile.message m
           SET status = 'failed', attempts = m.attempts + 1, error = message_sent.error,
               provider_ref = coalesce(message_sent.provider_ref, m.provider_ref),
               not_before = NULL
         WHERE m.message_id = message_sent.message_id;
        RETURN 'failed';
    END IF;
END;
$$;
COMMENT ON FUNCTION lastmile.message_sent(bigint, text, interval, text) IS
    'A sender worker''s report on a pending message: without error it is sent (sent_at = now(), idempotent); with an error it failed for good, or with retry_after it stays pending and reappears in message_queue after that delay. Returns the new status.';

CREATE FUNCTION lastmile.message_claim(max_messages int DEFAULT 10,
                                       lease interval DEFAULT '5 minutes',
                                       channel lastmile.channel DEFAULT NULL)
    RETURNS SETOF lastmile.message_queue
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path FROM CURRENT
    ROWS 10
AS $$
BEGIN
    IF max_messages IS NULL OR max_messages < 1 THEN
        RAISE EXCEPTION 'max_messages must be at least 1: %', max_messages
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF lease IS NULL OR lease <= interval '0' THEN
        RAISE EXCEPTION 'lease must be positive: %', lease
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
    WITH batch AS (
        SELECT q.*
          FROM lastmile.message_queue q
         WHERE message_claim.channel IS NULL OR q.channel = message_claim.channel
         ORDER BY q.message_id
         LIMIT message_claim.max_messages
           FOR UPDATE SKIP LOCKED
    ), leased AS (
        UPDATE lastmile.message m
           SET not_before = now() + message_claim.lease
          FROM batch b
         WHERE m.message_id = b.message_id
        RETURNING m.message_id
    )
    SELECT b.* FROM batch b JOIN leased l ON l.message_id = b.message_id
     ORDER BY b.message_id;
END;
$$;
COMMENT ON FUNCTION lastmile.message_claim(int, interval, lastmile.channel) IS
    'Takes up to max_messages pending messages (of one channel, or all) for a sender worker and hides them from message_queue for lease, so that the worker can commit at once and send outside a transaction; report each with message_sent(); an unreported message reappears when the lease ends.';
