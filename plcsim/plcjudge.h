/*
 * plcjudge: the real PLC behind `plcsim proxy`, judged apart from the
 * client. Pure: a scenario, facts and a histogram in, text and verdict
 * items out.
 *
 *   - what of a scenario cannot apply in front of a real PLC: the plc:
 *     keys that model the emulated one (cycle, max_clients, relisten,
 *     recv_timeout) and the plc_cycle action. The real PLC has its own.
 *   - the PLC's verdict: every echo equal to its frame, none later than
 *     the limit, none it was not asked for, every connection taken and
 *     kept. When the PLC failed, the client's failed items are not
 *     blamed on it: they are kept, marked not judged.
 *   - its task cycle, estimated from its round trips, and the `plcsim
 *     serve` settings that emulate it.
 */
#ifndef PLCSIM_PLCJUDGE_H
#define PLCSIM_PLCJUDGE_H

#include <stddef.h>
#include <stdio.h>

#include "expect.h"
#include "facts.h"
#include "hist.h"
#include "scenario.h"

/*
 * The lines "FILE:LINE: ... cannot apply in front of a real PLC ..." for
 * each part of `sc` that models the emulated PLC, into err (one per line,
 * cut to errlen). Returns their number (0: the scenario applies).
 */
int plcjudge_applies(const struct scenario *sc, char *err, size_t errlen);
/* The same lines, each whole and with its newline, on `out`. */
int plcjudge_refuse(const struct scenario *sc, FILE *out);

/*
 * Appends the PLC's items to a verdict that expect_judge filled (when
 * f->plc.proxied), counts them in nfailed and nfailed_plc, and when any
 * failed turns the client's failed items into not judged ones. -1 when
 * memory is out.
 */
int plcjudge_verdict(const struct facts *f, int length_bits,
    struct verdict *v);

/* The PLC's task cycle, as its round trips tell it. */
struct plcjudge_cycle {
	uint64_t rtts;		/* round trips it is estimated from */
	int	 known;		/* 0: too few round trips */
	int	 at_once;	/* it answers within a few hundred us (the
				   median): no task cycle (--cycle 0) */
	int	 fits;		/* not at once, and the round trips fit one
				   task cycle (p90 at most twice p10) */
	int	 usual;	/* cycle is a usual setting that fits */
	tc_us_t	 cycle;		/* the estimate (the settings' --cycle) */
	tc_us_t	 lo, hi;	/* the cycles that fit the round trips
				   (fits only: lo <= hi; else 0) */
	tc_us_t	 p10, p90;	/* the round trips they come from */
};

/* What is said when the round trips fit no one task cycle. */
#define PLCJUDGE_SPREAD "round trips spread over more than an octave"

/*
 * A TwinCAT task takes a frame at the first cycle boundary after it came
 * and echoes it at the next: a round trip is more than one cycle and at
 * most two (plus the network's delay), so the cycle is between half the
 * longest round trip and the shortest (p90 and p10, so that a few late
 * ones do not move it). Frames that came at
 * every phase of the cycle narrow that to about one value; frames that kept
 * one phase (a send cycle that is a multiple of the task cycle) leave a
 * range of up to an octave. Of the cycles people set (1, 2, 5, 10, 20 ms
 * ...), TwinCAT's default (10 ms) is taken when it fits, else the one
 * nearest the middle of the range; when none fits, one that gives round
 * trips about the ones seen. Round trips carry the network's delay on top:
 * a usual cycle up to 1/32 under the range still fits.
 */
void plcjudge_cycle(const struct hist *rtt, struct plcjudge_cycle *out);

/*
 * "plc: ..." lines: the client's items not judged because the PLC failed
 * (from v, when not NULL), its round trips and faults, its estimated cycle
 * and "plc: to emulate it: plcsim serve --cycle 10ms --length 32".
 */
void plcjudge_text(FILE *out, const struct facts_plc *p, int length_bits,
    const struct verdict *v);

/*
 * The same figures as one JSON object: the counts, "rtt_us" (count, and
 * min, p10, p50, p90, p99, max when any), "cycle" (null when too few round
 * trips; else at_once, fits, lo_us, hi_us, estimate_us, the last three
 * null and a "not_estimated" reason when not at once and it does not fit)
 * and "length_bits".
 */
void plcjudge_json(FILE *out, const struct facts_plc *p, int length_bits);

#endif
