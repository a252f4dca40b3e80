/* plc: the TwinCAT server model; see plc.h. */
#include <stdlib.h>
#include <string.h>

#include "plc.h"

struct plc {
	struct plc_config cfg;
	enum plc_state	  state;
	tc_us_t		  grid;		/* a task-cycle boundary */
	tc_us_t		  ran;		/* the last boundary whose task ran */
	uint64_t	  ticks;	/* tasks run */
	uint64_t	  skipped;	/* boundaries passed without their task */
	struct hist	  late;		/* task start minus its boundary, us */
	tc_us_t		  stall_max;	/* task start minus the first boundary
					   it missed, the longest */
	unsigned	  epoch;	/* grids so far: cycle changes */
	tc_us_t		  relisten_at;
	unsigned	  active;
	unsigned	  next_id;
};

struct plc_station {
	struct plc		*plc;
	unsigned		 id;
	enum plc_station_state	 state;
	tc_us_t			 last_rx;
	struct plc_station_stats stats;
	size_t			 head;	/* input waiting: in[head..tail) */
	size_t			 tail;
	/*
	 * in[held..tail) came after the last boundary: only the task of
	 * boundary held_for (on grid held_epoch) or a later one takes it,
	 * however late the task before it runs. held_for 0: none held.
	 */
	size_t			 held;
	tc_us_t			 held_for;
	unsigned		 held_epoch;
	uint8_t			 frame[WIRE_MAX_BYTES];
	uint8_t			 in[PLC_INPUT_MAX];
};

static const char *const plc_state_names[PLC_STATE_MAX] = {
	"listen", "restart"
};

struct plc *
plc_new(const struct plc_config *cfg, tc_us_t now)
{
	struct plc *plc;

	if (cfg->frame_len == 0 || cfg->frame_len > WIRE_MAX_BYTES)
		return NULL;
	if ((plc = calloc(1, sizeof *plc)) == NULL)
		return NULL;
	plc->cfg = *cfg;
	if (plc->cfg.max_clients == 0)
		plc->cfg.max_clients = 1;
	plc->state = PLC_LISTEN;
	plc->grid = now;
	plc->ran = now;
	plc->next_id = 1;
	return plc;
}

void
plc_free(struct plc *plc)
{
	free(plc);
}

enum plc_state
plc_state(const struct plc *plc)
{
	return plc->state;
}

const char *
plc_state_name(enum plc_state state)
{
	return state < PLC_STATE_MAX ? plc_state_names[state] : "?";
}

const struct plc_config *
plc_config(const struct plc *plc)
{
	return &plc->cfg;
}

unsigned
plc_active(const struct plc *plc)
{
	return plc->active;
}

int
plc_accepting(const struct plc *plc)
{
	return plc->state == PLC_LISTEN && plc->active < plc->cfg.max_clients;
}

tc_us_t
plc_next_cycle(const struct plc *plc, tc_us_t now)
{
	tc_us_t c = plc->cfg.cycle_us;

	if (c == 0)
		return 0;
	if (now < plc->grid)
		return plc->grid;
	return plc->grid + ((now - plc->grid) / c + 1) * c;
}

void
plc_set_cycle(struct plc *plc, tc_us_t cycle_us, tc_us_t now)
{
	plc->cfg.cycle_us = cycle_us;
	plc->grid = now;
	plc->ran = now;
	plc->epoch++;
}

tc_us_t
plc_cycle_boundary(const struct plc *plc, tc_us_t now)
{
	tc_us_t c = plc->cfg.cycle_us;

	if (c == 0 || now < plc->grid + c)
		return 0;
	return plc->grid + (now - plc->grid) / c * c;
}

int
plc_cycle_due(struct plc *plc, tc_us_t now)
{
	tc_us_t boundary = plc_cycle_boundary(plc, now);

	if (boundary == 0 || boundary <= plc->ran)
		return 0;
	plc->skipped += (boundary - plc->ran) / plc->cfg.cycle_us - 1;
	if (now - (plc->ran + plc->cfg.cycle_us) > plc->stall_max)
		plc->stall_max = now - (plc->ran + plc->cfg.cycle_us);
	plc->ticks++;
	hist_add(&plc->late, now - boundary);
	plc->ran = boundary;
	return 1;
}

void
plc_cycle_stats(const struct plc *plc, struct plc_cycle_stats *out)
{
	memset(out, 0, sizeof *out);
	out->cycle_us = plc->cfg.cycle_us;
	out->ticks = plc->ticks;
	out->skipped = plc->skipped;
	out->late_p50_us = hist_quantile(&plc->late, 0.5);
	out->late_p99_us = hist_quantile(&plc->late, 0.99);
	out->late_max_us = plc->late.max;
	out->stall_max_us = plc->stall_max;
}

void
plc_restart(struct plc *plc, tc_us_t now, tc_us_t window)
{
	tc_us_t until = now + window;

	if (plc->state != PLC_RESTART || until > plc->relisten_at)
		plc->relisten_at = until;
	plc->state = PLC_RESTART;
}

tc_us_t
plc_relisten_at(const struct plc *plc)
{
	return plc->relisten_at;
}

int
plc_poll(struct plc *plc, tc_us_t now)
{
	if (plc->state != PLC_RESTART || now < plc->relisten_at)
		return 0;
	plc->state = PLC_LISTEN;
	return 1;
}

struct plc_station *
plc_attach(struct plc *plc, tc_us_t now)
{
	struct plc_station *st;

	if (!plc_accepting(plc))
		return NULL;
	/* Only the fields up to the buffers need clearing. */
	if ((st = malloc(sizeof *st)) == NULL)
		return NULL;
	memset(st, 0, offsetof(struct plc_station, in));
	st->plc = plc;
	st->id = plc->next_id++;
	st->state = PLC_ST_RECEIVE;
	st->last_rx = now;
	plc->active++;
	return st;
}

void
plc_detach(struct plc *plc, struct plc_station *st)
{
	if (st == NULL)
		return;
	if (plc->active > 0)
		plc->active--;
	free(st);
}

unsigned
plc_station_id(const struct plc_station *st)
{
	return st->id;
}

enum plc_station_state
plc_station_state(const struct plc_station *st)
{
	return st->state;
}

const struct plc_station_stats *
plc_station_stats(const struct plc_station *st)
{
	return &st->stats;
}

size_t
plc_station_room(const struct plc_station *st)
{
	return PLC_INPUT_MAX - (st->tail - st->head);
}

size_t
plc_station_pending(const struct plc_station *st)
{
	return st->tail - st->head;
}

/*
 * Releases what is held once every task yet to run may take it: its
 * boundary has come (any task from now on serves it or a later one), or
 * the grid it was timed on is gone (a task of the new grid serves a
 * boundary after the change, so after the input).
 */
static void
station_release(struct plc_station *st, tc_us_t now)
{
	if (st->held_for != 0 && (st->held_epoch != st->plc->epoch ||
	    st->held_for <= now))
		st->held_for = 0;
}

size_t
plc_station_input(struct plc_station *st, const uint8_t *data, size_t len,
    tc_us_t now)
{
	const struct plc *plc = st->plc;
	size_t room = plc_station_room(st);
	tc_us_t c = plc->cfg.cycle_us;

	if (len > room)
		len = room;
	if (len == 0)
		return 0;
	station_release(st, now);
	if (st->tail + len > PLC_INPUT_MAX) {
		memmove(st->in, st->in + st->head, st->tail - st->head);
		st->tail -= st->head;
		if (st->held_for != 0)
			st->held -= st->head;
		st->head = 0;
	}
	/* Between two boundaries: not for the task of the one just past. */
	if (st->held_for == 0 && c != 0 && now > plc->grid &&
	    (now - plc->grid) % c != 0) {
		st->held = st->tail;
		st->held_for = plc_next_cycle(plc, now);
		st->held_epoch = plc->epoch;
	}
	memcpy(st->in + st->tail, data, len);
	st->tail += len;
	st->last_rx = now;
	return len;
}

unsigned
plc_station_step(struct plc_station *st, tc_us_t now, struct plc_step *step)
{
	size_t len = st->plc->cfg.frame_len, n;

	memset(step, 0, sizeof *step);
	step->frame = st->frame;
	step->len = len;
	switch (st->state) {
	case PLC_ST_RECEIVE:
		/* A late task takes only what came before its boundary. */
		if (st->held_for != 0 && st->held_epoch == st->plc->epoch &&
		    plc_cycle_boundary(st->plc, now) < st->held_for)
			n = st->held - st->head;
		else {
			st->held_for = 0;
			n = st->tail - st->head;
		}
		if (n == 0)
			return 0;
		if (n > len)
			n = len;
		/* New bytes over the front; the rest stays from before. */
		memcpy(st->frame, st->in + st->head, n);
		st->head += n;
		if (st->head == st->tail)
			st->head = st->tail = 0;
		st->stats.frames++;
		st->stats.bytes_in += n;
		step->flags = PLC_STEP_RECEIVED;
		if (n < len) {
			st->stats.short_reads++;
			step->flags |= PLC_STEP_SHORT;
		}
		step->taken = n;
		st->state = PLC_ST_SEND;
		return step->flags;
	case PLC_ST_SEND:
		st->stats.echoes++;
		st->stats.bytes_out += len;
		step->flags = PLC_STEP_SENT;
		st->state = PLC_ST_RECEIVE;
		return step->flags;
	default:
		return 0;
	}
}

int
plc_station_timed_out(const struct plc_station *st, tc_us_t now)
{
	tc_us_t t = st->plc->cfg.recv_timeout_us;

	return t != 0 && now >= st->last_rx && now - st->last_rx >= t;
}
