# airc build.
#
#   make            build bin/airc (and tools) with -std=c11 -Wall -Wextra -Werror
#   make deps       install the Debian packages airc needs (skips those present) and
#                   fetch the OpenID provider the SSO tests run (scripts/oidc-provider.sh)
#   make test       unit tests, sanitizer build of the unit + integration suite,
#                   fuzzing (20 s a target), integration, web API, browser and
#                   end-to-end (real stack) tests
#   make test-fast  unit + integration only (no real stack, no browser)
#   make test-pg    store unit tests + integration suite on a throwaway PostgreSQL (part of make test)
#   make bench      benchmarks (not tests): prints figures and ratios
#   make check-layout  fail on an #include that goes up the folder graph (README)
#   make fuzz       libFuzzer targets of tests/fuzz/ (clang), FUZZ_SECONDS each
#   make test-fuzz  the same for 20 s each (FUZZ_SECONDS=N to change), fails on a crash;
#                   part of make test
#   make stack-up / stack-down / stack-status   the real Kafka, Cassandra, Spark (CLUSTER=1: cluster profile)
#   make demo       the README's main command: build, bring the stack up, run the pipeline once
#
# Every .c file under the folders of SRC_DIRS is part of one of the binaries
# (bin/airc, bin/airc-worker, bin/airc-task, bin/airc-webserver, the tools; see the *_ONLY
# lists); tests/unit/test_*.c are cmocka programs linked with everything
# but the main()s of cli/. New files need no Makefile edit.

CC      ?= cc
# bin/airc (CLI, scheduler, executor) links only what it needs, so that the
# scheduler stays small: the client libraries live in bin/airc-task (task
# bodies needing libcurl/librdkafka) and bin/airc-webserver (libmicrohttpd;
# libcurl and librdkafka for the Control Center's readers). Two are loaded
# with dlopen() on first use instead of linked, by every binary: libpq
# (store/pq_lazy.h: only a process that connects to PostgreSQL maps it and
# its OpenSSL, Kerberos, LDAP, GnuTLS) and, for the http sensors the
# scheduler pokes, libcurl (executor/sensor_poke.c). An idle scheduler on
# SQLite thus maps neither (goal < 8 MB resident, docs/benchmarks.md).
CORE_PKGS := sqlite3 jansson inih libsodium
TASK_PKGS := $(CORE_PKGS) libcurl rdkafka avro-c
WEB_PKGS  := $(CORE_PKGS) libcurl libmicrohttpd gnutls rdkafka
ALL_PKGS  := $(CORE_PKGS) libpq libcurl rdkafka libmicrohttpd gnutls avro-c
CFLAGS_BASE := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -g \
               -I. $(shell pkg-config --cflags $(ALL_PKGS) 2>/dev/null)
libs = $(shell pkg-config --libs $(1) 2>/dev/null) -lm
SAN     ?=
BUILD   := build$(if $(SAN),-san,)
BIN     := bin$(if $(SAN),-san,)
ifneq ($(SAN),)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -O1
LDFLAGS += -fsanitize=address,undefined
endif
CFLAGS  ?=
CFLAGS  += $(CFLAGS_BASE)

MAIN_SRC  := cli/main.c cli/airc_task_main.c cli/webserver_main.c cli/supervisor_main.c cli/worker_main.c
SRC_DIRS  := common dag store store/sqlite store/postgres scheduler executor providers providers/* webui cli tools/randomuser
LIB_SRC   := $(filter-out $(MAIN_SRC),$(foreach d,$(SRC_DIRS),$(wildcard $(d)/*.c)))
# task bodies that need libcurl/librdkafka: only in bin/airc-task
TASK_ONLY := providers/fetch_users/http_get.c providers/fetch_users/fetch_users.c \
             providers/kafka/kafka_publish.c providers/kafka/kafka_record.c \
             providers/kafka/kafka_avro.c providers/kafka/kafka_registry.c $(wildcard providers/*/run_*.c) \
             $(wildcard providers/notify/*.c)
# users and their CLI need only libsodium: they stay in bin/airc
WEB_ONLY  := $(filter-out webui/users.c,$(wildcard webui/*.c)) cli/cmd_webserver.c
# the Control Center's clients (webui/api_pipeline.c): librdkafka's admin API
# and libcurl, in bin/airc-webserver only
WEB_PROV  := providers/kafka/kafka_admin.c
WEB_SHARED := providers/fetch_users/http_get.c
TOOL_ONLY := $(wildcard tools/randomuser/*.c)
CORE_SRC  := $(filter-out $(TASK_ONLY) $(WEB_ONLY) $(WEB_PROV) $(TOOL_ONLY),$(LIB_SRC))
obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
LIB_OBJ  := $(call obj,$(LIB_SRC))
CORE_OBJ := $(call obj,$(CORE_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_SRC := $(wildcard tools/*.c)
TOOL_BIN := $(patsubst tools/%.c,$(BIN)/%,$(TOOL_SRC))
WEB_BIN  := $(BIN)/airc-webserver

.PHONY: all deps check-layout test test-fast test-unit test-san test-integration test-web test-browser \
        test-e2e test-pg test-fuzz bench clean stack-up stack-down stack-status demo fuzz fuzz-build

all: $(BIN)/airc $(BIN)/airc-supervisor $(BIN)/airc-worker $(BIN)/airc-task $(WEB_BIN) $(TOOL_BIN) plugins

# Task-type plugins (docs/authoring.md): programs on their own, built into
# $(BIN)/plugins (point [core] plugins_folder at it, or `make
# install-plugins` copies them to $AIRC_HOME/plugins).
PLUGIN_BIN := $(BIN)/plugins/airc-type-http $(BIN)/plugins/airc-type-python
.PHONY: plugins install-plugins
plugins: $(PLUGIN_BIN)

$(BIN)/plugins/airc-type-http: plugins/http/airc_type_http.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(call libs,libcurl jansson)

$(BIN)/plugins/airc-type-python: plugins/python/airc-type-python
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

install-plugins: $(PLUGIN_BIN)
	@d=$${AIRC_HOME:-$$HOME/airc}/plugins; mkdir -p "$$d" && install -m 0755 $(PLUGIN_BIN) "$$d" && echo "installed into $$d"

$(BIN)/airc: $(BUILD)/cli/main.o $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call libs,$(CORE_PKGS))

# the supervisor of a try (executor/exec_spawn.h): started once per task, so
# it is small and cheap to start: from the archive only what it uses, jansson,
# inih and SQLite (a pool member continues a local chain in the store:
# executor/exec_continue.h) linked in, libc the only shared library (glibc
# stays dynamic so that name lookups of in-process task bodies keep working;
# libpq is dlopen'ed, store/pq_lazy.h). -z now: every symbol is bound when
# the fork server execs, once, so that its members (exec_pool.h) neither look
# symbols up again nor copy the pages they write
$(BIN)/airc-supervisor: $(BUILD)/cli/supervisor_main.o $(BUILD)/libairc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -Wl,-z,now -o $@ $^ -Wl,-Bstatic -ljansson -linih -lsqlite3 -Wl,-Bdynamic -lm

# the distributed executor's worker (cli/cmd_worker.c): `airc worker` execs
# it. From the archive only what it uses, and only the store's libraries
# (libpq is dlopen'ed: store/pq_lazy.h): no libcurl (and its dozen
# dependencies), so that an idle worker is small
WORKER_PKGS := sqlite3 jansson inih libsodium
$(BIN)/airc-worker: $(BUILD)/cli/worker_main.o $(BUILD)/libairc.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call libs,$(WORKER_PKGS))

$(BIN)/airc-task: $(BUILD)/cli/airc_task_main.o $(CORE_OBJ) $(call obj,$(TASK_ONLY))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call libs,$(TASK_PKGS))

$(BIN)/airc-webserver: $(BUILD)/cli/webserver_main.o $(CORE_OBJ) $(call obj,$(WEB_ONLY) $(WEB_PROV) $(WEB_SHARED))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(call libs,$(WEB_PKGS))

$(BIN)/%: tools/%.c $(BUILD)/libairc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(call libs,$(ALL_PKGS))

$(BUILD)/libairc.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# the OpenAPI document is built in with .incbin, which -MMD does not see
$(BUILD)/webui/openapi.o build-fuzz/webui/openapi.o: webui/openapi.json
$(BUILD)/providers/kafka/kafka_avro.o build-fuzz/providers/kafka/kafka_avro.o: schemas/user.avsc

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libairc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libairc.a $(call libs,$(ALL_PKGS)) -lcmocka

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Fuzzing (needs clang): every tests/fuzz/fuzz_NAME.c is a libFuzzer target
# run on its corpus tests/fuzz/corpus/NAME for FUZZ_SECONDS each; new inputs
# go to build-fuzz/corpus/NAME, crashers to build-fuzz/. See docs/testing.md.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 16384
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -g -O1 -I. $(shell pkg-config --cflags $(ALL_PKGS) 2>/dev/null) \
                -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJ     := $(patsubst %.c,build-fuzz/%.o,$(LIB_SRC))
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,build-fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(call libs,$(ALL_PKGS))

# the objects outlive each fuzzer's link (they are intermediates otherwise)
.SECONDARY: $(FUZZ_OBJ)

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do n=$${f#build-fuzz/fuzz_}; \
	  mkdir -p build-fuzz/corpus/$$n; echo "== $$f ($(FUZZ_SECONDS) s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=build-fuzz/$$n- build-fuzz/corpus/$$n tests/fuzz/corpus/$$n; done

# make test's share of fuzzing: every target for FUZZ_SECONDS (20 s by
# default), one after the other, on its committed corpus plus what earlier
# runs found; a crash, leak or timeout fails the target with the input's
# file named (build-fuzz/NAME-crash-*). Its output goes to build-fuzz/NAME.log.
test-fuzz: FUZZ_SECONDS = 20
test-fuzz: $(FUZZ_BIN)
	@fail=""; for f in $(FUZZ_BIN); do n=$${f#build-fuzz/fuzz_}; \
	  mkdir -p build-fuzz/corpus/$$n; \
	  if timeout $$(( $(FUZZ_SECONDS) * 3 + 60 )) $$f -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
	       -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=build-fuzz/$$n- \
	       build-fuzz/corpus/$$n tests/fuzz/corpus/$$n >build-fuzz/$$n.log 2>&1; then \
	    echo "fuzz $$n: ok ($$(grep -o 'stat::number_of_executed_units: *[0-9]*' build-fuzz/$$n.log | grep -o '[0-9]*$$') runs in $(FUZZ_SECONDS) s)"; \
	  else \
	    echo "fuzz $$n: FAILED: $$(grep -m1 -E 'ERROR|fuzz_[a-z]*:' build-fuzz/$$n.log) $$(grep -o 'build-fuzz/[a-z_]*-[a-z]*-[0-9a-f]*' build-fuzz/$$n.log | tail -1) (log build-fuzz/$$n.log)"; \
	    fail="$$fail $$n"; \
	  fi; done; \
	[ -z "$$fail" ] || { echo "test-fuzz: failed:$$fail"; exit 1; }

deps:
	@scripts/install-deps.sh
	@# the OpenID provider of the single sign-on tests (Maven Central jars)
	@if command -v java >/dev/null && command -v mvn >/dev/null; then scripts/oidc-provider.sh fetch; fi

# Include lines go one way: dag/ never includes executor/, webui/ never cli/, ...
check-layout:
	@scripts/check-layout.sh

test-unit: check-layout $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The sanitizer build (ASan + UBSan, LeakSanitizer) runs the unit tests,
# the integration suite and the web API tests.
test-san:
	$(MAKE) SAN=1 all $(patsubst build/%,build-san/%,$(UNIT_BIN))
	@set -e; for t in $(patsubst build/%,build-san/%,$(UNIT_BIN)); do echo "== $$t"; \
	  ASAN_OPTIONS=detect_leaks=1 $$t; done
	AIRC_BIN=$(CURDIR)/bin-san/airc ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  scripts/pytest.sh tests/integration -q -x
	AIRC_BIN=$(CURDIR)/bin-san/airc ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  scripts/pytest.sh tests/web -q -x

test-integration: all
	AIRC_BIN=$(CURDIR)/bin/airc scripts/pytest.sh tests/integration -q

test-web: all
	@if [ -d tests/web ]; then AIRC_BIN=$(CURDIR)/bin/airc scripts/pytest.sh tests/web -q; fi

test-browser: all
	@if [ -d tests/browser ]; then scripts/browser-tests.sh; fi

test-e2e: all
	@if [ -d tests/e2e ]; then AIRC_BIN=$(CURDIR)/bin/airc scripts/pytest.sh tests/e2e -q; fi

# The store-level unit tests and the integration suite again, on PostgreSQL:
# scripts/pg-test.sh starts a throwaway PostgreSQL 15 cluster (initdb +
# pg_ctl on 127.0.0.1, a free port) and sets AIRC_TEST_PG; every test gets a
# database of its own.
PG_UNIT_BIN := $(filter $(BUILD)/tests/test_store%,$(UNIT_BIN))
test-pg: all $(PG_UNIT_BIN)
	scripts/pg-test.sh sh -c 'set -e; for t in $(PG_UNIT_BIN); do echo "== $$t (postgres)"; $$t; done; \
	  AIRC_BIN=$(CURDIR)/bin/airc scripts/pytest.sh tests/integration -q'

test-fast: deps all test-unit test-integration

test: deps all test-unit test-integration test-pg test-san test-fuzz test-web test-browser test-e2e

bench: all
	scripts/bench.sh

# CLUSTER=1: the cluster profile (docs/stack.md); stack-down/status follow
# the profile recorded by the last stack-up.
stack-up:
	scripts/stack.sh up $(if $(filter 1 yes true,$(CLUSTER)),--cluster)
stack-down:
	scripts/stack.sh down
stack-status:
	scripts/stack.sh status

demo: deps all
	AIRC_DEMO_CLUSTER=$(CLUSTER) scripts/demo.sh

clean:
	rm -rf build build-san build-fuzz bin bin-san
