-- Step 3: allocation.  Every new request goes to its best eligible carrier
-- (allocate_pending), then: the carrier share of each retailer, and why
-- carriers were turned down.  See docs/orchestration.md.
\echo Allocating every new request (lastmile.allocate_pending) ...
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) AS decided,
       count(carrier_id) AS allocated,
       count(*) - count(carrier_id) AS unallocatable,
       sum(price) AS spend
FROM lastmile.allocate_pending();
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, 2) AS seconds;

\echo
\echo Carrier share per retailer (requests allocated, share, spend, mean score, CO2):
SELECT retailer_id,
       carrier_id,
       count(*) AS requests,
       round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY retailer_id), 1) AS share_pct,
       sum(price) AS spend,
       round(avg(score)::numeric, 3) AS mean_score,
       round((sum(co2_g) / 1000)::numeric, 1) AS co2_kg
FROM lastmile.current_allocation
WHERE carrier_id IS NOT NULL
GROUP BY retailer_id, carrier_id
ORDER BY retailer_id, requests DESC, carrier_id;

\echo
\echo Most frequent rejection reasons (all carriers):
SELECT reason, sum(requests) AS rejections
FROM lastmile.rejection_reasons
GROUP BY reason
ORDER BY rejections DESC, reason;

\echo
\echo The carriers most often turned down, and why:
SELECT carrier_id, reason, requests
FROM lastmile.rejection_reasons
ORDER BY requests DESC, carrier_id, reason
LIMIT 10;

\echo
\echo One decision in full: the alternatives and the reasons of the rejected carriers
SELECT request_id, carrier_id, price, round(score::numeric, 3) AS score, zone,
       jsonb_pretty(ranking) AS ranking, jsonb_pretty(rejected) AS rejected
FROM lastmile.allocation
WHERE carrier_id IS NOT NULL AND jsonb_array_length(ranking) > 1
ORDER BY allocation_id
LIMIT 1;

\echo
\echo Checkout: the options for a 40x30x20 cm parcel of 2.5 kg to the Louvre, shipped next Monday
SELECT o.*
FROM (SELECT retailer_id FROM lastmile.retailer ORDER BY retailer_id LIMIT 1) r,
     lastmile.delivery_options(r.retailer_id, ST_SetSRID(ST_MakePoint(2.3376, 48.8606), 4326),
                               ARRAY['40x30x20']::lastmile.dims[], ARRAY[2.5],
                               'delivery', (current_date + (8 - extract(isodow FROM current_date))::int)) o;
