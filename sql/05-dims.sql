
-- ---------------------------------------------------------------------------
-- 05-dims.sql — the type lastmile.dims (SPEC §1): the outer dimensions of a
-- package, three sides in cm stored sorted longest first (24 bytes, three
-- float8, passed by reference).  C code: src/core/dims.c, src/pg/dims.c.
-- ---------------------------------------------------------------------------

CREATE TYPE lastmile.dims;

CREATE FUNCTION lastmile.dims_in(cstring) RETURNS lastmile.dims
    AS 'MODULE_PATHNAME', 'dims_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_out(lastmile.dims) RETURNS cstring
    AS 'MODULE_PATHNAME', 'dims_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_recv(internal) RETURNS lastmile.dims
    AS 'MODULE_PATHNAME', 'dims_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_send(lastmile.dims) RETURNS bytea
    AS 'MODULE_PATHNAME', 'dims_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE lastmile.dims (
    INPUT = lastmile.dims_in,
    OUTPUT = lastmile.dims_out,
    RECEIVE = lastmile.dims_recv,
    SEND = lastmile.dims_send,
    INTERNALLENGTH = 24,
    ALIGNMENT = double,
    STORAGE = plain
);

COMMENT ON TYPE lastmile.dims IS
    'outer dimensions of a package: three sides in cm, stored sorted longest first; input such as ''60x40x30'', ''600x400x300 mm'' or ''0.6x0.4x0.3 m''';
COMMENT ON FUNCTION lastmile.dims_in(cstring) IS
    'text input of lastmile.dims: three sides separated by x, X, * or ×, optional unit cm (default), mm or m';
COMMENT ON FUNCTION lastmile.dims_out(lastmile.dims) IS
    'text output of lastmile.dims: cm, longest side first, shortest decimal form (''60.5x40x30'')';
COMMENT ON FUNCTION lastmile.dims_recv(internal) IS
    'binary input of lastmile.dims: three float8 in cm (any order; checked and sorted)';
COMMENT ON FUNCTION lastmile.dims_send(lastmile.dims) IS
    'binary output of lastmile.dims: three float8 in cm, longest first';

-- constructor from numbers
CREATE FUNCTION lastmile.dims(length float8, width float8, height float8)
    RETURNS lastmile.dims
    AS 'MODULE_PATHNAME', 'dims_make_sides' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lastmile.dims(float8, float8, float8) IS
    'a lastmile.dims from three sides in cm given in any order (each finite, > 0 and <= 10000; else SQLSTATE 22023)';

-- measures
CREATE FUNCTION lastmile.length(d lastmile.dims) RETURNS float8
    AS 'MODULE_PATHNAME', 'dims_length' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lastmile.length(lastmile.dims) IS 'the longest side, cm';

CREATE FUNCTION lastmile.width(d lastmile.dims) RETURNS float8
    AS 'MODULE_PATHNAME', 'dims_width' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lastmile.width(lastmile.dims) IS 'the middle side, cm';

CREATE FUNCTION lastmile.height(d lastmile.dims) RETURNS float8
    AS 'MODULE_PATHNAME', 'dims_height' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lastmile.height(lastmile.dims) IS 'the shortest side, cm';

CREATE FUNCTION lastmile.volume_cm3(d lastmile.dims) RETURNS float8
    AS 'MODULE_PATHNAME', 'dims_volume_cm3' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lastmile.volume_cm3(lastmile.dims) IS 'volume in cm³: length · width · height';

CREATE FUNCTION lastmile.girth(d lastmile.dims) RETURNS float8
    AS 'MODULE_PATHNAME', 'dims_girth_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lastmile.girth(lastmile.dims) IS 'girth in cm: 2 · (width + height)';

CREATE FUNCTION lastmile.developed(d lastmile.dims) RETURNS float8
    AS 'MODULE_PATHNAME', 'dims_developed_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lastmile.developed(lastmile.dims) IS
    'developed length in cm (the carriers'' "développé"): length + 2 · width + 2 · height';

CREATE FUNCTION lastmile.volumetric_weight(d lastmile.dims, divisor float8 DEFAULT 5000)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'dims_volumetric_weight' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lastmile.volumetric_weight(lastmile.dims, float8) IS
    'volumetric weight in kg: volume_cm3 / divisor (cm³ per kg, default 5000; must be finite and > 0, else SQLSTATE 22023)';

-- comparison (a total order: the sorted sides compared lexicographically)
CREATE FUNCTION lastmile.dims_cmp(lastmile.dims, lastmile.dims) RETURNS int4
    AS 'MODULE_PATHNAME', 'dims_cmp_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_eq(lastmile.dims, lastmile.dims) RETURNS bool
    AS 'MODULE_PATHNAME', 'dims_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_ne(lastmile.dims, lastmile.dims) RETURNS bool
    AS 'MODULE_PATHNAME', 'dims_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_lt(lastmile.dims, lastmile.dims) RETURNS bool
    AS 'MODULE_PATHNAME', 'dims_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_le(lastmile.dims, lastmile.dims) RETURNS bool
    AS 'MODULE_PATHNAME', 'dims_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_gt(lastmile.dims, lastmile.dims) RETURNS bool
    AS 'MODULE_PATHNAME', 'dims_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_ge(lastmile.dims, lastmile.dims) RETURNS bool
    AS 'MODULE_PATHNAME', 'dims_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_contained(lastmile.dims, lastmile.dims) RETURNS bool
    AS 'MODULE_PATHNAME', 'dims_contained' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_contains(lastmile.dims, lastmile.dims) RETURNS bool
    AS 'MODULE_PATHNAME', 'dims_contains' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_hash(lastmile.dims) RETURNS int4
    AS 'MODULE_PATHNAME', 'dims_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lastmile.dims_hash_extended(lastmile.dims, int8) RETURNS int8
    AS 'MODULE_PATHNAME', 'dims_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION lastmile.dims_cmp(lastmile.dims, lastmile.dims) IS
    'btree support: -1, 0 or 1 comparing the sorted sides lexicographically (length, then width, then height)';
COMMENT ON FUNCTION lastmile.dims_eq(lastmile.dims, lastmile.dims) IS 'implementation of = on lastmile.dims';
COMMENT ON FUNCTION lastmile.dims_ne(lastmile.dims, lastmile.dims) IS 'implementation of <> on lastmile.dims';
COMMENT ON FUNCTION lastmile.dims_lt(lastmile.dims, lastmile.dims) IS 'implementation of < on lastmile.dims';
COMMENT ON FUNCTION lastmile.dims_le(lastmile.dims, lastmile.dims) IS 'implementation of <= on lastmile.dims';
COMMENT ON FUNCTION lastmile.dims_gt(lastmile.dims, lastmile.dims) IS 'implementation of > on lastmile.dims';
COMMENT ON FUNCTION lastmile.dims_ge(lastmile.dims, lastmile.dims) IS 'implementation of >= on lastmile.dims';
COMMENT ON FUNCTION lastmile.dims_contained(lastmile.dims, lastmile.dims) IS
    'implementation of <@: true when the first package fits inside the second box in some orientation';
COMMENT ON FUNCTION lastmile.dims_contains(lastmile.dims, lastmile.dims) IS
    'implementation of @>: true when the first box holds the second package in some orientation';
COMMENT ON FUNCTION lastmile.dims_hash(lastmile.dims) IS 'hash support for lastmile.dims';
COMMENT ON FUNCTION lastmile.dims_hash_extended(lastmile.dims, int8) IS 'seeded hash support for lastmile.dims';

-- The operators are created in pg_catalog (the functions behind them stay in
-- lastmile): an operator is found through search_path, and SPEC §1 writes
-- '30x60x40'::lastmile.dims = '60x40x30' for sessions that do not have
-- lastmile on their path.  They take only lastmile.dims operands, so they
-- cannot capture any other type's operator, and DROP EXTENSION removes them.
CREATE OPERATOR pg_catalog.= (
    LEFTARG = lastmile.dims, RIGHTARG = lastmile.dims,
    FUNCTION = lastmile.dims_eq,
    COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR pg_catalog.<> (
    LEFTARG = lastmile.dims, RIGHTARG = lastmile.dims,
    FUNCTION = lastmile.dims_ne,
    COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR pg_catalog.< (
    LEFTARG = lastmile.dims, RIGHTARG = lastmile.dims,
    FUNCTION = lastmile.dims_lt,
    COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR pg_catalog.<= (
    LEFTARG = lastmile.dims, RIGHTARG = lastmile.dims,
    FUNCTION = lastmile.dims_le,
    COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR pg_catalog.> (
    LEFTARG = lastmile.dims, RIGHTARG = lastmile.dims,
    FUNCTION = lastmile.dims_gt,
    COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR pg_catalog.>= (
    LEFTARG = lastmile.dims, RIGHTARG = lastmile.dims,
    FUNCTION = lastmile.dims_ge,
    COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR pg_catalog.<@ (
    LEFTARG = lastmile.dims, RIGHTARG = lastmile.dims,
    FUNCTION = lastmile.dims_contained,
    COMMUTATOR = OPERATOR(pg_catalog.@>),
    RESTRICT = contsel, JOIN = contjoinsel
);
CREATE OPERATOR pg_catalog.@> (
    LEFTARG = lastmile.dims, RIGHTARG = lastmile.dims,
    FUNCTION = lastmile.dims_contains,
    COMMUTATOR = OPERATOR(pg_catalog.<@),
    RESTRICT = contsel, JOIN = contjoinsel
);

COMMENT ON OPERATOR pg_catalog.= (lastmile.dims, lastmile.dims) IS 'same size (sides compared after sorting)';
COMMENT ON OPERATOR pg_catalog.<> (lastmile.dims, lastmile.dims) IS 'different size';
COMMENT ON OPERATOR pg_catalog.< (lastmile.dims, lastmile.dims) IS
    'sorts before: sorted sides compared lexicographically (an order for ORDER BY and indexes, not "smaller box"; see <@)';
COMMENT ON OPERATOR pg_catalog.<= (lastmile.dims, lastmile.dims) IS 'sorts before or equal (lexicographic on sorted sides)';
COMMENT ON OPERATOR pg_catalog.> (lastmile.dims, lastmile.dims) IS 'sorts after (lexicographic on sorted sides)';
COMMENT ON OPERATOR pg_catalog.>= (lastmile.dims, lastmile.dims) IS 'sorts after or equal (lexicographic on sorted sides)';
COMMENT ON OPERATOR pg_catalog.<@ (lastmile.dims, lastmile.dims) IS
    'package fits inside box in some orientation (each sorted side <= the same sorted side of the box)';
COMMENT ON OPERATOR pg_catalog.@> (lastmile.dims, lastmile.dims) IS
    'box holds package in some orientation (commutator of <@)';

CREATE OPERATOR CLASS lastmile.dims_ops
    DEFAULT FOR TYPE lastmile.dims USING btree AS
        OPERATOR 1 pg_catalog.< ,
        OPERATOR 2 pg_catalog.<= ,
        OPERATOR 3 pg_catalog.= ,
        OPERATOR 4 pg_catalog.>= ,
        OPERATOR 5 pg_catalog.> ,
        FUNCTION 1 lastmile.dims_cmp(lastmile.dims, lastmile.dims);

CREATE OPERATOR CLASS lastmile.dims_hash_ops
    DEFAULT FOR TYPE lastmile.dims USING hash AS
        OPERATOR 1 pg_catalog.= ,
        FUNCTION 1 lastmile.dims_hash(lastmile.dims),
        FUNCTION 2 lastmile.dims_hash_extended(lastmile.dims, int8);

COMMENT ON OPERATOR CLASS lastmile.dims_ops USING btree IS
    'default btree order of lastmile.dims (DISTINCT, GROUP BY, ORDER BY, UNIQUE, indexes)';
COMMENT ON OPERATOR CLASS lastmile.dims_hash_ops USING hash IS
    'default hash operator class of lastmile.dims (hash joins, hash aggregation, hash indexes)';
