# SPDX-License-Identifier: GPL-2.0-or-later
# pam_powermail: the PAM module, its library, pptool and their tests.
#
#   make            build into build/: compiles, nothing else (no package is
#                   installed; a missing library stops it with pkg-config's
#                   own words)
#   make deps       install the Debian packages make check needs (as root)
#   make check-unit the tests that need no server, root or network (seconds)
#   make check      make deps, build three times (gcc; clang with ASan+UBSan;
#                   clang with TSan), run every test against a throwaway
#                   PostgreSQL; ends with "N passed, M failed"
#   make demo       the main job: pptool and the module on PowerMail's examples
#   make install    see INSTALL
#
# Packagers' variables are appended to, never replaced: CFLAGS, CPPFLAGS,
# LDFLAGS, PKG_CONFIG.  Warnings are on; WERROR=1 (make check, CI) makes
# them errors.

BUILD    ?= build
CC       ?= cc
SANITIZE ?=
# make V=1 shows the compiler command lines.
Q = $(if $(V),,@)

# Recursive (=), not :=, so pkg-config runs after make deps installed it.
# The pkg-check targets ask pkg-config first with --print-errors, so a
# missing .pc file (trixie's pam.pc needs audit.pc, from libaudit-dev) stops
# the build with pkg-config's own words instead of compiling without the
# flags.
PKG_CONFIG ?= pkg-config
PKG_LIBS   = libxcrypt libcrypto libargon2 libpq
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKG_LIBS) pam)
PKG_LDLIBS = $(shell $(PKG_CONFIG) --libs $(PKG_LIBS))
PAM_LDLIBS = $(shell $(PKG_CONFIG) --libs pam)
TEST_PKGS  = cmocka libpamtest
TEST_LDLIBS = $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))
PKG_CHECK  = $(PKG_CONFIG) --print-errors --exists

WARN     = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
           -Wvla -Wpointer-arith $(if $(filter 1,$(WERROR)),-Werror)
CFLAGS  ?= -O2 -g
# -z defs proves the module names every library it needs; a sanitized
# module leaves the sanitizer's symbols to the program that loads it.
NO_UNDEFINED = -Wl,-z,defs
ifeq ($(SANITIZE),1)
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
NO_UNDEFINED =
endif
ifeq ($(SANITIZE),thread)
SAN_FLAGS = -fsanitize=thread -fno-omit-frame-pointer
NO_UNDEFINED =
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -fPIC -fvisibility=hidden \
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
# The unit tier: tests that need no server, no root and no network, linked
# with cmocka alone (make check-unit; the package build runs it).
UNIT_TESTS = test_conn_params test_context test_escape test_hash_shape test_name \
             test_scheme test_secret test_standby
UNIT_BINS  = $(UNIT_TESTS:%=$(BUILD)/tests/%)

# Installation; see INSTALL.  PAMDIR is the security/ directory beside
# libpam, from pkg-config.
PREFIX     ?= /usr/local
DESTDIR    ?=
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/pam_powermail
SYSCONFDIR ?= /etc
# The fail2ban filter and jail example go to DATADIR/fail2ban; the filter
# also where fail2ban looks, inert until a jail names it (as the Debian
# package does), whether or not the build host has fail2ban.  An empty
# FAIL2BANDIR leaves that copy out.
FAIL2BANDIR ?= $(SYSCONFDIR)/fail2ban
PAMDIR     ?= $(shell $(PKG_CONFIG) --variable=libdir pam)/security

.PHONY: all tests check check-unit check-build demo clean deps deps-demo pkg-check pkg-check-tests \
	pkg-check-unit install uninstall deb
.DELETE_ON_ERROR:

all: $(LIB) $(BUILD)/pptool $(if $(MODULE_SRCS),$(BUILD)/pam_powermail.so)

# -MMD -MP: each object's headers, as the compiler read them (BUILD/**/*.d).
$(BUILD)/obj/%.o: %.c | pkg-check
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(BUILD)/pptool: $(PPTOOL_OBJS) $(LIB)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LDLIBS)

# The module exports pam_sm_* and nothing else (pam_powermail/export.map).
# -z nodelete keeps it loaded after pam_end()'s dlclose(), and with it the
# userbase connections (lib/connection.c), the parsed configuration
# (lib/config_cache.c), the decoys (lib/equalize.c), and the code that a
# cancel thread still waiting runs (lib/cancel.c).
LINK_MODULE = $(CC) $(ALL_LDFLAGS) -shared -Wl,--version-script=pam_powermail/export.map \
	-Wl,-z,relro,-z,now,-z,nodelete $(NO_UNDEFINED) -o $@ $(filter %.o %.a,$^) $(PKG_LDLIBS) $(PAM_LDLIBS)
$(BUILD)/pam_powermail.so: $(MODULE_OBJS) $(LIB) pam_powermail/export.map
	@echo "  CCLD    $@"
	$(Q)$(LINK_MODULE)

$(UNIT_BINS): $(BUILD)/tests/%: tests/%.c $(LIB) | pkg-check-unit
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -MMD -MP -o $@ $< $(LIB) \
		$(shell $(PKG_CONFIG) --libs cmocka) $(PKG_LDLIBS)

$(BUILD)/tests/%: tests/%.c $(LIB) | pkg-check-tests
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -MMD -MP -o $@ $< $(LIB) $(TEST_LDLIBS) $(PKG_LDLIBS) $(PAM_LDLIBS)

# test_chauthtok_once counts the module's hashes with a crypt_rn of its own,
# which the module binds to only if the program exports it.
$(BUILD)/tests/test_chauthtok_once: ALL_LDFLAGS += -Wl,--export-dynamic-symbol=crypt_rn
# test_config counts parses, test_equalize decoy checks, by wrapping the
# library's function at link time: nothing in lib/ counts for them.
$(BUILD)/tests/test_config: ALL_LDFLAGS += -Wl,--wrap=pp_config_from_args
$(BUILD)/tests/test_equalize: ALL_LDFLAGS += -Wl,--wrap=pp_pad

tests: all $(TESTS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# A missing library stops the build here, in pkg-config's words.
pkg-check:
	@$(PKG_CHECK) $(PKG_LIBS) pam
pkg-check-tests: pkg-check
	@$(PKG_CHECK) $(TEST_PKGS)
pkg-check-unit: pkg-check
	@$(PKG_CHECK) cmocka

# The unit tier, as any user, offline, in seconds.
check-unit: all $(UNIT_BINS)
	tests/run-unit.sh $(BUILD) $(UNIT_TESTS)

# Installing packages is a task of its own, never part of a build: the
# Debian packages make check needs (tools/deps.sh: as root it installs
# what is missing; as another user it prints the apt-get line and fails).
deps:
	@tools/deps.sh check dovecot mail deb-check
deps-demo:
	@tools/deps.sh demo

# gcc for the normal build, clang with AddressSanitizer and UBSan for the
# second: two compilers' warnings, and the tests run under the sanitizers.
# A third, with ThreadSanitizer, runs the tests that use threads.
check-build: deps
	$(MAKE) BUILD=build WERROR=1 check-unit tests
	$(MAKE) BUILD=build-asan CC=clang SANITIZE=1 WERROR=1 tests
	@clang -print-file-name=libclang_rt.asan-x86_64.so > build-asan/preload
	$(MAKE) BUILD=build-tsan CC=clang SANITIZE=thread WERROR=1 tests
	@echo 'test_persistent|test_lifecycle|test_equalize' > build-tsan/tests.only

check: check-build
	tests/run-tests.sh build build-asan build-tsan

demo: deps-demo
	$(MAKE) BUILD=build all
	tools/demo.sh build

# make bench: throughput, latency, memory and connection figures against a
# throwaway PostgreSQL (bench/run.sh, bench/RESULTS.md); not part of check.
# Needs the check group's packages (postgresql, libpam-wrapper, valgrind).
# bench/pam_noop.c is a do-nothing PAM module, (b)'s floor.
BENCH_BINS = pp_bench pp_schemes pp_parts pam_noop.so pam_powermail_pool1.so
.PHONY: bench
bench:
	@tools/deps.sh check
	$(MAKE) BUILD=build all $(BENCH_BINS:%=build/bench/%)
	bench/run.sh build

$(BUILD)/bench/pam_noop.so: bench/pam_noop.c
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -shared -Wl,-z,nodelete $(NO_UNDEFINED) -o $@ $< $(PAM_LDLIBS)

# (e)'s one-slot copy of the module: lib/connection.c with PP_POOL_SIZE=1,
# linked ahead of the library (whose connection.o is then not taken).
$(BUILD)/bench/connection_pool1.o: lib/connection.c | pkg-check
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -DPP_POOL_SIZE=1 -c $< -o $@
$(BUILD)/bench/pam_powermail_pool1.so: $(MODULE_OBJS) $(BUILD)/bench/connection_pool1.o $(LIB) pam_powermail/export.map
	@echo "  CCLD    $@"
	$(Q)$(LINK_MODULE)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LDLIBS) $(PAM_LDLIBS) -lpthread

# The sample configuration becomes /etc/pam_powermail.conf only when there
# is none: an operator's file is never overwritten.  The Postfix maps go to
# DATADIR/postfix and the Dovecot fragments to DATADIR/dovecot only: the
# operator copies them (INSTALL, section 12).
install: all
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DATADIR)/sql $(DESTDIR)$(SYSCONFDIR)
	install -m 0644 $(BUILD)/pam_powermail.so $(DESTDIR)$(PAMDIR)/pam_powermail.so
	install -m 0755 $(BUILD)/pptool $(DESTDIR)$(SBINDIR)/pptool
	install -m 0644 man/pam_powermail.8 man/pptool.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/pam_powermail.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 sql/schema.sql sql/sample.sql sql/mailserver.sql $(DESTDIR)$(DATADIR)/sql/
	install -d $(DESTDIR)$(DATADIR)/postfix
	install -m 0644 etc/postfix/*.cf $(DESTDIR)$(DATADIR)/postfix/
	install -m 0600 etc/pam_powermail.conf $(DESTDIR)$(DATADIR)/pam_powermail.conf.sample
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/pam_powermail.conf ]; then \
		echo "$(DESTDIR)$(SYSCONFDIR)/pam_powermail.conf exists: left as it is"; \
	else \
		install -m 0600 etc/pam_powermail.conf $(DESTDIR)$(SYSCONFDIR)/pam_powermail.conf; \
	fi
	install -d $(DESTDIR)$(DATADIR)/fail2ban/filter.d $(DESTDIR)$(DATADIR)/fail2ban/jail.d
	install -m 0644 etc/fail2ban/filter.d/pam_powermail.conf $(DESTDIR)$(DATADIR)/fail2ban/filter.d/
	install -m 0644 etc/fail2ban/jail.d/pam_powermail.conf.example $(DESTDIR)$(DATADIR)/fail2ban/jail.d/
	$(if $(FAIL2BANDIR),install -D -m 0644 etc/fail2ban/filter.d/pam_powermail.conf \
		$(DESTDIR)$(FAIL2BANDIR)/filter.d/pam_powermail.conf)
	install -d $(DESTDIR)$(DATADIR)/dovecot/2.3 $(DESTDIR)$(DATADIR)/dovecot/2.4
	install -m 0644 etc/dovecot/2.3/90-powermail.conf etc/dovecot/2.3/powermail-userdb.conf.ext \
		$(DESTDIR)$(DATADIR)/dovecot/2.3/
	install -m 0644 etc/dovecot/2.4/90-powermail.conf $(DESTDIR)$(DATADIR)/dovecot/2.4/

# Leaves /etc/pam_powermail.conf: it is the operator's.
uninstall:
	rm -f $(DESTDIR)$(PAMDIR)/pam_powermail.so $(DESTDIR)$(SBINDIR)/pptool \
		$(DESTDIR)$(MANDIR)/man8/pam_powermail.8 $(DESTDIR)$(MANDIR)/man8/pptool.8 \
		$(DESTDIR)$(MANDIR)/man5/pam_powermail.conf.5 \
		$(if $(FAIL2BANDIR),$(DESTDIR)$(FAIL2BANDIR)/filter.d/pam_powermail.conf)
	rm -rf $(DESTDIR)$(DATADIR)

# make deb: the Debian package, in build/deb/ (tools/deb.sh, debian/).
deb:
	tools/deb.sh

clean:
	rm -rf build build-asan build-tsan

# Fuzzing (libFuzzer): fuzz.mk.
-include fuzz.mk
