/* scenario_check: `plcsim check FILE...`, validation without running. */
#include <stdio.h>
#include <string.h>

#include "scenario.h"

int
scenario_check_main(int argc, char **argv)
{
	struct scenario *s;
	char err[1024];
	int i, bad = 0, files = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			printf("usage: plcsim check SCENARIO...\n"
			    "Validates scenario files without running them: "
			    "prints 'FILE: ok' or\n'FILE:LINE: problem' for "
			    "each; exits 0 when all are valid, 2 otherwise.\n");
			return 0;
		}
	}
	for (i = 1; i < argc; i++) {
		files++;
		if ((s = scenario_load(argv[i], err, sizeof err)) == NULL) {
			fprintf(stderr, "%s\n", err);
			bad++;
			continue;
		}
		printf("%s: ok\n", argv[i]);
		scenario_free(s);
	}
	if (files == 0) {
		fprintf(stderr, "usage: plcsim check SCENARIO...\n");
		return 2;
	}
	fflush(stdout);
	return bad ? 2 : 0;
}
