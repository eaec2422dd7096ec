#!/bin/sh
# Nightly export: a day's historian CSV (long format: timestamp, feeder_id,
# load_kw, as fx-sim --format csv writes it) canonicalised into a
# compressed NDJSON archive, with the rejected rows kept beside it for
# review and a SHA-256 manifest for the archive's integrity.
#
# usage: pipelines/export.sh FILE.csv DESTDIR
#
# Writes DESTDIR/NAME.ndjson.gz, DESTDIR/NAME.rejects.csv (only when rows
# were rejected), DESTDIR/NAME.summary (fx-ingest's accounting) and appends
# to DESTDIR/SHA256SUMS.  Exits non-zero if any stage fails, so cron mails
# the failure.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 FILE.csv DESTDIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
PATH=$root/bin:$PATH
in=$1 dest=$2
name=$(basename "$in" .csv)
mkdir -p "$dest"
tmp=$dest/.$name.$$
trap 'rm -f "$tmp".*' EXIT

fx-ingest --format csv -t timestamp --feeder-col feeder_id -l load_kw \
    --reject "$tmp.rejects" "$in" 2> "$tmp.summary" |
	gzip -9n > "$tmp.ndjson.gz"
mv "$tmp.ndjson.gz" "$dest/$name.ndjson.gz"
mv "$tmp.summary" "$dest/$name.summary"
if [ -s "$tmp.rejects" ]; then
	mv "$tmp.rejects" "$dest/$name.rejects.csv"
fi
(cd "$dest" && sha256sum "$name.ndjson.gz") >> "$dest/SHA256SUMS"
cat "$dest/$name.summary" >&2
