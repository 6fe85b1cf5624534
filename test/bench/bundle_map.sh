#!/usr/bin/env bash
# Draws docs/bundling-map.svg (and .png when rsvg-convert is installed):
# 80 requests of three retailers around a hub south of Paris, bundled into
# 250 kg loads with morning and afternoon windows, over the départements.
# Runs against the server the PG* variables point at (lastmile installed);
# creates and drops its own database.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=lastmile_bundle_map
geo=${GEOJSON:-/work/shared/data/fr-departements-simplified.geojson}
dropdb --if-exists "$db" >/dev/null 2>&1 || true
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v geo="$geo" <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION lastmile CASCADE;
SET TimeZone = 'Europe/Paris';
\set content `cat :geo`
SELECT lastmile.load_geojson(:'content'::jsonb);
INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('books', 'Books'), ('garden', 'Garden'), ('home', 'Home');
INSERT INTO lastmile.place (place_id, retailer_id, kind, name, location)
VALUES (1, NULL, 'hub', 'Rungis hub', ST_SetSRID(ST_MakePoint(2.35, 48.75), 4326));
SELECT setseed(0.42);
INSERT INTO lastmile.transport_request (retailer_id, origin_id, destination, ship_date, time_window)
SELECT (ARRAY['books', 'garden', 'home'])[1 + k % 3], 1,
       ST_SetSRID(ST_MakePoint(2.35 + 0.55 * cos(a) * r, 48.80 + 0.32 * sin(a) * r), 4326),
       '2026-06-01',
       CASE WHEN k % 4 = 0 THEN tstzrange('2026-06-01 08:00', '2026-06-01 12:00')
            WHEN k % 4 = 1 THEN tstzrange('2026-06-01 13:00', '2026-06-01 18:00') END
FROM (SELECT k, random() * 2 * pi() AS a, sqrt(random()) AS r FROM generate_series(1, 80) k) g;
INSERT INTO lastmile.package (request_id, dims, weight_kg)
SELECT request_id, '60x40x40', 5 + (request_id % 7) * 4 FROM lastmile.transport_request;
SELECT * FROM lastmile.bundle(1, '2026-06-01', 250, speed_kmh => 35, stop_minutes => 6);
SQL
psql -X -A -t -d "$db" -c "SELECT lastmile.bundle_svg(1, '2026-06-01', 900)" > docs/bundling-map.svg
PGTZ=Europe/Paris psql -X -d "$db" -c "SELECT bundle_id, stops, round(weight_kg) AS kg, round(distance_km::numeric, 1) AS km, retailers, to_char(depart_at, 'HH24:MI') AS departs, to_char(return_at, 'HH24:MI') AS returns FROM lastmile.bundle_summary ORDER BY 1"
if command -v rsvg-convert >/dev/null; then
    rsvg-convert -o docs/bundling-map.png docs/bundling-map.svg
fi
ls -l docs/bundling-map.*
