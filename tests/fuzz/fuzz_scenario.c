/*
 * fuzz_scenario: libFuzzer target for the scenario parser. Not built by
 * default:
 *   clang -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
 *     -Iclient -Iplcsim tests/fuzz/fuzz_scenario.c plcsim/scenario.c \
 *     client/parse.c client/wire.c $(pkg-config --cflags --libs yaml-0.1) \
 *     -o fuzz_scenario
 *   ./fuzz_scenario -max_len=4096 scenarios/ tests/scenarios-bad/
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario *s;
	char err[512];

	s = scenario_parse((const char *)data, size, "fuzz", err, sizeof err);
	if (s == NULL && strncmp(err, "fuzz", 4) != 0)
		__builtin_trap();	/* every error names the file */
	scenario_free(s);
	return 0;
}
