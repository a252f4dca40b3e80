/*
 * chart: one scenario run's timeline drawn as inline SVG for the HTML
 * report: the faults the scenario played, the served connections and their
 * ends, what became of the echoes, the life-bit edges and the watchdog's
 * firings, on one time axis from time 0 (the first client connection).
 *
 * The drawing has CHART_COLUMNS columns whatever the run's length, so that
 * a day's run draws in the same bytes as a minute's. A column that holds
 * anything is marked: several events in one column make one mark (the
 * caption then says so, with the counts), and nothing that happened, a
 * failure least of all, is left out of the drawing. Every string from the
 * scenario file is escaped.
 */
#ifndef PLCSIM_CHART_H
#define PLCSIM_CHART_H

#include <stdio.h>

#include "facts.h"
#include "scenario.h"

#define CHART_COLUMNS	800

/*
 * Writes a <figure> with the SVG and a caption (scale, counts, what was
 * aggregated). -1 when memory ran out (nothing is written then).
 */
int chart_write(FILE *out, const struct scenario *sc, const struct facts *f);

/* The drawing's style sheet, for the page that holds it. */
extern const char chart_css[];

#endif
