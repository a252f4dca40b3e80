# tcpcom: the PLC life-bit client, the PLC emulator and their tests.
#
#   make                      build everything into build/
#   make check                unit tests, end-to-end tests, scenario library
#   make demo                 the client against the emulator, for a few seconds
#   make coverage             gcovr HTML + Cobertura XML under build/coverage
#   make SANITIZE=address,undefined check   (into build-asan/)
#   make SANITIZE=thread check              (into build-tsan/)
#   make fuzz                 libFuzzer targets in build-fuzz/, FUZZ_SECONDS=30 each
#   make install PREFIX=/usr/local DESTDIR=

CC        ?= cc
CFLAGS    ?= -O2 -g
PREFIX    ?= /usr/local
DESTDIR   ?=
PKG_CONFIG ?= pkg-config
OBJCOPY   ?= objcopy
SANITIZE  ?=
V         ?=

VERSION   := 1.0.0

ifeq ($(SANITIZE),)
BUILD     ?= build
SAN_FLAGS :=
else ifeq ($(SANITIZE),address,undefined)
BUILD     ?= build-asan
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SANITIZE),undefined,address)
BUILD     ?= build-asan
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SANITIZE),address)
BUILD     ?= build-asan
SAN_FLAGS := -fsanitize=address -fno-omit-frame-pointer
else ifeq ($(SANITIZE),thread)
BUILD     ?= build-tsan
SAN_FLAGS := -fsanitize=thread
else
$(error SANITIZE must be address,undefined or thread (they cannot be combined), not '$(SANITIZE)')
endif

ifeq ($(COVERAGE),1)
CFLAGS    := -O0 -g
SAN_FLAGS += --coverage
endif

WARN      := -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes \
             -Wstrict-prototypes -Wpointer-arith -Wvla
ifneq ($(CI),)
WARN      += -Werror
endif

# Missing packages are installed by ci/deps.sh before anything is built.
PKGS      := libevent_core libevent_extra yaml-0.1 cmocka libcrypto
HAVE_PKGS := $(shell $(PKG_CONFIG) --exists $(PKGS) 2>/dev/null && echo yes)
ifneq ($(HAVE_PKGS),yes)
ifeq ($(filter clean deps,$(MAKECMDGOALS)),)
$(info pkg-config misses one of: $(PKGS); running ci/deps.sh)
DEPS_RC   := $(shell ./ci/deps.sh >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error ci/deps.sh failed; install $(PKGS) by hand)
endif
endif
endif

EVENT_CFLAGS := $(shell $(PKG_CONFIG) --cflags libevent_core 2>/dev/null)
EVENT_LIBS   := $(shell $(PKG_CONFIG) --libs libevent_core 2>/dev/null)
# libevent's HTTP server, for plcsim's metrics (plcsim/httpd.c): plcsim only.
EVENT_EXTRA_LIBS := $(shell $(PKG_CONFIG) --libs libevent_extra 2>/dev/null)
YAML_CFLAGS  := $(shell $(PKG_CONFIG) --cflags yaml-0.1 2>/dev/null)
YAML_LIBS    := $(shell $(PKG_CONFIG) --libs yaml-0.1 2>/dev/null)
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS  := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
# libcrypto: the SHA-256 of each scenario file in the HTML report.
CRYPTO_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcrypto 2>/dev/null)
CRYPTO_LIBS  := $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null)

ALL_CFLAGS  := -std=c11 -D_GNU_SOURCE -DTCPCOM_VERSION=\"$(VERSION)\" \
               $(WARN) $(CFLAGS) $(SAN_FLAGS) -Iclient -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SAN_FLAGS)

ifeq ($(V),)
Q  := @
QCC = @echo "  CC      $@";
QLD = @echo "  LD      $@";
else
Q  :=
QCC :=
QLD :=
endif

# ---- sources: each folder is one program; its main.c is the thin front ----
# libtcpcom.a in $(BUILD) is the internal archive the programs and tests
# link: the whole client but main.c, the program's option table and command
# line included. What is installed holds the API sources alone (not
# options.c, cli.c) and exports tcpcom_* only (client/tcpcom.map).
LIB_SRCS    := $(filter-out client/main.c,$(wildcard client/*.c))
LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
API_SRCS    := $(filter-out client/options.c client/cli.c,$(LIB_SRCS))
API_PIC_OBJS := $(API_SRCS:%.c=$(BUILD)/pic/%.o)
SO_MAJOR    := $(word 1,$(subst ., ,$(VERSION)))
SO_NAME     := libtcpcom.so.$(SO_MAJOR)
SO_REAL     := libtcpcom.so.$(VERSION)
SIM_SRCS    := $(filter-out plcsim/main.c,$(wildcard plcsim/*.c))
SIM_OBJS    := $(SIM_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/%)
NSS_TEST    := $(BUILD)/tests/libnss_tcpcomtest.so.2

PROGRAMS    := $(BUILD)/tcpcom $(BUILD)/plcsim
LIBS        := $(BUILD)/libtcpcom.a $(BUILD)/libtcpcom.so $(BUILD)/libplcsim.a \
               $(BUILD)/dist/libtcpcom.a

.SECONDARY:

.PHONY: all check unit e2e scenarios scenarios-proxy demo soak bench coverage clean install \
        uninstall deps tests fuzz
all: $(PROGRAMS) $(LIBS)

tests: $(UNIT_BINS) $(HELPER_BINS) $(NSS_TEST)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CFLAGS) $(EVENT_CFLAGS) $(YAML_CFLAGS) $(CRYPTO_CFLAGS) -c -o $@ $<

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CFLAGS) -fPIC -c -o $@ $<

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(QCC)$(CC) $(ALL_CFLAGS) -Iplcsim -Itests $(EVENT_CFLAGS) $(YAML_CFLAGS) $(CMOCKA_CFLAGS) -DUNIT_TESTING -c -o $@ $<

$(BUILD)/libtcpcom.a: $(LIB_OBJS)
	$(QLD)rm -f $@ && $(AR) rcs $@ $^

# The shared library: its real name, the soname link and the link to build
# against; libm and libpthread are its own needs, not its callers'.
$(BUILD)/$(SO_REAL): $(API_PIC_OBJS) client/tcpcom.map
	$(QLD)$(CC) -shared -Wl,-soname,$(SO_NAME) \
	    -Wl,--version-script,client/tcpcom.map -Wl,--no-undefined \
	    $(ALL_LDFLAGS) -o $@ $(API_PIC_OBJS) -pthread -lm

$(BUILD)/$(SO_NAME): $(BUILD)/$(SO_REAL)
	$(Q)ln -sf $(SO_REAL) $@

$(BUILD)/libtcpcom.so: $(BUILD)/$(SO_NAME)
	$(Q)ln -sf $(SO_NAME) $@

# The installed static library: the API objects as one object in which
# every symbol but tcpcom_* is local, so that a program's own names (a
# clock_now_us, a log_msg) cannot meet the library's.
$(BUILD)/dist/libtcpcom.a: $(API_PIC_OBJS)
	@mkdir -p $(dir $@)
	$(QLD)$(CC) -r -nostdlib -o $(BUILD)/dist/tcpcom.o $^ && \
	    $(OBJCOPY) --wildcard --keep-global-symbol='tcpcom_*' \
	    $(BUILD)/dist/tcpcom.o && \
	    rm -f $@ && $(AR) rcs $@ $(BUILD)/dist/tcpcom.o

$(BUILD)/libplcsim.a: $(SIM_OBJS)
	$(QLD)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/tcpcom: $(BUILD)/obj/client/main.o $(BUILD)/libtcpcom.a
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ -pthread -lm

$(BUILD)/plcsim: $(BUILD)/obj/plcsim/main.o $(BUILD)/libplcsim.a $(BUILD)/libtcpcom.a
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(EVENT_EXTRA_LIBS) $(EVENT_LIBS) $(YAML_LIBS) $(CRYPTO_LIBS) -pthread -lm

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(BUILD)/libplcsim.a $(BUILD)/libtcpcom.a
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(EVENT_LIBS) $(YAML_LIBS) $(CRYPTO_LIBS) -pthread -lm

$(BUILD)/tests/%: $(BUILD)/obj/tests/helpers/%.o $(BUILD)/libtcpcom.a
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_LDFLAGS) -o $@ $^ -pthread -lm

# A name service only test programs load (tests/helpers/nss/tcpcomtest.c).
$(NSS_TEST): tests/helpers/nss/tcpcomtest.c
	@mkdir -p $(dir $@)
	$(QLD)$(CC) $(ALL_CFLAGS) -fPIC -shared $(ALL_LDFLAGS) -o $@ $<

# ---- checks ----
# The three phases at once, and one verdict line for the whole run.
check: all tests
	@BUILD=$(BUILD) sh tests/check.sh

unit: $(UNIT_BINS)
	@BUILD=$(BUILD) sh tests/unit/run.sh

e2e: all tests
	@BUILD=$(BUILD) sh tests/e2e/run.sh

scenarios: all tests
	@BUILD=$(BUILD) sh tests/e2e/scenarios.sh

scenarios-proxy: all tests
	@BUILD=$(BUILD) sh tests/e2e/proxy_library.sh

demo: all
	@BUILD=$(BUILD) ci/demo.sh

soak: all
	@BUILD=$(BUILD) ci/soak.sh

bench: all tests
	@BUILD=$(BUILD) ci/bench.sh

coverage:
	@rm -rf build/coverage; find build-cov -name '*.gcda' -delete 2>/dev/null || true
	$(MAKE) BUILD=build-cov COVERAGE=1 check
	@mkdir -p build/coverage
	gcovr --root . --object-directory build-cov/obj --exclude 'tests/' \
	  --html-details build/coverage/index.html \
	  --cobertura build/coverage/coverage.xml \
	  --print-summary --fail-under-line $${COVERAGE_MIN:-70}

deps:
	./ci/deps.sh

clean:
	rm -rf build build-asan build-tsan build-cov

# ---- install ----
BINDIR  := $(DESTDIR)$(PREFIX)/bin
LIBDIR  := $(DESTDIR)$(PREFIX)/lib
INCDIR  := $(DESTDIR)$(PREFIX)/include
PCDIR   := $(DESTDIR)$(PREFIX)/lib/pkgconfig
MANDIR  := $(DESTDIR)$(PREFIX)/share/man/man1
DATADIR := $(DESTDIR)$(PREFIX)/share/tcpcom
ETCDIR  := $(DESTDIR)$(PREFIX)/etc/tcpcom
UNITDIR := $(DESTDIR)$(PREFIX)/lib/systemd/system
# The Python module, where this Python looks for modules under PREFIX.
PYTHON  ?= python3
PYDIR   := $(DESTDIR)$(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_path("purelib", vars={"base": "$(PREFIX)"}))' 2>/dev/null)

install: all
	install -d $(BINDIR) $(LIBDIR) $(PCDIR) $(INCDIR) $(MANDIR) $(DATADIR)/scenarios $(ETCDIR) $(UNITDIR)
	install -m 0755 $(BUILD)/tcpcom $(BUILD)/plcsim $(BINDIR)/
	install -m 0644 $(BUILD)/dist/libtcpcom.a $(LIBDIR)/
	install -m 0755 $(BUILD)/$(SO_REAL) $(LIBDIR)/
	ln -sf $(SO_REAL) $(LIBDIR)/$(SO_NAME)
	ln -sf $(SO_NAME) $(LIBDIR)/libtcpcom.so
	sed 's|@PREFIX@|$(PREFIX)|g; s|@VERSION@|$(VERSION)|g' tcpcom.pc.in > $(PCDIR)/tcpcom.pc
	chmod 0644 $(PCDIR)/tcpcom.pc
	install -m 0644 client/tcpcom.h $(INCDIR)/
	install -m 0644 doc/tcpcom.1 doc/plcsim.1 $(MANDIR)/
	install -m 0644 doc/tcpcom.conf.example $(ETCDIR)/tcpcom.conf.example
	# The unit reads tcpcom.conf: the example's settings when there is none;
	# the operator's own is never replaced.
	[ -e $(ETCDIR)/tcpcom.conf ] || install -m 0644 doc/tcpcom.conf.example $(ETCDIR)/tcpcom.conf
	install -m 0644 scenarios/*.yaml scenarios/README.md scenarios/scenario.schema.json $(DATADIR)/scenarios/
	sed 's|@BINDIR@|$(PREFIX)/bin|g; s|@ETCDIR@|$(PREFIX)/etc/tcpcom|g' doc/tcpcom.service.in > $(UNITDIR)/tcpcom.service
	chmod 0644 $(UNITDIR)/tcpcom.service
	install -d $(PYDIR)/tcpcom
	install -m 0644 python/tcpcom/*.py $(PYDIR)/tcpcom/

uninstall:
	rm -f $(BINDIR)/tcpcom $(BINDIR)/plcsim $(LIBDIR)/libtcpcom.a $(LIBDIR)/libtcpcom.so \
	      $(LIBDIR)/$(SO_NAME) $(LIBDIR)/$(SO_REAL) $(PCDIR)/tcpcom.pc $(INCDIR)/tcpcom.h $(MANDIR)/tcpcom.1 $(MANDIR)/plcsim.1 \
	      $(UNITDIR)/tcpcom.service $(ETCDIR)/tcpcom.conf.example
	rm -rf $(DATADIR) $(PYDIR)/tcpcom
	# The operator's own tcpcom.conf stays; the folder goes only if empty.
	-rmdir $(ETCDIR) 2>/dev/null

include tests/fuzz/fuzz.mk
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
