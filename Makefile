# Liandong build. One Makefile, no generated configure step.
#
#   make            install missing Debian packages, build everything
#   make check      build and run every test suite (unit, integration)
#   make check SAN=1   the same under AddressSanitizer + UBSan (build-san/)
#   make demo       the README's first command
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
# Shipped data (dictionary, rules, calendars): the source tree until installed.
DATADIR ?= $(CURDIR)/conf
PKGS := sqlite3 jansson libsodium inih libzstd libcurl
CFLAGS_PKG = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS_PKG = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral
CFLAGS ?= $(OPT)
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -DLIANDONG_VERSION=\"$(VERSION)\" -DLOCALEDIR=\"$(LOCALEDIR)\" -DLIANDONG_DATADIR=\"$(DATADIR)\" $(WARN) $(SANFLAGS) $(CFLAGS) -Icommon $(CFLAGS_PKG) -MMD -MP
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

.PHONY: all deps check demo clean install dict
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

$(B)/liandong: $(AGENT_OBJ) $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) -lm

$(B)/server/%.o: ALL_CFLAGS += -Iserver $(shell pkg-config --cflags libmicrohttpd gnutls 2>/dev/null)

$(B)/liandong-server: $(SERVER_OBJ) $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(shell pkg-config --libs libmicrohttpd gnutls) -lpthread -lm

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(shell pkg-config --libs cmocka) -lm

# Test tools (fault proxy, generators): one program per file.
$(B)/tests/tools/%: $(B)/tests/tools/%.o $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) -lm

check: all
	@tests/run.sh $(B)

demo: all
	@scripts/demo.sh $(B)

# Retrains the zstd dictionary shipped in conf/ from generated events.
dict: $(B)/tests/tools/genevents
	rm -rf $(B)/dict-samples
	$(B)/tests/tools/genevents --seed 7 --count 5000 --split $(B)/dict-samples >/dev/null
	zstd -q -f --train -r $(B)/dict-samples --maxdict=32768 -o conf/liandong.dict
	@ls -l conf/liandong.dict

clean:
	rm -rf build build-san

-include $(COMMON_OBJ:.o=.d) $(AGENT_OBJ:.o=.d) $(SERVER_OBJ:.o=.d) $(TOOLS_BIN:=.d) $(UNIT_BIN:=.d)
