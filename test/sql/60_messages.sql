-- Customer messages: sms_segments(), sms_info(), notify(), message_sent(),
-- message_queue.  Everything runs in one transaction rolled back at the end.
\set VERBOSITY default
SET client_min_messages = warning;

-- An error as "SQLSTATE: message", so that the state is checked too.
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- ---------------------------------------------------------------- segments
-- the function's labels: immutable, strict, parallel safe
SELECT p.oid::regprocedure, p.provolatile, p.proisstrict, p.proparallel
  FROM pg_proc p
 WHERE p.pronamespace = 'lastmile'::regnamespace
   AND p.proname IN ('sms_segments', 'sms_info', 'notify', 'message_sent', 'message_claim')
 ORDER BY p.oid::regprocedure::text;

-- GSM: 160 in one segment, 161 in two, 153 per part
SELECT n, lastmile.sms_segments(repeat('a', n))
  FROM unnest(ARRAY[0, 1, 160, 161, 306, 307, 459, 460]) AS n;
SELECT lastmile.sms_segments(NULL) IS NULL AS null_is_null;
-- é, è, à, ù, Ç are in the GSM alphabet; ç, ê, œ are not
SELECT s, (lastmile.sms_info(s)).*
  FROM unnest(ARRAY['é', 'è', 'à', 'ù', 'Ç', 'ç', 'ê', 'œ', '`', '€', '{']) AS s;
-- extension characters count 2 septets
SELECT lastmile.sms_segments(repeat('{', 80)) AS "80 braces",
       lastmile.sms_segments(repeat('{', 81)) AS "81 braces",
       lastmile.sms_segments(repeat('a', 158) || '€') AS "158 a + euro",
       lastmile.sms_segments(repeat('a', 159) || '€') AS "159 a + euro",
       lastmile.sms_segments(repeat('|', 80)) AS "80 pipes";
SELECT (lastmile.sms_info(repeat('~', 80))).*;
-- an extension character is never split: 152 a, '[', 152 a = 306 septets
-- but 3 parts (152 | [ + 151 | 1); one septet less and it is 2 parts
SELECT (lastmile.sms_info(repeat('a', 152) || '[' || repeat('a', 152))).*;
SELECT (lastmile.sms_info(repeat('a', 152) || '[' || repeat('a', 151))).*;
SELECT (lastmile.sms_info(repeat('a', 153) || '[' || repeat('a', 151))).*;
SELECT lastmile.sms_segments(repeat('€', 152)) AS "152 euros",
       lastmile.sms_segments(repeat('€', 153)) AS "153 euros";
-- UCS-2: 70 in one segment, 71 in two, 67 per part
SELECT n, lastmile.sms_segments(repeat('ê', n))
  FROM unnest(ARRAY[1, 70, 71, 134, 135, 201, 202]) AS n;
SELECT lastmile.sms_segments(repeat('a', 69) || 'ç') AS "69 a + ç",
       lastmile.sms_segments(repeat('a', 70) || 'ç') AS "70 a + ç",
       lastmile.sms_segments(repeat('{', 69) || 'ç') AS "69 braces + ç (1 unit each in UCS-2)";
SELECT (lastmile.sms_info('Привет, ваша посылка в пути')).*;
-- surrogate pairs (emoji) are 2 units and never split
SELECT (lastmile.sms_info('📦')).*;
SELECT lastmile.sms_segments(repeat('📦', 35)) AS "35 emoji",
       lastmile.sms_segments(repeat('📦', 36)) AS "36 emoji",
       lastmile.sms_segments(repeat('ê', 68) || '📦') AS "68 + emoji",
       lastmile.sms_segments(repeat('ê', 69) || '📦') AS "69 + emoji",
       lastmile.sms_segments(repeat('📦', 66)) AS "66 emoji",
       lastmile.sms_segments(repeat('📦', 67)) AS "67 emoji";
SELECT (lastmile.sms_info(repeat('ê', 66) || '📦' || repeat('ê', 66))).*;
SELECT (lastmile.sms_info(repeat('ê', 66) || '📦' || repeat('ê', 65))).*;

-- ---------------------------------------------------------------- notify
BEGIN;
INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('msg-shop', 'Msg Shop'), ('msg-nosender', 'No Sender');
UPDATE lastmile.retailer SET sms_sender = 'MsgShop' WHERE retailer_id = 'msg-shop';
INSERT INTO lastmile.place (place_id, retailer_id, name, location) VALUES
    (960001, 'msg-shop', 'Msg store', ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326)),
    (960002, 'msg-nosender', 'Other store', ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326));
INSERT INTO lastmile.transport_request (request_id, retailer_id, order_ref, origin_id, destination) VALUES
    (960001, 'msg-shop', 'MSG-1', 960001, ST_SetSRID(ST_MakePoint(2.30, 48.80), 4326)),
    (960002, 'msg-nosender', 'MSG-2', 960002, ST_SetSRID(ST_MakePoint(2.30, 48.80), 4326));

-- the shipped example rates
SELECT prefix, country, price, sender_allowed, shipped FROM lastmile.sms_rate ORDER BY prefix;

-- sender names: at most 11 letters or digits, at least one letter
SELECT pg_temp.err($$UPDATE lastmile.retailer SET sms_sender = 'TwelveLetter' WHERE retailer_id = 'msg-nosender'$$);
SELECT pg_temp.err($$UPDATE lastmile.retailer SET sms_sender = 'My Shop' WHERE retailer_id = 'msg-nosender'$$);
SELECT pg_temp.err($$UPDATE lastmile.retailer SET sms_sender = '0612345678' WHERE retailer_id = 'msg-nosender'$$);

CREATE TEMP TABLE sent (label text, message_id bigint);
-- one of each channel; France allows the sender name, Guadeloupe does not
INSERT INTO sent SELECT 'sms fr', lastmile.notify(960001, 'allocated', 'sms', '+33612345678', 'Votre colis MSG-1 arrive demain.');
INSERT INTO sent SELECT 'sms reunion', lastmile.notify(960001, 'allocated', 'sms', '+262692123456', 'Votre colis arrive demain.');
INSERT INTO sent SELECT 'sms guadeloupe', lastmile.notify(960001, 'allocated', 'sms', '+590690123456', 'Votre colis arrive demain.');
INSERT INTO sent SELECT 'sms guyane', lastmile.notify(960001, 'allocated', 'sms', '+594694123456', 'Votre colis arrive demain.');
INSERT INTO sent SELECT 'sms martinique', lastmile.notify(960001, 'allocated', 'sms', '+596696123456', 'Votre colis arrive demain.');
INSERT INTO sent SELECT 'sms no sender', lastmile.notify(960002, 'allocated', 'sms', '+33612345678', 'Votre colis arrive demain.');
INSERT INTO sent SELECT 'sms ucs2', lastmile.notify(960001, 'allocated', 'sms', '+33612345678', 'Votre colis a été expédié, ça arrive ! 📦');
INSERT INTO sent SELECT 'sms 160', lastmile.notify(960001, 'allocated', 'sms', '+33612345678', repeat('a', 160));
INSERT INTO sent SELECT 'email', lastmile.notify(960001, 'shipped', 'email', 'jean.dupont@example.fr', 'Votre colis est parti.');
INSERT INTO sent SELECT 'slack', lastmile.notify(960001, 'shipped', 'slack', '#ops-alerts', 'MSG-1 shipped');
INSERT INTO sent SELECT 'slack webhook', lastmile.notify(960001, 'shipped', 'slack', 'webhook:store-42', 'MSG-1 shipped');
SELECT s.label, n.request_id, n.event, m.channel, m.recipient, m.segments, m.price, m.sender,
       m.encoding, m.status, m.attempts, n.idempotency_key
  FROM sent s
  JOIN lastmile.message m USING (message_id)
  JOIN lastmile.notification n USING (notification_id)
 ORDER BY s.message_id;
-- every notification has exactly its one message
SELECT count(*) AS notifications, count(m.message_id) AS messages
  FROM lastmile.notification n LEFT JOIN lastmile.message m USING (notification_id)
 WHERE n.request_id IN (960001, 960002);

-- segments beyond lastmile.sms_max_segments: 22001, nothing written
SHOW lastmile.sms_max_segments;
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'sms', '+33612345678', repeat('a', 161))$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'sms', '+33612345678', repeat('ê', 71))$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'sms', '+33612345678', repeat('a', 159) || '€')$$);
SELECT count(*) AS notifications_with_x FROM lastmile.notification WHERE event = 'x';
-- the whole error, as a user sees it
SAVEPOINT before_error;
SELECT lastmile.notify(960001, 'x', 'sms', '+33612345678', 'Bonjour, votre colis arrive ' || repeat('!', 140));
ROLLBACK TO SAVEPOINT before_error;
SELECT lastmile.notify(960001, 'x', 'sms', '+33612345678', 'Votre colis arrivera demain entre 8h et 12h. Suivez-le ici : https://suivi.example.fr/abc' || repeat('€', 40));
ROLLBACK TO SAVEPOINT before_error;
SELECT lastmile.notify(960001, 'x', 'sms', '06 12 34 56 78', 'a');
ROLLBACK TO SAVEPOINT before_error;
SELECT lastmile.notify(960001, 'x', 'sms', '+4915112345678', 'a');
ROLLBACK TO SAVEPOINT before_error;
SELECT lastmile.notify(960001, 'x', 'email', 'jean.dupont@example', 'a');
ROLLBACK TO SAVEPOINT before_error;
SELECT lastmile.notify(960001, 'x', 'slack', 'ops', 'a');
ROLLBACK TO SAVEPOINT before_error;
SET LOCAL lastmile.sms_max_segments = 2;
INSERT INTO sent SELECT 'sms 161', lastmile.notify(960001, 'x2', 'sms', '+33612345678', repeat('a', 161));
INSERT INTO sent SELECT 'sms 306', lastmile.notify(960001, 'x2', 'sms', '+33612345678', repeat('a', 306));
INSERT INTO sent SELECT 'sms 71 ucs2', lastmile.notify(960001, 'x2', 'sms', '+262692123456', repeat('ê', 71));
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'sms', '+33612345678', repeat('a', 307))$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'sms', '+33612345678', repeat('a', 152) || '[' || repeat('a', 152))$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'sms', '+33612345678', repeat('ê', 66) || '📦' || repeat('ê', 66))$$);
SELECT s.label, m.segments, m.price, m.encoding
  FROM sent s JOIN lastmile.message m USING (message_id)
 WHERE s.label IN ('sms 161', 'sms 306', 'sms 71 ucs2') ORDER BY s.message_id;
SELECT pg_temp.err($$SET lastmile.sms_max_segments = 0$$);
SELECT pg_temp.err($$SET lastmile.sms_max_segments = 256$$);

-- the longest prefix wins: a more specific rate for French mobiles 336
INSERT INTO lastmile.sms_rate (prefix, country, price, sender_allowed) VALUES ('336', 'France mobile', 0.0400, false);
INSERT INTO sent SELECT 'sms 336', lastmile.notify(960001, 'x3', 'sms', '+33612345678', 'a');
INSERT INTO sent SELECT 'sms 337', lastmile.notify(960001, 'x3', 'sms', '+33712345678', 'a');
INSERT INTO sent SELECT 'sms 2626', lastmile.notify(960001, 'x3', 'sms', '+262639123456', 'a');
SELECT s.label, m.recipient, m.price, m.sender
  FROM sent s JOIN lastmile.message m USING (message_id)
 WHERE s.label IN ('sms 336', 'sms 337', 'sms 2626') ORDER BY s.message_id;
-- a user's row for a shipped prefix replaces the shipped row; a changed
-- shipped row becomes the user's (both are then dumped)
INSERT INTO lastmile.sms_rate (prefix, country, price, sender_allowed) VALUES ('33', 'France (my gateway)', 0.0420, true);
UPDATE lastmile.sms_rate SET price = 0.0800 WHERE prefix = '262';
UPDATE lastmile.sms_rate SET country = country WHERE prefix = '590';
SELECT prefix, country, price, sender_allowed, shipped FROM lastmile.sms_rate ORDER BY prefix;
INSERT INTO sent SELECT 'sms 337 own rate', lastmile.notify(960001, 'x3', 'sms', '+33712345678', 'a');
SELECT m.price FROM sent s JOIN lastmile.message m USING (message_id) WHERE s.label = 'sms 337 own rate';
SELECT pg_temp.err($$INSERT INTO lastmile.sms_rate (prefix, country, price) VALUES ('33', 'again', 0.05)$$);
-- no rate for the number
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'sms', '+4915112345678', 'a')$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'sms', '+3', 'a')$$);

-- recipients
SELECT r, pg_temp.err(format('SELECT lastmile.notify(960001, %L, %L, %L, %L)', 'x', 'sms', r, 'a'))
  FROM unnest(ARRAY['0612345678', '33612345678', '+33 6 12 34 56 78', '+33-612345678',
                    '+0612345678', '+', '', '+1234567890123456', ' +33612345678',
                    '+33612345678 ', '+3361234567a', 'tel:+33612345678']) AS r;
SELECT r, pg_temp.err(format('SELECT lastmile.notify(960001, %L, %L, %L, %L)', 'x', 'email', r, 'a'))
  FROM unnest(ARRAY['plainaddress', 'user@localhost', '@example.fr', 'user@', 'a@@b.fr',
                    'a b@example.fr', 'a@exa mple.fr', '.a@example.fr', 'a..b@example.fr',
                    'a@example..fr', 'a@-example.fr', '"q"@example.fr', 'a@[10.0.0.1]', '']) AS r;
SELECT r, pg_temp.err(format('SELECT lastmile.notify(960001, %L, %L, %L, %L)', 'x', 'slack', r, 'a'))
  FROM unnest(ARRAY['ops', '#', '#Ops', '#ops alerts', '##ops', 'webhook:', 'webhook:Ops',
                    'https://hooks.slack.com/services/T0/B0/X', '@jean']) AS r;
-- channel and webhook names: at most 80 characters
SELECT n, left(pg_temp.err(format('SELECT lastmile.notify(960001, %L, %L, %L, %L)', 'slack80', 'slack', p || repeat('x', n), 'a')), 36)
  FROM unnest(ARRAY['#', 'webhook:']) AS p, unnest(ARRAY[80, 81]) AS n;
-- bodies and events
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'sms', '+33612345678', '')$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'email', 'a@example.fr', E' \n\t ')$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, '', 'slack', '#ops', 'a')$$);
-- unknown request
SELECT pg_temp.err($$SELECT lastmile.notify(-1, 'x', 'sms', '+33612345678', 'a')$$);
SELECT pg_temp.err($$SELECT lastmile.notify(999999999, 'x', 'email', 'a@example.fr', 'a')$$);
-- a bad channel is the enum's own error
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'fax', '+33612345678', 'a')$$);
-- NULL arguments never crash
SELECT pg_temp.err($$SELECT lastmile.notify(NULL, 'x', 'sms', '+33612345678', 'a')$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, NULL, 'sms', '+33612345678', 'a')$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', NULL, '+33612345678', 'a')$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'sms', NULL, 'a')$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'x', 'sms', '+33612345678', NULL)$$);
SELECT pg_temp.err($$SELECT lastmile.notify(NULL, NULL, NULL, NULL, NULL)$$);
SELECT pg_temp.err($$SELECT lastmile.notify(NULL, NULL, NULL, NULL, NULL, NULL)$$);
SELECT pg_temp.err($$SELECT lastmile.sms_info(NULL)$$);
-- nothing of the failed calls was written
SELECT count(*) AS notifications_with_x FROM lastmile.notification WHERE event = 'x';

-- ---------------------------------------------------------------- idempotency
CREATE TEMP TABLE idem AS
SELECT lastmile.notify(960001, 'delivered', 'sms', '+33612345678', 'Livré.', 'delivered-960001') AS first,
       lastmile.notify(960001, 'delivered', 'sms', '+33612345678', 'Livré.', 'delivered-960001') AS second,
       lastmile.notify(request_id => 960001, event => 'delivered', channel => 'sms',
                       recipient => '+33612345678', body => 'Livré.',
                       idempotency_key => 'delivered-960001') AS named,
       lastmile.notify(960001, 'delivered', 'sms', '+33612345678', 'Livré.', NULL) AS no_key;
SELECT first = second AS same_id, first = named AS same_named, first <> no_key AS no_key_is_new FROM idem;
SELECT count(*) FROM lastmile.notification WHERE idempotency_key = 'delivered-960001';
-- the same key on another request is another notification
SELECT lastmile.notify(960002, 'delivered', 'sms', '+33612345678', 'Livré.', 'delivered-960001') <> first AS other_request
  FROM idem;
-- the same key with other arguments is a unique violation
SELECT regexp_replace(pg_temp.err($$SELECT lastmile.notify(960001, 'delivered', 'sms', '+33612345678', 'Autre.', 'delivered-960001')$$),
                      'Message [0-9]+', 'Message N');
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'delivered', 'email', 'a@example.fr', 'Livré.', 'delivered-960001')$$);
SELECT pg_temp.err($$SELECT lastmile.notify(960001, 'delivered', 'sms', '+33612345678', 'Livré.', '')$$);
SELECT left(pg_temp.err(format('SELECT lastmile.notify(960001, %L, %L, %L, %L, %L)', 'd', 'sms', '+33612345678', 'a', repeat('k', 201))), 40);
SELECT lastmile.notify(960001, 'd', 'sms', '+33612345678', 'a', repeat('k', 200)) IS NOT NULL AS "200-byte key";
-- a second message for one notification is refused by the table itself
SELECT pg_temp.err($$INSERT INTO lastmile.message (notification_id, channel, recipient, body)
                     SELECT m.notification_id, 'email', 'a@example.fr', 'again' FROM lastmile.message m
                       JOIN idem ON m.message_id = idem.first$$);

-- ---------------------------------------------------------------- the queue
SELECT count(*) AS pending FROM lastmile.message_queue WHERE request_id IN (960001, 960002);
SELECT q.channel, q.recipient, q.sender, q.segments, q.price
  FROM lastmile.message_queue q JOIN sent s USING (message_id)
 WHERE s.label IN ('sms fr', 'email', 'slack') ORDER BY q.message_id;
-- sent, failed, retried later
SELECT lastmile.message_sent(message_id, provider_ref => 'gw-1') FROM sent WHERE label = 'sms fr';
SELECT lastmile.message_sent(message_id) FROM sent WHERE label = 'sms fr';
SELECT lastmile.message_sent(message_id, 'mailbox unavailable') FROM sent WHERE label = 'email';
SELECT lastmile.message_sent(message_id, 'gateway timeout', interval '5 minutes') FROM sent WHERE label = 'slack';
SELECT s.label, m.status, m.attempts, m.error, m.provider_ref, m.sent_at IS NOT NULL AS has_sent_at,
       m.not_before > now() AS deferred
  FROM sent s JOIN lastmile.message m USING (message_id)
 WHERE s.label IN ('sms fr', 'email', 'slack') ORDER BY s.message_id;
SELECT s.label, s.message_id IN (SELECT message_id FROM lastmile.message_queue) AS queued
  FROM sent s WHERE s.label IN ('sms fr', 'email', 'slack', 'sms reunion') ORDER BY s.message_id;
-- a retried message that then succeeds
SELECT lastmile.message_sent(message_id) FROM sent WHERE label = 'slack';
SELECT m.status, m.attempts, m.error, m.not_before FROM lastmile.message m JOIN sent s USING (message_id) WHERE s.label = 'slack';
-- errors
SELECT regexp_replace(pg_temp.err(format('SELECT lastmile.message_sent(%s, %L)', message_id, 'late error')), 'message [0-9]+', 'message N')
  FROM sent WHERE label = 'sms fr';
SELECT regexp_replace(pg_temp.err(format('SELECT lastmile.message_sent(%s)', message_id)), 'message [0-9]+', 'message N')
  FROM sent WHERE label = 'email';
SELECT pg_temp.err($$SELECT lastmile.message_sent(-1)$$);
SELECT pg_temp.err($$SELECT lastmile.message_sent(NULL)$$);
SELECT pg_temp.err(format('SELECT lastmile.message_sent(%s, %L, %L)', message_id, 'e', '-1 minute'))
  FROM sent WHERE label = 'sms reunion';
-- claims: the oldest pending messages of a channel, hidden for the lease
SELECT s.label, c.recipient, c.body
  FROM lastmile.message_claim(3, '10 minutes', 'sms') c JOIN sent s USING (message_id)
 ORDER BY c.message_id;
SELECT s.label, m.status, m.not_before > now() AS leased,
       s.message_id IN (SELECT message_id FROM lastmile.message_queue) AS queued
  FROM sent s JOIN lastmile.message m USING (message_id)
 WHERE s.label IN ('sms reunion', 'sms guadeloupe', 'sms guyane', 'sms martinique')
 ORDER BY s.message_id;
SELECT lastmile.message_sent(message_id) FROM sent WHERE label = 'sms reunion';
SELECT count(*) AS email_claimed FROM lastmile.message_claim(channel => 'email') c JOIN sent s USING (message_id);
SELECT pg_temp.err($$SELECT * FROM lastmile.message_claim(0)$$);
SELECT pg_temp.err($$SELECT * FROM lastmile.message_claim(NULL)$$);
SELECT pg_temp.err($$SELECT * FROM lastmile.message_claim(1, '0 s')$$);
SELECT pg_temp.err($$SELECT * FROM lastmile.message_claim(1, NULL)$$);
ROLLBACK;

-- the shipped rates are not dumped, the user's are
SELECT c.relname, x.cond
  FROM pg_extension e,
       unnest(e.extconfig, e.extcondition) AS x(oid, cond)
  JOIN pg_class c ON c.oid = x.oid
 WHERE e.extname = 'lastmile' AND c.relname IN ('sms_rate', 'message', 'notification')
 ORDER BY 1;
RESET client_min_messages;
