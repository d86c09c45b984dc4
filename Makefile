# Liandong build. One Makefile, no generated configure step.
#
#   make            install missing Debian packages, build everything
#   make check      build and run every test suite (unit, integration,
#                   fuzz replays, the station console in chromium)
#   make check SAN=1   the same under AddressSanitizer + UBSan (build-san/)
#   make demo       the README's first command
#   make install    the programs, data, man pages and systemd units under
#                   PREFIX (default /usr/local), staged under DESTDIR if set;
#                   make uninstall takes them away (see "Install" below)
#
# Objects go to build/ (or build-san/ with SAN=1) so both can coexist.

SAN ?=
ifeq ($(SAN),1)
B := build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := -O1 -g
else
B := build
SANFLAGS :=
OPT := -O2 -g
endif

CC ?= cc
VERSION := 0.1.0
PREFIX ?= /usr/local
LOCALEDIR ?= $(PREFIX)/share/locale
# Shipped data (dictionary, rules, calendars): the source tree until
# installed. Only common/paths.c is compiled with it (and LOCALEDIR).
# The message catalogues likewise: $(B)/locale/ (msgfmt's output, see
# "Translations") until installed under LOCALEDIR.
DATADIR ?= $(CURDIR)/conf
PKGS := sqlite3 jansson libsodium inih libzstd libcurl
CFLAGS_PKG = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS_PKG = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral
CFLAGS ?= $(OPT)
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -DLIANDONG_VERSION=\"$(VERSION)\" $(WARN) $(SANFLAGS) $(CFLAGS) -Icommon $(CFLAGS_PKG) -MMD -MP
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

COMMON_SRC := $(wildcard common/*.c)
AGENT_SRC := $(wildcard agent/*.c)
SERVER_SRC := $(wildcard server/*.c)
UNIT_SRC := $(wildcard tests/unit/test-*.c)
TOOLS_SRC := $(wildcard tests/tools/*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/%.o)
AGENT_OBJ := $(AGENT_SRC:%.c=$(B)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(B)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
TOOLS_BIN := $(TOOLS_SRC:tests/tools/%.c=$(B)/tests/tools/%)

DEPS_STAMP := $(B)/.deps-ok

.PHONY: all deps check demo clean install install-build uninstall dict FORCE
# Keep the objects of test programs between runs.
.SECONDARY:
all: $(DEPS_STAMP) $(B)/liandong $(B)/liandong-server $(UNIT_BIN) $(TOOLS_BIN)

# The stamp is redone when the package list changes.
$(DEPS_STAMP): scripts/deps.sh
	@scripts/deps.sh
	@mkdir -p $(B) && touch $@

deps:
	@scripts/deps.sh

$(B)/libliandong.a: $(COMMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The build's directories, in paths.o alone (common/paths.h); the stamp
# is rewritten, and paths.o rebuilt, only when they change.
PATHS_DEFS = -DLIANDONG_DATADIR=\"$(DATADIR)\" -DLOCALEDIR=\"$(CURDIR)/$(B)/locale\"
$(B)/common/paths.o: ALL_CFLAGS += $(PATHS_DEFS)
$(B)/common/paths.o: $(B)/.paths
$(B)/.paths: FORCE
	@mkdir -p $(B) && echo '$(PATHS_DEFS)' | cmp -s - $@ || echo '$(PATHS_DEFS)' >$@
FORCE:

# Pages built into the binaries (no CDN, nothing read at run time): the
# station console's (agent/ui/, agent/ui.c) and the county dashboard's
# (server/dash/, server/dash.c). $(call embed_assets,HEADER,STRUCT,TABLE,FILES)
# is the recipe that writes each of FILES as a C array (od) into $@, with
# the table TABLE of struct STRUCT (declared in HEADER) that serves it at
# /<its name>, typed by its extension.
define embed_assets
@mkdir -p $(dir $@)
@echo "embed $(4) -> $@"
@{ echo '/* Written by the Makefile: do not edit. */'; \
echo '#include "$(1)"'; i=0; \
for f in $(4); do \
    echo "static const unsigned char asset_$$i[] = {"; \
    od -An -v -tx1 $$f | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/\t/'; \
    echo "	0x00 };"; i=$$((i + 1)); \
done; \
echo 'const struct $(2) $(3)[] = {'; i=0; \
for f in $(4); do \
    case $$f in \
    *.html) t='text/html; charset=utf-8' ;; \
    *.js) t='text/javascript; charset=utf-8' ;; \
    *.css) t='text/css; charset=utf-8' ;; \
    *.svg) t='image/svg+xml' ;; \
    *.png) t='image/png' ;; \
    *) t='application/octet-stream' ;; \
    esac; \
    echo "	{ \"/$$(basename $$f)\", \"$$t\", asset_$$i, $$(wc -c <$$f) },"; \
    i=$$((i + 1)); \
done; \
echo '	{ 0, 0, 0, 0 },'; echo '};'; } >$@.tmp && mv -f $@.tmp $@
endef

# The station console (agent/ui.c): agent/ui/* as ui_assets (agent/ui.h).
# The agent also links OpenSSL, libcurl's TLS, for TLS sessions kept
# across runs (agent/net.c), and libvips to reduce photos before upload
# (agent/photo.c, the only file that includes vips.h).
UI_ASSETS := $(sort $(wildcard agent/ui/*))
AGENT_OBJ += $(B)/agent/ui-assets.o
AGENT_LIBS = $(shell pkg-config --libs libmicrohttpd openssl vips) -lpthread
$(B)/agent/photo.o: ALL_CFLAGS += $(shell pkg-config --cflags vips 2>/dev/null)
$(B)/agent/ui.o: ALL_CFLAGS += $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
$(B)/agent/net.o: ALL_CFLAGS += $(shell pkg-config --cflags openssl 2>/dev/null)

$(B)/agent/ui-assets.c: $(UI_ASSETS) Makefile | $(DEPS_STAMP)
	$(call embed_assets,ui.h,ui_asset,ui_assets,$(UI_ASSETS))

$(B)/agent/ui-assets.o: $(B)/agent/ui-assets.c
	$(CC) $(ALL_CFLAGS) -Iagent -c -o $@ $<

$(B)/liandong: $(AGENT_OBJ) $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(AGENT_LIBS) -lm

# The county dashboard (server/dash.c): server/dash/* and ECharts, pinned
# by server/dash/vendor/package-lock.json and installed from it (npm ci,
# as tests/run.sh does for tests/browser), as dash_assets (server/dash.h).
ECHARTS := server/dash/vendor/node_modules/echarts/dist/echarts.min.js
DASH_ASSETS := $(sort $(wildcard server/dash/*.*)) $(ECHARTS)
SERVER_OBJ += $(B)/server/dash-assets.o

$(ECHARTS): server/dash/vendor/package-lock.json | $(DEPS_STAMP)
	cd server/dash/vendor && npm ci --no-audit --no-fund
	@test -f $@ && touch $@

$(B)/server/dash-assets.c: $(DASH_ASSETS) Makefile | $(DEPS_STAMP)
	$(call embed_assets,dash.h,dash_asset,dash_assets,$(DASH_ASSETS))

$(B)/server/dash-assets.o: $(B)/server/dash-assets.c
	$(CC) $(ALL_CFLAGS) -Iserver -c -o $@ $<

# xlsxwriter: report --xlsx and the dashboard's exports (server/export.c).
# libpq: the PostgreSQL store (server/store-pg.c, accounts-pg.c).
$(B)/server/%.o: ALL_CFLAGS += -Iserver $(shell pkg-config --cflags libmicrohttpd gnutls xlsxwriter libpq 2>/dev/null)

$(B)/liandong-server: $(SERVER_OBJ) $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(shell pkg-config --libs libmicrohttpd gnutls xlsxwriter libpq) -lpthread -lm

# Every unit test links the harness (tests/unit/harness.h).
UNIT_HARNESS := $(B)/tests/unit/harness.o
$(B)/tests/unit/%: $(B)/tests/unit/%.o $(UNIT_HARNESS) $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(shell pkg-config --libs cmocka) -lm

# The server's vault (the one unit test of a server/ file) links it alone.
$(B)/tests/unit/test-vault.o: ALL_CFLAGS += -Iserver
$(B)/tests/unit/test-vault: $(B)/tests/unit/test-vault.o $(B)/server/vault.o $(UNIT_HARNESS) $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(shell pkg-config --libs cmocka) -lm

# The agent's file sync, against a stub of net_request (the test's own).
$(B)/tests/unit/test-blobsync.o: ALL_CFLAGS += -Iagent
$(B)/tests/unit/test-blobsync: $(B)/tests/unit/test-blobsync.o $(B)/agent/blobsync.o $(UNIT_HARNESS) $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(shell pkg-config --libs cmocka) -lm

# The merge (pure: no I/O) is tested alone.
$(B)/tests/unit/test-merge.o: ALL_CFLAGS += -Iserver
$(B)/tests/unit/test-merge: $(B)/tests/unit/test-merge.o $(B)/server/merge.o $(UNIT_HARNESS) $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(shell pkg-config --libs cmocka) -lm

# The contract test of the storage backends (store.h) links the store,
# the merge that grants the parts and the vault that seals identities;
# the accounts' test (accounts.h) the same store; both backends, the
# PostgreSQL one through libpq (which the tests also use to make and drop
# their databases).
STORE_OBJ := $(addprefix $(B)/server/,store.o store-sqlite.o \
    accounts-sqlite.o store-pg.o accounts-pg.o accounts.o merge.o vault.o \
    projection.o figures.o)
$(B)/tests/unit/test-store.o $(B)/tests/unit/test-accounts.o $(B)/tests/unit/test-cursors.o: \
    ALL_CFLAGS += -Iserver $(shell pkg-config --cflags libpq 2>/dev/null)
$(B)/tests/unit/harness-pg.o: ALL_CFLAGS += $(shell pkg-config --cflags libpq 2>/dev/null)
$(B)/tests/unit/test-store $(B)/tests/unit/test-accounts $(B)/tests/unit/test-cursors: $(B)/tests/unit/%: \
    $(B)/tests/unit/%.o $(STORE_OBJ) $(UNIT_HARNESS) $(B)/tests/unit/harness-pg.o $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(shell pkg-config --libs cmocka libpq) -lpthread -lm

# The server's attachment files (server/blobs.c; on PostgreSQL
# blobs-pg.c, through the store: STORE_OBJ below).
$(B)/tests/unit/test-blobs.o: ALL_CFLAGS += -Iserver
$(B)/tests/unit/test-blobs: $(B)/tests/unit/test-blobs.o $(B)/server/blobs.o $(B)/server/blobs-pg.o \
    $(STORE_OBJ) $(UNIT_HARNESS) $(B)/tests/unit/harness-pg.o $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(shell pkg-config --libs cmocka libpq) -lpthread -lm

# Test tools (fault proxy, generators): one program per file.
$(B)/tests/tools/%: $(B)/tests/tools/%.o $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) -lm

# The integration scripts' second pass, on PostgreSQL, only without SAN=1
# (CI's time: tests/run.sh, docs/architecture.md "Tests").
check: all
	@PG_INTEGRATION=$${PG_INTEGRATION:-$(if $(filter 1,$(SAN)),0,1)} tests/run.sh $(B)

demo: all
	@scripts/demo.sh $(B)

# Retrains the zstd dictionary shipped in conf/ from generated events.
dict: $(B)/tests/tools/genevents
	rm -rf $(B)/dict-samples
	$(B)/tests/tools/genevents --seed 7 --count 5000 --split $(B)/dict-samples >/dev/null
	zstd -q -f --train -r $(B)/dict-samples --maxdict=32768 -o conf/liandong.dict
	@ls -l conf/liandong.dict

# ---- Fuzzing (tests/fuzz/): keep every fuzz rule in this block. ----
#
#   make check           also replays each corpus (tests/fuzz/corpus/<target>/)
#                        through build/tests/fuzz/<target>-replay (no libFuzzer),
#                        and, without SAN=1, builds the libFuzzer targets as
#                        make fuzz does and runs each for FUZZ_CHECK_SECONDS
#                        (default 30; 0 turns it off) on a copy of its corpus:
#                        one check per target in tests/run.sh's summary, with
#                        its executions; a crash fails it and names the input
#                        kept in build-fuzz/artifacts/<target>/. Without a
#                        clang that links libFuzzer (scripts/deps.sh installs
#                        clang and libclang-rt-dev) it says so and skips them
#   make fuzz            builds the targets with clang's libFuzzer, ASan and
#                        UBSan into build-fuzz/ and runs each for FUZZ_SECONDS
#                        on a copy of its corpus (build-fuzz/corpus/<target>);
#                        FUZZ_TARGETS=fuzz-event picks some
#   make fuzz-merge      adds to tests/fuzz/corpus/ the inputs of build-fuzz/corpus/
#                        that reach new coverage (libFuzzer -merge=1)
#
# tests/fuzz/<target>.dict, when there is one, is libFuzzer's dictionary.
# Crashes land in build-fuzz/artifacts/<target>/; a fixed one belongs in
# the corpus as a regression input.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(B)/tests/fuzz/%-replay)
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_B := build-fuzz
# The server without its main(), for fuzz-http.
SERVER_LIB_OBJ := $(filter-out $(B)/server/main.o $(B)/server/cmd-%.o,$(SERVER_OBJ))
SERVER_LIBS = $(shell pkg-config --libs libmicrohttpd gnutls xlsxwriter libpq) -lpthread

FUZZ_CHECK_SECONDS ?= 30

.PHONY: fuzz fuzz-build fuzz-merge fuzz-clean fuzz-check-build
all: $(FUZZ_REPLAY)
check: $(FUZZ_REPLAY)

# The bounded libFuzzer runs of make check (tests/run.sh runs them).
ifneq ($(SAN),1)
ifneq ($(FUZZ_CHECK_SECONDS),0)
check: fuzz-check-build
check: export FUZZ_CHECK_DIR := $(CURDIR)/$(FUZZ_B)
check: export FUZZ_CHECK_SECONDS := $(FUZZ_CHECK_SECONDS)
check: export FUZZ_CHECK_TARGETS := $(FUZZ_TARGETS)
endif
endif

# Builds the targets when $(FUZZ_CC) links a libFuzzer program, and leaves
# the marker tests/run.sh looks for; otherwise says why there is none.
fuzz-check-build:
	@rm -f $(FUZZ_B)/.fuzz-check; mkdir -p $(FUZZ_B)
	@if echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' \
	    >$(FUZZ_B)/probe.c && $(FUZZ_CC) -fsanitize=fuzzer -o $(FUZZ_B)/probe \
	    $(FUZZ_B)/probe.c >$(FUZZ_B)/probe.log 2>&1; then \
	    $(MAKE) --no-print-directory fuzz-build && touch $(FUZZ_B)/.fuzz-check; \
	else \
	    echo "fuzz: '$(FUZZ_CC) -fsanitize=fuzzer' fails (see $(FUZZ_B)/probe.log): no libFuzzer runs"; \
	fi

$(B)/tests/fuzz/%.o: ALL_CFLAGS += -Iserver -Itests/fuzz

# The replay programs, built with the rest (gcc, or SAN=1).
FUZZ_PLAIN := $(filter-out fuzz-http fuzz-blobs,$(FUZZ_NAMES))
$(FUZZ_PLAIN:%=$(B)/tests/fuzz/%-replay): $(B)/tests/fuzz/%-replay: $(B)/tests/fuzz/%.o $(B)/tests/fuzz/replay.o $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) -lm

$(B)/tests/fuzz/fuzz-http-replay: $(B)/tests/fuzz/fuzz-http.o $(B)/tests/fuzz/replay.o $(SERVER_LIB_OBJ) $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(SERVER_LIBS) -lm

# fuzz-blobs: the server's chunk intake alone (server/blobs.o).
$(B)/tests/fuzz/fuzz-blobs-replay: $(B)/tests/fuzz/fuzz-blobs.o $(B)/tests/fuzz/replay.o $(B)/server/blobs.o $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) -lpthread -lm

# The libFuzzer programs: only built through fuzz-build (B=build-fuzz).
$(FUZZ_PLAIN:%=$(B)/tests/fuzz/%): $(B)/tests/fuzz/%: $(B)/tests/fuzz/%.o $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS_PKG) -lm

$(B)/tests/fuzz/fuzz-http: $(B)/tests/fuzz/fuzz-http.o $(SERVER_LIB_OBJ) $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS_PKG) $(SERVER_LIBS) -lm

$(B)/tests/fuzz/fuzz-blobs: $(B)/tests/fuzz/fuzz-blobs.o $(B)/server/blobs.o $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS_PKG) -lpthread -lm

fuzz-build:
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) OPT="-O1 -g" \
	    SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    $(FUZZ_TARGETS:%=$(FUZZ_B)/tests/fuzz/%)

fuzz: fuzz-build
	@bad=""; for t in $(FUZZ_TARGETS); do \
	    rm -rf $(FUZZ_B)/corpus/$$t && mkdir -p $(FUZZ_B)/corpus $(FUZZ_B)/artifacts/$$t && \
	    cp -r tests/fuzz/corpus/$$t $(FUZZ_B)/corpus/$$t || exit 1; \
	    echo "fuzz: $$t for $(FUZZ_SECONDS)s (log: $(FUZZ_B)/artifacts/$$t.log)"; \
	    dict=""; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	    if $(FUZZ_B)/tests/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 $$dict \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_B)/artifacts/$$t/ \
	        $(FUZZ_B)/corpus/$$t >$(FUZZ_B)/artifacts/$$t.log 2>&1; then \
	        grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done)' $(FUZZ_B)/artifacts/$$t.log; \
	    else \
	        tail -n 40 $(FUZZ_B)/artifacts/$$t.log; bad="$$bad $$t"; \
	    fi; \
	done; \
	[ -z "$$bad" ] || { echo "fuzz: crashes in:$$bad (inputs in $(FUZZ_B)/artifacts/)"; exit 1; }

fuzz-merge: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	    [ -d $(FUZZ_B)/corpus/$$t ] || continue; mkdir -p $(FUZZ_B)/artifacts; \
	    $(FUZZ_B)/tests/fuzz/$$t -merge=1 -max_len=65536 tests/fuzz/corpus/$$t $(FUZZ_B)/corpus/$$t \
	        2>$(FUZZ_B)/artifacts/$$t-merge.log || exit 1; \
	    grep MERGE-OUTER $(FUZZ_B)/artifacts/$$t-merge.log | tail -n 1; \
	done

fuzz-clean:
	rm -rf $(FUZZ_B)
clean: fuzz-clean

-include $(FUZZ_NAMES:%=$(B)/tests/fuzz/%.d) $(B)/tests/fuzz/replay.d
# ---- end of fuzzing ----

# ---- Translations (po/): keep every i18n rule in this block. ----
#
#   make                 compiles po/<lang>.po (msgfmt --check) into
#                        $(B)/locale/<lang>/LC_MESSAGES/liandong.mo, where
#                        the programs make builds look (common/paths.h)
#   make pot             regenerates po/liandong.pot from the sources (every
#                        _(), N_() and ngettext() of agent/, server/, common/);
#                        POT=file writes it elsewhere (t0075 does)
#   make po-update       make pot, then merges it into each po/<lang>.po:
#                        new strings come in untranslated, for a translator
#   make install         $(LOCALEDIR)/<lang>/LC_MESSAGES/liandong.mo
#
# t0075 fails while a string of the sources has no translation.
PO_LANGS := zh_CN
POT ?= po/liandong.pot
POT_SRC = $(sort $(COMMON_SRC) $(AGENT_SRC) $(SERVER_SRC) \
	$(wildcard common/*.h agent/*.h server/*.h))
XGETTEXT_FLAGS := --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=NC_:1c,2 \
	--keyword=ngettext:1,2 --add-comments=TRANSLATORS: --package-name=liandong \
	--package-version=$(VERSION) --msgid-bugs-address='liandong issues' --no-wrap
MO := $(PO_LANGS:%=$(B)/locale/%/LC_MESSAGES/liandong.mo)

.PHONY: pot po-update
all: $(MO)

$(B)/locale/%/LC_MESSAGES/liandong.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@.tmp $< && mv -f $@.tmp $@

pot:
	xgettext $(XGETTEXT_FLAGS) -o $(POT) $(POT_SRC)

po-update: pot
	@for l in $(PO_LANGS); do \
	    msgmerge --quiet --update --backup=none --no-wrap --previous po/$$l.po $(POT) || exit 1; \
	    msgfmt --statistics -o /dev/null po/$$l.po; \
	done
# ---- end of translations ----

# The LD_PRELOAD shim that fails fsync/write (tests/tools/failsync.c, for
# t0011): a shared object built without sanitizers even with SAN=1, since
# it loads before ASan's runtime. TOOLS_BIN lists it as a program; that
# name is a link to the shared object.
$(B)/tests/tools/failsync.so: tests/tools/failsync.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) $(OPT) -fPIC -shared -o $@ $< -ldl

$(B)/tests/tools/failsync: $(B)/tests/tools/failsync.so
	ln -sf failsync.so $@

# The power-cut shim (tests/tools/powercut.c, for t0052): built the same
# way, for the same reason.
$(B)/tests/tools/powercut.so: tests/tools/powercut.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) $(OPT) -fPIC -shared -o $@ $< -ldl -lpthread

$(B)/tests/tools/powercut: $(B)/tests/tools/powercut.so
	ln -sf powercut.so $@

clean:
	rm -rf build build-san

# ---- Install: keep every install rule in this block. ----
#
#   make install [PREFIX=/usr] [DESTDIR=/tmp/stage]    (make uninstall, alike)
#
#   $(BINDIR)/liandong               the station agent
#   $(SBINDIR)/liandong-server       the county server (an administrator's)
#   $(PKGDATADIR)/                   liandong.dict, rules/*.ini, calendar/*.ini
#   $(EXAMPLEDIR)/                   agent.conf, server.conf
#   $(MANDIR)/man{1,5,8}/            liandong(1), liandong.conf(5),
#                                    liandong-server.conf(5), liandong-server(8)
#   $(UNITDIR)/                      liandong-server.service, liandong.service
#   $(SYSUSERSDIR)/liandong.conf     their system users (systemd-sysusers)
#   $(LOCALEDIR)/<lang>/LC_MESSAGES/liandong.mo   the message catalogues
#
# The programs installed are the objects make builds in $(B)/ (with SAN=1
# sanitized ones: for tests only), linked again in $(B)/install/ with a
# paths.o compiled for PREFIX instead of the source tree (common/paths.h):
# installing compiles one file, leaves what the tests use alone, and an
# installed program never reads the source tree. DESTDIR only stages the
# files: the programs look for their data under PREFIX. Units, man pages
# and examples name /usr/local paths; sed puts PREFIX's in their place.
# To build as yourself and install as root: make install-build PREFIX=/usr,
# then sudo make install PREFIX=/usr.
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
PKGDATADIR ?= $(PREFIX)/share/liandong
EXAMPLEDIR ?= $(PKGDATADIR)/examples
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
IB := $(B)/install
INSTALL_PATHS = -DLIANDONG_DATADIR=\"$(PKGDATADIR)\" -DLOCALEDIR=\"$(LOCALEDIR)\"
INSTALL_OBJ := $(filter-out $(B)/common/paths.o,$(COMMON_OBJ)) $(IB)/paths.o
INSTALL_SED = sed -e 's|/usr/local/share/liandong|$(PKGDATADIR)|g' \
	-e 's|/usr/local/sbin/|$(SBINDIR)/|g' -e 's|/usr/local/bin/|$(BINDIR)/|g' \
	-e 's|/usr/local/lib/systemd/system|$(UNITDIR)|g' \
	-e 's|/usr/local/lib/sysusers.d|$(SYSUSERSDIR)|g'
MAN1 := man/liandong.1
MAN5 := man/liandong.conf.5 man/liandong-server.conf.5
MAN8 := man/liandong-server.8
UNITS := liandong-server.service liandong.service
RULES := $(notdir $(wildcard conf/rules/*.ini))
CALENDARS := $(notdir $(wildcard conf/calendar/*.ini))

install-build: $(IB)/liandong $(IB)/liandong-server

$(IB)/.paths: FORCE
	@mkdir -p $(IB) && echo '$(INSTALL_PATHS)' | cmp -s - $@ || echo '$(INSTALL_PATHS)' >$@

$(IB)/paths.o: common/paths.c $(IB)/.paths | $(DEPS_STAMP)
	$(CC) $(ALL_CFLAGS) $(INSTALL_PATHS) -c -o $@ $<

$(IB)/liandong: $(AGENT_OBJ) $(INSTALL_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(AGENT_LIBS) -lm

$(IB)/liandong-server: $(SERVER_OBJ) $(INSTALL_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(shell pkg-config --libs libmicrohttpd gnutls xlsxwriter libpq) -lpthread -lm

install: install-build $(MO)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(PKGDATADIR)/rules $(DESTDIR)$(PKGDATADIR)/calendar \
	    $(DESTDIR)$(EXAMPLEDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(IB)/liandong $(DESTDIR)$(BINDIR)/liandong
	install -m 0755 $(IB)/liandong-server $(DESTDIR)$(SBINDIR)/liandong-server
	install -m 0644 conf/liandong.dict $(DESTDIR)$(PKGDATADIR)/liandong.dict
	install -m 0644 $(RULES:%=conf/rules/%) $(DESTDIR)$(PKGDATADIR)/rules/
	install -m 0644 $(CALENDARS:%=conf/calendar/%) $(DESTDIR)$(PKGDATADIR)/calendar/
	@set -e; for l in $(PO_LANGS); do \
	    echo "install $(B)/locale/$$l/LC_MESSAGES/liandong.mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/liandong.mo"; \
	    install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES; \
	    install -m 0644 $(B)/locale/$$l/LC_MESSAGES/liandong.mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/; \
	done
	@set -e; for f in conf/agent.conf:$(EXAMPLEDIR) conf/server.conf:$(EXAMPLEDIR) \
	    $(MAN1:%=%:$(MANDIR)/man1) $(MAN5:%=%:$(MANDIR)/man5) $(MAN8:%=%:$(MANDIR)/man8) \
	    $(UNITS:%=conf/%:$(UNITDIR)) conf/liandong.sysusers:$(SYSUSERSDIR); do \
	    src=$${f%%:*}; dir=$${f#*:}; name=$$(basename $$src); \
	    [ $$name = liandong.sysusers ] && name=liandong.conf; \
	    echo "install $$src $(DESTDIR)$$dir/$$name"; \
	    $(INSTALL_SED) $$src >$(DESTDIR)$$dir/$$name.tmp; \
	    chmod 0644 $(DESTDIR)$$dir/$$name.tmp; \
	    mv -f $(DESTDIR)$$dir/$$name.tmp $(DESTDIR)$$dir/$$name; \
	done

# Takes away what install put, and the directories of liandong's own
# that are left empty (never a shared one such as bin/).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/liandong $(DESTDIR)$(SBINDIR)/liandong-server \
	    $(DESTDIR)$(PKGDATADIR)/liandong.dict \
	    $(RULES:%=$(DESTDIR)$(PKGDATADIR)/rules/%) \
	    $(CALENDARS:%=$(DESTDIR)$(PKGDATADIR)/calendar/%) \
	    $(DESTDIR)$(EXAMPLEDIR)/agent.conf $(DESTDIR)$(EXAMPLEDIR)/server.conf \
	    $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) \
	    $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) \
	    $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%) \
	    $(UNITS:%=$(DESTDIR)$(UNITDIR)/%) $(DESTDIR)$(SYSUSERSDIR)/liandong.conf \
	    $(PO_LANGS:%=$(DESTDIR)$(LOCALEDIR)/%/LC_MESSAGES/liandong.mo)
	-rmdir $(DESTDIR)$(PKGDATADIR)/rules $(DESTDIR)$(PKGDATADIR)/calendar \
	    $(DESTDIR)$(EXAMPLEDIR) $(DESTDIR)$(PKGDATADIR) 2>/dev/null

-include $(IB)/paths.d
# ---- end of install ----

# Benchmarks (make bench): their rules live with them.
-include tests/bench/bench.mk

-include $(COMMON_OBJ:.o=.d) $(AGENT_OBJ:.o=.d) $(SERVER_OBJ:.o=.d) $(TOOLS_BIN:=.d) $(UNIT_BIN:=.d) \
	$(UNIT_HARNESS:.o=.d)
