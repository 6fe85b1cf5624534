-- pgTAP: customer messages (notify, sms_segments, the sending queue).
BEGIN;
SELECT plan(74);

-- ------------------------------------------------------------ the contract
SELECT has_function('lastmile', 'notify', ARRAY['bigint', 'text', 'lastmile.channel', 'text', 'text'],
                    'notify(request_id, event, channel, recipient, body) exists');
SELECT function_returns('lastmile', 'notify', ARRAY['bigint', 'text', 'lastmile.channel', 'text', 'text'], 'bigint',
                        'notify returns bigint');
SELECT has_function('lastmile', 'notify', ARRAY['bigint', 'text', 'lastmile.channel', 'text', 'text', 'text'],
                    'notify(..., idempotency_key) overload exists');
SELECT has_function('lastmile', 'sms_segments', ARRAY['text'], 'sms_segments(text) exists');
SELECT function_returns('lastmile', 'sms_segments', ARRAY['text'], 'integer', 'sms_segments returns int');
SELECT volatility_is('lastmile', 'sms_segments', ARRAY['text'], 'immutable', 'sms_segments is immutable');
SELECT is_strict('lastmile', 'sms_segments', ARRAY['text'], 'sms_segments is strict');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'lastmile.sms_segments(text)'::regprocedure), 's',
          'sms_segments is parallel safe');
SELECT volatility_is('lastmile', 'notify', ARRAY['bigint', 'text', 'lastmile.channel', 'text', 'text'], 'volatile',
                     'notify is volatile');
SELECT ok((SELECT proconfig::text LIKE '%search_path%' FROM pg_proc
            WHERE oid = 'lastmile.notify(bigint,text,lastmile.channel,text,text)'::regprocedure),
          'notify pins search_path');
SELECT has_view('lastmile', 'message_queue', 'message_queue view exists');
SELECT ok((SELECT reloptions::text LIKE '%security_invoker=true%' FROM pg_class
            WHERE oid = 'lastmile.message_queue'::regclass),
          'message_queue applies the caller''s row level security');
SELECT has_function('lastmile', 'message_sent', ARRAY['bigint', 'text', 'interval', 'text'], 'message_sent exists');
SELECT ok(obj_description('lastmile.notify(bigint,text,lastmile.channel,text,text)'::regprocedure, 'pg_proc') IS NOT NULL
          AND obj_description('lastmile.sms_segments(text)'::regprocedure, 'pg_proc') IS NOT NULL
          AND obj_description('lastmile.message_queue'::regclass, 'pg_class') IS NOT NULL,
          'functions and the queue view are commented');

-- ------------------------------------------------------------ segments
SELECT is(lastmile.sms_segments(repeat('a', 160)), 1, '160 GSM characters: 1 segment');
SELECT is(lastmile.sms_segments(repeat('a', 161)), 2, '161 GSM characters: 2 segments');
SELECT is(lastmile.sms_segments(repeat('a', 306)), 2, '306 GSM characters: 2 segments');
SELECT is(lastmile.sms_segments(repeat('a', 307)), 3, '307 GSM characters: 3 segments');
SELECT is(lastmile.sms_segments(repeat('^', 80)), 1, '80 carets = 160 septets: 1 segment');
SELECT is(lastmile.sms_segments(repeat('^', 81)), 2, '81 carets = 162 septets: 2 segments');
SELECT is(lastmile.sms_segments(repeat('a', 152) || '\' || repeat('a', 152)), 3,
          'a backslash straddling two parts moves to the next part');
SELECT is(lastmile.sms_segments(repeat('ô', 70)), 1, '70 UCS-2 characters: 1 segment');
SELECT is(lastmile.sms_segments(repeat('ô', 71)), 2, '71 UCS-2 characters: 2 segments');
SELECT is(lastmile.sms_segments(repeat('😀', 35)), 1, '35 emoji = 70 units: 1 segment');
SELECT is(lastmile.sms_segments(repeat('ô', 66) || '😀' || repeat('ô', 66)), 3,
          'a surrogate pair straddling two parts moves to the next part');
SELECT is(lastmile.sms_segments(NULL), NULL, 'sms_segments(NULL) is NULL');
SELECT is(lastmile.sms_segments(''), 0, 'an empty body needs no segment');
-- the setting exists once the library is loaded (any lastmile C function)
SELECT is(current_setting('lastmile.sms_max_segments'), '1', 'lastmile.sms_max_segments defaults to 1');

-- ------------------------------------------------------------ data
INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('tap-msg-a', 'A'), ('tap-msg-b', 'B');
UPDATE lastmile.retailer SET sms_sender = 'ShopA' WHERE retailer_id = 'tap-msg-a';
INSERT INTO lastmile.place (place_id, retailer_id, name, location) VALUES
    (980001, 'tap-msg-a', 'A store', 'SRID=4326;POINT(2.35 48.85)'),
    (980002, 'tap-msg-b', 'B store', 'SRID=4326;POINT(2.35 48.85)');
INSERT INTO lastmile.transport_request (request_id, retailer_id, order_ref, origin_id, destination) VALUES
    (980001, 'tap-msg-a', 'A-1', 980001, 'SRID=4326;POINT(2.30 48.80)'),
    (980002, 'tap-msg-b', 'B-1', 980002, 'SRID=4326;POINT(2.30 48.80)');

-- ------------------------------------------------------------ notify
CREATE TEMP TABLE m AS
SELECT lastmile.notify(980001, 'allocated', 'sms', '+33612345678', 'Bonjour') AS fr,
       lastmile.notify(980001, 'allocated', 'sms', '+262262123456', 'Bonjour') AS re,
       lastmile.notify(980001, 'allocated', 'sms', '+596696123456', 'Bonjour') AS mq,
       lastmile.notify(980002, 'allocated', 'sms', '+33612345678', 'Bonjour') AS b_fr,
       lastmile.notify(980001, 'shipped', 'email', 'client@example.fr', 'Parti') AS mail,
       lastmile.notify(980001, 'shipped', 'slack', '#deliveries', 'Parti') AS slack;
SELECT is((SELECT count(*) FROM lastmile.notification WHERE request_id IN (980001, 980002)), 6::bigint,
          'six calls, six notifications');
SELECT is((SELECT count(*) FROM lastmile.message x JOIN lastmile.notification n USING (notification_id)
            WHERE n.request_id IN (980001, 980002)), 6::bigint, 'and six messages, one each');
SELECT is((SELECT price FROM lastmile.message, m WHERE message_id = m.fr), 0.0450, '+33: the France rate');
SELECT is((SELECT price FROM lastmile.message, m WHERE message_id = m.re), 0.0790, '+262 is Réunion, not +33 France');
SELECT is((SELECT price FROM lastmile.message, m WHERE message_id = m.mq), 0.0790, '+596: Martinique');
SELECT is((SELECT sender FROM lastmile.message, m WHERE message_id = m.fr), 'ShopA', 'sender name kept where allowed');
SELECT is((SELECT sender FROM lastmile.message, m WHERE message_id = m.mq), NULL, 'sender name dropped where not allowed');
SELECT is((SELECT sender FROM lastmile.message, m WHERE message_id = m.b_fr), NULL, 'no sender name when the retailer has none');
SELECT is((SELECT segments FROM lastmile.message, m WHERE message_id = m.fr), 1, 'SMS segments stored');
SELECT ok((SELECT segments IS NULL AND price = 0 AND sender IS NULL AND encoding IS NULL
             FROM lastmile.message, m WHERE message_id = m.mail), 'e-mail: no segments, price 0');
SELECT is((SELECT recipient FROM lastmile.message, m WHERE message_id = m.slack), '#deliveries', 'slack channel stored');

SET LOCAL lastmile.sms_max_segments = 3;
CREATE TEMP TABLE long_sms AS SELECT lastmile.notify(980001, 'long', 'sms', '+33612345678', repeat('x', 459)) AS id;
SELECT is((SELECT price FROM lastmile.message, long_sms WHERE message_id = long_sms.id),
          0.1350, 'three segments cost three times the rate');
SELECT throws_ok($$SELECT lastmile.notify(980001, 'long', 'sms', '+33612345678', repeat('x', 460))$$,
                 '22001', 'SMS body needs 4 segments, more than lastmile.sms_max_segments (3)',
                 'four segments with a limit of three: 22001');
RESET lastmile.sms_max_segments;
SELECT throws_ok($$SELECT lastmile.notify(980001, 'long', 'sms', '+33612345678', repeat('x', 161))$$,
                 '22001', NULL, '161 characters with the default limit: 22001');
SELECT throws_ok($$SELECT lastmile.notify(980001, 'e', 'sms', '+33 612345678', 'x')$$,
                 '22023', 'invalid SMS recipient "+33 612345678"', 'spaces are not E.164');
SELECT throws_ok($$SELECT lastmile.notify(980001, 'e', 'sms', '+4930123456', 'x')$$,
                 '22023', 'no SMS rate for "+4930123456"', 'a number without a rate');
SELECT throws_ok($$SELECT lastmile.notify(980001, 'e', 'email', 'client@example', 'x')$$,
                 '22023', 'invalid e-mail recipient "client@example"', 'an e-mail domain needs a dot');
SELECT throws_ok($$SELECT lastmile.notify(980001, 'e', 'slack', 'deliveries', 'x')$$,
                 '22023', 'invalid Slack recipient "deliveries"', 'a Slack channel starts with #');
SELECT throws_ok($$SELECT lastmile.notify(980001, 'e', 'email', 'client@example.fr', '')$$,
                 '22023', 'message body must not be empty', 'empty body');
SELECT throws_ok($$SELECT lastmile.notify(424242424242, 'e', 'email', 'client@example.fr', 'x')$$,
                 'P0002', 'request 424242424242 does not exist', 'unknown request');
SELECT throws_ok($$SELECT lastmile.notify(980001, 'e', 'sms', NULL, 'x')$$,
                 '22023', 'recipient must not be null', 'NULL recipient');
SELECT is((SELECT count(*) FROM lastmile.notification WHERE event IN ('e', 'long') AND request_id = 980001), 1::bigint,
          'failed calls wrote nothing');

-- ------------------------------------------------------------ idempotency
SELECT is(lastmile.notify(980001, 'delivered', 'sms', '+33612345678', 'Livré', 'k-980001'),
          lastmile.notify(980001, 'delivered', 'sms', '+33612345678', 'Livré', 'k-980001'),
          'a retry with the same key returns the same message_id');
SELECT is((SELECT count(*) FROM lastmile.notification WHERE idempotency_key = 'k-980001'), 1::bigint,
          'and creates nothing');
SELECT throws_ok($$SELECT lastmile.notify(980001, 'delivered', 'sms', '+33612345678', 'Autre', 'k-980001')$$,
                 '23505', NULL, 'the same key with another body is a unique violation');
SELECT throws_ok($$INSERT INTO lastmile.message (notification_id, channel, recipient, body)
                   SELECT notification_id, 'sms', '+33612345678', 'x' FROM lastmile.message, m WHERE message_id = m.fr$$,
                 '23505', NULL, 'a second message for one notification is refused');

-- ------------------------------------------------------------ the queue
SELECT ok((SELECT m.fr IN (SELECT message_id FROM lastmile.message_queue) FROM m), 'a new message is queued');
SELECT is((SELECT lastmile.message_sent(m.fr, provider_ref => 'gw-42') FROM m), 'sent', 'message_sent marks it sent');
SELECT ok((SELECT m.fr NOT IN (SELECT message_id FROM lastmile.message_queue) FROM m), 'a sent message leaves the queue');
SELECT is((SELECT lastmile.message_sent(m.fr) FROM m), 'sent', 'reporting success twice is harmless');
SELECT is((SELECT lastmile.message_sent(m.re, 'timeout', interval '1 hour') FROM m), 'pending', 'a retry stays pending');
SELECT ok((SELECT m.re NOT IN (SELECT message_id FROM lastmile.message_queue) FROM m),
          'a retried message waits for its back-off');
SELECT is((SELECT lastmile.message_sent(m.mq, 'unknown number') FROM m), 'failed', 'an error without retry fails it');
SELECT throws_ok($$SELECT lastmile.message_sent(-5)$$, 'P0002', 'message -5 does not exist', 'unknown message');
SELECT throws_ok($$SELECT lastmile.message_sent(mq) FROM m$$, '22023', NULL, 'a failed message cannot be sent');

SELECT is((SELECT count(*) FROM lastmile.message_claim(100, '1 hour', 'slack') c, m WHERE c.message_id = m.slack),
          1::bigint, 'message_claim takes a pending message of its channel');
SELECT ok((SELECT m.slack NOT IN (SELECT message_id FROM lastmile.message_queue) FROM m),
          'a claimed message leaves the queue for the lease');
SELECT is((SELECT lastmile.message_sent(m.slack) FROM m), 'sent', 'a claimed message is reported sent');

-- ------------------------------------------------------------ row level security
GRANT SELECT ON m TO lastmile_app;
SET LOCAL ROLE lastmile_app;
SET LOCAL lastmile.retailer = 'tap-msg-a';
SELECT is((SELECT count(*) FROM lastmile.message_queue WHERE request_id = 980002), 0::bigint,
          'an app session does not see another retailer''s queued messages');
SELECT ok((SELECT count(*) > 0 FROM lastmile.message_queue WHERE request_id = 980001),
          'but sees its own');
SELECT throws_ok($$SELECT lastmile.notify(980002, 'e', 'sms', '+33612345678', 'x')$$,
                 'P0002', 'request 980002 does not exist', 'notify on another retailer''s request: P0002');
SELECT ok(lastmile.notify(980001, 'own', 'sms', '+33612345678', 'x') IS NOT NULL,
          'notify on its own request works for the app role');
SELECT throws_ok($$SELECT lastmile.message_sent(b_fr) FROM m$$, 'P0002', NULL,
                 'message_sent on another retailer''s message: P0002');
SELECT is((SELECT count(*) FROM lastmile.message_claim(100, '1 minute') WHERE request_id <> 980001), 0::bigint,
          'message_claim takes only the session''s retailer''s messages');
SELECT lives_ok($$SELECT message_id FROM lastmile.message_queue ORDER BY message_id LIMIT 5 FOR UPDATE SKIP LOCKED$$,
                'the app role takes a batch with FOR UPDATE SKIP LOCKED');
RESET ROLE;
SET LOCAL ROLE lastmile_analyst;
SELECT throws_ok($$SELECT message_id FROM lastmile.message_queue LIMIT 1 FOR UPDATE SKIP LOCKED$$,
                 '42501', NULL, 'a read-only analyst cannot lock the queue');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
