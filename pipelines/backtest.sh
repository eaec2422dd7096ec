#!/bin/sh
# Backtest: a historical CSV replayed through every stage that exists,
# as fast as the disk allows.  Event time drives every stage, so the
# output is the same on every run.
#
# usage: pipelines/backtest.sh [ETTm1.csv] > backtest.ndjson
#
# The default input is the ETTm1 transformer data set (three feeders,
# 15-minute loads) read with pipelines/ingest-ettm1.sh; for another data
# set, replace the first stage with its fx-ingest command.  Stages:
#   fx-ingest    CSV -> reading records
#   fx-detect    + spike records: deviation from a 6-hour moving average
#                  and crest factor over 2 hours (15-minute data needs
#                  windows wider than the 1-hour default to warm up;
#                  ETTm1 has no feeder limits, so the limit rule is off)
#   fx-features  + 15-minute feature vectors, z-scored per feeder
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
PATH=$root/bin:$PATH

"$root"/pipelines/ingest-ettm1.sh "$@" |
	fx-detect -q --window 6h --feature-window 2h |
	fx-features -q
