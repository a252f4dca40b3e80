/*
 * proxy: `plcsim proxy SCENARIO --listen HOST:PORT --upstream HOST:PORT`,
 * a scenario played between a client and the real PLC (a factory
 * acceptance test): see run_serve_scenario for how it is played and
 * plcjudge.h for how the PLC is judged.
 */
#ifndef PLCSIM_PROXY_H
#define PLCSIM_PROXY_H

/* 0 passed, 1 the client failed, 2 usage or a scenario that cannot apply,
 * 3 could not be played, 4 the PLC failed. */
int proxy_main(int argc, char **argv);

#endif
