/*
 * scenario: the scenario file format, parsed and validated.
 *
 * A scenario is a small YAML file (see scenarios/README.md): the PLC's
 * settings, the client's extra arguments, a timeline of actions the emulator
 * plays and the expectations that judge the run. This module only reads and
 * checks files; it plays nothing and touches no socket.
 *
 * Every time is a tc_us_t count of microseconds; time 0 is the first client
 * connection. The parser fills in every default and resolves every relative
 * choice, so that the engine reads plain numbers:
 *   - `count` is always >= 1 (an `every` without `count` repeats until the
 *     end of the scenario), except for an action started by an event
 *     (`when`), which has no occurrence planned by time: count 0;
 *   - `span` is the window of a lasting action, already extended to the end
 *     of the scenario when the file leaves `for` out;
 *   - a frame-counted action has either `frames` >= 1 or `span` > 0, never
 *     both (the default is one frame);
 *   - `mask` is laid out as a frame of plc.length bits.
 *
 * Ownership: scenario_load and scenario_parse return a scenario the caller
 * releases with scenario_free. On error they return NULL and write one line,
 * "FILE:LINE: problem", into `err`.
 */
#ifndef PLCSIM_SCENARIO_H
#define PLCSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "wire.h"

/* Limits that keep any file, however written, in bounded memory. */
#define SCENARIO_MAX_FILE	(1024 * 1024)	/* bytes of YAML */
#define SCENARIO_MAX_ACTIONS	1000
#define SCENARIO_MAX_EXPECTS	200
#define SCENARIO_MAX_OCCURRENCES 10000	/* actions after expanding `every` */
#define SCENARIO_MAX_ARGS	64
#define SCENARIO_MAX_NAME	64
#define SCENARIO_MAX_DURATION	(24ULL * 3600 * TC_US_PER_SEC)

enum scenario_action_kind {
	/* timing */
	ACTION_ECHO_DELAY = 0,	/* hold each echo for delay +- jitter */
	ACTION_PLC_CYCLE,	/* another PLC task cycle for a while */
	ACTION_ACCEPT_DELAY,	/* connections accepted only after delay */
	/* dropped links */
	ACTION_RST,		/* reset the connection */
	ACTION_FIN,		/* close the connection normally */
	ACTION_BLACKHOLE,	/* keep it up, read and answer nothing */
	ACTION_REFUSE,		/* close the listener for a while */
	ACTION_PLC_RESTART,	/* the TwinCAT error path: close all, relisten */
	ACTION_HALF_OPEN,	/* stop reading and writing, keep the socket */
	/* framing */
	ACTION_ECHO_SPLIT,	/* echo in `pieces` writes, `gap` apart */
	ACTION_ECHO_MERGE,	/* hold an echo, send it with the next one */
	ACTION_ECHO_DUPLICATE,	/* send the echo twice */
	ACTION_ECHO_SHORT,	/* send only the first `bytes` bytes */
	/* bit-0 patterns and corruption */
	ACTION_BIT0_FORCE,	/* bit 0 of the echo forced to `value` */
	ACTION_BIT0_INVERT,	/* bit 0 of the echo inverted */
	ACTION_BIT0_STUCK,	/* bit 0 of the echo stuck at its last value */
	ACTION_CORRUPT,		/* echo XOR `mask` */
	/* the client process */
	ACTION_CLIENT_PAUSE,	/* SIGSTOP its group for a while, SIGCONT */
	ACTION_CLIENT_RESTART,	/* kill its group, start the command again */
	ACTION_MAX
};

enum scenario_distribution {
	DIST_UNIFORM = 0,	/* delay + U(-jitter, +jitter), at least 0 */
	DIST_NORMAL,		/* delay + N(0, jitter^2), at least 0 */
	DIST_MAX
};

/* What starts an action instead of a time (`when:`). */
enum scenario_event {
	EVENT_NONE = 0,		/* none: the action starts `at` */
	EVENT_RISING,		/* a life-bit edge 0 -> 1, any connection */
	EVENT_FALLING,		/* 1 -> 0 */
	EVENT_EDGE,		/* either */
	EVENT_CONNECT,		/* a frame of a served connection */
	EVENT_RECONNECT,	/* ... of one served after the first */
	EVENT_MAX
};

struct scenario_trigger {
	enum scenario_event event;
	uint32_t	nth;		/* edges: the n-th from time 0 (>= 1);
					   connect, reconnect: the n-th
					   connection (>= 1); 0: every one */
	uint32_t	frame;		/* connect, reconnect: its frame, from
					   1, the frame that served it */
	tc_us_t		after;		/* from the event to the start */
	int		line;		/* of `when:` */
};

struct scenario_action {
	enum scenario_action_kind kind;
	int		line;		/* of the action in the file */
	struct scenario_trigger on;	/* event NONE: timed by `at` */
	tc_us_t		at;		/* first occurrence; 0 with `when` */
	tc_us_t		span;		/* `for`: how long it lasts; 0 if instant
					   or counted in frames */
	tc_us_t		every;		/* 0: once */
	uint32_t	count;		/* occurrences, >= 1 */
	uint32_t	frames;		/* frame-counted actions: echoes touched */

	/* Parameters; only those of the kind are meaningful. */
	tc_us_t		delay;		/* echo_delay, accept_delay */
	tc_us_t		jitter;		/* echo_delay */
	enum scenario_distribution distribution; /* echo_delay */
	tc_us_t		cycle;		/* plc_cycle */
	uint32_t	pieces;		/* echo_split */
	tc_us_t		gap;		/* echo_split */
	uint32_t	bytes;		/* echo_short */
	int		value;		/* bit0_force: 0 or 1 */
	uint8_t		mask[WIRE_MAX_BYTES]; /* corrupt: first length/8 bytes */
};

enum scenario_expect_kind {
	/* judged on the wire by the emulator */
	EXPECT_LIFE_BIT_PERIOD = 0, /* edge intervals within period +- tol */
	EXPECT_LIFE_BIT_SILENT,	/* no bit-0 edge at all (mode 1) */
	EXPECT_WATCHDOG_QUIET,	/* watchdog never fired while connected */
	EXPECT_RECONNECT,	/* connected again within T after every drop */
	EXPECT_FRAMES,		/* frames received, at least / at most */
	EXPECT_SEND_CYCLE,	/* mean period and p99 jitter of the sends */
	EXPECT_STARTUP,		/* first connection within T of the start */
	EXPECT_SEND_DRIFT,	/* the frames' grid against the ideal one */
	EXPECT_NO_BURST,	/* at most N frames in any send period */
	EXPECT_WATCHDOG_FIRES,	/* the watchdog saw every client_pause */
	/* judged from the client */
	EXPECT_COUNTER,		/* a number in the client's stats JSON */
	EXPECT_EXIT_CODE,	/* the client's exit status */
	/* judged on the wire, the way PLC watchdogs judge a life bit */
	EXPECT_LIFE_BIT_MAX_GAP, /* no silence of the life bit beyond T */
	EXPECT_LIFE_BIT_DUTY,	/* the share of the time it is high */
	EXPECT_MAX
};

/* Which intervals of the life bit a life_bit_period judges. */
enum scenario_edge {
	EDGE_ANY = 0,		/* every interval between two edges */
	EDGE_RISING,		/* those ending in a rising edge: time low */
	EDGE_FALLING,		/* those ending in a falling edge: time high */
	EDGE_MAX
};

struct scenario_expect {
	enum scenario_expect_kind kind;
	int		line;

	tc_us_t		period;		/* life_bit_period, send_cycle,
					   send_drift, no_burst */
	tc_us_t		tolerance;	/* life_bit_period, send_cycle,
					   send_drift */
	double		quantile;	/* life_bit_period, (0, 1] */
	enum scenario_edge edge;	/* life_bit_period */
	tc_us_t		max_gap;	/* life_bit_max_gap: its at_most */
	double		high;		/* life_bit_duty: percent of the time */
	double		high_tolerance;	/* life_bit_duty: percentage points */
	int		outside_faults;	/* watchdog_quiet, life_bit_max_gap */
	tc_us_t		within;		/* reconnect, startup */
	tc_us_t		jitter_p99;	/* send_cycle; 0 when not judged */
	char		name[SCENARIO_MAX_NAME]; /* counter */

	/* frames, counter, exit_code, no_burst (at_most): each bound only
	   when its has_ is set */
	int		has_at_least, has_at_most, has_equals;
	int64_t		at_least, at_most, equals;
	int		equals_injected; /* counter: equals what was injected */
};

/* The plc: keys, in the order of scenario_plc.line. */
enum scenario_plc_key {
	PLC_KEY_CYCLE = 0, PLC_KEY_LENGTH, PLC_KEY_MAX_CLIENTS,
	PLC_KEY_RELISTEN, PLC_KEY_WATCHDOG, PLC_KEY_RECV_TIMEOUT, PLC_KEY_MAX
};

struct scenario_plc {
	int		line[PLC_KEY_MAX]; /* where each key was given; 0: not
					   given (its default) */
	tc_us_t		cycle;		/* task cycle; 0: answer at once */
	int		length;		/* frame length in bits */
	int		max_clients;
	tc_us_t		relisten;	/* error path: listener closed this long
					   (default 5 cycles) */
	tc_us_t		watchdog;	/* 0: off */
	tc_us_t		recv_timeout;	/* a served client silent this long
					   is dropped (0: never) */
};

struct scenario_client {
	char	      **args;		/* appended to the client command */
	size_t		nargs;
	char	      **env;		/* "NAME=VALUE" */
	size_t		nenv;
	int		stats;		/* the client writes its stats JSON */
};

struct scenario {
	char	       *file;		/* as given to load/parse */
	char		sha256[65];	/* of the bytes scenario_load read, as
					   hex; "" from scenario_parse */
	char	       *name;
	char	       *description;	/* "" when absent */
	uint64_t	seed;
	tc_us_t		duration;	/* from time 0 */
	tc_us_t		startup_timeout;
	struct scenario_plc plc;
	struct scenario_client client;
	struct scenario_action *actions;	/* in file order */
	size_t		nactions;
	struct scenario_expect *expects;	/* in file order */
	size_t		nexpects;
};

struct scenario *scenario_load(const char *path, char *err, size_t errlen);
struct scenario *scenario_parse(const char *text, size_t len,
    const char *name, char *err, size_t errlen);
void scenario_free(struct scenario *);

/* The YAML names of the kinds ("rst", "life_bit_period"). */
const char *scenario_action_name(enum scenario_action_kind);
/* "a rising edge", "connection 2, frame 3" ... for messages. */
void scenario_trigger_describe(const struct scenario_trigger *, char *buf,
    size_t len);
const char *scenario_expect_name(enum scenario_expect_kind);
const char *scenario_distribution_name(enum scenario_distribution);
/* libyaml's version, for the report's record ("0.2.5"). */
const char *scenario_library_version(void);
const char *scenario_edge_name(enum scenario_edge);	/* "any", ... */

/* 1 when the action drops or stalls the link (the client must reconnect). */
int scenario_action_is_drop(enum scenario_action_kind);
/* The first action that acts on the client's process, or NULL. */
const struct scenario_action *scenario_client_action(const struct scenario *);

/*
 * What an action does, for whoever plays or checks one: kept in the one
 * table of actions, so that a new action is described once.
 */
#define ACTION_SHAPES_ECHO	0x1	/* decides how an echo leaves: delay,
					   split, merge, duplicate, short,
					   black hole */
#define ACTION_ALTERS_ECHO	0x2	/* changes the echo's bits */
#define ACTION_BY_FRAMES	0x4	/* may last a number of echoes */
#define ACTION_INSTANT		0x8	/* happens at once, no window */
#define ACTION_ON_CLIENT	0x10	/* acts on the client's process: only
					   a run that started it can play it */
unsigned scenario_action_traits(enum scenario_action_kind);

/* Start time of occurrence `i` (0 <= i < count) of an action. */
tc_us_t scenario_action_start(const struct scenario_action *, uint32_t i);

/* One occurrence of an action on the timeline, `every` expanded. */
struct scenario_occurrence {
	const struct scenario_action *a;
	tc_us_t	start;		/* since time 0 */
	tc_us_t	end;		/* start + span; == start when instant or
				   counted in frames */
};

/*
 * Every occurrence of every action timed by `at`, in time order (file order
 * when two start together): the one expansion that `plcsim check`
 * validates and the emulator plays. Actions started by an event have none
 * here: the timeline adds theirs as the events come. The caller frees
 * *out. -1 when memory is out.
 */
int scenario_occurrences(const struct scenario *,
    struct scenario_occurrence **out, size_t *n);
void scenario_occurrences_free(struct scenario_occurrence *);

#endif
