#!/usr/bin/env bash
# pg_dump / pg_restore of a database with messages: the shipped example SMS
# rates come back once (recreated by CREATE EXTENSION, not dumped), the
# user's own rates, sender names, messages with their sending state and
# idempotency keys come back, and notify() works on the restored database.
# Prints TAP; needs the PG* variables of a running server with lastmile installed.
set -uo pipefail
src=lastmile_msgdump_src_$$
dst=lastmile_msgdump_dst_$$
dump=$(mktemp)
trap 'dropdb --if-exists $src >/dev/null 2>&1; dropdb --if-exists $dst >/dev/null 2>&1; rm -f "$dump" "$dump.err"' EXIT
n=0
ok() { n=$((n + 1)); if [ "$1" = "$2" ]; then echo "ok $n - $3"; else echo "not ok $n - $3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"; fi; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

echo "1..9"
createdb "$src" && q "$src" "SET client_min_messages = warning; CREATE EXTENSION lastmile CASCADE" >/dev/null
q "$src" "
INSERT INTO lastmile.retailer (retailer_id, name, sms_sender) VALUES ('r1', 'Retailer one', 'ShopOne');
INSERT INTO lastmile.place (place_id, retailer_id, name, location) VALUES (1, 'r1', 'WH', 'SRID=4326;POINT(2.2 48.7)');
INSERT INTO lastmile.transport_request (request_id, retailer_id, origin_id, destination)
    VALUES (1, 'r1', 1, 'SRID=4326;POINT(2.35 48.85)');
INSERT INTO lastmile.sms_rate (prefix, country, price, sender_allowed) VALUES ('32', 'Belgique', 0.0650, false);
INSERT INTO lastmile.sms_rate (prefix, country, price, sender_allowed) VALUES ('33', 'France (own)', 0.0420, true);
UPDATE lastmile.sms_rate SET price = 0.0800 WHERE prefix = '262';
SELECT lastmile.notify(1, 'allocated', 'sms', '+33612345678', 'Votre colis arrive', 'alloc-1');
SELECT lastmile.notify(1, 'allocated', 'email', 'zoe@example.org', 'Votre colis arrive');
SELECT lastmile.message_sent(min(message_id), provider_ref => 'gw-1') FROM lastmile.message;
" >/dev/null

snapshot() {
    q "$1" "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
        SELECT 's' || row(s.*)::text AS x FROM lastmile.sms_rate s
        UNION ALL SELECT 'r' || row(r.*)::text FROM lastmile.retailer r
        UNION ALL SELECT 'n' || row(n.*)::text FROM lastmile.notification n
        UNION ALL SELECT 'm' || row(m.*)::text FROM lastmile.message m) x"
}
before=$(snapshot "$src")
pg_dump -Fc -f "$dump" "$src" 2>/dev/null
ok "$?" "0" "pg_dump succeeds"
createdb "$dst"
pg_restore -d "$dst" "$dump" 2>"$dump.err"
ok "$?" "0" "pg_restore succeeds (no duplicate shipped SMS rate)"
[ -s "$dump.err" ] && sed 's/^/# /' "$dump.err"
ok "$(snapshot "$dst")" "$before" "SMS rates, sender names, notifications and messages come back identical"
ok "$(q "$dst" "SELECT string_agg(prefix, ' ' ORDER BY prefix) FROM lastmile.sms_rate WHERE shipped")" "590 594 596" "the shipped rates the user did not change, once"
ok "$(q "$dst" "SELECT string_agg(prefix || '=' || price, ' ' ORDER BY prefix) FROM lastmile.sms_rate WHERE NOT shipped")" \
   "262=0.0800 32=0.0650 33=0.0420" "the user's rates, and the shipped rates they replaced or changed, survive"
ok "$(q "$dst" "SELECT price || ' ' || sender_allowed FROM lastmile.sms_rate WHERE prefix = '32'")" "0.0650 false" "the user's own rate survives"
ok "$(q "$dst" "SELECT status || ' ' || provider_ref FROM lastmile.message WHERE channel = 'sms'")" "sent gw-1" "the sending state survives"
ok "$(q "$dst" "SELECT lastmile.notify(1, 'allocated', 'sms', '+33612345678', 'Votre colis arrive', 'alloc-1')
               = (SELECT min(message_id) FROM lastmile.message)")" "t" "an idempotency key used before the dump still answers"
ok "$(q "$dst" "SELECT lastmile.notify(1, 'shipped', 'sms', '+32470123456', 'Parti')
               > (SELECT max(message_id) FROM lastmile.message WHERE channel = 'email')")" "t" \
   "notify works on the restored database and ids go on"
