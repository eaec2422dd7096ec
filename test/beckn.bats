#!/usr/bin/env bats
# The Beckn layer in common/: every message FLUXEON builds (common/bmsg,
# both wire profiles, every action and callback, ACK and NACK) validates
# against the official OpenAPI documents in ../shared/beckn, checked by
# python3-jsonschema (an implementation independent of FLUXEON's own).

bats_require_minimum_version 1.5.0
load helper

UNIT=${FX_UNIT:-$ROOT/build/unit}

# dump: the messages test_bmsg builds, one file each, into ./m
dump() {
	mkdir -p m
	FX_BMSG_DUMP=$PWD/m "$UNIT/test_bmsg" > tap
	! grep -q '^not ok' tap
}

@test "v2.0.0 LTS: discover, on_discover, select ... on_cancel, ACK and NACK each validate against beckn-2.0.0-lts.yaml" {
	need_shared beckn/v2
	dump
	[ "$(ls m/v2-*.json | wc -l)" -eq 16 ]
	run /usr/bin/python3 "$ROOT/test/openapi_validate.py" "$SHARED/beckn/v2/beckn-2.0.0-lts.yaml" m/v2-*.json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 16 ]
}

@test "v1.1.1: search, on_search, select ... on_cancel, ACK and NACK each validate against transaction-1.1.1.yaml" {
	need_shared beckn/v1
	dump
	[ "$(ls m/v1-*.json | wc -l)" -eq 16 ]
	run /usr/bin/python3 "$ROOT/test/openapi_validate.py" "$SHARED/beckn/v1/transaction-1.1.1.yaml" m/v1-*.json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 16 ]
}

@test "the validator is not a rubber stamp: a non-UUID transaction id, an offer without its id, a price that is not a decimal are each refused" {
	need_shared beckn
	dump
	jq -c '.context.transactionId = "txn-1"' m/v2-confirm.json > m/bad1-confirm.json
	jq -c '.message.contract.commitments[0].offer = {}' m/v2-select.json > m/bad2-select.json
	run /usr/bin/python3 "$ROOT/test/openapi_validate.py" "$SHARED/beckn/v2/beckn-2.0.0-lts.yaml" m/bad1-confirm.json m/bad2-select.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"bad1-confirm.json: /context/transactionId: 'txn-1' is not a 'uuid'"* ]]
	[[ "$output" == *"bad2-select.json: /message/contract/commitments/0/offer: 'id' is a required property"* ]]
	jq -c '.message.order.items[0].price.value = "abc"' m/v1-init.json > m/bad3-init.json
	run /usr/bin/python3 "$ROOT/test/openapi_validate.py" "$SHARED/beckn/v1/transaction-1.1.1.yaml" m/bad3-init.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"/message/order/items/0/price/value: 'abc' does not match"* ]]
}
