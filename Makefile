# tether — build, tests, fuzz targets.
#   make                 build ./build/tether
#   make check           unit + end-to-end tests
#   make check SANITIZE=1   the same under ASan and UBSan (in build/san)
#   make demo            run the demo job on the simulated board
#   make fuzz            libFuzzer targets (clang) in build/fuzz

CC      ?= cc
PKGS    := yaml-0.1 libpcre2-8 libarchive
# libcurl: headers only; download.c loads it when a job first downloads,
# so every tether run does not pay its libraries' start-up.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libcurl)
# Every library is Debian's shared one, libarchive too: it parses hostile
# archives, and a lab must get Debian's security updates of it without
# rebuilding tether.  It loads libxml2, ICU and libstdc++ for formats
# tether never opens: about 2 MB more peak RSS than a static libarchive
# (the demo job: 6.8 MB, not 4.7), nearly all of it clean pages of those
# libraries' files, shared and reclaimable; 0.2 MB is tether's own.
# --as-needed: a binary that calls no function of a library (tether-sim)
# does not load it.
PKG_LIBS   := -Wl,--as-needed $(shell pkg-config --libs $(PKGS))
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -iquote src $(PKG_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lm

ifeq ($(SANITIZE),1)
B       := build/san
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
else
B       := build
endif

LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(B)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
SIM_SRC  := $(wildcard sim/*.c)
SIM_BIN  := $(if $(SIM_SRC),$(B)/tether-sim)
FUZZ_SRC := $(wildcard fuzz/fuzz-*.c)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)

all: $(B)/tether $(SIM_BIN)

$(B)/obj/%.o: src/%.c $(wildcard src/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libtether.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/tether: $(B)/obj/main.o $(B)/libtether.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The simulated board shares protocol code (telnet) with tether.
$(B)/tether-sim: $(SIM_SRC) $(wildcard sim/*.h) $(B)/libtether.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(SIM_SRC) $(B)/libtether.a $(LDLIBS) -lutil

$(B)/tests/%: tests/unit/%.c $(B)/libtether.a $(wildcard src/*.h tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CMOCKA_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libtether.a $(LDLIBS) $(CMOCKA_LIBS)

check: all $(UNIT_BIN)
	@B=$(B) ./tests/run.sh $(UNIT_BIN)

# The demo job on the simulated board (README: the first command).
demo: all
	@B=$(B) ./scripts/demo.sh

.PHONY: demo

# libFuzzer wants clang; every library file is compiled into each target.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -iquote src $(PKG_CFLAGS) -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
fuzz: $(FUZZ_BIN)

build/fuzz/%: fuzz/%.c $(LIB_SRC) $(wildcard src/*.h)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(PKG_LIBS) -lm

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c fuzz/*.c $(SIM_SRC)

clean:
	rm -rf build

.PHONY: all check fuzz format clean
.SECONDARY:
