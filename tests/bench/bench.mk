# tests/bench/bench.mk - builds the benchmark's helpers (not part of make check).
# `tests/bench/run` calls it; by hand: make -C tests/bench -f bench.mk [BIN=dir]
BIN ?= out/bin
CC ?= cc
CFLAGS ?= -O2 -g
WARN = -std=gnu11 -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral

HELPERS = $(BIN)/bench-feed $(BIN)/bench-rusage $(BIN)/bench-journal $(BIN)/bench-ceiling

all: $(HELPERS)

$(BIN)/bench-feed: bench-feed.c
	@mkdir -p $(BIN)
	$(CC) $(WARN) $(CFLAGS) -o $@ $< -laudit

$(BIN)/bench-rusage: bench-rusage.c
	@mkdir -p $(BIN)
	$(CC) $(WARN) $(CFLAGS) -o $@ $<

$(BIN)/bench-journal: bench-journal.c
	@mkdir -p $(BIN)
	$(CC) $(WARN) $(CFLAGS) -o $@ $< -ljansson

$(BIN)/bench-ceiling: bench-ceiling.c
	@mkdir -p $(BIN)
	$(CC) $(WARN) $(CFLAGS) -pthread -o $@ $< -lldap -llber

clean:
	rm -rf $(BIN)

.PHONY: all clean
