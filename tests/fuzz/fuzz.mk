# tests/fuzz/fuzz.mk: the libFuzzer targets, included by the Makefile.
#
#   make fuzz                    build into build-fuzz/, run each target
#                                FUZZ_SECONDS (default 30) and fail on a crash
#   make fuzz FUZZ_SECONDS=0     build only
#   build-fuzz/fuzz_station -max_len=8192 build-fuzz/corpus/station \
#       tests/fuzz/corpus/station                 (for as long as you like)
#
# The library and emulator sources are compiled again with clang, coverage
# instrumentation and ASan + UBSan (the gcc objects in $(BUILD) cannot be
# linked with libFuzzer). New inputs go to build-fuzz/corpus/<target>, crashes
# to build-fuzz/artifacts/; tests/fuzz/corpus/<target> are the seeds and are
# only read.

FUZZ_CC      ?= clang
FUZZ_CFLAGS  ?= -O1 -g
FUZZ_SECONDS ?= 30
FUZZ_DIR     := build-fuzz
FUZZ_TARGETS := scenario station relay
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_OBJS    := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRCS) $(SIM_SRCS))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
# clang, unlike gcc, wants a format attribute on a function that passes a
# va_list to vsnprintf (log_vmsg); the gcc builds keep the check.
FUZZ_ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DTCPCOM_VERSION=\"$(VERSION)\" \
                $(WARN) $(FUZZ_CFLAGS) $(FUZZ_SAN) \
                -Iclient -Iplcsim -MMD -MP $(EVENT_CFLAGS) $(YAML_CFLAGS)

# Per target: inputs larger than this are not tried.
FUZZ_ARGS_scenario := -max_len=4096 -dict=tests/fuzz/scenario.dict
FUZZ_ARGS_station  := -max_len=8192
FUZZ_ARGS_relay    := -max_len=4096

.PHONY: fuzz-build fuzz-clean

ifneq ($(filter fuzz fuzz-build,$(MAKECMDGOALS)),)
ifeq ($(shell command -v $(FUZZ_CC) 2>/dev/null),)
$(error $(FUZZ_CC) not found; ci/deps.sh installs clang and libFuzzer)
endif
endif

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
ifneq ($(FUZZ_SECONDS),0)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts; \
	  log=$(FUZZ_DIR)/fuzz_$$t.log; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS)s (log: $$log)"; \
	  if ! $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	      -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- \
	      $$(case $$t in scenario) echo '$(FUZZ_ARGS_scenario)';; \
	                     station) echo '$(FUZZ_ARGS_station)';; \
	                     relay) echo '$(FUZZ_ARGS_relay)';; esac) \
	      $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t >$$log 2>&1; then \
	    tail -n 60 $$log; echo "fuzz_$$t: FAILED (input in $(FUZZ_DIR)/artifacts/)"; \
	    exit 1; \
	  fi; \
	  grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)' $$log; \
	done
endif

# Their own objects: clang with coverage for libFuzzer, no main().
$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(QCC)$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/libfuzzsim.a: $(FUZZ_OBJS)
	$(QLD)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_DIR)/libfuzzsim.a
	$(QLD)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ \
	    $(EVENT_LIBS) $(YAML_LIBS) $(CRYPTO_LIBS) -lm

fuzz-clean:
	rm -rf $(FUZZ_DIR)

clean: fuzz-clean

-include $(shell find $(FUZZ_DIR) -name '*.d' 2>/dev/null)
