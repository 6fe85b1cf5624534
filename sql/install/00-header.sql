-- lastmile 0.1.0 — install script, assembled from sql/install/NN-*.sql.
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION lastmile CASCADE" to load this file. \quit

