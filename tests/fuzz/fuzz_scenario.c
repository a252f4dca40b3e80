/*
 * fuzz_scenario: libFuzzer target for the scenario parser. Any text must be
 * parsed into a scenario or refused with one "FILE:LINE: problem" line, in
 * bounded memory, without a crash or a leak.
 *
 *   make fuzz    (tests/fuzz/fuzz.mk; seeds in tests/fuzz/corpus/scenario)
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
