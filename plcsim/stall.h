/*
 * stall: whether a failed run could be the emulator's own lateness, and so
 * cannot be blamed on the client. Pure.
 *
 * The emulator times every frame and edge when its loop reads it. A loop
 * kept from running (a loaded machine) for S reads what came meanwhile up
 * to S late, so any time it measured may be off by up to S; its task cycle
 * shows how long S was (plc_cycle_stats: stall_max_us, from the first
 * task boundary it missed). A failure that S could have made is no verdict
 * on the client: the run "cannot be judged" (an error, not a failure), and
 * `plcsim run` plays it once more. A failure larger than any S could make
 * stands however late the emulator was; so does every failure that is not
 * a matter of time (counters, exit codes, a client that never connected).
 *
 * What S can make, by expectation (scenarios/README.md, "Margins"):
 *  - a time (reconnect, startup, silences, edge intervals, drift, p99
 *    jitter): a shortfall up to S;
 *  - a send cycle's mean over n intervals: up to S / n (only the first
 *    and last frame move it);
 *  - a burst: the frames a client on its period sends in S and a window,
 *    read at once;
 *  - a duty cycle: the share of the run an edge S late moves, twice.
 * A run whose emulator missed no task boundary (or has no task cycle:
 * then it is not measured) is judged as it is.
 */
#ifndef PLCSIM_STALL_H
#define PLCSIM_STALL_H

#include <stddef.h>

#include "expect.h"
#include "facts.h"
#include "plc.h"
#include "scenario.h"

/*
 * Whether the emulator's stalls could explain every failed item of `v`:
 * 1 with "cannot be judged: ..." in why (the figures and the first failed
 * item), 0 when the run passed or any failure stands.
 */
int stall_excuses(const struct scenario *sc, const struct facts *f,
    const struct verdict *v, const struct plc_cycle_stats *cs, char *why,
    size_t len);

#endif
