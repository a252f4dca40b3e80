/*
 * scenario: YAML scenario files into struct scenario; see scenario.h and
 * scenarios/README.md.
 *
 * Three passes, each stopping at the first problem:
 *   1. a scan of the event stream that refuses what this format never
 *      needs and what could cost memory or time: aliases, anchors, tags,
 *      deep nesting, several documents, too many nodes;
 *   2. a walk of the loaded document (libyaml's document API keeps a line
 *      for every node) that checks keys and types and fills the struct;
 *   3. checks across the whole file: defaults that depend on other keys,
 *      windows inside the scenario, actions that contradict each other,
 *      expectations that could never be judged.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "digest.h"
#include "parse.h"
#include "plc.h"
#include "scenario.h"

#define MAX_DEPTH	16	/* the format itself needs 4 */
#define MAX_EVENTS	200000
#define MAX_TEXT	16384	/* one scalar */
#define MAX_ARG		4096	/* one client argument or variable */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the keys of actions and expectations ---- */

enum key {
	K_AT, K_FOR, K_EVERY, K_COUNT, K_FRAMES,
	K_DELAY, K_JITTER, K_DISTRIBUTION, K_CYCLE, K_PIECES, K_GAP, K_BYTES,
	K_VALUE, K_MASK,
	K_PERIOD, K_TOLERANCE, K_QUANTILE, K_OUTSIDE_FAULTS, K_WITHIN,
	K_AT_LEAST, K_AT_MOST, K_EQUALS, K_JITTER_P99, K_NAME,
	K_EDGE, K_HIGH, K_ON,
	K_MAX
};

static const char *const key_names[K_MAX] = {
	[K_AT] = "at", [K_FOR] = "for", [K_EVERY] = "every",
	[K_COUNT] = "count", [K_FRAMES] = "frames", [K_DELAY] = "delay",
	[K_JITTER] = "jitter", [K_DISTRIBUTION] = "distribution",
	[K_CYCLE] = "cycle", [K_PIECES] = "pieces", [K_GAP] = "gap",
	[K_BYTES] = "bytes", [K_VALUE] = "value", [K_MASK] = "mask",
	[K_PERIOD] = "period", [K_TOLERANCE] = "tolerance",
	[K_QUANTILE] = "quantile", [K_OUTSIDE_FAULTS] = "outside_faults",
	[K_WITHIN] = "within", [K_AT_LEAST] = "at_least",
	[K_AT_MOST] = "at_most", [K_EQUALS] = "equals",
	[K_JITTER_P99] = "jitter_p99", [K_NAME] = "name",
	[K_EDGE] = "edge", [K_HIGH] = "high", [K_ON] = "when",
};

#define B(k) (1u << (k))

/* How an action occupies time. */
enum span_rule {
	SPAN_INSTANT,	/* no `for` */
	SPAN_OPTIONAL,	/* `for`, default: until the end of the scenario */
	SPAN_REQUIRED,	/* `for` required */
	SPAN_RELISTEN,	/* `for`, default: plc.relisten */
	SPAN_FRAMES,	/* `frames` or `for`, default: one frame */
};

/* What may not overlap (see check_contradictions). */
enum action_class {
	CLASS_NONE, CLASS_DROP, CLASS_DELAY, CLASS_CYCLE, CLASS_ACCEPT,
	CLASS_FRAMING, CLASS_BIT0, CLASS_CORRUPT, CLASS_CLIENT
};

#define SHAPES	ACTION_SHAPES_ECHO
#define ALTERS	ACTION_ALTERS_ECHO

/* The one table of actions: YAML name, time rule, what it does, keys. */
static const struct action_def {
	const char	*name;
	enum span_rule	 span;
	enum action_class class;
	unsigned	 traits;	/* ACTION_SHAPES_ECHO, ... (the span
					   rule adds BY_FRAMES, INSTANT) */
	unsigned	 keys;		/* besides at, for, every, count, frames */
	unsigned	 required;
} action_defs[ACTION_MAX] = {
	[ACTION_ECHO_DELAY] = { "echo_delay", SPAN_OPTIONAL, CLASS_DELAY,
	    SHAPES, B(K_DELAY) | B(K_JITTER) | B(K_DISTRIBUTION),
	    B(K_DELAY) },
	[ACTION_PLC_CYCLE] = { "plc_cycle", SPAN_OPTIONAL, CLASS_CYCLE, 0,
	    B(K_CYCLE), B(K_CYCLE) },
	[ACTION_ACCEPT_DELAY] = { "accept_delay", SPAN_OPTIONAL, CLASS_ACCEPT,
	    0, B(K_DELAY), B(K_DELAY) },
	[ACTION_RST] = { "rst", SPAN_INSTANT, CLASS_DROP, 0, 0, 0 },
	[ACTION_FIN] = { "fin", SPAN_INSTANT, CLASS_DROP, 0, 0, 0 },
	[ACTION_BLACKHOLE] = { "blackhole", SPAN_REQUIRED, CLASS_DROP, SHAPES,
	    0, 0 },
	[ACTION_REFUSE] = { "refuse", SPAN_REQUIRED, CLASS_NONE, 0, 0, 0 },
	[ACTION_PLC_RESTART] = { "plc_restart", SPAN_RELISTEN, CLASS_DROP, 0,
	    0, 0 },
	[ACTION_HALF_OPEN] = { "half_open", SPAN_OPTIONAL, CLASS_DROP, 0, 0,
	    0 },
	[ACTION_ECHO_SPLIT] = { "echo_split", SPAN_FRAMES, CLASS_FRAMING,
	    SHAPES, B(K_PIECES) | B(K_GAP), B(K_PIECES) },
	[ACTION_ECHO_MERGE] = { "echo_merge", SPAN_FRAMES, CLASS_FRAMING,
	    SHAPES, 0, 0 },
	[ACTION_ECHO_DUPLICATE] = { "echo_duplicate", SPAN_FRAMES,
	    CLASS_FRAMING, SHAPES, 0, 0 },
	[ACTION_ECHO_SHORT] = { "echo_short", SPAN_FRAMES, CLASS_FRAMING,
	    SHAPES, B(K_BYTES), 0 },
	[ACTION_BIT0_FORCE] = { "bit0_force", SPAN_FRAMES, CLASS_BIT0, ALTERS,
	    B(K_VALUE), B(K_VALUE) },
	[ACTION_BIT0_INVERT] = { "bit0_invert", SPAN_FRAMES, CLASS_BIT0,
	    ALTERS, 0, 0 },
	[ACTION_BIT0_STUCK] = { "bit0_stuck", SPAN_FRAMES, CLASS_BIT0, ALTERS,
	    0, 0 },
	[ACTION_CORRUPT] = { "corrupt", SPAN_FRAMES, CLASS_CORRUPT, ALTERS,
	    B(K_MASK), B(K_MASK) },
	[ACTION_CLIENT_PAUSE] = { "client_pause", SPAN_REQUIRED, CLASS_CLIENT,
	    ACTION_ON_CLIENT, 0, 0 },
	[ACTION_CLIENT_RESTART] = { "client_restart", SPAN_INSTANT,
	    CLASS_CLIENT, ACTION_ON_CLIENT, 0, 0 },
};

/* The one table of expectations. */
static const struct expect_def {
	const char	*name;
	unsigned	 keys;
	unsigned	 required;
} expect_defs[EXPECT_MAX] = {
	[EXPECT_LIFE_BIT_PERIOD] = { "life_bit_period",
	    B(K_PERIOD) | B(K_TOLERANCE) | B(K_QUANTILE) | B(K_EDGE),
	    B(K_PERIOD) | B(K_TOLERANCE) },
	[EXPECT_LIFE_BIT_SILENT] = { "life_bit_silent", 0, 0 },
	[EXPECT_WATCHDOG_QUIET] = { "watchdog_quiet", B(K_OUTSIDE_FAULTS), 0 },
	[EXPECT_RECONNECT] = { "reconnect", B(K_WITHIN), B(K_WITHIN) },
	[EXPECT_FRAMES] = { "frames", B(K_AT_LEAST) | B(K_AT_MOST), 0 },
	[EXPECT_SEND_CYCLE] = { "send_cycle",
	    B(K_PERIOD) | B(K_TOLERANCE) | B(K_JITTER_P99), 0 },
	[EXPECT_STARTUP] = { "startup", B(K_WITHIN), B(K_WITHIN) },
	[EXPECT_SEND_DRIFT] = { "send_drift", B(K_PERIOD) | B(K_TOLERANCE),
	    B(K_PERIOD) | B(K_TOLERANCE) },
	[EXPECT_NO_BURST] = { "no_burst", B(K_PERIOD) | B(K_AT_MOST),
	    B(K_PERIOD) },
	[EXPECT_WATCHDOG_FIRES] = { "watchdog_fires", 0, 0 },
	[EXPECT_COUNTER] = { "counter",
	    B(K_NAME) | B(K_EQUALS) | B(K_AT_LEAST) | B(K_AT_MOST),
	    B(K_NAME) },
	[EXPECT_EXIT_CODE] = { "exit_code", B(K_EQUALS), B(K_EQUALS) },
	/* at_most is a duration here, tolerance a percentage */
	[EXPECT_LIFE_BIT_MAX_GAP] = { "life_bit_max_gap",
	    B(K_AT_MOST) | B(K_OUTSIDE_FAULTS), B(K_AT_MOST) },
	[EXPECT_LIFE_BIT_DUTY] = { "life_bit_duty",
	    B(K_HIGH) | B(K_TOLERANCE), B(K_HIGH) | B(K_TOLERANCE) },
};

static const char *const edge_names[EDGE_MAX] = {
	[EDGE_ANY] = "any", [EDGE_RISING] = "rising",
	[EDGE_FALLING] = "falling",
};

static const char *const distribution_names[DIST_MAX] = {
	[DIST_UNIFORM] = "uniform", [DIST_NORMAL] = "normal",
};

/* Default settings; the PLC's are plcsim serve's own (plc.h, wire.h). */
#define DEFAULT_SEED		1
#define DEFAULT_STARTUP		(10 * TC_US_PER_SEC)
#define DEFAULT_CYCLE		PLC_DEFAULT_CYCLE_US
#define DEFAULT_LENGTH		WIRE_DEFAULT_BITS
#define DEFAULT_MAX_CLIENTS	1
#define DEFAULT_RELISTEN_CYCLES	PLC_DEFAULT_RELISTEN_CYCLES
#define DEFAULT_RECV_TIMEOUT	PLC_DEFAULT_RECV_TIMEOUT_US
#define DEFAULT_GAP		(5 * TC_US_PER_MS)
#define DEFAULT_QUANTILE	0.95
#define MAX_CYCLE		(10 * TC_US_PER_SEC)
#define MAX_CLIENTS		1000
#define MAX_COUNT		100000
#define MAX_FRAMES		1000000

const char *
scenario_action_name(enum scenario_action_kind kind)
{
	return (unsigned)kind < ACTION_MAX ? action_defs[kind].name : "?";
}

const char *
scenario_expect_name(enum scenario_expect_kind kind)
{
	return (unsigned)kind < EXPECT_MAX ? expect_defs[kind].name : "?";
}

void
scenario_trigger_describe(const struct scenario_trigger *t, char *buf,
    size_t len)
{
	char nth[32], after[40], d[32];
	const char *what;

	after[0] = '\0';
	if (t->after > 0) {
		format_duration(t->after, d, sizeof d);
		snprintf(after, sizeof after, ", after %s", d);
	}
	if (t->nth == 0)
		nth[0] = '\0';
	else
		snprintf(nth, sizeof nth, " #%u", t->nth);
	switch (t->event) {
	case EVENT_RISING:
	case EVENT_FALLING:
	case EVENT_EDGE:
		what = t->event == EVENT_EDGE ? "life-bit" :
		    t->event == EVENT_RISING ? "rising" : "falling";
		snprintf(buf, len, "%s%s edge%s%s", t->nth == 0 ? "every " :
		    "", what, nth, after);
		break;
	case EVENT_CONNECT:
	case EVENT_RECONNECT:
		snprintf(buf, len, "%s%s%s, frame %u%s", t->nth == 0 ?
		    "every " : "", t->event == EVENT_CONNECT ? "connection" :
		    "reconnection", nth, t->frame, after);
		break;
	default:
		snprintf(buf, len, "time");
		break;
	}
}

const char *
scenario_distribution_name(enum scenario_distribution d)
{
	return (unsigned)d < DIST_MAX ? distribution_names[d] : "?";
}

const char *
scenario_edge_name(enum scenario_edge edge)
{
	return (unsigned)edge < EDGE_MAX ? edge_names[edge] : "?";
}

int
scenario_action_is_drop(enum scenario_action_kind kind)
{
	/* A restarted client has lost its link, as after a drop. */
	return (unsigned)kind < ACTION_MAX &&
	    (action_defs[kind].class == CLASS_DROP ||
	    kind == ACTION_CLIENT_RESTART);
}

const struct scenario_action *
scenario_client_action(const struct scenario *s)
{
	size_t i;

	for (i = 0; i < s->nactions; i++)
		if (action_defs[s->actions[i].kind].traits & ACTION_ON_CLIENT)
			return &s->actions[i];
	return NULL;
}

unsigned
scenario_action_traits(enum scenario_action_kind kind)
{
	unsigned t;

	if ((unsigned)kind >= ACTION_MAX)
		return 0;
	t = action_defs[kind].traits;
	if (action_defs[kind].span == SPAN_FRAMES)
		t |= ACTION_BY_FRAMES;
	if (action_defs[kind].span == SPAN_INSTANT)
		t |= ACTION_INSTANT;
	return t;
}

tc_us_t
scenario_action_start(const struct scenario_action *a, uint32_t i)
{
	return a->at + (tc_us_t)i * a->every;
}

static int
occ_cmp(const void *x, const void *y)
{
	const struct scenario_occurrence *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->a->line < b->a->line ? -1 : a->a->line > b->a->line;
}

int
scenario_occurrences(const struct scenario *s,
    struct scenario_occurrence **out, size_t *n)
{
	struct scenario_occurrence *occ;
	size_t total = 0, i;
	uint32_t k;

	for (i = 0; i < s->nactions; i++)
		total += s->actions[i].count;
	if ((occ = calloc(total ? total : 1, sizeof *occ)) == NULL)
		return -1;
	*n = 0;
	for (i = 0; i < s->nactions; i++)
		for (k = 0; k < s->actions[i].count; k++) {
			occ[*n].a = &s->actions[i];
			occ[*n].start = scenario_action_start(&s->actions[i], k);
			occ[*n].end = occ[*n].start + s->actions[i].span;
			(*n)++;
		}
	qsort(occ, *n, sizeof *occ, occ_cmp);
	*out = occ;
	return 0;
}

void
scenario_occurrences_free(struct scenario_occurrence *occ)
{
	free(occ);
}

/* ---- errors ---- */

struct ctx {
	const char	*file;
	char		*err;
	size_t		 errlen;
	yaml_document_t	*doc;
	struct scenario	*s;
};

static int fail(struct ctx *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes "FILE:LINE: problem" (LINE counted from 1; 0 leaves it out). */
static int
fail(struct ctx *c, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(c->err, c->errlen, "%s:%d: %s", c->file, line, msg);
	else
		snprintf(c->err, c->errlen, "%s: %s", c->file, msg);
	return -1;
}

static int
line_of(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static const char *
node_type_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return n->data.scalar.length == 0 ? "nothing" : "a value";
	default:
		return "nothing";
	}
}

static const char *
dur(tc_us_t us, char *buf, size_t len)
{
	format_duration(us, buf, len);
	return buf;
}

/* ---- pass 1: refuse what the format never needs ---- */

/* The line of a byte offset (libyaml gives only offsets for bad bytes). */
static int
offset_line(const char *text, size_t len, size_t offset)
{
	size_t i;
	int line = 1;

	for (i = 0; i < offset && i < len; i++)
		line += text[i] == '\n';
	return line;
}

static int
scan_events(struct ctx *c, const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, docs = 0, rc = 0, done = 0;
	long events = 0;
	const char *what;

	if (!yaml_parser_initialize(&p))
		return fail(c, 0, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_READER_ERROR)
				rc = fail(c, offset_line(text, len,
				    p.problem_offset), "not text: %s",
				    p.problem ? p.problem : "unknown");
			else if (p.context != NULL)
				rc = fail(c, (int)p.problem_mark.line + 1,
				    "YAML syntax error: %s (%s)",
				    p.problem ? p.problem : "unknown",
				    p.context);
			else
				rc = fail(c, (int)p.problem_mark.line + 1,
				    "YAML syntax error: %s",
				    p.problem ? p.problem : "unknown");
			break;
		}
		what = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				what = "only one YAML document is allowed";
			break;
		case YAML_ALIAS_EVENT:
			what = "aliases (*name) are not supported";
			break;
		case YAML_SCALAR_EVENT:
			if (ev.data.scalar.anchor != NULL)
				what = "anchors (&name) are not supported";
			else if (ev.data.scalar.tag != NULL &&
			    !ev.data.scalar.plain_implicit &&
			    !ev.data.scalar.quoted_implicit)
				what = "tags (!name) are not supported";
			else if (ev.data.scalar.length > MAX_TEXT)
				what = "value too long";
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT ?
			    ev.data.sequence_start.anchor != NULL :
			    ev.data.mapping_start.anchor != NULL)
				what = "anchors (&name) are not supported";
			else if (ev.type == YAML_SEQUENCE_START_EVENT ?
			    !ev.data.sequence_start.implicit :
			    !ev.data.mapping_start.implicit)
				what = "tags (!name) are not supported";
			else if (++depth > MAX_DEPTH)
				what = "nested too deeply";
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (what == NULL && ++events > MAX_EVENTS)
			what = "too many values";
		if (what != NULL)
			rc = fail(c, (int)ev.start_mark.line + 1, "%s", what);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}

/* ---- pass 2: values ---- */

static yaml_node_t *
node_at(struct ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

/* The text of a scalar, or an error naming `key` and what it expected. */
static const char *
scalar(struct ctx *c, const yaml_node_t *n, const char *key,
    const char *expected)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.length == 0) {
		fail(c, line_of(n), "%s: expected %s, got %s", key, expected,
		    node_type_name(n));
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) !=
	    n->data.scalar.length) {
		fail(c, line_of(n), "%s: NUL byte in the value", key);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static int
get_duration(struct ctx *c, const yaml_node_t *n, const char *key,
    tc_us_t *out)
{
	const char *t = scalar(c, n, key, "a duration such as 100ms");
	char msg[256];

	if (t == NULL)
		return -1;
	if (parse_duration(t, out, msg, sizeof msg) != 0)
		return fail(c, line_of(n), "%s: %s", key, msg);
	return 0;
}

static int
get_positive_duration(struct ctx *c, const yaml_node_t *n, const char *key,
    tc_us_t *out)
{
	if (get_duration(c, n, key, out) != 0)
		return -1;
	if (*out == 0)
		return fail(c, line_of(n), "%s: must be more than 0", key);
	return 0;
}

/* A whole decimal number in [min, max]. */
static int
get_int(struct ctx *c, const yaml_node_t *n, const char *key, int64_t min,
    int64_t max, int64_t *out)
{
	const char *t = scalar(c, n, key, "a whole number"), *p;
	char *end;
	long long v;

	if (t == NULL)
		return -1;
	p = (*t == '-' || *t == '+') ? t + 1 : t;
	if (*p < '0' || *p > '9')
		return fail(c, line_of(n), "%s: '%s' is not a whole number",
		    key, t);
	errno = 0;
	v = strtoll(t, &end, 10);
	if (*end != '\0')
		return fail(c, line_of(n), "%s: '%s' is not a whole number",
		    key, t);
	if (errno == ERANGE || v < min || v > max)
		return fail(c, line_of(n), "%s: %s is out of range (%lld..%lld)",
		    key, t, (long long)min, (long long)max);
	*out = v;
	return 0;
}

static int
get_u32(struct ctx *c, const yaml_node_t *n, const char *key, uint32_t min,
    uint32_t max, uint32_t *out)
{
	int64_t v;

	if (get_int(c, n, key, min, max, &v) != 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
get_bool(struct ctx *c, const yaml_node_t *n, const char *key, int *out)
{
	const char *t = scalar(c, n, key, "true or false");

	if (t == NULL)
		return -1;
	if (strcmp(t, "true") == 0)
		*out = 1;
	else if (strcmp(t, "false") == 0)
		*out = 0;
	else
		return fail(c, line_of(n), "%s: expected true or false, not "
		    "'%s'", key, t);
	return 0;
}

/* A copy of a string value of at most `max` bytes. */
static int
get_string(struct ctx *c, const yaml_node_t *n, const char *key, size_t max,
    char **out)
{
	const char *t = scalar(c, n, key, "a string");

	if (t == NULL)
		return -1;
	if (strlen(t) > max)
		return fail(c, line_of(n), "%s: longer than %zu bytes", key,
		    max);
	free(*out);
	if ((*out = strdup(t)) == NULL)
		return fail(c, line_of(n), "out of memory");
	return 0;
}

/*
 * Walks the pairs of a mapping; for each, checks that the key is a scalar
 * and not seen before, and calls `fn`. `what` names the mapping.
 */
typedef int (*pair_fn)(struct ctx *, const char *, yaml_node_t *,
    yaml_node_t *, void *);

static int
each_pair(struct ctx *c, yaml_node_t *map, const char *what, pair_fn fn,
    void *arg)
{
	yaml_node_pair_t *p, *q;
	yaml_node_t *k, *v, *k2;

	if (map->type != YAML_MAPPING_NODE)
		return fail(c, line_of(map), "%s: expected a mapping "
		    "(key: value lines), got %s", what, node_type_name(map));
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = node_at(c, p->key);
		v = node_at(c, p->value);
		if (k == NULL || v == NULL)
			return fail(c, line_of(map), "%s: broken mapping",
			    what);
		if (k->type != YAML_SCALAR_NODE || k->data.scalar.length == 0)
			return fail(c, line_of(k), "%s: keys must be plain "
			    "names", what);
		for (q = map->data.mapping.pairs.start; q < p; q++) {
			k2 = node_at(c, q->key);
			if (k2 != NULL && k2->type == YAML_SCALAR_NODE &&
			    strcmp((char *)k2->data.scalar.value,
			    (char *)k->data.scalar.value) == 0)
				return fail(c, line_of(k), "%s: duplicate key "
				    "'%s' (first on line %d)", what,
				    (char *)k->data.scalar.value,
				    line_of(k2));
		}
		if (fn(c, (const char *)k->data.scalar.value, k, v, arg) != 0)
			return -1;
	}
	return 0;
}

/* The value node of `key` in a mapping, or NULL. */
static yaml_node_t *
lookup(struct ctx *c, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;
	yaml_node_t *k;

	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = node_at(c, p->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((char *)k->data.scalar.value, key) == 0)
			return node_at(c, p->value);
	}
	return NULL;
}

/* "a, b, c" into out, cut short when it does not fit. */
static void
join_names(const char *const *names, size_t n, char *out, size_t outlen)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < n && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
		    i ? ", " : "", names[i]);
}

static int
unknown_key(struct ctx *c, yaml_node_t *k, const char *what,
    const char *const *known, size_t nknown)
{
	char list[512];

	join_names(known, nknown, list, sizeof list);
	return fail(c, line_of(k), "%s: unknown key '%s' (known: %s)", what,
	    (char *)k->data.scalar.value, list);
}

static void
key_list(unsigned keys, const char **out, size_t *n)
{
	int k;

	for (k = 0; k < K_MAX; k++)
		if (keys & B(k))
			out[(*n)++] = key_names[k];
}

static int
find_key(const char *name)
{
	int k;

	for (k = 0; k < K_MAX; k++)
		if (strcmp(key_names[k], name) == 0)
			return k;
	return -1;
}

/* ---- pass 2: the timeline ---- */

struct item_state {
	unsigned	 allowed;
	unsigned	 seen;
	const char	*kind_key;	/* "action" or "expect" */
	char		 what[48];
	struct scenario_action *a;
	struct scenario_expect *e;
};

static int
unknown_item_key(struct ctx *c, yaml_node_t *k, struct item_state *st)
{
	const char *known[K_MAX + 1];
	size_t n = 0;

	known[n++] = st->kind_key;
	key_list(st->allowed, known, &n);
	return unknown_key(c, k, st->what, known, n);
}

static int
get_mask(struct ctx *c, yaml_node_t *v, uint8_t *mask)
{
	const char *t = scalar(c, v, "mask", "a hex value such as 0x00ff0000");

	if (t == NULL)
		return -1;
	if (strncmp(t, "0x", 2) != 0 && strncmp(t, "0X", 2) != 0)
		return fail(c, line_of(v), "mask: write it in hex with 0x "
		    "(quote it if it starts with a digit only), not '%s'", t);
	if (wire_from_hex(t, mask, WIRE_MAX_BYTES) != 0)
		return fail(c, line_of(v), "mask: '%s' is not a hex value of "
		    "at most %d bits", t, WIRE_MAX_BITS);
	return 0;
}

/* ---- pass 2: `when:`, an action started by an event ---- */

enum when_key {
	W_EDGE, W_CONNECT, W_RECONNECT, W_NTH, W_FRAME, W_AFTER, W_MAX
};

static const char *const when_keys[W_MAX] = {
	[W_EDGE] = "edge", [W_CONNECT] = "connect",
	[W_RECONNECT] = "reconnect", [W_NTH] = "nth", [W_FRAME] = "frame",
	[W_AFTER] = "after",
};

struct when_state {
	struct scenario_trigger *t;
	unsigned		 seen;	/* B(enum when_key) */
};

/* A whole number from 1, or `every` (0). */
static int
get_nth(struct ctx *c, yaml_node_t *v, const char *key, uint32_t *out)
{
	if (v->type == YAML_SCALAR_NODE &&
	    strcmp((const char *)v->data.scalar.value, "every") == 0) {
		*out = 0;
		return 0;
	}
	if (v->type == YAML_SCALAR_NODE && v->data.scalar.length > 0 &&
	    (v->data.scalar.value[0] < '0' || v->data.scalar.value[0] > '9'))
		return fail(c, line_of(v), "%s: expected a whole number from 1 "
		    "or 'every', not '%s'", key,
		    (const char *)v->data.scalar.value);
	return get_u32(c, v, key, 1, MAX_COUNT, out);
}

static int
when_pair(struct ctx *c, const char *name, yaml_node_t *k, yaml_node_t *v,
    void *arg)
{
	struct when_state *st = arg;
	struct scenario_trigger *t = st->t;
	const char *text;
	char key[32];
	int i;

	for (i = 0; i < W_MAX; i++)
		if (strcmp(name, when_keys[i]) == 0)
			break;
	if (i == W_MAX)
		return unknown_key(c, k, "when", when_keys, W_MAX);
	st->seen |= B(i);
	snprintf(key, sizeof key, "when.%s", name);
	switch (i) {
	case W_EDGE:
		if ((text = scalar(c, v, key, "rising, falling or any")) ==
		    NULL)
			return -1;
		if (strcmp(text, "rising") == 0)
			t->event = EVENT_RISING;
		else if (strcmp(text, "falling") == 0)
			t->event = EVENT_FALLING;
		else if (strcmp(text, "any") == 0)
			t->event = EVENT_EDGE;
		else
			return fail(c, line_of(v), "%s: expected rising, "
			    "falling or any, not '%s'", key, text);
		return 0;
	case W_CONNECT:
	case W_RECONNECT:
		t->event = i == W_CONNECT ? EVENT_CONNECT : EVENT_RECONNECT;
		return get_nth(c, v, key, &t->nth);
	case W_NTH:
		return get_nth(c, v, key, &t->nth);
	case W_FRAME:
		return get_u32(c, v, key, 1, MAX_FRAMES, &t->frame);
	default:
		return get_duration(c, v, key, &t->after);
	}
}

static int
get_trigger(struct ctx *c, yaml_node_t *v, struct scenario_trigger *t)
{
	struct when_state st;
	unsigned sources;
	int line = line_of(v);

	memset(&st, 0, sizeof st);
	memset(t, 0, sizeof *t);
	st.t = t;
	t->line = line;
	t->nth = 1;
	t->frame = 1;
	if (each_pair(c, v, "when", when_pair, &st) != 0)
		return -1;
	sources = st.seen & (B(W_EDGE) | B(W_CONNECT) | B(W_RECONNECT));
	if (sources == 0)
		return fail(c, line, "when: give the event: edge, connect or "
		    "reconnect");
	if (sources & (sources - 1))
		return fail(c, line, "when: give one event: edge, connect or "
		    "reconnect, not several");
	if ((st.seen & B(W_FRAME)) && (st.seen & B(W_EDGE)))
		return fail(c, line, "when: frame counts the frames of a "
		    "connection: it goes with connect or reconnect, not edge");
	if ((st.seen & B(W_NTH)) && !(st.seen & B(W_EDGE)))
		return fail(c, line, "when: nth goes with edge; say which "
		    "connection with %s: N or every",
		    (st.seen & B(W_CONNECT)) ? "connect" : "reconnect");
	return 0;
}

static int
action_pair(struct ctx *c, const char *name, yaml_node_t *k, yaml_node_t *v,
    void *arg)
{
	struct item_state *st = arg;
	struct scenario_action *a = st->a;
	const char *t;
	int key = find_key(name);
	int64_t i64;

	if (strcmp(name, st->kind_key) == 0)
		return 0;
	if (key < 0 || !(st->allowed & B(key)))
		return unknown_item_key(c, k, st);
	st->seen |= B(key);
	switch (key) {
	case K_AT:
		return get_duration(c, v, name, &a->at);
	case K_FOR:
		return get_positive_duration(c, v, name, &a->span);
	case K_EVERY:
		return get_positive_duration(c, v, name, &a->every);
	case K_COUNT:
		return get_u32(c, v, name, 1, MAX_COUNT, &a->count);
	case K_FRAMES:
		return get_u32(c, v, name, 1, MAX_FRAMES, &a->frames);
	case K_DELAY:
		return get_duration(c, v, name, &a->delay);
	case K_JITTER:
		return get_duration(c, v, name, &a->jitter);
	case K_GAP:
		return get_duration(c, v, name, &a->gap);
	case K_CYCLE:
		if (get_duration(c, v, name, &a->cycle) != 0)
			return -1;
		if (a->cycle > MAX_CYCLE)
			return fail(c, line_of(v), "cycle: at most 10s");
		return 0;
	case K_DISTRIBUTION:
		if ((t = scalar(c, v, name, "uniform or normal")) == NULL)
			return -1;
		if (strcmp(t, "uniform") == 0)
			a->distribution = DIST_UNIFORM;
		else if (strcmp(t, "normal") == 0)
			a->distribution = DIST_NORMAL;
		else
			return fail(c, line_of(v), "distribution: expected "
			    "uniform or normal, not '%s'", t);
		return 0;
	case K_PIECES:
		return get_u32(c, v, name, 2, WIRE_MAX_BYTES, &a->pieces);
	case K_BYTES:
		return get_u32(c, v, name, 1, WIRE_MAX_BYTES - 1, &a->bytes);
	case K_VALUE:
		if (get_int(c, v, name, 0, 1, &i64) != 0)
			return -1;
		a->value = (int)i64;
		return 0;
	case K_MASK:
		return get_mask(c, v, a->mask);
	case K_ON:
		return get_trigger(c, v, &a->on);
	}
	return unknown_item_key(c, k, st);
}

/* The node of the kind key ("action: rst") and its index in `names`. */
static int
item_kind(struct ctx *c, yaml_node_t *item, const char *kind_key,
    const char *what, const char *const *names, size_t n, int *kind)
{
	yaml_node_t *v;
	const char *t;
	char list[512];
	size_t i;

	if (item->type != YAML_MAPPING_NODE)
		return fail(c, line_of(item), "%s: expected a mapping with "
		    "'%s:', got %s", what, kind_key, node_type_name(item));
	if ((v = lookup(c, item, kind_key)) == NULL)
		return fail(c, line_of(item), "%s: missing key '%s'", what,
		    kind_key);
	if ((t = scalar(c, v, kind_key, "a name")) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], t) == 0) {
			*kind = (int)i;
			return 0;
		}
	join_names(names, n, list, sizeof list);
	return fail(c, line_of(v), "%s: unknown %s '%s' (known: %s)", what,
	    kind_key, t, list);
}

static int
missing_keys(struct ctx *c, int line, const char *what, unsigned required,
    unsigned seen)
{
	int k;

	for (k = 0; k < K_MAX; k++)
		if ((required & B(k)) && !(seen & B(k)))
			return fail(c, line, "%s: missing key '%s'", what,
			    key_names[k]);
	return 0;
}

static int
parse_action(struct ctx *c, yaml_node_t *item, size_t idx)
{
	const char *names[ACTION_MAX];
	struct scenario_action *a = &c->s->actions[idx];
	const struct action_def *d;
	struct item_state st;
	int kind, i;

	for (i = 0; i < ACTION_MAX; i++)
		names[i] = action_defs[i].name;
	memset(&st, 0, sizeof st);
	snprintf(st.what, sizeof st.what, "timeline[%zu]", idx);
	if (item_kind(c, item, "action", st.what, names, ACTION_MAX,
	    &kind) != 0)
		return -1;
	d = &action_defs[kind];
	a->kind = (enum scenario_action_kind)kind;
	a->line = line_of(item);
	a->gap = DEFAULT_GAP;
	snprintf(st.what, sizeof st.what, "%s", d->name);
	st.kind_key = "action";
	st.a = a;
	st.allowed = B(K_AT) | B(K_ON) | B(K_EVERY) | B(K_COUNT) | d->keys;
	if (d->span != SPAN_INSTANT)
		st.allowed |= B(K_FOR);
	if (d->span == SPAN_FRAMES)
		st.allowed |= B(K_FRAMES);
	if (each_pair(c, item, st.what, action_pair, &st) != 0)
		return -1;
	if (!(st.seen & (B(K_AT) | B(K_ON))))
		return fail(c, a->line, "%s: missing key 'at' (or 'when', an "
		    "event that starts it)", d->name);
	if ((st.seen & B(K_AT)) && (st.seen & B(K_ON)))
		return fail(c, a->line, "%s: give either 'at' or 'when', not "
		    "both", d->name);
	if ((st.seen & B(K_ON)) && (st.seen & (B(K_EVERY) | B(K_COUNT))))
		return fail(c, a->line, "%s: 'when' repeats with its own "
		    "'every' (nth: every, connect: every), not with every or "
		    "count", d->name);
	if (missing_keys(c, a->line, d->name, d->required, st.seen) != 0)
		return -1;
	if (d->span == SPAN_REQUIRED && !(st.seen & B(K_FOR)))
		return fail(c, a->line, "%s: missing key 'for' (how long it "
		    "lasts)", d->name);
	if ((st.seen & B(K_FOR)) && (st.seen & B(K_FRAMES)))
		return fail(c, a->line, "%s: give either 'for' or 'frames', "
		    "not both", d->name);
	if ((st.seen & B(K_COUNT)) && !(st.seen & B(K_EVERY)))
		return fail(c, a->line, "%s: 'count' needs 'every'", d->name);
	if (d->span == SPAN_OPTIONAL && (st.seen & B(K_EVERY)) &&
	    !(st.seen & B(K_FOR)))
		return fail(c, a->line, "%s: 'every' needs 'for' (otherwise "
		    "it lasts until the end)", d->name);
	if (d->span == SPAN_FRAMES && !(st.seen & (B(K_FOR) | B(K_FRAMES))))
		a->frames = 1;
	/* Mark what the file left out, for pass 3. */
	if (!(st.seen & B(K_FOR)) && d->span == SPAN_OPTIONAL)
		a->span = (tc_us_t)-1;
	if (!(st.seen & B(K_FOR)) && d->span == SPAN_RELISTEN)
		a->span = (tc_us_t)-2;
	if (!(st.seen & B(K_COUNT)))
		a->count = (st.seen & B(K_EVERY)) ? 0 : 1;
	if (st.seen & B(K_ON))
		a->count = 0;	/* no occurrence planned by time */
	return 0;
}

/* ---- pass 2: expectations ---- */

static int
get_bound(struct ctx *c, yaml_node_t *v, const char *key,
    struct scenario_expect *e, int64_t *out)
{
	int64_t max = e->kind == EXPECT_EXIT_CODE ? 255 : INT64_MAX;
	const char *t;

	if (e->kind == EXPECT_COUNTER && v->type == YAML_SCALAR_NODE &&
	    strcmp((char *)v->data.scalar.value, "injected") == 0) {
		if (strcmp(key, "equals") != 0)
			return fail(c, line_of(v), "%s: 'injected' is only "
			    "allowed with equals", key);
		e->equals_injected = 1;
		return 0;
	}
	if (e->kind == EXPECT_COUNTER && v->type == YAML_SCALAR_NODE &&
	    (t = (char *)v->data.scalar.value)[0] != '\0' &&
	    (t[0] < '0' || t[0] > '9') && t[0] != '-' && t[0] != '+')
		return fail(c, line_of(v), "%s: expected a whole number or "
		    "'injected', not '%s'", key, t);
	return get_int(c, v, key, 0, max, out);
}

static int
counter_name_ok(const char *t)
{
	size_t i;

	if (t[0] < 'a' || t[0] > 'z')
		return 0;
	for (i = 0; t[i] != '\0'; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') ||
		    (t[i] >= '0' && t[i] <= '9') || t[i] == '_' ||
		    (t[i] == '.' && t[i + 1] != '\0' && t[i + 1] != '.')))
			return 0;
	return i < SCENARIO_MAX_NAME;
}

/*
 * A percentage, "50%" or "2.5%", in 0..100: the sign is required, as a
 * unit is for durations, so that 0.5 is never read as half.
 */
static int
get_percent(struct ctx *c, const yaml_node_t *v, const char *key,
    double *out)
{
	const char *t;
	char *end;

	if ((t = scalar(c, v, key, "a percentage such as 50%")) == NULL)
		return -1;
	errno = 0;
	*out = strtod(t, &end);
	/* Digits and a point only: no sign, exponent, hex or spaces. */
	if (end == t || strcmp(end, "%") != 0 || errno != 0 ||
	    strspn(t, "0123456789.") != (size_t)(end - t) || t[0] == '.' ||
	    end[-1] == '.' ||
	    !isfinite(*out) || *out > 100)
		return fail(c, line_of(v), "%s: expected a percentage from 0%% "
		    "to 100%%, such as 50%% or 2.5%%, not '%s'", key, t);
	return 0;
}

static int
expect_pair(struct ctx *c, const char *name, yaml_node_t *k, yaml_node_t *v,
    void *arg)
{
	struct item_state *st = arg;
	struct scenario_expect *e = st->e;
	const char *t;
	char *end;
	int key = find_key(name), i;

	if (strcmp(name, st->kind_key) == 0)
		return 0;
	if (key < 0 || !(st->allowed & B(key)))
		return unknown_item_key(c, k, st);
	st->seen |= B(key);
	switch (key) {
	case K_PERIOD:
		return get_positive_duration(c, v, name, &e->period);
	case K_TOLERANCE:
		if (e->kind == EXPECT_LIFE_BIT_DUTY)
			return get_percent(c, v, name, &e->high_tolerance);
		return get_duration(c, v, name, &e->tolerance);
	case K_HIGH:
		return get_percent(c, v, name, &e->high);
	case K_EDGE:
		if ((t = scalar(c, v, name, "any, rising or falling")) == NULL)
			return -1;
		for (i = 0; i < EDGE_MAX; i++)
			if (strcmp(t, edge_names[i]) == 0) {
				e->edge = (enum scenario_edge)i;
				return 0;
			}
		return fail(c, line_of(v), "edge: expected any, rising or "
		    "falling, not '%s'", t);
	case K_WITHIN:
		return get_positive_duration(c, v, name, &e->within);
	case K_JITTER_P99:
		return get_duration(c, v, name, &e->jitter_p99);
	case K_OUTSIDE_FAULTS:
		return get_bool(c, v, name, &e->outside_faults);
	case K_QUANTILE:
		if ((t = scalar(c, v, name, "a number in (0, 1]")) == NULL)
			return -1;
		errno = 0;
		e->quantile = strtod(t, &end);
		if (*end != '\0' || end == t || errno != 0 ||
		    !isfinite(e->quantile) || !(e->quantile > 0) ||
		    e->quantile > 1)
			return fail(c, line_of(v), "quantile: expected a "
			    "number above 0 and at most 1, such as 0.95, not "
			    "'%s'", t);
		return 0;
	case K_NAME:
		if ((t = scalar(c, v, name, "a counter name")) == NULL)
			return -1;
		if (!counter_name_ok(t))
			return fail(c, line_of(v), "name: '%s' is not a "
			    "counter name (lower case, digits, _ and . "
			    "between parts, at most %d)", t,
			    SCENARIO_MAX_NAME - 1);
		snprintf(e->name, sizeof e->name, "%s", t);
		return 0;
	case K_AT_LEAST:
		e->has_at_least = 1;
		return get_bound(c, v, name, e, &e->at_least);
	case K_AT_MOST:
		if (e->kind == EXPECT_LIFE_BIT_MAX_GAP)
			return get_positive_duration(c, v, name, &e->max_gap);
		e->has_at_most = 1;
		return get_bound(c, v, name, e, &e->at_most);
	case K_EQUALS:
		e->has_equals = 1;
		return get_bound(c, v, name, e, &e->equals);
	}
	return unknown_item_key(c, k, st);
}

static int
parse_expect(struct ctx *c, yaml_node_t *item, size_t idx)
{
	const char *names[EXPECT_MAX];
	struct scenario_expect *e = &c->s->expects[idx];
	const struct expect_def *d;
	struct item_state st;
	int kind, i;

	for (i = 0; i < EXPECT_MAX; i++)
		names[i] = expect_defs[i].name;
	memset(&st, 0, sizeof st);
	snprintf(st.what, sizeof st.what, "expectations[%zu]", idx);
	if (item_kind(c, item, "expect", st.what, names, EXPECT_MAX,
	    &kind) != 0)
		return -1;
	d = &expect_defs[kind];
	e->kind = (enum scenario_expect_kind)kind;
	e->line = line_of(item);
	e->quantile = DEFAULT_QUANTILE;
	snprintf(st.what, sizeof st.what, "%s", d->name);
	st.kind_key = "expect";
	st.e = e;
	st.allowed = d->keys;
	if (each_pair(c, item, st.what, expect_pair, &st) != 0)
		return -1;
	if (missing_keys(c, e->line, d->name, d->required, st.seen) != 0)
		return -1;
	switch (e->kind) {
	case EXPECT_FRAMES:
	case EXPECT_COUNTER:
		if (!e->has_equals && !e->has_at_least && !e->has_at_most)
			return fail(c, e->line, "%s: give at least one of "
			    "%sat_least, at_most", d->name,
			    e->kind == EXPECT_COUNTER ? "equals, " : "");
		if (e->has_equals && (e->has_at_least || e->has_at_most))
			return fail(c, e->line, "%s: equals cannot be "
			    "combined with at_least or at_most", d->name);
		if (e->has_at_least && e->has_at_most &&
		    e->at_least > e->at_most)
			return fail(c, e->line, "%s: at_least %lld is more "
			    "than at_most %lld: it can never pass", d->name,
			    (long long)e->at_least, (long long)e->at_most);
		break;
	case EXPECT_NO_BURST:
		/* A late frame and the next on time: two in one period. */
		if (!e->has_at_most) {
			e->has_at_most = 1;
			e->at_most = 2;
		}
		if (e->at_most < 1)
			return fail(c, e->line, "no_burst: at_most must be at "
			    "least 1 (a frame in every period)");
		break;
	case EXPECT_SEND_CYCLE:
		if (!(st.seen & (B(K_PERIOD) | B(K_JITTER_P99))))
			return fail(c, e->line, "send_cycle: give period "
			    "(with tolerance), jitter_p99, or both");
		if ((st.seen & B(K_PERIOD)) && !(st.seen & B(K_TOLERANCE)))
			return fail(c, e->line, "send_cycle: period needs a "
			    "tolerance");
		if ((st.seen & B(K_TOLERANCE)) && !(st.seen & B(K_PERIOD)))
			return fail(c, e->line, "send_cycle: tolerance needs "
			    "a period");
		break;
	default:
		break;
	}
	return 0;
}

/* ---- pass 2: the top level ---- */

static const char *const top_keys[] = {
	"name", "description", "seed", "duration", "startup_timeout", "plc",
	"client", "timeline", "expectations",
};
static const char *const plc_keys[] = {
	"cycle", "length", "max_clients", "relisten", "watchdog",
	"recv_timeout",
};
static const char *const client_keys[] = { "args", "env", "stats" };


static int
plc_pair(struct ctx *c, const char *name, yaml_node_t *k, yaml_node_t *v,
    void *arg)
{
	struct scenario_plc *p = &c->s->plc;
	int64_t i64;
	char key[32];

	size_t i;

	(void)arg;
	snprintf(key, sizeof key, "plc.%s", name);
	for (i = 0; i < NELEM(plc_keys) && i < PLC_KEY_MAX; i++)
		if (strcmp(name, plc_keys[i]) == 0)
			p->line[i] = line_of(k);
	if (strcmp(name, "cycle") == 0) {
		if (get_duration(c, v, key, &p->cycle) != 0)
			return -1;
		if (p->cycle > MAX_CYCLE)
			return fail(c, line_of(v), "plc.cycle: at most 10s");
	} else if (strcmp(name, "length") == 0) {
		if (get_int(c, v, key, WIRE_MIN_BITS, WIRE_MAX_BITS, &i64) != 0)
			return -1;
		if (!wire_length_valid((long)i64))
			return fail(c, line_of(v), "plc.length: %lld is not a "
			    "multiple of 8 (bits, 8..1024)", (long long)i64);
		p->length = (int)i64;
	} else if (strcmp(name, "max_clients") == 0) {
		if (get_int(c, v, key, 1, MAX_CLIENTS, &i64) != 0)
			return -1;
		p->max_clients = (int)i64;
	} else if (strcmp(name, "relisten") == 0) {
		return get_duration(c, v, key, &p->relisten);
	} else if (strcmp(name, "watchdog") == 0) {
		return get_duration(c, v, key, &p->watchdog);
	} else if (strcmp(name, "recv_timeout") == 0) {
		return get_duration(c, v, key, &p->recv_timeout);
	} else
		return unknown_key(c, k, "plc", plc_keys, NELEM(plc_keys));
	return 0;
}

static int
env_name_ok(const char *t)
{
	const char *eq = strchr(t, '=');
	const char *p;

	if (eq == NULL || eq == t || (t[0] >= '0' && t[0] <= '9'))
		return 0;
	for (p = t; p < eq; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

/* A list of strings into a NULL-terminated array. */
static int
get_strings(struct ctx *c, yaml_node_t *v, const char *key, int is_env,
    char ***out, size_t *nout)
{
	yaml_node_item_t *it;
	yaml_node_t *n;
	size_t count, i = 0;
	char **arr;

	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, line_of(v), "%s: expected a list of strings, "
		    "got %s", key, node_type_name(v));
	count = (size_t)(v->data.sequence.items.top -
	    v->data.sequence.items.start);
	if (count > SCENARIO_MAX_ARGS)
		return fail(c, line_of(v), "%s: at most %d entries", key,
		    SCENARIO_MAX_ARGS);
	if ((arr = calloc(count + 1, sizeof *arr)) == NULL)
		return fail(c, line_of(v), "out of memory");
	*out = arr;
	*nout = 0;
	for (it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++, i++) {
		if ((n = node_at(c, *it)) == NULL)
			return fail(c, line_of(v), "%s: broken list", key);
		if (n->type != YAML_SCALAR_NODE)
			return fail(c, line_of(n), "%s: expected a string, got "
			    "%s", key, node_type_name(n));
		if (get_string(c, n, key, MAX_ARG, &arr[i]) != 0)
			return -1;
		*nout = i + 1;
		if (is_env && !env_name_ok(arr[i]))
			return fail(c, line_of(n), "%s: '%s' is not NAME=VALUE",
			    key, arr[i]);
	}
	return 0;
}

static int
client_pair(struct ctx *c, const char *name, yaml_node_t *k, yaml_node_t *v,
    void *arg)
{
	struct scenario_client *cl = &c->s->client;

	(void)arg;
	if (strcmp(name, "args") == 0)
		return get_strings(c, v, "client.args", 0, &cl->args,
		    &cl->nargs);
	if (strcmp(name, "env") == 0)
		return get_strings(c, v, "client.env", 1, &cl->env,
		    &cl->nenv);
	if (strcmp(name, "stats") == 0)
		return get_bool(c, v, "client.stats", &cl->stats);
	return unknown_key(c, k, "client", client_keys, NELEM(client_keys));
}

static int
name_ok(const char *t)
{
	size_t i;

	for (i = 0; t[i] != '\0'; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') ||
		    (t[i] >= 'A' && t[i] <= 'Z') ||
		    (t[i] >= '0' && t[i] <= '9') || t[i] == '_' ||
		    t[i] == '-' || t[i] == '.'))
			return 0;
	return i > 0 && i < SCENARIO_MAX_NAME;
}

/* Allocates the array of a timeline or expectations list and parses it. */
static int
list_items(struct ctx *c, yaml_node_t *v, const char *key, size_t max,
    size_t size, void **arr, size_t *n,
    int (*parse)(struct ctx *, yaml_node_t *, size_t))
{
	yaml_node_t *item;
	size_t count, i;

	if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0)
		return 0;	/* "timeline:" with nothing: an empty list */
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, line_of(v), "%s: expected a list, got %s", key,
		    node_type_name(v));
	count = (size_t)(v->data.sequence.items.top -
	    v->data.sequence.items.start);
	if (count > max)
		return fail(c, line_of(v), "%s: at most %zu entries", key,
		    max);
	if (count == 0)
		return 0;
	if ((*arr = calloc(count, size)) == NULL)
		return fail(c, line_of(v), "out of memory");
	*n = count;
	for (i = 0; i < count; i++)
		if ((item = node_at(c, v->data.sequence.items.start[i])) ==
		    NULL || parse(c, item, i) != 0)
			return -1;
	return 0;
}

static int
top_pair(struct ctx *c, const char *name, yaml_node_t *k, yaml_node_t *v,
    void *arg)
{
	struct scenario *s = c->s;
	unsigned *seen = arg;
	size_t i;
	const char *t;
	char *end;

	for (i = 0; i < NELEM(top_keys); i++)
		if (strcmp(name, top_keys[i]) == 0)
			*seen |= 1u << i;
	if (strcmp(name, "name") == 0) {
		if (get_string(c, v, name, MAX_TEXT, &s->name) != 0)
			return -1;
		if (!name_ok(s->name))
			return fail(c, line_of(v), "name: '%s' must be 1..%d "
			    "letters, digits, '-', '_' or '.'", s->name,
			    SCENARIO_MAX_NAME - 1);
	} else if (strcmp(name, "description") == 0) {
		return get_string(c, v, name, MAX_TEXT, &s->description);
	} else if (strcmp(name, "seed") == 0) {
		if ((t = scalar(c, v, name, "a whole number")) == NULL)
			return -1;
		errno = 0;
		if (t[0] < '0' || t[0] > '9')
			return fail(c, line_of(v), "seed: '%s' is not a whole "
			    "number", t);
		s->seed = strtoull(t, &end, 10);
		if (*end != '\0')
			return fail(c, line_of(v), "seed: '%s' is not a whole "
			    "number", t);
		if (errno == ERANGE)
			return fail(c, line_of(v), "seed: %s is out of range "
			    "(0..18446744073709551615)", t);
	} else if (strcmp(name, "duration") == 0) {
		if (get_duration(c, v, name, &s->duration) != 0)
			return -1;
		if (s->duration == 0 || s->duration > SCENARIO_MAX_DURATION)
			return fail(c, line_of(v), "duration: must be more "
			    "than 0 and at most 24h");
	} else if (strcmp(name, "startup_timeout") == 0) {
		return get_positive_duration(c, v, name, &s->startup_timeout);
	} else if (strcmp(name, "plc") == 0) {
		return each_pair(c, v, "plc", plc_pair, NULL);
	} else if (strcmp(name, "client") == 0) {
		return each_pair(c, v, "client", client_pair, NULL);
	} else if (strcmp(name, "timeline") == 0) {
		return list_items(c, v, name, SCENARIO_MAX_ACTIONS,
		    sizeof *s->actions, (void **)&s->actions, &s->nactions,
		    parse_action);
	} else if (strcmp(name, "expectations") == 0) {
		return list_items(c, v, name, SCENARIO_MAX_EXPECTS,
		    sizeof *s->expects, (void **)&s->expects, &s->nexpects,
		    parse_expect);
	} else
		return unknown_key(c, k, "scenario", top_keys,
		    NELEM(top_keys));
	return 0;
}

/* ---- pass 3: the whole file ---- */

/* 1 when two actions of one class do the same thing. */
static int
actions_agree(const struct scenario_action *a, const struct scenario_action *b)
{
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case ACTION_ECHO_DELAY:
		return a->delay == b->delay && a->jitter == b->jitter &&
		    a->distribution == b->distribution;
	case ACTION_PLC_CYCLE:
		return a->cycle == b->cycle;
	case ACTION_ACCEPT_DELAY:
		return a->delay == b->delay;
	case ACTION_ECHO_SPLIT:
		return a->pieces == b->pieces && a->gap == b->gap;
	case ACTION_ECHO_SHORT:
		return a->bytes == b->bytes;
	case ACTION_BIT0_FORCE:
		return a->value == b->value;
	case ACTION_CORRUPT:
		return memcmp(a->mask, b->mask, sizeof a->mask) == 0;
	default:
		return 1;
	}
}

static int
occ_overlap(const struct scenario_occurrence *x,
    const struct scenario_occurrence *y)
{
	if (x->start == y->start)
		return 1;
	if (x->start < y->start)
		return y->start < x->end;
	return x->start < y->end;
}

/*
 * Two link drops at the same time, or overlapping windows of one class that
 * do different things (bit 0 forced to 0 and to 1, two task cycles, an echo
 * both split and shortened), cannot both happen.
 */
static int
check_contradictions(struct ctx *c)
{
	struct scenario *s = c->s;
	struct scenario_occurrence *occ;
	size_t n, i, j;
	tc_us_t max_end = 0;
	char t1[32];
	int rc = 0;
	enum action_class cl;

	if (scenario_occurrences(s, &occ, &n) != 0)
		return fail(c, 0, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		cl = action_defs[occ[i].a->kind].class;
		if (cl == CLASS_NONE)
			continue;
		if (i > 0 && occ[i - 1].start < occ[i].start &&
		    max_end <= occ[i].start) {
			if (occ[i].end > max_end)
				max_end = occ[i].end;
			continue;	/* nothing before i is still active */
		}
		for (j = i; j-- > 0;) {
			const struct scenario_action *a = occ[j].a,
			    *b = occ[i].a;

			if (action_defs[a->kind].class != cl ||
			    !occ_overlap(&occ[j], &occ[i]))
				continue;
			if (cl == CLASS_DROP && occ[j].start == occ[i].start) {
				rc = fail(c, b->line, "%s at %s contradicts %s "
				    "(line %d): two link drops at the same "
				    "time", action_defs[b->kind].name,
				    dur(occ[i].start, t1, sizeof t1),
				    action_defs[a->kind].name, a->line);
				break;
			}
			if (cl != CLASS_DROP && !actions_agree(a, b)) {
				rc = fail(c, b->line, "%s at %s contradicts %s "
				    "(line %d), still in effect then",
				    action_defs[b->kind].name,
				    dur(occ[i].start, t1, sizeof t1),
				    action_defs[a->kind].name, a->line);
				break;
			}
		}
		if (occ[i].end > max_end)
			max_end = occ[i].end;
	}
	scenario_occurrences_free(occ);
	return rc;
}

/*
 * A client_restart while a client_pause holds the client would start it
 * again running, ending the pause early: the watchdog the pause was to
 * fire would not, and the client would be blamed. When either is started
 * by an event, nothing tells when it comes: refused with any of the other.
 * (Timed ones are refused only when they overlap: check_contradictions.)
 */
static int
check_triggered_client(struct ctx *c, const struct scenario_action *a)
{
	const struct scenario *s = c->s;
	const struct scenario_action *b;
	size_t j;

	for (j = 0; j < s->nactions; j++) {
		b = &s->actions[j];
		if (action_defs[b->kind].class != CLASS_CLIENT ||
		    b->kind == a->kind)
			continue;
		if (a->kind == ACTION_CLIENT_RESTART)
			return fail(c, a->line, "client_restart started by an "
			    "event may come while client_pause (line %d) "
			    "holds the client: the restarted client would "
			    "run inside the pause", b->line);
		return fail(c, a->line, "client_pause started by an event may "
		    "hold the client when client_restart (line %d) comes: "
		    "the restarted client would run inside the pause",
		    b->line);
	}
	return 0;
}

/*
 * An action started by an event may come at any time: it must agree with
 * every other action of its family (a drop may come at any time anyway;
 * the client's pause and restart: check_triggered_client).
 */
static int
check_triggered(struct ctx *c)
{
	const struct scenario *s = c->s;
	const struct scenario_action *a, *b;
	enum action_class cl;
	size_t i, j;

	for (i = 0; i < s->nactions; i++) {
		a = &s->actions[i];
		cl = action_defs[a->kind].class;
		if (a->on.event != EVENT_NONE && cl == CLASS_CLIENT) {
			if (check_triggered_client(c, a) != 0)
				return -1;
			continue;
		}
		if (a->on.event == EVENT_NONE || cl == CLASS_NONE ||
		    cl == CLASS_DROP)
			continue;
		for (j = 0; j < s->nactions; j++) {
			b = &s->actions[j];
			if (j == i || action_defs[b->kind].class != cl ||
			    actions_agree(a, b))
				continue;
			return fail(c, a->line, "%s started by an event may "
			    "come while %s (line %d) is in effect: they "
			    "contradict", action_defs[a->kind].name,
			    action_defs[b->kind].name, b->line);
		}
	}
	return 0;
}

/* Resolves defaults of one action and checks it against the whole file. */
static int
finish_action(struct ctx *c, struct scenario_action *a, size_t *total)
{
	const struct scenario *s = c->s;
	const char *name = action_defs[a->kind].name;
	size_t nbytes = (size_t)s->plc.length / 8, i;
	tc_us_t last, end, n;
	char t1[32], t2[32];

	if (a->on.event != EVENT_NONE) {
		/* Started by an event: its window is clipped at the end of
		 * the scenario when it comes late; only what can never fit
		 * is refused. */
		if (a->on.after >= s->duration)
			return fail(c, a->on.line, "%s: when.after %s is not "
			    "before the end of the scenario (duration %s)",
			    name, dur(a->on.after, t1, sizeof t1),
			    dur(s->duration, t2, sizeof t2));
		if (a->span == (tc_us_t)-1)
			a->span = s->duration;
		else if (a->span == (tc_us_t)-2)
			a->span = s->plc.relisten;
		else if (a->span > s->duration)
			return fail(c, a->line, "%s: for %s is longer than the "
			    "scenario (duration %s)", name,
			    dur(a->span, t1, sizeof t1),
			    dur(s->duration, t2, sizeof t2));
		goto parameters;
	}
	if (a->at >= s->duration)
		return fail(c, a->line, "%s: at %s is not before the end of "
		    "the scenario (duration %s)", name,
		    dur(a->at, t1, sizeof t1), dur(s->duration, t2, sizeof t2));
	if (a->span == (tc_us_t)-1)
		a->span = s->duration - a->at;
	else if (a->span == (tc_us_t)-2)
		a->span = s->plc.relisten;
	if (a->every != 0 && a->span > a->every)
		return fail(c, a->line, "%s: for %s is longer than every %s: "
		    "the occurrences would overlap", name,
		    dur(a->span, t1, sizeof t1), dur(a->every, t2, sizeof t2));
	if (a->count == 0) {	/* every, until the end */
		end = a->at + a->span;
		if (end > s->duration)
			n = 1;
		else if (a->span > 0)
			n = (s->duration - end) / a->every + 1;
		else
			n = (s->duration - 1 - a->at) / a->every + 1;
		a->count = (uint32_t)(n > MAX_COUNT ? MAX_COUNT + 1 : n);
	}
	if (a->count > MAX_COUNT ||
	    (*total += a->count) > SCENARIO_MAX_OCCURRENCES)
		return fail(c, a->line, "%s: too many occurrences (at most %d "
		    "in a scenario)", name, SCENARIO_MAX_OCCURRENCES);
	last = scenario_action_start(a, a->count - 1);
	if (last >= s->duration)
		return fail(c, a->line, "%s: occurrence %u at %s is not before "
		    "the end of the scenario (duration %s)", name, a->count,
		    dur(last, t1, sizeof t1), dur(s->duration, t2, sizeof t2));
	if (last + a->span > s->duration)
		return fail(c, a->line, "%s: lasts until %s, past the end of "
		    "the scenario (duration %s)", name,
		    dur(last + a->span, t1, sizeof t1),
		    dur(s->duration, t2, sizeof t2));
parameters:
	switch (a->kind) {
	case ACTION_ECHO_SPLIT:
		if (a->pieces > nbytes)
			return fail(c, a->line, "echo_split: cannot split a "
			    "%zu-byte echo into %u pieces", nbytes, a->pieces);
		break;
	case ACTION_ECHO_SHORT:
		if (nbytes < 2)
			return fail(c, a->line, "echo_short: a 1-byte echo "
			    "cannot be shortened (plc.length is 8)");
		if (a->bytes == 0)
			a->bytes = (uint32_t)nbytes / 2;
		if (a->bytes >= nbytes)
			return fail(c, a->line, "echo_short: bytes %u is not "
			    "shorter than the %zu-byte echo", a->bytes, nbytes);
		break;
	case ACTION_CORRUPT:
		for (i = 0; i < WIRE_MAX_BYTES - nbytes; i++)
			if (a->mask[i] != 0)
				return fail(c, a->line, "corrupt: mask is "
				    "wider than the %d-bit frame",
				    s->plc.length);
		for (i = 0; i < nbytes; i++)
			if (a->mask[WIRE_MAX_BYTES - nbytes + i] != 0)
				break;
		if (i == nbytes)
			return fail(c, a->line, "corrupt: a mask of 0 changes "
			    "nothing");
		memmove(a->mask, a->mask + WIRE_MAX_BYTES - nbytes, nbytes);
		memset(a->mask + nbytes, 0, WIRE_MAX_BYTES - nbytes);
		break;
	default:
		break;
	}
	return 0;
}

/* An expectation that a silent life bit fails whatever it says. */
static int
needs_edges(const struct scenario *s, const struct scenario_expect *e)
{
	return e->kind == EXPECT_LIFE_BIT_PERIOD ||
	    e->kind == EXPECT_LIFE_BIT_DUTY ||
	    (e->kind == EXPECT_LIFE_BIT_MAX_GAP && e->max_gap < s->duration);
}

static int
check_expects(struct ctx *c)
{
	const struct scenario *s = c->s;
	const struct scenario_expect *e, *f;
	size_t i, j;
	int drops = 0;
	char t1[32], t2[32];

	for (i = 0; i < s->nactions; i++)
		drops |= scenario_action_is_drop(s->actions[i].kind);
	for (i = 0; i < s->nexpects; i++) {
		e = &s->expects[i];
		switch (e->kind) {
		case EXPECT_LIFE_BIT_PERIOD:
		case EXPECT_SEND_DRIFT:
		case EXPECT_NO_BURST:
		case EXPECT_SEND_CYCLE:	/* its period may be left out: 0 */
			if (e->period != 0 && s->duration / 2 < e->period)
				return fail(c, e->line, "%s: a %s scenario is "
				    "shorter than two periods of %s: it can "
				    "never be judged",
				    expect_defs[e->kind].name,
				    dur(s->duration, t1, sizeof t1),
				    dur(e->period, t2, sizeof t2));
			break;
		case EXPECT_WATCHDOG_FIRES:
			if (s->plc.watchdog == 0)
				return fail(c, e->line, "watchdog_fires: "
				    "plc.watchdog is off, so it can never be "
				    "judged");
			for (j = 0; j < s->nactions; j++)
				if (s->actions[j].kind == ACTION_CLIENT_PAUSE &&
				    s->actions[j].span > s->plc.watchdog)
					break;
			if (j == s->nactions)
				return fail(c, e->line, "watchdog_fires: no "
				    "client_pause lasts longer than plc.watchdog "
				    "%s, so it need never fire",
				    dur(s->plc.watchdog, t1, sizeof t1));
			break;
		case EXPECT_WATCHDOG_QUIET:
			if (s->plc.watchdog == 0)
				return fail(c, e->line, "watchdog_quiet: "
				    "plc.watchdog is off, so it can never be "
				    "judged");
			break;
		case EXPECT_RECONNECT:
			if (!drops)
				return fail(c, e->line, "reconnect: the "
				    "timeline drops no link, so it can never "
				    "be judged");
			break;
		case EXPECT_STARTUP:
			if (e->within > s->startup_timeout)
				return fail(c, e->line, "startup: within %s is "
				    "longer than startup_timeout %s, which "
				    "ends the run first",
				    dur(e->within, t1, sizeof t1),
				    dur(s->startup_timeout, t2, sizeof t2));
			break;
		case EXPECT_COUNTER:
			if (!s->client.stats)
				return fail(c, e->line, "counter: the client "
				    "writes no stats file (set client.stats: "
				    "true), so it can never be judged");
			break;
		default:
			break;
		}
		for (j = 0; j < i; j++) {
			f = &s->expects[j];
			if ((needs_edges(s, e) &&
			    f->kind == EXPECT_LIFE_BIT_SILENT) ||
			    (e->kind == EXPECT_LIFE_BIT_SILENT &&
			    needs_edges(s, f)))
				return fail(c, e->line, "%s contradicts %s "
				    "(line %d): they can never both pass",
				    expect_defs[e->kind].name,
				    expect_defs[f->kind].name, f->line);
			if (e->kind == EXPECT_EXIT_CODE &&
			    f->kind == EXPECT_EXIT_CODE &&
			    e->equals != f->equals)
				return fail(c, e->line, "exit_code %lld "
				    "contradicts exit_code %lld (line %d)",
				    (long long)e->equals, (long long)f->equals,
				    f->line);
		}
	}
	return 0;
}

static int
finish(struct ctx *c, yaml_node_t *root, unsigned seen)
{
	struct scenario *s = c->s;
	size_t i, total = 0;

	if (!(seen & 1u))
		return fail(c, line_of(root), "missing key 'name'");
	if (!(seen & (1u << 3)))
		return fail(c, line_of(root), "missing key 'duration'");
	if (s->plc.relisten == (tc_us_t)-1)
		s->plc.relisten = DEFAULT_RELISTEN_CYCLES * s->plc.cycle;
	if (s->description == NULL && (s->description = strdup("")) == NULL)
		return fail(c, 0, "out of memory");
	for (i = 0; i < s->nactions; i++)
		if (finish_action(c, &s->actions[i], &total) != 0)
			return -1;
	if (check_contradictions(c) != 0 || check_triggered(c) != 0)
		return -1;
	return check_expects(c);
}

/* ---- entry points ---- */

struct scenario *
scenario_parse(const char *text, size_t len, const char *name, char *err,
    size_t errlen)
{
	struct ctx c;
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root;
	struct scenario *s;
	unsigned seen = 0;
	int rc;

	memset(&c, 0, sizeof c);
	c.file = name != NULL ? name : "<scenario>";
	c.err = err;
	c.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if (len > SCENARIO_MAX_FILE) {
		fail(&c, 0, "file too large (at most %d bytes)",
		    SCENARIO_MAX_FILE);
		return NULL;
	}
	if (scan_events(&c, text, len) != 0)
		return NULL;
	if ((s = calloc(1, sizeof *s)) == NULL) {
		fail(&c, 0, "out of memory");
		return NULL;
	}
	s->seed = DEFAULT_SEED;
	s->startup_timeout = DEFAULT_STARTUP;
	s->plc.cycle = DEFAULT_CYCLE;
	s->plc.length = DEFAULT_LENGTH;
	s->plc.max_clients = DEFAULT_MAX_CLIENTS;
	s->plc.relisten = (tc_us_t)-1;	/* set in finish() */
	s->plc.recv_timeout = DEFAULT_RECV_TIMEOUT;
	c.s = s;
	if ((s->file = strdup(c.file)) == NULL) {
		fail(&c, 0, "out of memory");
		scenario_free(s);
		return NULL;
	}
	if (!yaml_parser_initialize(&p)) {
		fail(&c, 0, "out of memory");
		scenario_free(s);
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		fail(&c, (int)p.problem_mark.line + 1, "YAML error: %s",
		    p.problem ? p.problem : "unknown");
		yaml_parser_delete(&p);
		scenario_free(s);
		return NULL;
	}
	c.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL)
		rc = fail(&c, 0, "empty file: a scenario needs at least name "
		    "and duration");
	else if (root->type != YAML_MAPPING_NODE)
		rc = fail(&c, line_of(root), "expected a mapping of keys "
		    "(name:, duration:, ...), got %s", node_type_name(root));
	else if ((rc = each_pair(&c, root, "scenario", top_pair, &seen)) == 0)
		rc = finish(&c, root, seen);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	if (rc != 0) {
		scenario_free(s);
		return NULL;
	}
	return s;
}

struct scenario *
scenario_load(const char *path, char *err, size_t errlen)
{
	FILE *f;
	char *buf;
	size_t n;
	struct scenario *s;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(SCENARIO_MAX_FILE + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	n = fread(buf, 1, SCENARIO_MAX_FILE + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	s = scenario_parse(buf, n, path, err, errlen);
	/* The record of what was played: exactly these bytes. */
	if (s != NULL && digest_sha256_hex(buf, n, s->sha256) != 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		scenario_free(s);
		s = NULL;
	}
	free(buf);
	return s;
}

static void
free_strings(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i <= n; i++)
		free(v[i]);
	free(v);
}

void
scenario_free(struct scenario *s)
{
	if (s == NULL)
		return;
	free(s->file);
	free(s->name);
	free(s->description);
	free_strings(s->client.args, s->client.nargs);
	free_strings(s->client.env, s->client.nenv);
	free(s->actions);
	free(s->expects);
	free(s);
}

const char *
scenario_library_version(void)
{
	return yaml_get_version_string();
}
