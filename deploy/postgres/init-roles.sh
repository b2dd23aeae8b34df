#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d):
# a role and a database for Fengqiao, and a role for Temporal (its schema tool creates the
# temporal and temporal_visibility databases). The passwords are read from the secret files.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v fengqiao_password="$(cat /run/secrets/fengqiao_pg_password)" \
    -v temporal_password="$(cat /run/secrets/temporal_pg_password)" <<'SQL'
CREATE ROLE fengqiao LOGIN PASSWORD :'fengqiao_password';
CREATE DATABASE fengqiao OWNER fengqiao;
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
SQL
