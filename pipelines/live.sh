#!/bin/sh
# Live: a feeder stream paced to the wall clock through every stage that
# exists.  Each stage flushes whenever its input pauses, so a reading
# crosses the whole pipe at once.  Run it under a supervisor (s6, systemd
# Restart=on-failure); exit status 2 means a configuration error, which a
# supervisor should not retry.
#
# usage: pipelines/live.sh [-c config.json] [--speed N] > live.ndjson
#        SOURCE=/var/lib/scada/feeders.csv pipelines/live.sh > live.ndjson
#
# Without SOURCE the feeders are simulated (fx-sim --online, default 60x
# real time: a simulated hour a minute).  With SOURCE, a CSV that the
# SCADA export appends to (timestamp,feeder_id,load_kw) is followed with
# tail -F and ingested as it grows.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
PATH=$root/bin:$PATH

source_stream() {
	if [ -n "${SOURCE:-}" ]; then
		tail -n +1 -F "$SOURCE" |
			fx-ingest --format csv -t timestamp --feeder-col feeder_id \
			    -l load_kw --source "$(basename "$SOURCE")"
	else
		fx-sim -n "${FEEDERS:-10}" --online --speed 60 --start now "$@"
	fi
}

source_stream "$@" |
	fx-detect |
	fx-forecast |
	fx-features |
	fx-classify -c "${CONFIG:-$root/samples/fluxeon.json}" |
	fx-plan -c "${CONFIG:-$root/samples/fluxeon.json}"
