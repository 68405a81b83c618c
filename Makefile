# airc build.
#
#   make            build bin/airc (and tools) with -std=c11 -Wall -Wextra -Werror
#   make deps       install the Debian packages airc needs (skips those present)
#   make test       unit tests, sanitizer build of the unit + integration suite,
#                   integration, web API, browser and end-to-end (real stack) tests
#   make test-fast  unit + integration only (no real stack, no browser)
#   make bench      benchmarks (not tests): prints figures and ratios
#   make stack-up / stack-down / stack-status   the real Kafka, Cassandra, Spark
#   make demo       the README's main command: build, bring the stack up, run the pipeline once
#
# Every .c file under common/ scheduler/ executor/ webui/ cli/ is part of
# bin/airc; tests/unit/test_*.c are cmocka programs linked with everything
# but cli/main.c. New files need no Makefile edit.

CC      ?= cc
comma   := ,
PKGS    := sqlite3 libmicrohttpd libcurl rdkafka jansson inih libsodium
CFLAGS_BASE := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -g \
               -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
SAN     ?=
BUILD   := build$(if $(SAN),-san,)
BIN     := bin$(if $(SAN),-san,)
ifneq ($(SAN),)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -O1
LDFLAGS += -fsanitize=address,undefined
endif
CFLAGS  ?=
CFLAGS  += $(CFLAGS_BASE)

LIB_SRC := $(wildcard common/*.c scheduler/*.c executor/*.c webui/*.c cli/*.c)
LIB_SRC := $(filter-out cli/main.c,$(LIB_SRC))
LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_SRC := $(wildcard tools/*.c)
TOOL_BIN := $(patsubst tools/%.c,$(BIN)/%,$(TOOL_SRC))

.PHONY: all deps test test-fast test-unit test-san test-integration test-web test-browser \
        test-e2e bench clean stack-up stack-down stack-status demo fuzz

all: $(BIN)/airc $(TOOL_BIN)

# webui/ is reached from cli/ only through weak symbols (cli/commands.h),
# and weak references do not pull archive members: name them with -u.
WEAK_CMDS := cmd_webserver cmd_users_create cmd_users_list cmd_users_delete
$(BIN)/airc: $(BUILD)/cli/main.o $(BUILD)/libairc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(addprefix -Wl$(comma)-u$(comma),$(WEAK_CMDS)) -o $@ $^ $(LDLIBS)

$(BIN)/%: tools/%.c $(BUILD)/libairc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libairc.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libairc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libairc.a $(LDLIBS) -lcmocka

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

deps:
	@scripts/install-deps.sh

test-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The sanitizer build runs the unit tests and the integration suite.
test-san:
	$(MAKE) SAN=1 all $(patsubst build/%,build-san/%,$(UNIT_BIN))
	@set -e; for t in $(patsubst build/%,build-san/%,$(UNIT_BIN)); do echo "== $$t"; \
	  ASAN_OPTIONS=detect_leaks=1 $$t; done
	AIRC_BIN=$(CURDIR)/bin-san/airc ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  scripts/pytest.sh tests/integration -q -x

test-integration: all
	AIRC_BIN=$(CURDIR)/bin/airc scripts/pytest.sh tests/integration -q

test-web: all
	@if [ -d tests/web ]; then AIRC_BIN=$(CURDIR)/bin/airc scripts/pytest.sh tests/web -q; fi

test-browser: all
	@if [ -d tests/browser ]; then scripts/browser-tests.sh; fi

test-e2e: all
	@if [ -d tests/e2e ]; then AIRC_BIN=$(CURDIR)/bin/airc scripts/pytest.sh tests/e2e -q; fi

test-fast: deps all test-unit test-integration

test: deps all test-unit test-integration test-san test-web test-browser test-e2e

bench: all
	scripts/bench.sh

stack-up:
	scripts/stack.sh up
stack-down:
	scripts/stack.sh down
stack-status:
	scripts/stack.sh status

demo: deps all
	scripts/demo.sh

clean:
	rm -rf build build-san bin bin-san
