-- Loading real geography (IGN départements, postcode areas, drawn zones)
-- into lastmile.area from GeoJSON.

CREATE FUNCTION lastmile.load_geojson(
    doc             jsonb,
    kind            text DEFAULT 'departement',
    code_property   text DEFAULT 'code',
    name_property   text DEFAULT 'nom')
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
    features    jsonb;
    bad         jsonb;
    loaded      bigint;
BEGIN
    IF doc IS NULL THEN
        RETURN 0;
    END IF;
    IF jsonb_typeof(doc) <> 'object' OR doc->>'type' NOT IN ('FeatureCollection', 'Feature') THEN
        RAISE EXCEPTION 'invalid GeoJSON document: expected a FeatureCollection or a Feature, got %',
                left(doc::text, 60)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    features := CASE doc->>'type' WHEN 'Feature' THEN jsonb_build_array(doc) ELSE doc->'features' END;
    IF jsonb_typeof(features) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'invalid GeoJSON FeatureCollection: "features" is not an array'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    SELECT f INTO bad
    FROM jsonb_array_elements(features) AS f
    WHERE f->'geometry'->>'type' IS DISTINCT FROM 'Polygon'
      AND f->'geometry'->>'type' IS DISTINCT FROM 'MultiPolygon'
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'invalid GeoJSON feature %: geometry must be a Polygon or MultiPolygon, got %',
                coalesce(bad->'properties'->>code_property, '(no ' || code_property || ')'),
                coalesce(bad->'geometry'->>'type', 'none')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- Re-loading the same kind and code replaces the shape (coverage keeps
    -- pointing at the same area_id).
    WITH parsed AS (
        SELECT f->'properties'->>code_property AS code,
               f->'properties'->>name_property AS name,
               ST_Multi(ST_CollectionExtract(ST_MakeValid(
                   ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326)), 3)) AS geom
        FROM jsonb_array_elements(features) AS f
    ), upserted AS (
        INSERT INTO lastmile.area AS a (name, geom, code, kind)
        SELECT p.name, p.geom, p.code, load_geojson.kind FROM parsed p
        ON CONFLICT (kind, code) WHERE code IS NOT NULL
        DO UPDATE SET name = excluded.name, geom = excluded.geom
        RETURNING 1
    )
    SELECT count(*) INTO loaded FROM upserted;
    RETURN loaded;
END
$$;
COMMENT ON FUNCTION lastmile.load_geojson(jsonb, text, text, text) IS
    'Loads the Polygon/MultiPolygon features of a GeoJSON FeatureCollection (WGS 84) into lastmile.area, as areas of the given kind whose code and name come from the given properties; an area of the same kind and code is replaced. Returns the number of features loaded. From psql: \set doc `cat fr-departements.geojson` then SELECT lastmile.load_geojson(:''doc'');';

