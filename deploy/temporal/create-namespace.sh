#!/bin/sh
# Registers Fengqiao's Temporal namespace once the server answers (idempotent).
set -eu
namespace="${NAMESPACE:?NAMESPACE is required}"
address="${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
attempt=1
until temporal operator cluster health --address "$address"; do
    [ "$attempt" -ge 60 ] && { echo "Temporal at $address did not become healthy"; exit 1; }
    attempt=$((attempt + 1))
    sleep 2
done
if temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
    echo "namespace $namespace exists"
else
    temporal operator namespace create --namespace "$namespace" --retention "${RETENTION:-30d}" --address "$address"
fi
