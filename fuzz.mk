# SPDX-License-Identifier: GPL-2.0-or-later
# Fuzzing with libFuzzer; included by the Makefile.
#
#   make fuzz-build               the targets tests/fuzz/fuzz_*.c, built with
#                                 clang -fsanitize=fuzzer,address,undefined
#                                 into build-fuzz/ (with their own copy of lib/)
#   make fuzz [FUZZ_SECONDS=30]   build, then run each target that long on a
#                                 scratch copy of tests/fuzz/corpus/<target>/;
#                                 one summary line per target; fails on any
#                                 crash, leak, timeout, out-of-memory or
#                                 sanitizer report (tests/fuzz/run.sh)
#
# What each target checks is at the top of its source file.

FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_CC      ?= clang
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The Makefile's ALL_CFLAGS minus CFLAGS, -fPIC and -fvisibility=hidden,
# warnings still errors.
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE $(WARN) -Werror -O1 -g $(FUZZ_SAN) -Ilib $(PKG_CFLAGS)
FUZZ_TARGETS  = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB_OBJS = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(wildcard lib/*.c))
FUZZ_LIB      = $(FUZZ_BUILD)/libpowermail.a
FUZZ_BINS     = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)

.PHONY: fuzz fuzz-build fuzz-deps fuzz-clean

# clang, libclang-rt-dev (libFuzzer's runtime) and the build packages.
fuzz-deps:
	@tools/deps.sh check

# The library, instrumented for coverage but without libFuzzer's main().
$(FUZZ_LIB_OBJS): $(FUZZ_BUILD)/obj/%.o: %.c $(wildcard lib/*.h) fuzz.mk | fuzz-deps
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_BINS): $(FUZZ_BUILD)/%: tests/fuzz/%.c tests/fuzz/invariant.h $(FUZZ_LIB) $(wildcard lib/*.h) fuzz.mk | fuzz-deps
	@echo "  CCLD    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(PKG_LDLIBS) -lm

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

# make clean removes build-fuzz/ too.
clean: fuzz-clean
