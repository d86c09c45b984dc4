# tests/bench/bench.mk - the benchmarks (make bench), included by the Makefile.
#
#   make bench                   builds, then runs every benchmark (about ten
#                                minutes on two cores); B=... is honoured
#   make bench BENCH=wire        only some: ingest wire slowlink stations agent
#                                dashboard attach (and pg: ingest on PostgreSQL,
#                                one and two instances, against its raw COPY
#                                ceiling; needs PostgreSQL)
#   make bench BENCH_SCALE=10    ten times the events (the sizes the issue
#                                names: 1,000,000 events re-folded, ...)
#
# Each benchmark prints a table and one "BENCH name=... key=value" line;
# the BENCH lines of the last run are kept in $(B)/bench/results.txt.
# Benchmarks are not tests: nothing here asserts a speed, and make check
# runs none of it.

BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/tests/bench/%)
BENCH ?= ingest wire slowlink stations agent dashboard attach
BENCH_SCALE ?= 1

.PHONY: bench bench-build
bench-build: $(DEPS_STAMP) $(B)/liandong $(B)/liandong-server $(TOOLS_BIN) $(BENCH_BIN)

bench: bench-build
	@BENCH_SCALE=$(BENCH_SCALE) tests/bench/run.sh $(B) $(BENCH)

# One program per file, on libliandong (and libcurl, in LIBS_PKG; OpenSSL,
# for loadgen's handshake made as the agent makes it).
$(B)/tests/bench/%: $(B)/tests/bench/%.o $(B)/libliandong.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS_PKG) $(AGENT_LIBS) -lm

-include $(BENCH_BIN:=.d)
