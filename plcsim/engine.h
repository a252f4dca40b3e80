/*
 * engine: plays a scenario's timeline against whatever client is connected
 * to the emulated PLC, through the server's hooks, and gathers the facts
 * (facts.h) that the expectations are judged on. Before a real PLC (a
 * server in proxy mode) it also keeps a black hole's frames from it and
 * records what the PLC did (facts.plc), before any fault touches it.
 *
 * Time 0 is the first client connection: until then nothing is injected.
 * When the scenario's duration has passed since time 0 the engine calls
 * `on_end` (once); the caller stops the client and the loop.
 *
 * Random choices (echo jitter) come from one generator seeded with the
 * scenario's seed, so that the same seed replays the same faults.
 *
 * Ownership: engine_new borrows the loop, server, scenario, events and
 * facts, which must outlive it; engine_free cancels its timers.
 */
#ifndef PLCSIM_ENGINE_H
#define PLCSIM_ENGINE_H

#include <stdint.h>

#include "events.h"
#include "facts.h"
#include "loop.h"
#include "scenario.h"
#include "server.h"
#include "status.h"

struct engine;

struct engine *engine_new(struct sim_loop *loop, struct sim_server *srv,
    const struct scenario *sc, uint64_t seed, struct sim_events *events,
    struct facts *facts, void (*on_end)(void *arg), void *arg);
void engine_free(struct engine *e);

/*
 * Who carries out the actions on the client's process (client_pause,
 * client_restart): `fn` is called when one begins (begins 1) and when a
 * pause ends (begins 0), from the loop, never inside a server hook. Without
 * it those actions are only recorded (plcsim serve refuses such files).
 */
void engine_set_client(struct engine *e, void (*fn)(void *arg,
    enum scenario_action_kind kind, int begins), void *arg);

/* 1 once the first client has connected (time 0 has passed). */
int engine_started(const struct engine *e);

/*
 * The scenario's part of a live status (status.h) at `now`: its time and
 * the kinds of fault it plays, with those in force (instant ones, over as
 * they happen, are left out). The rest of `out` is left alone.
 */
void engine_status(const struct engine *e, tc_us_t now, struct status *out);

/*
 * Closes the facts at the end of a run (its end time). Everything else was
 * recorded live, as it happened: the event log is not read back.
 */
void engine_finish(struct engine *e, tc_us_t now);

#endif
