#!/usr/bin/env bats
# FLUXEON's own Beckn message schemas, schemas/beckn/v2 and schemas/beckn/v1.1
# (one per action, ack.json, the shared defs.json): valid 2020-12 schemas;
# every message common/bmsg builds validates against its own; what FLUXEON
# needs (DER id, kW, the availability window, UUIDs, RFC 3339 times, kW as
# numbers in v2 and DecimalValue strings in v1.1) is refused when missing
# or malformed; the DEG v1.1 examples are refused for lacking FLUXEON's DF
# terms.  Checked by python3-jsonschema (test/schema_validate.py), an
# implementation independent of FLUXEON's own; test_beckn_schemas checks
# the same schemas under common/jschema.

bats_require_minimum_version 1.5.0
load helper

UNIT=${FX_UNIT:-$ROOT/build/unit}
V2=$ROOT/schemas/beckn/v2
V1=$ROOT/schemas/beckn/v1.1
UUID1=11111111-2222-4333-8444-555555555555
UUID2=66666666-7777-4888-9999-000000000000

# sv ARGS: test/schema_validate.py by Debian's python3-jsonschema.
sv() {
	/usr/bin/python3 "$ROOT/test/schema_validate.py" "$@"
}

# dump: the messages test_bmsg builds, one file each, into ./m
dump() {
	mkdir -p m
	FX_BMSG_DUMP=$PWD/m "$UNIT/test_bmsg" > tap
	! grep -q '^not ok' tap
}

# edit FILE JQ-FILTER NAME: FILE edited into ./bad/NAME.json
edit() {
	mkdir -p bad
	jq -c "$2" "$1" > "bad/$3.json"
}

@test "schemas/beckn: every action FLUXEON takes has its schema in each profile, beside ack.json and defs.json" {
	for a in discover on_discover select on_select init on_init confirm \
	    on_confirm status on_status update on_update cancel on_cancel ack defs; do
		[ -f "$V2/$a.json" ]
	done
	for a in search on_search select on_select init on_init confirm \
	    on_confirm status on_status update on_update cancel on_cancel ack defs; do
		[ -f "$V1/$a.json" ]
	done
	[ "$(ls "$V2" | wc -l)" -eq 16 ]
	[ "$(ls "$V1" | wc -l)" -eq 16 ]
}

@test "schemas/beckn: every file is JSON, a valid 2020-12 schema with \$schema, title and its own \$id, and every \$ref resolves" {
	run --separate-stderr sv --check "$V2"/*.json "$V1"/*.json
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(grep -c ': ok$' <<< "$output")" -eq 32 ]
}

@test "schema_validate.py --check refuses a file that is not JSON, a \$ref that resolves nowhere, an \$id not its path, an invalid schema" {
	mkdir -p schemas/beckn/v2
	echo '{"$schema": "https://json-schema.org/draft/2020-12/schema",' > schemas/beckn/v2/a.json
	jq -c '.properties.context["$ref"] = "defs.json#/$defs/nope"' "$V2/select.json" > schemas/beckn/v2/select.json
	jq -c '.["$id"] = "https://fluxeon.example/schemas/beckn/v2/other.json"' "$V2/init.json" > schemas/beckn/v2/init.json
	jq -c '.properties.message.required = "contract"' "$V2/confirm.json" > schemas/beckn/v2/confirm.json
	cp "$V2/defs.json" schemas/beckn/v2/
	run --separate-stderr sv --check schemas/beckn/v2/*.json
	echo "$output"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[[ "$output" == *"schemas/beckn/v2/a.json: not JSON: "* ]]
	[[ "$output" == *"schemas/beckn/v2/select.json: \$ref 'defs.json#/\$defs/nope' does not resolve"* ]]
	[[ "$output" == *"schemas/beckn/v2/init.json: \$id 'https://fluxeon.example/schemas/beckn/v2/other.json' is not 'https://fluxeon.example/schemas/beckn/v2/init.json'"* ]]
	[[ "$output" == *"schemas/beckn/v2/confirm.json: not a 2020-12 schema: /properties/message/required: 'contract' is not of type 'array'"* ]]
	[[ "$output" == *"schemas/beckn/v2/defs.json: ok"* ]]
}

@test "v2.0.0 LTS: discover, on_discover, select ... on_cancel, ACK and NACK as bmsg builds them each validate against schemas/beckn/v2" {
	dump
	[ "$(ls m/v2-*.json | wc -l)" -eq 16 ]
	run --separate-stderr sv "$V2" m/v2-*.json
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 16 ]
}

@test "v1.1: search, on_search, select ... on_cancel, ACK and NACK as bmsg builds them each validate against schemas/beckn/v1.1" {
	dump
	[ "$(ls m/v1-*.json | wc -l)" -eq 16 ]
	run --separate-stderr sv "$V1" m/v1-*.json
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 16 ]
}

@test "v2.0.0 LTS: a message without its transaction id, DER id, availability window, kW or BPP is refused, each for its reason" {
	dump
	edit m/v2-select.json 'del(.context.transactionId)' no-txn
	edit m/v2-confirm.json 'del(.message.contract.commitments[0].resources[0].id)' no-der
	edit m/v2-on_discover.json 'del(.message.catalogs[0].resources[1].resourceAttributes.availabilityParameters.availableFrom)' no-window
	edit m/v2-on_discover.json 'del(.message.catalogs[0].resources[0].resourceAttributes.loadCapacity.currentAvailable, .message.catalogs[0].resources[0].resourceAttributes.loadCapacity.max)' no-kw-offered
	edit m/v2-confirm.json 'del(.message.contract.commitments[0].commitmentAttributes.requestedReduction)' no-kw-asked
	edit m/v2-init.json 'del(.message.contract.commitments[0].commitmentAttributes.duration)' no-duration
	edit m/v2-on_status.json 'del(.context.bppUri)' no-bpp
	edit m/v2-status.json 'del(.message.contract.id)' no-contract-id
	run --separate-stderr sv "$V2" bad/*.json
	echo "$output"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 0 ]
	[[ "$output" == *"no-txn.json: /context: 'transactionId' is a required property"* ]]
	[[ "$output" == *"no-der.json: /message/contract/commitments/0/resources/0: 'id' is a required property"* ]]
	[[ "$output" == *"no-window.json: /message/catalogs/0/resources/1/resourceAttributes/availabilityParameters: 'availableFrom' is a required property"* ]]
	[[ "$output" == *"no-kw-offered.json: /message/catalogs/0/resources/0/resourceAttributes/loadCapacity: {'min': 5.5, 'unit': 'kW'} is not valid under any of the given schemas"* ]]
	[[ "$output" == *"no-kw-asked.json: /message/contract/commitments/0/commitmentAttributes: 'requestedReduction' is a required property"* ]]
	[[ "$output" == *"no-duration.json: /message/contract/commitments/0/commitmentAttributes: 'duration' is a required property"* ]]
	[[ "$output" == *"no-bpp.json: /context: 'bppUri' is a required property"* ]]
	[[ "$output" == *"no-contract-id.json: /message/contract: 'id' is a required property"* ]]
}

@test "v2.0.0 LTS: a non-UUID messageId, a timestamp or ttl in the wrong form, kW as a string, another action are refused" {
	dump
	edit m/v2-discover.json '.context.messageId = "msg-1"' msg-id
	edit m/v2-on_select.json '.context.timestamp = "2025-11-17 14:33:20"' timestamp
	edit m/v2-select.json '.context.ttl = "30s"' ttl
	edit m/v2-confirm.json '.message.contract.commitments[0].resources[0].quantity.value = "42.5"' kw-string
	edit m/v2-on_discover.json '.message.catalogs[0].resources[2].resourceAttributes.loadCapacity.currentAvailable = "52"' kw-string-offered
	edit m/v2-confirm.json '.message.contract.id = "order-1"' contract-id
	run --separate-stderr sv "$V2" bad/*.json
	echo "$output"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 0 ]
	[[ "$output" == *"msg-id.json: /context/messageId: 'msg-1' is not a 'uuid'"* ]]
	[[ "$output" == *"timestamp.json: /context/timestamp: '2025-11-17 14:33:20' does not match '^[0-9]{4}-"* ]]
	[[ "$output" == *"ttl.json: /context/ttl: '30s' does not match '^P("* ]]
	[[ "$output" == *"kw-string.json: /message/contract/commitments/0/resources/0/quantity/value: '42.5' is not of type 'number'"* ]]
	[[ "$output" == *"kw-string-offered.json: /message/catalogs/0/resources/2/resourceAttributes/loadCapacity/currentAvailable: '52' is not of type 'number'"* ]]
	[[ "$output" == *"contract-id.json: /message/contract/id: 'order-1' is not a 'uuid'"* ]]
	# a confirm read as an init: the action is the schema's own
	run --separate-stderr sv -a init "$V2" m/v2-confirm.json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$output" = "v2-confirm.json: /context/action: 'init' was expected" ]
}

@test "v2.0.0 LTS: COMPLETE without the delivered kWh, an unsigned ACK, members the closed official objects lack are refused; extra context members pass" {
	dump
	edit m/v2-update.json 'del(.message.contract.performance)' complete-no-perf
	edit m/v2-on_update.json 'del(.message.contract.performance[0].performanceAttributes.deliveredEnergy)' complete-no-kwh
	edit m/v2-on_status.json '.message.contract.extra = true' closed-contract
	edit m/v2-on_select.json '.message.note = "hi"' closed-message
	edit m/v2-ack.json '.signature = ""' unsigned-ack
	run --separate-stderr sv "$V2" bad/*.json
	echo "$output"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 0 ]
	[[ "$output" == *"complete-no-perf.json: /message/contract: 'performance' is a required property"* ]]
	[[ "$output" == *"complete-no-kwh.json: /message/contract/performance: [{'id': 'delivery', 'status': {'code': 'COMPLETED'}, 'commit... does not contain items matching the given schema"* ]]
	[[ "$output" == *"closed-contract.json: /message/contract: Additional properties are not allowed ('extra' was unexpected)"* ]]
	[[ "$output" == *"closed-message.json: /message: Additional properties are not allowed ('note' was unexpected)"* ]]
	[[ "$output" == *"unsigned-ack.json: /signature: '' does not match '^Signature keyId="* ]]
	# where the official schema is open, so is FLUXEON's
	rm bad/*
	edit m/v2-on_confirm.json '.context.networkId = "fluxeon.example/df" | .context["x-trace"] = "abc"' open-context
	edit m/v2-on_discover.json '.message.catalogs[0].resources[0].resourceAttributes.baselineData = {baselineMethod: "10_of_10"} | .message.catalogs[0].offers[0].offerAttributes = {"@context": "x", "@type": "y"}' open-resource
	edit m/v2-confirm.json '.message.contract.commitments[0].commitmentAttributes.eventDetails.severity = "high"' open-attributes
	run --separate-stderr sv "$V2" bad/*.json
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 3 ]
}

@test "v1.1: a message without its transaction id, DER id, availability window, kW or order id is refused, each for its reason" {
	dump
	edit m/v1-select.json 'del(.context.transaction_id)' no-txn
	edit m/v1-confirm.json 'del(.message.order.items[0].id)' no-der
	edit m/v1-on_search.json 'del(.message.catalog.providers[0].items[2].time.range)' no-window
	edit m/v1-init.json 'del(.message.order.fulfillments[0].stops[1])' no-end
	edit m/v1-on_search.json 'del(.message.catalog.providers[0].items[0].quantity.available.measure.value)' no-kw-offered
	edit m/v1-confirm.json 'del(.message.order.items[0].quantity)' no-kw-asked
	edit m/v1-on_init.json 'del(.context.bpp_id)' no-bpp
	edit m/v1-status.json 'del(.message.order_id)' no-order-id
	run --separate-stderr sv "$V1" bad/*.json
	echo "$output"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 0 ]
	[[ "$output" == *"no-txn.json: /context: 'transaction_id' is a required property"* ]]
	[[ "$output" == *"no-der.json: /message/order/items/0: 'id' is a required property"* ]]
	[[ "$output" == *"no-window.json: /message/catalog/providers/0/items/2/time: 'range' is a required property"* ]]
	[[ "$output" == *"no-end.json: /message/order/fulfillments/0/stops: "*" is too short"* ]]
	[[ "$output" == *"no-kw-offered.json: /message/catalog/providers/0/items/0/quantity/available/measure: 'value' is a required property"* ]]
	[[ "$output" == *"no-kw-asked.json: /message/order/items/0: 'quantity' is a required property"* ]]
	[[ "$output" == *"no-bpp.json: /context: 'bpp_id' is a required property"* ]]
	[[ "$output" == *"no-order-id.json: /message: 'order_id' is a required property"* ]]
}

@test "v1.1: a non-UUID message_id, a bad timestamp, kW as a number, a price or tag value in the wrong form, version 2.0.0, another action are refused" {
	dump
	edit m/v1-search.json '.context.message_id = "msg-1"' msg-id
	edit m/v1-on_confirm.json '.context.timestamp = "17/11/2025 14:33"' timestamp
	edit m/v1-confirm.json '.message.order.items[0].quantity.selected.measure.value = 42.5' kw-number
	edit m/v1-on_search.json '.message.catalog.providers[0].items[1].quantity.available.measure.value = 51' kw-number-offered
	edit m/v1-on_init.json '.message.order.items[0].price.value = "0.125 GBP"' price
	edit m/v1-on_search.json '.message.catalog.providers[0].items[0].tags[0].list[2].value = "2 hours"' max-duration
	edit m/v1-update.json '.message.order.fulfillments[0].tags[0].list[0].value = "-40.25"' delivered
	edit m/v1-init.json '.context.version = "2.0.0"' version
	run --separate-stderr sv "$V1" bad/*.json
	echo "$output"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 0 ]
	[[ "$output" == *"msg-id.json: /context/message_id: 'msg-1' is not a 'uuid'"* ]]
	[[ "$output" == *"timestamp.json: /context/timestamp: '17/11/2025 14:33' does not match '^[0-9]{4}-"* ]]
	[[ "$output" == *"kw-number.json: /message/order/items/0/quantity/selected/measure/value: 42.5 is not of type 'string'"* ]]
	[[ "$output" == *"kw-number-offered.json: /message/catalog/providers/0/items/1/quantity/available/measure/value: 51 is not of type 'string'"* ]]
	[[ "$output" == *"price.json: /message/order/items/0/price/value: '0.125 GBP' does not match '^[+-]?([0-9]*[.])?[0-9]+\$'"* ]]
	[[ "$output" == *"max-duration.json: /message/catalog/providers/0/items/0/tags/0/list/2/value: '2 hours' does not match '^P("* ]]
	[[ "$output" == *"delivered.json: /message/order/fulfillments/0/tags/0/list/0/value: '-40.25' does not match '^([0-9]*[.])?[0-9]+\$'"* ]]
	[[ "$output" == *"version.json: /context/version: '2.0.0' does not match '^1\\\\.1\\\\.[0-9]+\$'"* ]]
	run --separate-stderr sv -a on_cancel "$V1" m/v1-cancel.json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[[ "$output" == *"v1-cancel.json: /context/action: 'on_cancel' was expected"* ]]
}

@test "v1.1: COMPLETE without the delivered kWh, stops out of order, an ACK without status are refused; members FLUXEON does not write pass" {
	dump
	edit m/v1-update.json 'del(.message.order.fulfillments[0].tags)' complete-no-kwh
	edit m/v1-select.json '.message.order.fulfillments[0].stops |= reverse' stops-reversed
	edit m/v1-on_confirm.json '.message.order.status = "CONFIRMED"' status
	echo '{"message":{"ack":{}}}' > bad/x-ack.json
	run --separate-stderr sv "$V1" bad/*.json
	echo "$output"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 0 ]
	[[ "$output" == *"complete-no-kwh.json: /message/order/fulfillments/0: 'tags' is a required property"* ]]
	[[ "$output" == *"stops-reversed.json: /message/order/fulfillments/0/stops/0/type: 'start' was expected"* ]]
	[[ "$output" == *"status.json: /message/order/status: 'CONFIRMED' is not one of ['ACTIVE', 'COMPLETE', 'CANCELLED']"* ]]
	[[ "$output" == *"x-ack.json: /message/ack: 'status' is a required property"* ]]
	rm bad/*
	edit m/v1-on_confirm.json '.message.order.payments = [{type: "POST-FULFILLMENT"}] | .context.key = "k" | .message.order.items[0].descriptor = {short_desc: "x"}' open-order
	edit m/v1-on_search.json '.message.catalog.providers[0].items[0].tags += [{descriptor: {code: "Flexibility_Event_Details"}, list: [{descriptor: {code: "Window"}, value: "5 PM to 8 PM"}]}]' other-tags
	run --separate-stderr sv "$V1" bad/*.json
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(grep -c ': valid$' <<< "$output")" -eq 2 ]
}

@test "the DEG v1.1 examples: refused as published for their ids, and with UUIDs for lacking FLUXEON's DF terms, but search, status and cancel" {
	need_shared beckn/deg-df-v1.1-missions/examples
	mkdir -p deg uuid
	for a in search on_search init on_init confirm on_confirm status on_status cancel on_cancel; do
		f=$(ls "$SHARED"/beckn/deg-df-v1.1-missions/examples/*/"$a"-request.json)
		cp "$f" deg/
		jq --arg t "$UUID1" --arg m "$UUID2" \
		    '.context.transaction_id = $t | .context.message_id = $m' "$f" > uuid/"$a"-request.json
	done
	run --separate-stderr sv "$V1" deg/*.json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$(grep -c "/context/transaction_id: 'incentive-txn-1001' is not a 'uuid'" <<< "$output")" -eq 10 ]
	run --separate-stderr sv "$V1" uuid/*.json
	echo "$output"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	# a search with no window nor kW is one FLUXEON can answer; status and
	# cancel name the order only
	[ "$(grep ': valid$' <<< "$output" | tr '\n' ' ')" = "cancel-request.json: valid search-request.json: valid status-request.json: valid " ]
	# the catalog's items have neither kW nor availability window
	[[ "$output" == *"on_search-request.json: /message/catalog/providers/0/items/0: 'quantity' is a required property"* ]]
	[[ "$output" == *"on_search-request.json: /message/catalog/providers/0/items/0: 'time' is a required property"* ]]
	# an order names a programme, not a DER's kW over a window
	for a in init on_init confirm on_confirm on_status on_cancel; do
		grep -q "^$a-request.json: /message/order/items/0: 'quantity' is a required property$" <<< "$output"
		grep -q "^$a-request.json: /message/order/fulfillments/0/stops/0: 'time' is a required property$" <<< "$output"
	done
}

@test "test_beckn_schemas (common/jschema) finds the schemas through FX_ROOT from any directory, and says where it looked without it" {
	[ -x "$UNIT/test_beckn_schemas" ] || skip "build/unit/test_beckn_schemas not built (make units)"
	FX_ROOT=$ROOT run --separate-stderr "$UNIT/test_beckn_schemas"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	! grep -q '^not ok' <<< "$output"
	[[ "${lines[${#lines[@]}-1]}" == 1..* ]]
	run --separate-stderr "$UNIT/test_beckn_schemas"
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "#   ./schemas/beckn/v2/defs.json: No such file or directory" ]
	[ "${lines[1]}" = "not ok 1 - v2/defs.json loads" ]
	[ "${lines[2]}" = "#   run from the repo root, or set FX_ROOT to it" ]
}
