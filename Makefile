# lastmile — PGXS build.  Sources are picked up by wildcard so that a new
# module is one new file, not an edit here.

EXTENSION  = lastmile
EXTVERSION = 0.1.0

MODULE_big = lastmile
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/core/*.c src/core/*/*.c src/pg/*.c)))

# The install script is assembled from sql/NN-*.sql (one file per
# concern, applied in name order); upgrade scripts are shipped as written.
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*--*.sql))

# pg_regress inputs live in test/sql, outputs in expected/ (test/expected is
# a symlink: PostgreSQL 15's pg_regress has no --expecteddir).
REGRESS      = $(sort $(basename $(notdir $(wildcard test/sql/*.sql))))
REGRESS_OPTS = --inputdir=test
ISOLATION      = $(sort $(basename $(notdir $(wildcard test/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test

CAIRO_CFLAGS := $(shell pkg-config --cflags cairo 2>/dev/null)
CAIRO_LIBS   := $(shell pkg-config --libs cairo 2>/dev/null)
PG_CPPFLAGS  = -I$(srcdir)/src -I$(srcdir)/src/core $(CAIRO_CFLAGS)
PG_CFLAGS    = -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers
SHLIB_LINK   = $(CAIRO_LIBS) -lzint -lm

EXTRA_CLEAN = $(DATA_built) test/unit/*.bin results output_iso regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: rebuild every object when a header
# changes (a struct that changes size must not be seen two ways).
$(OBJS): $(wildcard src/*.h src/core/*.h src/core/*/*.h src/pg/*.h)

$(DATA_built): $(sort $(wildcard sql/[0-9][0-9]-*.sql))
	cat $^ > $@

# C unit tests of src/core (no server needed): each test/unit/test_*.c is
# linked with the core alone and prints TAP.
CORE_SRCS = $(sort $(wildcard src/core/*.c src/core/*/*.c))
UNIT_TESTS = $(patsubst %.c,%.bin,$(wildcard test/unit/test_*.c))
test/unit/%.bin: test/unit/%.c $(CORE_SRCS) $(wildcard src/core/*.h src/core/*/*.h test/unit/*.h)
	$(CC) -std=gnu99 -O1 -g -Wall -Wextra -Wno-unused-parameter -Isrc/core -o $@ $< $(CORE_SRCS) -lm

.PHONY: unitcheck prove test bench bench-bundle demo
unitcheck: $(UNIT_TESTS)
	prove -e '' $(UNIT_TESTS)

# pgTAP suites, against the server the PG* variables point at.
prove:
	pg_prove -d $${PGDATABASE:-postgres} test/tap/*.sql

# Everything: pg_regress + isolation, pgTAP, unit and shell tests, with one
# closing line "N passed, N failed".
test:
	bash test/run_all.sh

bench:
	bash test/bench/run.sh

bench-bundle:
	bash test/bench/run_bundle.sh

demo:
	bash demo/run.sh
