-- demo/generate.sql — a deterministic, realistic data generator for lastmile.
--
-- Creates schema lastmile_demo with reference data (départements and their
-- regions, French cities, carrier and retailer archetypes) and the functions
--
--   lastmile_demo.load_departements(path)   loads a GeoJSON of départements
--                                           into lastmile.area (kind 'departement')
--   lastmile_demo.clear()                   deletes every lastmile row but the areas
--   lastmile_demo.generate(carriers, retailers, requests, seed,
--                          first_ship_date, days)
--                                           writes carriers, coverage, rate grids,
--                                           retailers, contracts, places, requests,
--                                           packages and quotes
--
-- Same arguments and same areas → same rows (a hash-based PRNG keyed by
-- seed, stream and row number; nothing depends on row order or on now()).
-- The départements must be loaded first (kind 'departement', codes as in
-- fr-departements.geojson: '01' … '95', '2A', '2B', '971' … '976').
--
--   psql -f demo/generate.sql
--   SELECT lastmile_demo.load_departements('/path/to/data/fr-departements.geojson');  -- read by the server
--   (or from psql: \set doc `cat data/fr-departements.geojson` then SELECT lastmile.load_geojson(:'doc');)
--   SELECT * FROM lastmile_demo.generate(8, 3, 3000);          -- the demo
--   SELECT * FROM lastmile_demo.generate(30, 5, 100000, 1, '2026-12-07', 5);  -- the bench

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS lastmile_demo CASCADE;
CREATE SCHEMA lastmile_demo;
COMMENT ON SCHEMA lastmile_demo IS 'Deterministic generator of realistic demo and benchmark data for lastmile (demo/generate.sql).';

-- A uniform number in [0,1) from (seed, stream, i): 53 bits of a 64-bit hash.
CREATE FUNCTION lastmile_demo.rand(seed bigint, stream int, i bigint)
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ((hashint8extended(i, seed * 1000003 + stream) >> 11) & 9007199254740991)::float8 / 9007199254740992.0 $$;
COMMENT ON FUNCTION lastmile_demo.rand(bigint, int, bigint) IS
    'Deterministic pseudo-random number in [0,1) for (seed, stream, row number).';

------------------------------------------------------------------------
-- Reference data
------------------------------------------------------------------------

CREATE TABLE lastmile_demo.departement (
    code    text PRIMARY KEY,
    nom     text NOT NULL,
    region  text NOT NULL
);
COMMENT ON TABLE lastmile_demo.departement IS 'The 101 départements with their region (IDF, HDF, GE, NOR, BRE, PDL, CVL, BFC, NA, ARA, OCC, PACA, COR, DOM).';
INSERT INTO lastmile_demo.departement (code, nom, region) VALUES
    ('01', 'Ain', 'ARA'),
    ('02', 'Aisne', 'HDF'),
    ('03', 'Allier', 'ARA'),
    ('04', 'Alpes-de-Haute-Provence', 'PACA'),
    ('05', 'Hautes-Alpes', 'PACA'),
    ('06', 'Alpes-Maritimes', 'PACA'),
    ('07', 'Ardèche', 'ARA'),
    ('08', 'Ardennes', 'GE'),
    ('09', 'Ariège', 'OCC'),
    ('10', 'Aube', 'GE'),
    ('11', 'Aude', 'OCC'),
    ('12', 'Aveyron', 'OCC'),
    ('13', 'Bouches-du-Rhône', 'PACA'),
    ('14', 'Calvados', 'NOR'),
    ('15', 'Cantal', 'ARA'),
    ('16', 'Charente', 'NA'),
    ('17', 'Charente-Maritime', 'NA'),
    ('18', 'Cher', 'CVL'),
    ('19', 'Corrèze', 'NA'),
    ('21', 'Côte-d''Or', 'BFC'),
    ('22', 'Côtes-d''Armor', 'BRE'),
    ('23', 'Creuse', 'NA'),
    ('24', 'Dordogne', 'NA'),
    ('25', 'Doubs', 'BFC'),
    ('26', 'Drôme', 'ARA'),
    ('27', 'Eure', 'NOR'),
    ('28', 'Eure-et-Loir', 'CVL'),
    ('29', 'Finistère', 'BRE'),
    ('2A', 'Corse-du-Sud', 'COR'),
    ('2B', 'Haute-Corse', 'COR'),
    ('30', 'Gard', 'OCC'),
    ('31', 'Haute-Garonne', 'OCC'),
    ('32', 'Gers', 'OCC'),
    ('33', 'Gironde', 'NA'),
    ('34', 'Hérault', 'OCC'),
    ('35', 'Ille-et-Vilaine', 'BRE'),
    ('36', 'Indre', 'CVL'),
    ('37', 'Indre-et-Loire', 'CVL'),
    ('38', 'Isère', 'ARA'),
    ('39', 'Jura', 'BFC'),
    ('40', 'Landes', 'NA'),
    ('41', 'Loir-et-Cher', 'CVL'),
    ('42', 'Loire', 'ARA'),
    ('43', 'Haute-Loire', 'ARA'),
    ('44', 'Loire-Atlantique', 'PDL'),
    ('45', 'Loiret', 'CVL'),
    ('46', 'Lot', 'OCC'),
    ('47', 'Lot-et-Garonne', 'NA'),
    ('48', 'Lozère', 'OCC'),
    ('49', 'Maine-et-Loire', 'PDL'),
    ('50', 'Manche', 'NOR'),
    ('51', 'Marne', 'GE'),
    ('52', 'Haute-Marne', 'GE'),
    ('53', 'Mayenne', 'PDL'),
    ('54', 'Meurthe-et-Moselle', 'GE'),
    ('55', 'Meuse', 'GE'),
    ('56', 'Morbihan', 'BRE'),
    ('57', 'Moselle', 'GE'),
    ('58', 'Nièvre', 'BFC'),
    ('59', 'Nord', 'HDF'),
    ('60', 'Oise', 'HDF'),
    ('61', 'Orne', 'NOR'),
    ('62', 'Pas-de-Calais', 'HDF'),
    ('63', 'Puy-de-Dôme', 'ARA'),
    ('64', 'Pyrénées-Atlantiques', 'NA'),
    ('65', 'Hautes-Pyrénées', 'OCC'),
    ('66', 'Pyrénées-Orientales', 'OCC'),
    ('67', 'Bas-Rhin', 'GE'),
    ('68', 'Haut-Rhin', 'GE'),
    ('69', 'Rhône', 'ARA'),
    ('70', 'Haute-Saône', 'BFC'),
    ('71', 'Saône-et-Loire', 'BFC'),
    ('72', 'Sarthe', 'PDL'),
    ('73', 'Savoie', 'ARA'),
    ('74', 'Haute-Savoie', 'ARA'),
    ('75', 'Paris', 'IDF'),
    ('76', 'Seine-Maritime', 'NOR'),
    ('77', 'Seine-et-Marne', 'IDF'),
    ('78', 'Yvelines', 'IDF'),
    ('79', 'Deux-Sèvres', 'NA'),
    ('80', 'Somme', 'HDF'),
    ('81', 'Tarn', 'OCC'),
    ('82', 'Tarn-et-Garonne', 'OCC'),
    ('83', 'Var', 'PACA'),
    ('84', 'Vaucluse', 'PACA'),
    ('85', 'Vendée', 'PDL'),
    ('86', 'Vienne', 'NA'),
    ('87', 'Haute-Vienne', 'NA'),
    ('88', 'Vosges', 'GE'),
    ('89', 'Yonne', 'BFC'),
    ('90', 'Territoire de Belfort', 'BFC'),
    ('91', 'Essonne', 'IDF'),
    ('92', 'Hauts-de-Seine', 'IDF'),
    ('93', 'Seine-Saint-Denis', 'IDF'),
    ('94', 'Val-de-Marne', 'IDF'),
    ('95', 'Val-d''Oise', 'IDF'),
    ('971', 'Guadeloupe', 'DOM'),
    ('972', 'Martinique', 'DOM'),
    ('973', 'Guyane', 'DOM'),
    ('974', 'La Réunion', 'DOM'),
    ('976', 'Mayotte', 'DOM')
;

CREATE TABLE lastmile_demo.city (
    city_id int PRIMARY KEY,
    name    text NOT NULL,
    dept    text NOT NULL REFERENCES lastmile_demo.departement,
    lon     float8 NOT NULL,
    lat     float8 NOT NULL,
    radius  float8 NOT NULL,    -- jitter of destinations around the centre, degrees of latitude
    weight  int NOT NULL        -- share of the destinations
);
COMMENT ON TABLE lastmile_demo.city IS 'French cities destinations are drawn around (centre inside its département, jitter radius, weight).';
INSERT INTO lastmile_demo.city VALUES
    ( 1, 'Paris',               '75',   2.3470, 48.8590, 0.030, 120),
    ( 2, 'Boulogne-Billancourt','92',   2.2400, 48.8350, 0.040, 30),
    ( 3, 'Saint-Denis',         '93',   2.3580, 48.9362, 0.040, 30),
    ( 4, 'Créteil',             '94',   2.4550, 48.7904, 0.040, 28),
    ( 5, 'Versailles',          '78',   2.1301, 48.8049, 0.100, 25),
    ( 6, 'Évry-Courcouronnes',  '91',   2.4290, 48.6290, 0.100, 22),
    ( 7, 'Cergy',               '95',   2.0760, 49.0360, 0.080, 20),
    ( 8, 'Melun',               '77',   2.6550, 48.5400, 0.120, 20),
    ( 9, 'Marseille',           '13',   5.4000, 43.3000, 0.060, 45),
    (10, 'Lyon',                '69',   4.8357, 45.7640, 0.080, 45),
    (11, 'Toulouse',            '31',   1.4442, 43.6047, 0.100, 35),
    (12, 'Nice',                '06',   7.2500, 43.7200, 0.040, 20),
    (13, 'Nantes',              '44',  -1.5536, 47.2184, 0.100, 25),
    (14, 'Strasbourg',          '67',   7.7521, 48.5734, 0.100, 22),
    (15, 'Montpellier',         '34',   3.8767, 43.6108, 0.080, 22),
    (16, 'Bordeaux',            '33',  -0.5792, 44.8378, 0.120, 30),
    (17, 'Lille',               '59',   3.0573, 50.6292, 0.120, 35),
    (18, 'Rennes',              '35',  -1.6778, 48.1173, 0.120, 18),
    (19, 'Reims',               '51',   4.0317, 49.2583, 0.100, 10),
    (20, 'Le Havre',            '76',   0.1600, 49.5100, 0.040, 9),
    (21, 'Saint-Étienne',       '42',   4.3872, 45.4397, 0.080, 10),
    (22, 'Toulon',              '83',   5.9400, 43.1400, 0.030, 12),
    (23, 'Grenoble',            '38',   5.7245, 45.1885, 0.080, 15),
    (24, 'Dijon',               '21',   5.0415, 47.3220, 0.100, 9),
    (25, 'Angers',              '49',  -0.5632, 47.4784, 0.100, 9),
    (26, 'Nîmes',               '30',   4.3601, 43.8367, 0.100, 8),
    (27, 'Clermont-Ferrand',    '63',   3.0863, 45.7772, 0.100, 9),
    (28, 'Le Mans',             '72',   0.1996, 48.0061, 0.100, 8),
    (29, 'Aix-en-Provence',     '13',   5.4474, 43.5297, 0.080, 10),
    (30, 'Brest',               '29',  -4.4700, 48.4100, 0.030, 7),
    (31, 'Tours',               '37',   0.6848, 47.3941, 0.100, 9),
    (32, 'Amiens',              '80',   2.2958, 49.8941, 0.100, 7),
    (33, 'Limoges',             '87',   1.2611, 45.8336, 0.100, 7),
    (34, 'Annecy',              '74',   6.1294, 45.8992, 0.060, 8),
    (35, 'Perpignan',           '66',   2.8954, 42.6887, 0.080, 7),
    (36, 'Metz',                '57',   6.1757, 49.1193, 0.100, 8),
    (37, 'Besançon',            '25',   6.0241, 47.2378, 0.100, 6),
    (38, 'Orléans',             '45',   1.9093, 47.9030, 0.100, 8),
    (39, 'Rouen',               '76',   1.0993, 49.4432, 0.080, 10),
    (40, 'Caen',                '14',  -0.3707, 49.1829, 0.080, 8),
    (41, 'Nancy',               '54',   6.1844, 48.6921, 0.080, 8),
    (42, 'Mulhouse',            '68',   7.3359, 47.7508, 0.080, 7),
    (43, 'Avignon',             '84',   4.8300, 43.9400, 0.060, 6),
    (44, 'Pau',                 '64',  -0.3708, 43.2951, 0.080, 5),
    (45, 'La Rochelle',         '17',  -1.1300, 46.1600, 0.030, 5),
    (46, 'Poitiers',            '86',   0.3404, 46.5802, 0.100, 5),
    (47, 'Ajaccio',             '2A',   8.7600, 41.9350, 0.030, 3),
    (48, 'Bastia',              '2B',   9.4350, 42.6950, 0.020, 3),
    (49, 'Chambéry',            '73',   5.9178, 45.5646, 0.060, 5),
    (50, 'Troyes',              '10',   4.0744, 48.2973, 0.080, 4),
    (51, 'Valence',             '26',   4.8917, 44.9334, 0.060, 5),
    (52, 'Quimper',             '29',  -4.1024, 47.9960, 0.060, 4),
    (53, 'Bayonne',             '64',  -1.4600, 43.4900, 0.040, 5),
    (54, 'Vannes',              '56',  -2.7603, 47.6582, 0.050, 4),
    (55, 'Rodez',               '12',   2.5750, 44.3506, 0.100, 3),
    (56, 'Aurillac',            '15',   2.4440, 44.9264, 0.100, 2),
    (57, 'Gap',                 '05',   6.0794, 44.5594, 0.080, 2),
    (58, 'Chartres',            '28',   1.4890, 48.4469, 0.100, 4),
    (59, 'Beauvais',            '60',   2.0810, 49.4300, 0.100, 4),
    (60, 'Arras',               '62',   2.7780, 50.2910, 0.100, 5),
    (61, 'Bourges',             '18',   2.3980, 47.0810, 0.100, 3),
    (62, 'Niort',               '79',  -0.4590, 46.3230, 0.100, 3),
    -- overseas (weight 0: drawn by the overseas share of generate())
    (71, 'Les Abymes',          '971', -61.5000, 16.2700, 0.030, 1),
    (72, 'Fort-de-France',      '972', -61.0500, 14.6300, 0.020, 1),
    (73, 'Cayenne',             '973', -52.3300, 4.9100,  0.020, 1),
    (74, 'Saint-Denis',         '974',  55.4500, -20.9000, 0.030, 1),
    (75, 'Mamoudzou',           '976',  45.2100, -12.7800, 0.010, 1);

-- Points at sea, around which the "outside any area" destinations are drawn.
CREATE TABLE lastmile_demo.sea (sea_id int PRIMARY KEY, name text, lon float8, lat float8);
COMMENT ON TABLE lastmile_demo.sea IS 'Points at sea: destinations outside every area (reason sector for every carrier).';
INSERT INTO lastmile_demo.sea VALUES
    (0, 'Golfe de Gascogne', -4.5, 45.5), (1, 'Golfe du Lion', 4.0, 42.8),
    (2, 'Manche', -1.5, 50.2), (3, 'Mer Ligure', 7.5, 43.2), (4, 'Mer d''Iroise', -6.5, 47.5);

-- Carrier archetypes; carrier k of generate() is archetype ((k-1) % 15) + 1.
-- coverage: region or département code → pricing zone (a code wins over its region).
-- bands: chargeable-weight breakpoints of the rate grid (5–8 bands are kept).
-- capacity_share: daily capacity as a share of the requests per ship date (NULL = none).
CREATE TABLE lastmile_demo.carrier_kind (
    kind_no         int PRIMARY KEY,
    kind            text NOT NULL,
    name            text NOT NULL,
    services        text[] NOT NULL,
    max_weight_kg   float8,
    max_dims        text,
    max_developed_cm float8,
    volumetric_divisor float8,
    quality         float8 NOT NULL,
    co2_g_per_km    float8 NOT NULL,
    fuel_surcharge_pct numeric NOT NULL,
    capacity_share  float8,
    coverage        jsonb NOT NULL,
    bands           numeric[] NOT NULL,
    base_price      numeric NOT NULL,
    per_kg          numeric NOT NULL,
    transit_days    int NOT NULL
);
COMMENT ON TABLE lastmile_demo.carrier_kind IS 'Carrier archetypes: limits, quality, CO2, surcharge, capacity, coverage (region or département → zone) and rate grid shape.';
INSERT INTO lastmile_demo.carrier_kind VALUES
 (1, 'colis', 'Colis France', '{delivery,return,pickup_point}', 30, '100x60x60', 200, 5000, 0.82, 110, 6.5, NULL,
  '{"IDF":"Z1","HDF":"Z2","GE":"Z2","NOR":"Z2","BRE":"Z2","PDL":"Z2","CVL":"Z2","BFC":"Z2","NA":"Z3","ARA":"Z3","OCC":"Z3","PACA":"Z3","COR":"CORSE"}',
  '{0,0.5,1,2,5,10,15,20,30}', 4.95, 0.20, 2),
 (2, 'express', 'Express 13h', '{delivery,pickup}', 30, '150x100x100', 300, 5000, 0.95, 180, 17.5, 0.12,
  '{"IDF":"Z1","HDF":"Z1","NOR":"Z1","CVL":"Z1","GE":"Z2","BRE":"Z2","PDL":"Z2","BFC":"Z2","NA":"Z2","ARA":"Z2","OCC":"Z2","PACA":"Z2","COR":"CORSE"}',
  '{0,1,2,3,5,10,15,20,30}', 9.80, 0.45, 1),
 (3, 'relais', 'Relais Colis Proximité', '{pickup_point,return}', 20, '100x60x50', 150, 6000, 0.74, 60, 4, NULL,
  '{"IDF":"R1","HDF":"R1","GE":"R1","NOR":"R1","BRE":"R1","PDL":"R1","CVL":"R1","BFC":"R1","NA":"R2","ARA":"R2","OCC":"R2","PACA":"R2"}',
  '{0,0.25,0.5,1,2,5,10,15,20}', 2.90, 0.10, 3),
 (4, 'velo', 'Vélo Cargo Paris', '{delivery,pickup}', 25, '80x60x50', 180, NULL, 0.93, 0, 0, 0.05,
  '{"75":"PARIS","92":"PC","93":"PC","94":"PC"}',
  '{0,2,5,10,15,20,25}', 5.50, 0, 1),
 (5, 'fret', 'Messagerie Palettes', '{delivery,installation,takeback}', 1000, '240x120x220', NULL, 4000, 0.70, 250, 22, 0.12,
  '{"IDF":"R1","HDF":"R2","NOR":"R2","CVL":"R2","GE":"R2","BFC":"R2","BRE":"R3","PDL":"R3","NA":"R3","ARA":"R4","OCC":"R4","PACA":"R4"}',
  '{10,30,60,100,200,300,500,750,1000}', 39, 0.35, 3),
 (6, 'coursier', 'Coursier Île-de-France', '{delivery,pickup,return}', 30, '120x80x80', 250, 5000, 0.90, 150, 10, 0.10,
  '{"75":"PARIS","92":"PC","93":"PC","94":"PC","77":"GC","78":"GC","91":"GC","95":"GC"}',
  '{0,1,3,5,10,15,20,25,30}', 6.90, 0.25, 1),
 (7, 'outremer', 'Outre-Mer Express', '{delivery,return}', 30, '100x60x60', 200, 5000, 0.72, 300, 25, NULL,
  '{"971":"ANTILLES","972":"ANTILLES","973":"GUYANE","974":"OI","976":"OI"}',
  '{0,0.5,1,2,5,10,20,30}', 14.50, 0.90, 5),
 (10, 'sudest', 'Rhône-Alpes Provence Livraison', '{delivery,pickup,installation}', 60, '200x100x100', NULL, 5000, 0.85, 200, 12, 0.06,
  '{"ARA":"ARA","PACA":"PACA"}',
  '{0,2,5,10,20,30,40,50,60}', 6.20, 0.30, 1),

 (9, 'ouest', 'Ouest Transports', '{delivery,pickup,return}', 40, '150x80x80', 250, 6000, 0.88, 190, 9, NULL,
  '{"BRE":"BZH","PDL":"PDL","14":"NOR","50":"NOR","61":"NOR"}',
  '{0,1,2,5,10,20,30,40}', 5.80, 0.22, 1),
 (8, 'blanc', 'Blanc Service Installation', '{delivery,installation,takeback}', 150, '200x100x100', NULL, NULL, 0.90, 230, 14, 0.05,
  '{"IDF":"Z1","HDF":"Z2","GE":"Z2","NOR":"Z2","BRE":"Z2","PDL":"Z2","CVL":"Z2","BFC":"Z2","NA":"Z3","ARA":"Z3","OCC":"Z3","PACA":"Z3"}',
  '{0,10,30,50,70,90,110,130,150}', 29, 0.40, 2),
 (11, 'eco', 'EcoLivraison Urbaine', '{delivery,return}', 30, '120x60x60', 200, 5000, 0.86, 40, 3, NULL,
  '{"75":"A","92":"A","93":"A","94":"A","69":"B","13":"B","31":"B","33":"B","59":"B","44":"B","67":"B","34":"B","06":"B"}',
  '{0,1,2,5,10,20,30}', 5.40, 0.18, 1),
 (12, 'malin', 'Colis Malin', '{delivery,pickup_point}', 20, '100x50x50', 150, 4000, 0.62, 95, 5, NULL,
  '{"IDF":"A","HDF":"B","GE":"B","NOR":"B","BRE":"B","PDL":"B","CVL":"B","BFC":"B","NA":"C","ARA":"C","OCC":"C","PACA":"C","COR":"C"}',
  '{0,0.5,1,2,3,5,10,20}', 3.60, 0.12, 3),
 (13, 'nordest', 'Nord-Est Fret', '{delivery,pickup,takeback}', 30, '120x80x80', 220, 5000, 0.80, 170, 8, NULL,
  '{"HDF":"HDF","GE":"GE","02":"HDF"}',
  '{0,1,2,5,10,15,20,30}', 5.10, 0.20, 1),
 (14, 'sudouest', 'Sud-Ouest Colis', '{delivery,return}', 30, '120x80x60', 220, 5000, 0.84, 160, 8, 0.07,
  '{"NA":"NA","OCC":"OCC"}',
  '{0,1,2,5,10,15,20,25,30}', 5.30, 0.20, 1),
 (15, 'premium', 'Premium Gants Blancs', '{delivery,installation,takeback}', 300, '250x150x150', NULL, 5000, 0.99, 250, 15, 0.02,
  '{"IDF":"Z1","HDF":"Z2","GE":"Z2","NOR":"Z2","BRE":"Z2","PDL":"Z2","CVL":"Z2","BFC":"Z2","NA":"Z2","ARA":"Z2","OCC":"Z2","PACA":"Z2"}',
  '{0,20,50,80,120,160,200,250,300}', 59, 0.50, 3);

-- Retailer archetypes; retailer k of generate() is archetype ((k-1) % 5) + 1.
CREATE TABLE lastmile_demo.retailer_kind (
    kind_no     int PRIMARY KEY,
    retailer_id text NOT NULL,
    name        text NOT NULL,
    w_cost      float8 NOT NULL,
    w_quality   float8 NOT NULL,
    w_environment float8 NOT NULL,
    share       float8 NOT NULL,      -- share of the requests
    profile     text NOT NULL,        -- package profile: fashion, home, electro, garden, sport
    services    text[] NOT NULL,      -- services asked for ...
    service_cum float8[] NOT NULL,    -- ... with these cumulative probabilities
    warehouse   int NOT NULL,         -- city of the warehouse
    stores      int[] NOT NULL        -- cities of the stores
);
COMMENT ON TABLE lastmile_demo.retailer_kind IS 'Retailer archetypes: score weights, share of the requests, package profile, service mix, warehouse and store cities.';
INSERT INTO lastmile_demo.retailer_kind VALUES
 (1, 'modeo', 'Modéo', 3, 1, 1, 35, 'fashion', '{delivery,pickup_point,return,pickup}', '{0.70,0.88,0.98,1}', 38, '{1,10,9,17,16,13}'),
 (2, 'maisonia', 'Maisonia', 1, 2, 0.5, 15, 'home', '{delivery,installation,takeback,return,pickup}', '{0.72,0.86,0.94,0.98,1}', 10, '{1,11,12,18,14}'),
 (3, 'electra', 'Électra', 2, 2, 1, 25, 'electro', '{delivery,installation,takeback,pickup_point,return}', '{0.70,0.80,0.86,0.94,1}', 6, '{1,10,11,15,16,17,13}'),
 (4, 'verdure', 'Verdure Bio', 1, 1, 3, 10, 'garden', '{delivery,pickup_point,return}', '{0.85,0.95,1}', 25, '{13,18,31}'),
 (5, 'sportiz', 'Sportiz', 2, 1, 1, 15, 'sport', '{delivery,pickup_point,return,pickup}', '{0.75,0.87,0.97,1}', 11, '{11,23,34,16,9}');

-- Shared hubs (places with no retailer).
CREATE TABLE lastmile_demo.hub (hub_no int PRIMARY KEY, name text, dept text, lon float8, lat float8);
COMMENT ON TABLE lastmile_demo.hub IS 'Shared logistics hubs (places with retailer_id NULL).';
INSERT INTO lastmile_demo.hub VALUES
    (1, 'Hub Rungis', '94', 2.3490, 48.7470), (2, 'Hub Lyon-Corbas', '69', 4.9000, 45.6700),
    (3, 'Hub Marseille-Vitrolles', '13', 5.2500, 43.4500), (4, 'Hub Lille-Lesquin', '59', 3.1100, 50.5800),
    (5, 'Hub Toulouse-Fenouillet', '31', 1.3900, 43.6800);

CREATE TABLE lastmile_demo.name_part (kind text, n int, value text, PRIMARY KEY (kind, n));
COMMENT ON TABLE lastmile_demo.name_part IS 'First names, last names and street names for recipients.';
INSERT INTO lastmile_demo.name_part
SELECT 'first', n, v FROM unnest('{Camille,Léa,Manon,Chloé,Inès,Sarah,Emma,Jade,Louise,Alice,Lucas,Hugo,Louis,Gabriel,Arthur,Jules,Nathan,Thomas,Paul,Mohamed,Yanis,Sofia,Amir,Zoé,Élodie}'::text[]) WITH ORDINALITY AS t(v, n)
UNION ALL
SELECT 'last', n, v FROM unnest('{Martin,Bernard,Dubois,Thomas,Robert,Richard,Petit,Durand,Leroy,Moreau,Simon,Laurent,Lefèvre,Michel,Garcia,David,Bertrand,Roux,Vincent,Fournier,Morel,Girard,André,Mercier,Nguyen,Benali,Da Silva,Le Gall}'::text[]) WITH ORDINALITY AS t(v, n)
UNION ALL
SELECT 'street', n, v FROM unnest('{rue de la République,avenue Jean Jaurès,rue Victor Hugo,boulevard Gambetta,rue Pasteur,place de la Mairie,rue du Général de Gaulle,avenue de la Gare,rue des Écoles,chemin des Vignes,allée des Tilleuls,rue Nationale,impasse des Lilas,quai de la Loire,route de Paris}'::text[]) WITH ORDINALITY AS t(v, n);

-- The area_id of each département loaded in lastmile.area.
CREATE VIEW lastmile_demo.departement_area AS
SELECT d.code, d.nom, d.region, a.area_id
FROM lastmile_demo.departement d
JOIN lastmile.area a ON a.kind = 'departement' AND a.code = d.code;
COMMENT ON VIEW lastmile_demo.departement_area IS 'Each département with its area_id in lastmile.area (kind departement).';

------------------------------------------------------------------------
-- Functions
------------------------------------------------------------------------

-- Functions run with lastmile_demo, lastmile and PostGIS's schema on the path.
DO $$ BEGIN
    PERFORM set_config('search_path',
        'lastmile_demo, lastmile, ' || (SELECT quote_ident(extnamespace::regnamespace::text)
                                         FROM pg_extension WHERE extname = 'postgis'), false);
END $$;

CREATE FUNCTION lastmile_demo.load_departements(path text)
RETURNS bigint LANGUAGE sql VOLATILE
SET search_path FROM CURRENT
AS $$ SELECT lastmile.load_geojson(pg_read_file(path)::jsonb, 'departement', 'code', 'nom') $$;
COMMENT ON FUNCTION lastmile_demo.load_departements(text) IS
    'Loads a GeoJSON file of départements (properties code, nom) read on the server into lastmile.area (kind departement); superuser or pg_read_server_files.';

CREATE FUNCTION lastmile_demo.clear() RETURNS void LANGUAGE plpgsql VOLATILE
SET search_path FROM CURRENT
AS $$
DECLARE
    tables text;
BEGIN
    -- the data tables of SPEC §2 (areas and SMS rates kept) and whatever
    -- references them; identities restarted
    SELECT string_agg(format('lastmile.%I', c.relname), ', ' ORDER BY c.relname) INTO tables
    FROM pg_class c
    WHERE c.relnamespace = 'lastmile'::regnamespace AND c.relkind IN ('r', 'p')
      AND c.relname IN ('retailer', 'carrier', 'coverage', 'rate', 'contract', 'place',
                        'transport_request', 'package', 'quote', 'allocation', 'bundle',
                        'bundle_stop', 'resource', 'reservation', 'notification', 'message',
                        'carrier_day');
    EXECUTE 'TRUNCATE ' || tables || ' RESTART IDENTITY CASCADE';
END
$$;
COMMENT ON FUNCTION lastmile_demo.clear() IS
    'Deletes every retailer, carrier, place, request and what hangs on them (areas and SMS rates are kept), and restarts the identities.';

CREATE FUNCTION lastmile_demo.generate(
    carriers        int DEFAULT 8,
    retailers       int DEFAULT 3,
    requests        int DEFAULT 3000,
    seed            int DEFAULT 1,
    first_ship_date date DEFAULT '2026-12-07',
    days            int DEFAULT 3)
RETURNS TABLE (what text, n bigint)
LANGUAGE plpgsql VOLATILE
SET search_path FROM CURRENT
SET jit = off
SET client_min_messages = warning
AS $fn$
#variable_conflict use_column
DECLARE
    s           bigint := seed;
    n_car       int := carriers;
    n_ret       int := retailers;
    n_req       int := requests;
    per_day     float8;
    place_base  bigint;
    req_base    bigint;
    pkg_base    bigint;
    ship_dates  date[];
    d           date;
BEGIN
    IF n_car IS NULL OR n_car < 1 OR n_car > 99 THEN
        RAISE EXCEPTION 'carriers must be between 1 and 99, got %', n_car USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF n_ret IS NULL OR n_ret < 1 OR n_ret > 50 THEN
        RAISE EXCEPTION 'retailers must be between 1 and 50, got %', n_ret USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF n_req IS NULL OR n_req < 0 THEN
        RAISE EXCEPTION 'requests must be >= 0, got %', n_req USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF days IS NULL OR days < 1 OR first_ship_date IS NULL OR s IS NULL THEN
        RAISE EXCEPTION 'days must be >= 1 and first_ship_date and seed not NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT FROM lastmile_demo.departement_area) THEN
        RAISE EXCEPTION 'no département in lastmile.area'
            USING ERRCODE = 'no_data_found',
                  HINT = 'Load them first: SELECT lastmile.load_geojson(doc) with fr-departements.geojson.';
    END IF;
    per_day := n_req::float8 / days;
    -- scratch tables of an earlier call in this transaction
    DROP TABLE IF EXISTS pg_temp.demo_carrier, pg_temp.demo_retailer, pg_temp.demo_place, pg_temp.demo_rcum,
                         pg_temp.demo_ccum, pg_temp.demo_req, pg_temp.demo_cand, pg_temp.demo_dest;

    -- the ship dates: working days from first_ship_date on
    d := first_ship_date;
    ship_dates := '{}';
    WHILE cardinality(ship_dates) < days LOOP
        IF extract(isodow FROM d) < 6 THEN
            ship_dates := ship_dates || d;
        END IF;
        d := d + 1;
    END LOOP;

    -- retailers
    INSERT INTO lastmile.retailer (retailer_id, name, w_cost, w_quality, w_environment)
    SELECT rk.retailer_id || CASE WHEN k > 5 THEN ((k - 1) / 5 + 1)::text ELSE '' END,
           rk.name || CASE WHEN k > 5 THEN ' ' || ((k - 1) / 5 + 1) ELSE '' END,
           rk.w_cost, rk.w_quality, rk.w_environment
    FROM generate_series(1, n_ret) k
    JOIN lastmile_demo.retailer_kind rk ON rk.kind_no = (k - 1) % 5 + 1
    ORDER BY k;

    -- carriers
    CREATE TEMP TABLE demo_carrier ON COMMIT DROP AS
    SELECT k, ck.kind_no, ck.kind || lpad(k::text, 2, '0') AS carrier_id, ck.coverage, ck.bands,
           ck.base_price, ck.per_kg, ck.transit_days,
           0.9 + 0.2 * rand(s, 1, k) AS price_level
    FROM generate_series(1, n_car) k
    JOIN lastmile_demo.carrier_kind ck ON ck.kind_no = (k - 1) % 15 + 1;
    ANALYZE demo_carrier;

    INSERT INTO lastmile.carrier (carrier_id, name, services, max_weight_kg, max_dims, max_developed_cm,
                                  volumetric_divisor, quality, co2_g_per_km, fuel_surcharge_pct, daily_capacity)
    SELECT dc.carrier_id,
           ck.name || CASE WHEN dc.k > 15 THEN ' ' || ((dc.k - 1) / 15 + 1) ELSE '' END,
           ck.services::lastmile.service[], ck.max_weight_kg, ck.max_dims::lastmile.dims, ck.max_developed_cm,
           ck.volumetric_divisor,
           least(0.99, greatest(0.60, round((ck.quality + (rand(s, 2, dc.k) - 0.5) * 0.08)::numeric, 2)))::float8,
           round(ck.co2_g_per_km * (0.85 + 0.3 * rand(s, 3, dc.k))),
           round(ck.fuel_surcharge_pct * (0.8 + 0.4 * rand(s, 4, dc.k))::numeric, 1),
           CASE WHEN ck.capacity_share IS NOT NULL
                THEN greatest(3, round(ck.capacity_share * per_day * (0.7 + 0.6 * rand(s, 5, dc.k))))::int END
    FROM demo_carrier dc JOIN lastmile_demo.carrier_kind ck USING (kind_no)
    ORDER BY dc.k;

    -- coverage: the archetype's map; later copies of an archetype drop ~12 % of it
    INSERT INTO lastmile.coverage (carrier_id, area_id, zone)
    SELECT dc.carrier_id, da.area_id, coalesce(dc.coverage->>da.code, dc.coverage->>da.region)
    FROM demo_carrier dc
    CROSS JOIN lastmile_demo.departement_area da
    WHERE coalesce(dc.coverage->>da.code, dc.coverage->>da.region) IS NOT NULL
      AND (dc.k <= 15 OR rand(s, 6, dc.k * 1000 + da.area_id) >= 0.12)
    ORDER BY dc.k, da.code;

    -- rate grids: 5–8 bands per zone
    INSERT INTO lastmile.rate (carrier_id, zone, weight_kg, price, per_kg, transit_days)
    WITH z AS (
        SELECT DISTINCT dc.k, dc.carrier_id, c.zone
        FROM demo_carrier dc JOIN lastmile.coverage c USING (carrier_id)
    ), zr AS (
        SELECT z.*, dense_rank() OVER (PARTITION BY z.k ORDER BY z.zone) AS zno,
               cardinality(dc.bands) - 1 AS maxb,
               dc.bands, dc.base_price, dc.per_kg, dc.transit_days, dc.price_level
        FROM z JOIN demo_carrier dc USING (k)
    ), g AS (
        SELECT zr.*, least(zr.maxb, 5 + floor(4 * rand(s, 7, zr.k * 100 + zr.zno))::int) AS nb,
               CASE zr.zone WHEN 'CORSE' THEN 1.6
                            WHEN 'GUYANE' THEN 1.3
                            WHEN 'OI' THEN 1.2
                            ELSE 1 + 0.12 * (zr.zno - 1) END AS zmult
        FROM zr
    )
    SELECT g.carrier_id, g.zone,
           numrange(g.bands[j], CASE WHEN j < g.nb THEN g.bands[j + 1] ELSE g.bands[g.maxb + 1] END,
                    CASE WHEN j < g.nb THEN '[)' ELSE '[]' END),
           round(g.base_price * g.price_level::numeric * g.zmult * (1 + 0.3 * (j - 1)), 2),
           CASE WHEN (CASE WHEN j < g.nb THEN g.bands[j + 1] ELSE g.bands[g.maxb + 1] END) - g.bands[j] >= 5
                THEN round(g.per_kg * g.price_level::numeric * g.zmult, 2) ELSE 0 END,
           g.transit_days + CASE WHEN g.zone = 'CORSE' OR g.zno >= 3 THEN 1 ELSE 0 END
    FROM g CROSS JOIN generate_series(1, g.nb) j
    ORDER BY g.k, g.zone, j;

    -- contracts: ~88 % of the pairs (every retailer has the national parcel and
    -- overseas carriers), ~7 % of them inactive, ~30 % with a discount
    INSERT INTO lastmile.contract (retailer_id, carrier_id, active, price_factor)
    SELECT r.retailer_id, dc.carrier_id,
           dc.kind_no IN (1, 7) OR rand(s, 51, r.rk * 100 + dc.k) >= 0.07,
           CASE WHEN rand(s, 52, r.rk * 100 + dc.k) < 0.3
                THEN round((0.85 + 0.14 * rand(s, 53, r.rk * 100 + dc.k))::numeric, 2) ELSE 1 END
    FROM (SELECT retailer_id, row_number() OVER (ORDER BY created_at, retailer_id) AS rk FROM lastmile.retailer) r
    CROSS JOIN demo_carrier dc
    WHERE (dc.kind_no IN (1, 7) OR rand(s, 50, r.rk * 100 + dc.k) >= 0.12)
      AND r.retailer_id IN (SELECT rk2.retailer_id || CASE WHEN k2 > 5 THEN ((k2 - 1) / 5 + 1)::text ELSE '' END
                            FROM generate_series(1, n_ret) k2
                            JOIN lastmile_demo.retailer_kind rk2 ON rk2.kind_no = (k2 - 1) % 5 + 1)
    ORDER BY 1, 2;

    -- places: shared hubs, then each retailer's warehouse and stores
    SELECT coalesce(max(place_id), 0) INTO place_base FROM lastmile.place;
    CREATE TEMP TABLE demo_retailer ON COMMIT DROP AS
    SELECT k, rk.*, rk.retailer_id || CASE WHEN k > 5 THEN ((k - 1) / 5 + 1)::text ELSE '' END AS rid
    FROM generate_series(1, n_ret) k
    JOIN lastmile_demo.retailer_kind rk ON rk.kind_no = (k - 1) % 5 + 1;
    ANALYZE demo_retailer;

    CREATE TEMP TABLE demo_place ON COMMIT DROP AS
    WITH p AS (
        SELECT 0 AS k, h.hub_no AS pno, NULL::text AS rid, 'hub'::lastmile.place_kind AS kind, h.name,
               h.lon, h.lat, h.dept, NULL::text AS city
        FROM lastmile_demo.hub h
        UNION ALL
        SELECT dr.k, 0, dr.rid, 'warehouse', dr.name || ' — entrepôt ' || c.name, c.lon, c.lat, c.dept, c.name
        FROM demo_retailer dr JOIN lastmile_demo.city c ON c.city_id = dr.warehouse
        UNION ALL
        SELECT dr.k, st.n::int, dr.rid, 'store', dr.name || ' — magasin ' || c.name, c.lon, c.lat, c.dept, c.name
        FROM demo_retailer dr CROSS JOIN unnest(dr.stores) WITH ORDINALITY AS st(city_id, n)
        JOIN lastmile_demo.city c ON c.city_id = st.city_id
    )
    SELECT place_base + row_number() OVER (ORDER BY k, kind, pno) AS place_id, p.*
    FROM p;
    ANALYZE demo_place;

    INSERT INTO lastmile.place (place_id, retailer_id, kind, name, location, address, postcode, city)
    SELECT p.place_id, p.rid, p.kind, p.name,
           ST_SetSRID(ST_MakePoint(round((p.lon + (rand(s, 8, p.place_id) - 0.5) * 0.02)::numeric, 6)::float8,
                                   round((p.lat + (rand(s, 9, p.place_id) - 0.5) * 0.02)::numeric, 6)::float8), 4326),
           (1 + floor(rand(s, 10, p.place_id) * 90)::int) || ' zone d''activités',
           CASE WHEN p.dept IN ('2A', '2B') THEN '20' ELSE p.dept END || '100',
           coalesce(p.city, split_part(p.name, ' ', 2))
    FROM demo_place p ORDER BY p.place_id;
    PERFORM setval(pg_get_serial_sequence('lastmile.place', 'place_id'), greatest(1, (SELECT max(place_id) FROM lastmile.place)));

    -- requests
    SELECT coalesce(max(request_id), 0) INTO req_base FROM lastmile.transport_request;
    SELECT coalesce(max(package_id), 0) INTO pkg_base FROM lastmile.package;

    CREATE TEMP TABLE demo_rcum ON COMMIT DROP AS
    SELECT dr.k, dr.rid, dr.profile, dr.services, dr.service_cum,
           (SELECT place_id FROM demo_place p WHERE p.k = dr.k AND p.kind = 'warehouse') AS warehouse_id,
           (SELECT array_agg(place_id ORDER BY place_id) FROM demo_place p WHERE p.k = dr.k AND p.kind = 'store') AS store_ids,
           coalesce(sum(dr.share) OVER (ORDER BY dr.k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
               / sum(dr.share) OVER () AS lo,
           sum(dr.share) OVER (ORDER BY dr.k) / sum(dr.share) OVER () AS hi
    FROM demo_retailer dr;
    ANALYZE demo_rcum;

    CREATE TEMP TABLE demo_ccum ON COMMIT DROP AS
    SELECT c.*, coalesce(sum(weight) OVER (ORDER BY city_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::float8
                  / sum(weight) OVER () AS lo,
           sum(weight) OVER (ORDER BY city_id)::float8 / sum(weight) OVER () AS hi
    FROM lastmile_demo.city c WHERE c.dept NOT LIKE '97%';
    ANALYZE demo_ccum;

    CREATE TEMP TABLE demo_req ON COMMIT DROP AS
    WITH base AS (
        SELECT i, rand(s, 100, i) AS r_ret, rand(s, 101, i) AS r_svc, rand(s, 103, i) AS r_org,
               rand(s, 105, i) AS r_dst
        FROM generate_series(1, n_req) i
    )
    SELECT b.i, rc.k AS rk, rc.rid, rc.profile,
           (SELECT rc.services[min(x.n)] FROM unnest(rc.service_cum) WITH ORDINALITY x(c, n) WHERE b.r_svc < x.c) AS service,
           ship_dates[1 + floor(rand(s, 102, b.i) * days)::int] AS ship_date,
           CASE WHEN b.r_org < 0.65 THEN rc.warehouse_id
                WHEN b.r_org < 0.90 THEN rc.store_ids[1 + floor(rand(s, 104, b.i) * cardinality(rc.store_ids))::int]
                ELSE place_base + 1 + floor(rand(s, 104, b.i) * 5)::int END AS origin_id,
           CASE WHEN b.r_dst < 0.003 THEN 'sea' WHEN b.r_dst < 0.018 THEN 'dom' ELSE 'metro' END AS dkind,
           CASE WHEN b.r_dst < 0.003 THEN NULL
                WHEN b.r_dst < 0.018 THEN 71 + floor(rand(s, 106, b.i) * 5)::int
                ELSE (SELECT cc.city_id FROM demo_ccum cc WHERE rand(s, 106, b.i) >= cc.lo AND rand(s, 106, b.i) < cc.hi) END
               AS city_id
    FROM base b
    JOIN demo_rcum rc ON b.r_ret >= rc.lo AND b.r_ret < rc.hi;
    ANALYZE demo_req;

    -- destinations: up to three jittered points around the city centre, the
    -- first one inside the city's département wins, else the centre
    CREATE TEMP TABLE demo_cand ON COMMIT DROP AS
    SELECT q.i, kk AS cand, c.dept,
           ST_SetSRID(ST_MakePoint(
               round((c.lon + (rand(s, 110 + kk, q.i) - 0.5) * 2 * c.radius / cos(radians(c.lat)))::numeric, 6)::float8,
               round((c.lat + (rand(s, 113 + kk, q.i) - 0.5) * 2 * c.radius)::numeric, 6)::float8), 4326) AS pt
    FROM demo_req q JOIN lastmile_demo.city c USING (city_id)
    CROSS JOIN generate_series(1, 3) kk
    ORDER BY c.dept, q.i, kk;
    ANALYZE demo_cand;

    CREATE TEMP TABLE demo_dest ON COMMIT DROP AS
    SELECT DISTINCT ON (x.i) x.i, x.pt
    FROM (SELECT c.i, c.cand, c.pt
          FROM demo_cand c
          JOIN lastmile_demo.departement_area da ON da.code = c.dept
          JOIN lastmile.area a ON a.area_id = da.area_id
          WHERE ST_Covers(a.geom, c.pt)) x
    ORDER BY x.i, x.cand;
    ANALYZE demo_dest;

    INSERT INTO lastmile.transport_request
        (request_id, retailer_id, order_ref, service, origin_id, destination, ship_date, time_window,
         recipient_name, recipient_phone, recipient_email, address, postcode, city, country, status)
    SELECT req_base + q.i, q.rid,
           upper(left(q.rid, 3)) || '-' || to_char(q.i, 'FM0000000'),
           q.service::lastmile.service, q.origin_id,
           CASE WHEN q.dkind = 'sea'
                THEN ST_SetSRID(ST_MakePoint(
                         round((sea.lon + (rand(s, 108, q.i) - 0.5) * 0.4)::numeric, 6)::float8,
                         round((sea.lat + (rand(s, 109, q.i) - 0.5) * 0.4)::numeric, 6)::float8), 4326)
                ELSE coalesce(dd.pt, ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)) END,
           q.ship_date,
           CASE WHEN rand(s, 120, q.i) < 0.25 THEN
               CASE WHEN rand(s, 121, q.i) < 0.5
                    THEN tstzrange((q.ship_date + time '08:00') AT TIME ZONE 'Europe/Paris',
                                   (q.ship_date + time '12:00') AT TIME ZONE 'Europe/Paris')
                    ELSE tstzrange((q.ship_date + time '14:00') AT TIME ZONE 'Europe/Paris',
                                   (q.ship_date + time '18:00') AT TIME ZONE 'Europe/Paris') END END,
           fn.value || ' ' || ln.value,
           '+336' || lpad(floor(rand(s, 125, q.i) * 1e8)::bigint::text, 8, '0'),
           translate(lower(fn.value || '.' || ln.value), 'éèêëàâîïôöûüç ', 'eeeeaaiioouuc-') || '@example.fr',
           CASE WHEN q.dkind = 'sea' THEN 'au large, ' || sea.name
                ELSE (1 + floor(rand(s, 126, q.i) * 120)::int) || ' ' || st.value END,
           CASE WHEN q.dkind = 'sea' THEN NULL
                WHEN c.dept IN ('2A', '2B') THEN '20' || lpad((floor(rand(s, 127, q.i) * 30) * 10)::int::text, 3, '0')
                WHEN length(c.dept) = 3 THEN c.dept || lpad((floor(rand(s, 127, q.i) * 9) * 10)::int::text, 2, '0')
                ELSE c.dept || lpad((floor(rand(s, 127, q.i) * 99) * 10)::int::text, 3, '0') END,
           CASE WHEN q.dkind = 'sea' THEN NULL ELSE c.name END,
           'FR',
           CASE WHEN rand(s, 122, q.i) < 0.01 THEN 'allocated'
                WHEN rand(s, 122, q.i) < 0.015 THEN 'cancelled'
                ELSE 'new' END::lastmile.request_status
    FROM demo_req q
    LEFT JOIN lastmile_demo.city c USING (city_id)
    LEFT JOIN demo_dest dd ON dd.i = q.i
    LEFT JOIN lastmile_demo.sea sea ON q.dkind = 'sea' AND sea.sea_id = floor(rand(s, 107, q.i) * 5)::int
    JOIN lastmile_demo.name_part fn ON fn.kind = 'first' AND fn.n = 1 + floor(rand(s, 123, q.i) * 25)::int
    JOIN lastmile_demo.name_part ln ON ln.kind = 'last' AND ln.n = 1 + floor(rand(s, 124, q.i) * 28)::int
    JOIN lastmile_demo.name_part st ON st.kind = 'street' AND st.n = 1 + floor(rand(s, 128, q.i) * 15)::int
    ORDER BY q.i;
    PERFORM setval(pg_get_serial_sequence('lastmile.transport_request', 'request_id'),
                   greatest(1, (SELECT max(request_id) FROM lastmile.transport_request)));

    -- requests allocated earlier (outside this wave) hold capacity of a capacity-limited carrier
    UPDATE lastmile.transport_request t
    SET carrier_id = cap.ids[1 + floor(rand(s, 129, t.request_id - req_base) * cardinality(cap.ids))::int],
        price = round((6 + 20 * rand(s, 131, t.request_id - req_base))::numeric, 2)
    FROM (SELECT array_agg(carrier_id ORDER BY carrier_id) AS ids
          FROM lastmile.carrier WHERE daily_capacity IS NOT NULL
            AND carrier_id IN (SELECT carrier_id FROM demo_carrier)) cap
    WHERE t.request_id > req_base AND t.status = 'allocated' AND cardinality(cap.ids) > 0;
    UPDATE lastmile.transport_request SET status = 'new'
    WHERE request_id > req_base AND status = 'allocated' AND carrier_id IS NULL;

    -- packages: 1–3 per request, sized by the retailer's profile; a few
    -- oversize or overweight ones
    INSERT INTO lastmile.package (package_id, request_id, dims, weight_kg, tracking)
    WITH p AS (
        SELECT q.i, j, q.profile,
               rand(s, 140 + 10 * j, q.i) AS r1, rand(s, 141 + 10 * j, q.i) AS r2,
               rand(s, 142 + 10 * j, q.i) AS r3, rand(s, 143 + 10 * j, q.i) AS r4,
               rand(s, 144 + 10 * j, q.i) AS r5, rand(s, 145 + 10 * j, q.i) AS r6
        FROM demo_req q
        CROSS JOIN LATERAL generate_series(1, CASE WHEN rand(s, 130, q.i) < 0.5 THEN 1
                                                   WHEN rand(s, 130, q.i) < 0.85 THEN 2 ELSE 3 END) j
    ), sz AS MATERIALIZED (
        SELECT p.i, p.j,
               CASE WHEN r6 < 0.003 THEN ARRAY[320, 130, 110, 250]
                    WHEN r6 < 0.007 THEN ARRAY[60, 50, 40, 40 + 160 * r4]
                    WHEN profile = 'fashion' THEN ARRAY[25 + 35 * r1, 15 + 25 * r2, 3 + 17 * r3, 0.2 + 2.8 * r4 * r4]
                    WHEN profile = 'home' AND r5 < 0.7 THEN ARRAY[20 + 40 * r1, 15 + 30 * r2, 10 + 30 * r3, 0.5 + 7.5 * r4]
                    WHEN profile = 'home' THEN ARRAY[60 + 150 * r1, 40 + 60 * r2, 10 + 70 * r3, 5 + 85 * r4]
                    WHEN profile = 'electro' AND r5 < 0.75 THEN ARRAY[15 + 45 * r1, 10 + 30 * r2, 5 + 30 * r3, 0.3 + 11.7 * r4 * r4]
                    WHEN profile = 'electro' THEN ARRAY[60 + 130 * r1, 50 + 20 * r2, 50 + 20 * r3, 20 + 90 * r4]
                    WHEN profile = 'garden' THEN ARRAY[20 + 40 * r1, 15 + 30 * r2, 10 + 30 * r3, 1 + 24 * r4]
                    WHEN r5 < 0.3 THEN ARRAY[100 + 60 * r1, 20 + 30 * r2, 10 + 20 * r3, 2 + 18 * r4]
                    ELSE ARRAY[25 + 45 * r1, 20 + 25 * r2, 8 + 25 * r3, 0.3 + 8 * r4] END AS a
        FROM p
    ), r AS MATERIALIZED (
        SELECT sz.i, sz.j, round(a[1]) AS x, round(a[2]) AS y, round(a[3]) AS z,
               greatest(0.05, round(a[4]::numeric, 2))::float8 AS w
        FROM sz
    )
    SELECT pkg_base + row_number() OVER (ORDER BY r.i, r.j), req_base + r.i,
           format('%sx%sx%s', greatest(x, y, z), x + y + z - greatest(x, y, z) - least(x, y, z), least(x, y, z))::lastmile.dims,
           r.w, NULL
    FROM r ORDER BY r.i, r.j;
    PERFORM setval(pg_get_serial_sequence('lastmile.package', 'package_id'),
                   greatest(1, (SELECT max(package_id) FROM lastmile.package)));
    UPDATE lastmile.package p SET tracking = 'PRE' || lpad(p.package_id::text, 10, '0')
    FROM lastmile.transport_request t
    WHERE t.request_id = p.request_id AND t.request_id > req_base AND t.status = 'allocated';

    -- quotes: ~2 % of the requests; live (no expiry or far future) or
    -- expired; a quarter get a second, later quote of the same carrier
    INSERT INTO lastmile.quote (carrier_id, request_id, price, expires_at, created_at)
    SELECT x.carrier_id, x.request_id, x.price, x.expires_at, x.created_at
    FROM (
        SELECT dc.carrier_id, req_base + q.i AS request_id,
               round((4.5 + 25 * rand(s, 152, q.i))::numeric, 2) AS price,
               CASE WHEN rand(s, 153, q.i) < 0.55 THEN timestamptz '2999-12-31 00:00+00'
                    WHEN rand(s, 153, q.i) < 0.70 THEN NULL
                    ELSE timestamptz '2021-06-30 00:00+00' END AS expires_at,
               timestamptz '2026-12-01 08:00+00' + q.i * interval '1 second' AS created_at, q.i, 1 AS nth
        FROM demo_req q
        JOIN demo_carrier dc ON dc.k = 1 + floor(rand(s, 151, q.i) * n_car)::int
        WHERE rand(s, 150, q.i) < 0.02
        UNION ALL
        SELECT dc.carrier_id, req_base + q.i,
               round((4.5 + 25 * rand(s, 155, q.i))::numeric, 2),
               CASE WHEN rand(s, 156, q.i) < 0.5 THEN timestamptz '2999-12-31 00:00+00'
                    ELSE timestamptz '2021-06-30 00:00+00' END,
               timestamptz '2026-12-01 09:00+00' + q.i * interval '1 second', q.i, 2
        FROM demo_req q
        JOIN demo_carrier dc ON dc.k = 1 + floor(rand(s, 151, q.i) * n_car)::int
        WHERE rand(s, 150, q.i) < 0.02 AND rand(s, 154, q.i) < 0.25
    ) x
    ORDER BY x.i, x.nth;

    DROP TABLE pg_temp.demo_carrier, pg_temp.demo_retailer, pg_temp.demo_place, pg_temp.demo_rcum,
               pg_temp.demo_ccum, pg_temp.demo_req, pg_temp.demo_cand, pg_temp.demo_dest;

    RETURN QUERY
    SELECT 'retailers', (SELECT count(*) FROM lastmile.retailer)
    UNION ALL SELECT 'carriers', (SELECT count(*) FROM lastmile.carrier)
    UNION ALL SELECT 'coverage', (SELECT count(*) FROM lastmile.coverage)
    UNION ALL SELECT 'rates', (SELECT count(*) FROM lastmile.rate)
    UNION ALL SELECT 'contracts', (SELECT count(*) FROM lastmile.contract)
    UNION ALL SELECT 'places', (SELECT count(*) FROM lastmile.place)
    UNION ALL SELECT 'requests', (SELECT count(*) FROM lastmile.transport_request)
    UNION ALL SELECT 'packages', (SELECT count(*) FROM lastmile.package)
    UNION ALL SELECT 'quotes', (SELECT count(*) FROM lastmile.quote);
END
$fn$;
COMMENT ON FUNCTION lastmile_demo.generate(int, int, int, int, date, int) IS
    'Writes a deterministic, realistic data set into lastmile: carriers (varied services, limits, CO2, surcharges, capacities, 2–4 zones, 5–8 rate bands per zone), retailers, contracts, places, requests over working ship dates with 1–3 packages each, and quotes. Same arguments, same rows. Needs the départements in lastmile.area.';

RESET search_path;
RESET client_min_messages;
