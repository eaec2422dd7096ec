#!/bin/sh
# Steel industry (UCI #851, DAEWOO Steel, Gwangyang): energy in kWh per
# 15 minutes, stamped at the END of each interval in Korean time (UTC+9,
# no daylight saving time).  The readings of feeder STEEL are average kW
# (four times the kWh) stamped at the START of the interval, in UTC.
#
# usage: pipelines/ingest-steel.sh [steel_industry_15min.csv] > out.ndjson
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
command -v fx-ingest >/dev/null 2>&1 || PATH=$root/bin:$PATH
exec fx-ingest -t timestamp_end -z Asia/Seoul --stamp end --interval 15m \
    -u kWh -l Usage_kWh -f STEEL \
    "${1:-$root/../shared/data/steel_industry_15min.csv}"
