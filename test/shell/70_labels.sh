#!/usr/bin/env bash
# 70_labels.sh — labels and delivery slips checked as a printer, a scanner
# and a person would (TAP):
#   - the ZPL is rendered by a real ZPL renderer (Zebrash, through the npm
#     package zpl-renderer-js installed in test/tools by tools/setup.sh);
#   - the PDFs are rendered by pdftoppm, their text read by pdftotext and
#     their pages counted by pdfinfo;
#   - every barcode is decoded by zbarimg and must give the tracking number.
# A tool that is missing makes its tests say "skip", never pass.
# Runs against the server the PG* variables point at, in its own database.
set -u
cd "$(dirname "$0")/../.."
db=lastmile_labels_sh
tmp=$(mktemp -d)
n=0
cleanup() {
    dropdb --if-exists "$db" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT

ok() {	# ok CONDITION-EXIT-CODE DESCRIPTION
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
skip() {	# skip COUNT REASON
    local i
    for ((i = 0; i < $1; i++)); do n=$((n + 1)); echo "ok $n # skip $2"; done
}
is() {	# is GOT WANT DESCRIPTION
    if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
# writes the bytea returned by a query to a file
bytes() { q "SELECT encode(($1), 'base64')" | base64 -d >"$2"; }
# the barcodes zbarimg reads in a PNG, one per line
scan() { zbarimg -q --raw "$1" 2>/dev/null | sort; }

have() { command -v "$1" >/dev/null 2>&1; }
has_pdf=1; for t in pdftoppm pdftotext pdfinfo; do have $t || has_pdf=0; done
has_zbar=1; have zbarimg || has_zbar=0
has_zpl=1
{ have node && [ -d test/tools/node_modules/zpl-renderer-js ]; } || has_zpl=0

dropdb --if-exists "$db" >/dev/null 2>&1
if ! createdb "$db" || ! q "SET client_min_messages = warning; CREATE EXTENSION lastmile CASCADE;"; then
    echo "Bail out! cannot create database $db with lastmile"
    exit 1
fi

q "
INSERT INTO lastmile.retailer (retailer_id, name) VALUES ('shop', 'Shop');
INSERT INTO lastmile.carrier (carrier_id, name) VALUES ('colis', 'Colis Rapide');
INSERT INTO lastmile.place (place_id, retailer_id, kind, name, location, address, postcode, city)
VALUES (10, 'shop', 'warehouse', 'Entrepôt Lyon Sud', ST_SetSRID(ST_MakePoint(4.83, 45.72), 4326),
        '5 rue du Port', '69007', 'Lyon');
INSERT INTO lastmile.transport_request
    (request_id, retailer_id, order_ref, origin_id, destination, ship_date,
     recipient_name, recipient_phone, address, postcode, city, status, carrier_id)
VALUES
    (100, 'shop', 'ORD-2026-0001', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23',
     'Zoë Łukasiewicz-Straße', '+33612345678', '12 rue de la République, bâtiment B', '69002', 'Lyon',
     'allocated', 'colis'),
    (101, 'shop', 'ORD-INJECT', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-23',
     '^XZ^XA^FO0,0^GB812,1218,300^FS^XZ~JA', NULL, E'a~b\\\\c_d\n^XZ^XA', '69003', 'Lyon',
     'allocated', 'colis');
INSERT INTO lastmile.package (package_id, request_id, dims, weight_kg, tracking) VALUES
    (1000, 100, '60x40x30', 2.5, 'COLI000000001000'),
    (1001, 100, '30x20x10', 1.25, 'COLI000000001001'),
    (1002, 101, '10x10x10', 0.5, 'A^B~C\\D_E');
-- a long slip: 130 requests of one package each on 2026-11-24
INSERT INTO lastmile.transport_request
    (request_id, retailer_id, order_ref, origin_id, destination, ship_date,
     recipient_name, address, postcode, city, status, carrier_id)
SELECT 1000 + i, 'shop', 'LONG-' || lpad(i::text, 4, '0'), 10,
       ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-24',
       'Client ' || i, i || ' avenue Jean Jaurès', '69007', 'Lyon', 'allocated', 'colis'
  FROM generate_series(1, 130) AS i;
INSERT INTO lastmile.package (package_id, request_id, dims, weight_kg, tracking)
SELECT 5000 + i, 1000 + i, '40x30x20', 2, 'COLI00000000' || (5000 + i)
  FROM generate_series(1, 130) AS i;
" >/dev/null

# ---------------------------------------------------------------- label_pdf
if [ $has_pdf -eq 1 ]; then
    bytes "lastmile.label_pdf(1000)" "$tmp/label.pdf"
    pages=$(pdfinfo "$tmp/label.pdf" | awk '/^Pages:/ {print $2}')
    size=$(pdfinfo "$tmp/label.pdf" | awk '/^Page size:/ {print $3 "x" $5}')
    is "$pages/$size" "1/288x432" "label_pdf: one 4x6 in page"
    pdftoppm -r 200 -png -singlefile "$tmp/label.pdf" "$tmp/label" 2>/dev/null
    ok $? "label_pdf: pdftoppm renders it"
    pdftotext -enc UTF-8 "$tmp/label.pdf" "$tmp/label.txt"
    grep -q 'Zoë Łukasiewicz-Straße' "$tmp/label.txt"; ok $? "label_pdf: pdftotext finds the UTF-8 recipient"
    grep -q 'ORD-2026-0001' "$tmp/label.txt"; ok $? "label_pdf: pdftotext finds the order ref"
    grep -q '69002 Lyon' "$tmp/label.txt" && grep -q 'Entrepôt Lyon Sud' "$tmp/label.txt" &&
        grep -q 'Colis Rapide' "$tmp/label.txt" && grep -q '5 rue du Port, 69007 Lyon' "$tmp/label.txt" && grep -q '1/2' "$tmp/label.txt" &&
        grep -q '2.5 kg' "$tmp/label.txt" && grep -q 'COLI000000001000' "$tmp/label.txt"
    ok $? "label_pdf: city, sender, carrier, n/N, weight and tracking are text"
    bytes "lastmile.label_pdf(1002)" "$tmp/inject.pdf"
    pdftoppm -r 200 -png -singlefile "$tmp/inject.pdf" "$tmp/inject"
    if [ $has_zbar -eq 1 ]; then
        is "$(scan "$tmp/label.png")" "COLI000000001000" "label_pdf: zbarimg reads the Code 128 as the tracking number"
        is "$(scan "$tmp/inject.png")" 'A^B~C\D_E' "label_pdf: a tracking number with ZPL specials scans as itself"
    else
        skip 2 "zbarimg (zbar-tools) not installed"
    fi
    pdftotext -enc UTF-8 "$tmp/inject.pdf" - 2>/dev/null | grep -qF '^XZ^XA^FO0,0'
    ok $? "label_pdf: an injection attempt is printed as plain text"
else
    skip 8 "poppler-utils (pdftoppm, pdftotext, pdfinfo) not installed"
fi

# ---------------------------------------------------------------- label_zpl
q "SELECT lastmile.label_zpl(1000)" >"$tmp/label.zpl"
q "SELECT lastmile.label_zpl(1002)" >"$tmp/inject.zpl"
is "$(grep -o '\^XA' "$tmp/inject.zpl" | wc -l)/$(grep -o '\^XZ' "$tmp/inject.zpl" | wc -l)" "1/1" \
    "label_zpl: injection attempt leaves exactly one ^XA/^XZ pair"
if [ $has_zpl -eq 1 ]; then
    labels=$(node test/tools/zpl2png.js "$tmp/zpl.png" <"$tmp/label.zpl" 2>"$tmp/zpl.err")
    is "$labels" "1" "label_zpl: Zebrash renders exactly one label"
    labels=$(node test/tools/zpl2png.js "$tmp/zinject.png" <"$tmp/inject.zpl" 2>>"$tmp/zpl.err")
    is "$labels" "1" "label_zpl: the injection label still renders as one label"
    if [ $has_zbar -eq 1 ]; then
        is "$(scan "$tmp/zpl.png")" "COLI000000001000" "label_zpl: zbarimg reads the rendered Code 128 as the tracking number"
        is "$(scan "$tmp/zinject.png")" 'A^B~C\D_E' "label_zpl: a hex-escaped tracking number scans as itself"
    else
        skip 2 "zbarimg (zbar-tools) not installed"
    fi
else
    skip 4 "no ZPL renderer (node and test/tools/node_modules/zpl-renderer-js: run tools/setup.sh deps)"
fi

# --------------------------------------------------------- delivery_slip_pdf
if [ $has_pdf -eq 1 ]; then
    bytes "lastmile.delivery_slip_pdf('colis', 10, '2026-11-23')" "$tmp/slip.pdf"
    pages=$(pdfinfo "$tmp/slip.pdf" | awk '/^Pages:/ {print $2}')
    size=$(pdfinfo "$tmp/slip.pdf" | awk '/^Page size:/ {print $3 "x" $5}')
    is "$pages/$size" "1/595.276x841.89" "delivery_slip_pdf: one A4 page for 3 packages"
    pdftotext -enc UTF-8 -layout "$tmp/slip.pdf" "$tmp/slip.txt"
    grep -q 'Zoë Łukasiewicz-Straße' "$tmp/slip.txt" && grep -q 'ORD-2026-0001' "$tmp/slip.txt" &&
        grep -q 'COLI000000001001' "$tmp/slip.txt"
    ok $? "delivery_slip_pdf: pdftotext finds recipient, order ref and tracking"
    grep -q 'Colis Rapide (colis)' "$tmp/slip.txt" && grep -q 'Entrepôt Lyon Sud (#10)' "$tmp/slip.txt" &&
        grep -q '2026-11-23' "$tmp/slip.txt"
    ok $? "delivery_slip_pdf: header with carrier, origin and date"
    grep -q '3 packages' "$tmp/slip.txt" && grep -q '4.25 kg' "$tmp/slip.txt" && grep -q '0.079 m³' "$tmp/slip.txt"
    ok $? "delivery_slip_pdf: totals (3 packages, 4.25 kg, 0.079 m³)"
    grep -q 'Driver name' "$tmp/slip.txt" && grep -q 'Signature' "$tmp/slip.txt" && grep -q 'Time' "$tmp/slip.txt"
    ok $? "delivery_slip_pdf: signature box"
    pdftoppm -r 60 -png "$tmp/slip.pdf" "$tmp/slip" 2>/dev/null
    ok $? "delivery_slip_pdf: pdftoppm renders it"

    # 130 packages: 41 rows a page, the last page keeps room for the footer
    bytes "lastmile.delivery_slip_pdf('colis', 10, '2026-11-24')" "$tmp/long.pdf"
    pages=$(pdfinfo "$tmp/long.pdf" | awk '/^Pages:/ {print $2}')
    is "$pages" "4" "delivery_slip_pdf: 130 packages paginate to 4 pages"
    pdftotext -enc UTF-8 -layout "$tmp/long.pdf" "$tmp/long.txt"
    is "$(grep -c 'LONG-' "$tmp/long.txt")" "130" "delivery_slip_pdf: every one of the 130 lines is printed once"
    is "$(grep -c 'Delivery slip' "$tmp/long.txt")" "4" "delivery_slip_pdf: the header is repeated on every page"
    pdftotext -enc UTF-8 -f 4 -l 4 "$tmp/long.pdf" - | grep -q 'Page 4/4' &&
        pdftotext -enc UTF-8 -f 4 -l 4 "$tmp/long.pdf" - | grep -q '130 packages' &&
        pdftotext -enc UTF-8 -f 4 -l 4 "$tmp/long.pdf" - | grep -q 'Signature'
    ok $? "delivery_slip_pdf: page numbers, totals and signature box on the last page"
    ! pdftotext -enc UTF-8 -f 1 -l 3 "$tmp/long.pdf" - | grep -q 'Signature'
    ok $? "delivery_slip_pdf: no signature box before the last page"
    first=$(pdftotext -enc UTF-8 -f 1 -l 1 -layout "$tmp/long.pdf" - | grep -o 'LONG-[0-9]*' | head -1)
    last=$(pdftotext -enc UTF-8 -f 4 -l 4 -layout "$tmp/long.pdf" - | grep -o 'LONG-[0-9]*' | tail -1)
    is "$first..$last" "LONG-0001..LONG-0130" "delivery_slip_pdf: lines in order across pages"

    bytes "lastmile.delivery_slip_pdf('colis', 10, '2030-01-01')" "$tmp/empty.pdf"
    pdftotext "$tmp/empty.pdf" - | grep -q '0 packages'
    ok $? "delivery_slip_pdf: an empty slip still prints, with 0 packages"
else
    skip 13 "poppler-utils (pdftoppm, pdftotext, pdfinfo) not installed"
fi

# ------------------------------------------- end to end: allocate, then print
# a request allocated by lastmile.allocate gets its tracking numbers there;
# its labels must carry them and scan back to them
q "
INSERT INTO lastmile.area (area_id, name, geom)
VALUES (1, 'Lyon', ST_Multi(ST_MakeEnvelope(4.7, 45.6, 5.0, 45.9, 4326)));
INSERT INTO lastmile.coverage (carrier_id, area_id, zone) VALUES ('colis', 1, 'Z1');
INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price) VALUES ('colis', 'Z1', '[0,30)', 5.90);
INSERT INTO lastmile.contract (retailer_id, carrier_id) VALUES ('shop', 'colis');
INSERT INTO lastmile.transport_request
    (request_id, retailer_id, order_ref, origin_id, destination, ship_date, recipient_name, address, postcode, city)
VALUES (200, 'shop', 'E2E-1', 10, ST_SetSRID(ST_MakePoint(4.85, 45.76), 4326), '2026-11-25',
        'Éloïse Dupré', '3 quai Saint-Vincent', '69001', 'Lyon');
INSERT INTO lastmile.package (package_id, request_id, dims, weight_kg) VALUES (2001, 200, '30x20x10', 1.5), (2002, 200, '20x20x10', 0.8);
" >/dev/null
carrier=$(q "SELECT lastmile.allocate(200)" 2>&1)
is "$carrier" "colis" "end to end: allocate gives the request to the carrier"
tracking=$(q "SELECT tracking FROM lastmile.package WHERE package_id = 2002")
q "SELECT lastmile.tracking_valid(tracking) FROM lastmile.package WHERE package_id = 2002" | grep -qx t
ok $? "end to end: the package got a valid tracking number ($tracking)"
if [ $has_zpl -eq 1 ] && [ $has_zbar -eq 1 ]; then
    q "SELECT lastmile.label_zpl(2002)" | node test/tools/zpl2png.js "$tmp/e2e.png" >/dev/null 2>&1
    is "$(scan "$tmp/e2e.png")" "$tracking" "end to end: the ZPL label of package 2/2 scans as its tracking number"
else
    skip 1 "no ZPL renderer or no zbarimg"
fi
if [ $has_pdf -eq 1 ] && [ $has_zbar -eq 1 ]; then
    bytes "lastmile.label_pdf(2002)" "$tmp/e2e.pdf"
    pdftoppm -r 200 -png -singlefile "$tmp/e2e.pdf" "$tmp/e2epdf"
    is "$(scan "$tmp/e2epdf.png")" "$tracking" "end to end: the PDF label scans as its tracking number"
    pdftotext -enc UTF-8 "$tmp/e2e.pdf" - | grep -q 'Éloïse Dupré' && pdftotext "$tmp/e2e.pdf" - | grep -q '2/2'
    ok $? "end to end: the PDF label names the recipient and says 2/2"
else
    skip 2 "poppler-utils or zbarimg not installed"
fi
is "$(q "SELECT string_agg(tracking, ',' ORDER BY line) FROM lastmile.delivery_slip('colis', 10, '2026-11-25')")" \
   "$(q "SELECT string_agg(tracking, ',' ORDER BY package_id) FROM lastmile.package WHERE request_id = 200")" \
   "end to end: the slip lists the allocated packages with their tracking numbers"

# keep the pictures when asked (docs/label.png, docs/slip.png are made so)
if [ -n "${LABELS_PNG_DIR:-}" ]; then
    mkdir -p "$LABELS_PNG_DIR"
    cp "$tmp"/*.png "$tmp"/*.pdf "$tmp"/*.zpl "$LABELS_PNG_DIR"/ 2>/dev/null
fi

echo "1..$n"
