# FLUXEON - build, test, install.  See README.md.
#
#   make deps      install the Debian packages the project needs (root)
#   make           build every program into bin/
#   make test      build and run all tests (unit + bats), one summary line
#   make check     the same tests under AddressSanitizer + UBSan
#   make bench     the benchmarks in bench/ (results: BENCHMARKS.md)
#   make install   PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
BUILD ?= build
BIN ?= bin

CC ?= cc
OPT ?= -O2 -g
CFLAGS ?= $(OPT)
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
CPPFLAGS += -D_GNU_SOURCE -Icommon
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS)
LDLIBS = -Wl,--as-needed -lmicrohttpd -lcurl -ljq -lcsv -lglpk -lsqlite3 -lcrypto -lgsl -lgslcblas -lm
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# A program is cmd/fx-NAME.c, or cmd/fx-NAME/*.c once it outgrows one file.
PROG_FILES = $(patsubst cmd/%.c,%,$(wildcard cmd/fx-*.c))
PROG_DIRS = $(patsubst cmd/%/,%,$(dir $(wildcard cmd/fx-*/main.c)))
PROGS = $(PROG_FILES) $(PROG_DIRS)
LIB_SRC = $(wildcard common/*.c)
LIB_OBJ = $(LIB_SRC:common/%.c=$(BUILD)/common/%.o)
LIB = $(BUILD)/libfx.a
UNIT_SRC = $(wildcard test/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:test/unit/%.c=$(BUILD)/unit/%)
MANS = $(wildcard man/*.1 man/*.7)

# Debian packages: build, run and test.
DEPS = build-essential pkg-config libjq-dev libcsv-dev libgsl-dev \
	libcurl4-openssl-dev libssl-dev libsqlite3-dev libmicrohttpd-dev \
	libglpk-dev libnats-dev nats-server sqlite3 tzdata bats mandoc miller \
	python3 python3-jsonschema python3-cryptography python3-yaml json-schema-test-suite perl hyperfine jq

all: $(PROGS:%=$(BIN)/%)

$(BUILD)/common/%.o: common/%.c common/*.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(BIN)/%: cmd/%.c $(LIB) common/*.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

.SECONDEXPANSION:
$(PROG_DIRS:%=$(BIN)/%): $$(wildcard cmd/$$(@F)/*.c cmd/$$(@F)/*.h) $(LIB) common/*.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Icmd/$(@F) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ \
	    $(wildcard cmd/$(@F)/*.c) $(LIB) $(LDLIBS)

# A unit test of a program's own code names the program's files here.
UNIT_SRC_test_forecast = cmd/fx-forecast/model.c
UNIT_INC_test_forecast = -Icmd/fx-forecast
UNIT_SRC_test_audit = cmd/fx-audit/store.c cmd/fx-audit/crypt.c
UNIT_SRC_test_keep = cmd/fx-bpp/keep.c
UNIT_SRC_test_reservoir = cmd/fx-classify/reservoir.c
UNIT_INC_test_audit = -Icmd/fx-audit

$(BUILD)/unit/%: test/unit/%.c test/unit/tap.h $(LIB) common/*.h $$(UNIT_SRC_$$*)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itest/unit $(UNIT_INC_$*) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
	    $(UNIT_SRC_$*) $(LIB) $(LDLIBS)

units: $(UNIT_BIN)

test: all units
	@FX_BIN=$(abspath $(BIN)) FX_UNIT=$(abspath $(BUILD)/unit) sh test/run

check:
	$(MAKE) BUILD=build/san BIN=build/san/bin OPT='-O1 -g' \
	    SANFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
	    test

lint:
	mandoc -Tlint -Wwarning $(MANS)

bench: all
	sh bench/run

deps:
	@if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (apt-get)" >&2; exit 2; fi
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "make deps: all packages installed"; fi

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(PROGS:%=$(BIN)/%) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.7 $(DESTDIR)$(MANDIR)/man7/
	install -d $(DESTDIR)$(PREFIX)/share/fluxeon/schemas/beckn/v2 \
	    $(DESTDIR)$(PREFIX)/share/fluxeon/schemas/beckn/v1.1
	install -m 644 schemas/beckn/v2/*.json \
	    $(DESTDIR)$(PREFIX)/share/fluxeon/schemas/beckn/v2/
	install -m 644 schemas/beckn/v1.1/*.json \
	    $(DESTDIR)$(PREFIX)/share/fluxeon/schemas/beckn/v1.1/

clean:
	rm -rf build bin

.PHONY: all units test check lint bench deps install clean
.SUFFIXES:

# libFuzzer harnesses for the parsers in common/ (clang):
#   make fuzz FUZZ_SECONDS=30     run each harness for that long
# Seeds are read from test/fuzz/corpus/<harness>/; what the fuzzer finds
# goes to build/fuzz/corpus/<harness>/, crashes to build/fuzz/.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -std=c11 $(WARN) -g -O1 -fno-omit-frame-pointer
FUZZ_SRC = $(wildcard test/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:test/fuzz/%.c=build/fuzz/%)
FUZZ_OBJ = $(LIB_SRC:common/%.c=build/fuzz/common/%.o)

build/fuzz/common/%.o: common/%.c common/*.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -c -o $@ $<

build/fuzz/fuzz_%: test/fuzz/fuzz_%.c $(FUZZ_OBJ) common/*.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_OBJ) $(LDLIBS)

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	    h=$${f##*/}; mkdir -p build/fuzz/corpus/$$h; \
	    echo "$$h: $(FUZZ_SECONDS) s"; \
	    (cd build/fuzz && ./$$h -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 corpus/$$h ../../test/fuzz/corpus/$$h) \
	        || exit 1; \
	done

.PHONY: fuzz
