-- Step 1: the 101 French départements (IGN Admin Express, Licence Ouverte).
\set doc `cat data/fr-departements.geojson`
\echo Loading the French départements into lastmile.area ...
SELECT lastmile.load_geojson(:'doc') AS departements_loaded;
\unset doc
SELECT count(*) AS areas, sum(ST_NPoints(geom)) AS vertices,
       round(sum(size_km2)) AS total_km2,
       count(*) FILTER (WHERE code >= '971') AS overseas
FROM lastmile.area;
