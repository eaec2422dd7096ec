#!/bin/sh
# ETTm1 (ETDataset): one transformer's 15-minute loads in the local time of
# a Chinese province (UTC+8, no daylight saving time).  The three useful
# loads HUFL, MUFL and LUFL become three feeders of that name; the loads
# have no documented unit and are taken as kW by convention.
#
# usage: pipelines/ingest-ettm1.sh [ETTm1.csv] > readings.ndjson
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
command -v fx-ingest >/dev/null 2>&1 || PATH=$root/bin:$PATH
exec fx-ingest -t date -z +08:00 -w HUFL,MUFL,LUFL \
    "${1:-$root/../shared/data/ETTm1.csv}"
