# pam_powermail: the PAM module, its library, pptool and their tests.
#
#   make            build into build/
#   make check      install what is missing (as root), build twice (gcc, and
#                   clang with ASan+UBSan), run every test against a throwaway
#                   PostgreSQL; ends with "N passed, M failed"
#   make demo       the main job: pptool and the module on PowerMail's examples
#   make install    see INSTALL

BUILD    ?= build
CC       ?= cc
SANITIZE ?=
# make V=1 shows the compiler command lines.
Q = $(if $(V),,@)

# Recursive (=), not :=, so pkg-config runs after deps-* installed it.
PKG_LIBS   = libxcrypt libcrypto libargon2 libpq
PKG_CFLAGS = $(shell pkg-config --cflags $(PKG_LIBS) pam 2>/dev/null)
PKG_LDLIBS = $(shell pkg-config --libs $(PKG_LIBS) 2>/dev/null)
PAM_LDLIBS = $(shell pkg-config --libs pam 2>/dev/null)
TEST_LDLIBS = $(shell pkg-config --libs cmocka libpamtest 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
           -Wvla -Wpointer-arith
CFLAGS  ?= -O2 -g
# -z defs proves the module names every library it needs; a sanitized
# module leaves the sanitizer's symbols to the program that loads it.
NO_UNDEFINED = -Wl,-z,defs
ifeq ($(SANITIZE),1)
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
NO_UNDEFINED =
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SAN_FLAGS) -fPIC -fvisibility=hidden \
             -Ilib $(PKG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

LIB_SRCS = $(wildcard lib/*.c)
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB      = $(BUILD)/libpowermail.a
PPTOOL_SRCS = $(wildcard pptool/*.c)
PPTOOL_OBJS = $(PPTOOL_SRCS:%.c=$(BUILD)/obj/%.o)
MODULE_SRCS = $(wildcard pam_powermail/*.c)
MODULE_OBJS = $(MODULE_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_SRCS = $(wildcard tests/test_*.c)
TESTS     = $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)

.PHONY: all tests check check-build demo clean deps-build deps-check deps-demo
.DELETE_ON_ERROR:

all: $(LIB) $(BUILD)/pptool $(if $(MODULE_SRCS),$(BUILD)/pam_powermail.so)

$(BUILD)/obj/%.o: %.c $(wildcard lib/*.h) | deps-build
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(BUILD)/pptool: $(PPTOOL_OBJS) $(LIB)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LDLIBS)

# The module exports pam_sm_* and nothing else (pam_powermail/export.map).
$(BUILD)/pam_powermail.so: $(MODULE_OBJS) $(LIB) pam_powermail/export.map
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -shared -Wl,--version-script=pam_powermail/export.map \
		-Wl,-z,relro,-z,now $(NO_UNDEFINED) -o $@ $(MODULE_OBJS) $(LIB) $(PKG_LDLIBS) $(PAM_LDLIBS)

$(BUILD)/tests/%: tests/%.c $(LIB) | deps-check
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(TEST_LDLIBS) $(PKG_LDLIBS) $(PAM_LDLIBS)

tests: all $(TESTS)

deps-build:
	@tools/deps.sh build
deps-check:
	@tools/deps.sh check
deps-demo:
	@tools/deps.sh demo

# gcc for the normal build, clang with AddressSanitizer and UBSan for the
# second: two compilers' warnings, and the tests run under the sanitizers.
check-build: deps-check
	$(MAKE) BUILD=build tests
	$(MAKE) BUILD=build-asan CC=clang SANITIZE=1 tests
	@clang -print-file-name=libclang_rt.asan-x86_64.so > build-asan/preload

check: check-build
	tests/run-tests.sh build build-asan

demo: deps-demo
	$(MAKE) BUILD=build all
	tools/demo.sh build

clean:
	rm -rf build build-asan
