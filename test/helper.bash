# Common setup for the bats tests: load with `load helper`.
# Programs come from $FX_BIN (set by `make test` / `make check`).

export LC_ALL=C
: "${FX_BIN:=$BATS_TEST_DIRNAME/../bin}"
PATH=$FX_BIN:$PATH
ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
SHARED=$(cd "$ROOT/../shared" 2>/dev/null && pwd || true)
SAMPLES=$ROOT/samples

setup() {
	TMP=$(mktemp -d)
	cd "$TMP"
}

teardown() {
	cd /
	rm -rf "$TMP"
}

# Skips the test when ../shared (the project's fixtures) is not beside the
# clone, as in a user's checkout.
need_shared() {
	[ -n "$SHARED" ] && [ -d "$SHARED/${1:-}" ] ||
		skip "../shared${1:+/$1} not present (fixtures only in the dev tree)"
}

# Every line of FILE (or stdin) validates against schemas/records/<type>.json.
validate() {
	/usr/bin/python3 "$ROOT/test/validate.py" "$ROOT/schemas/records" "$@"
}

# Number of lines of FILE whose "type" is TYPE.
count_type() {
	grep -c "\"type\":\"$1\"" "$2" || true
}

# waitfor FILE: until FILE is there and not empty (10 s at most).
waitfor() {
	local i
	for i in $(seq 200); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	echo "waitfor: no $1 after 10 s" >&2
	return 1
}
