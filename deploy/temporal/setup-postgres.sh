#!/bin/sh
# Temporal's schema tool, run before the Temporal server starts (as in Temporal's own
# compose/docker-compose-postgres.yml in temporalio/samples-server): creates the temporal and
# temporal_visibility databases if they are missing and brings both schemas to this release.
# Safe to run on every start; an upgrade of the Temporal images runs the new migrations here.
set -eu
: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
SQL_PASSWORD="$(cat /run/secrets/temporal_pg_password)"
export SQL_PASSWORD
tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "${DB_PORT:-5432}" "$@"; }
for db in temporal temporal_visibility; do
    schema=temporal
    [ "$db" = temporal_visibility ] && schema=visibility
    tool --db "$db" create
    tool --db "$db" setup-schema -v 0.0
    tool --db "$db" update-schema -d "/etc/temporal/schema/postgresql/v12/$schema/versioned"
done
echo "Temporal schemas are up to date"
