-- Reprise run database, schema version 3: numeric feature samples as binary. Parsing 10,000 numbers
-- of JSON text per feature dominated drift computations; sample_values holds them as little-endian
-- IEEE-754 float64, sorted ascending (8 bytes each). Numeric profiles written from now on keep
-- `sample` as '[]'; older rows keep their JSON sample and an empty sample_values, and both are read.
ALTER TABLE feature_profiles ADD COLUMN sample_values BLOB;
