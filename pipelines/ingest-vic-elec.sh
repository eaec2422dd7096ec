#!/bin/sh
# vic_elec (tsibbledata): half-hourly operational demand of the state of
# Victoria in MW, averaged over each half hour, with Melbourne temperature
# and public holidays.  Demand becomes feeder VIC in kW (up to 9.3 GW, so
# the load bound is raised); temperature and holiday become exo records
# whose day of week is Melbourne's.  TimeUTC is used for time; the local
# Time column gives the same output (see fx-ingest(1)).
#
# usage: pipelines/ingest-vic-elec.sh [vic_elec_halfhourly.csv] > out.ndjson
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
command -v fx-ingest >/dev/null 2>&1 || PATH=$root/bin:$PATH
exec fx-ingest -t TimeUTC -z Australia/Melbourne -f VIC -l Demand -u MW \
    --max-kw 2e7 --temp-col Temperature --holiday-col Holiday \
    "${1:-$root/../shared/data/vic_elec_halfhourly.csv}"
