/*
 * tcpcom: the PLC life-bit link, as a library.
 *
 * A client connects to a PLC over TCP and, every send cycle, sends one frame
 * of `length_bits` bits (big-endian) and reads its echo. Bit 0 is the life
 * bit, flipped by a second thread every toggle cycle so that the PLC can see
 * that this program is alive. The link reconnects for ever after any error.
 *
 * Typical use (this is what the tcpcom program does):
 *
 *	struct tcpcom_config cfg;
 *	tcpcom_config_init(&cfg);
 *	... set cfg fields ...
 *	struct tcpcom *tc = tcpcom_new(&cfg, err, sizeof err);
 *	tcpcom_start(tc);
 *	while (!tcpcom_wait(tc, 1000000)) ... print stats ...
 *	tcpcom_join(tc);
 *	tcpcom_free(tc);
 *
 * Threads: tcpcom_start creates the sender and (mode 0) the toggler; they
 * block every signal, so signals reach the caller's threads. tcpcom_stop may
 * be called from any thread and from a signal handler.
 *
 * Logging: the threads log to stderr (connections, outages, mismatches)
 * but never wait for it: their lines go into a queue of 256 lines in
 * memory that they write out between frames, only as far as stderr takes
 * them without blocking (poll, then one write of at most a line). When
 * stderr takes nothing (a full pipe, a stalled journal) the frames keep
 * their cycle; lines that do not fit are dropped, and "N log lines
 * dropped" is said once there is room. tcpcom_join gives the last lines at
 * most 200 ms.
 */
#ifndef TCPCOM_H
#define TCPCOM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TCPCOM_HOST_MAX 256

enum tcpcom_payload {
	TCPCOM_PAYLOAD_RANDOM = 0,	/* new random bits 31..1 every frame */
	TCPCOM_PAYLOAD_COUNTER,		/* a sequence number in bits 31..1 */
	TCPCOM_PAYLOAD_FIXED		/* the same value every frame */
};

struct tcpcom_config {
	char	 server[TCPCOM_HOST_MAX];
	uint16_t port;
	unsigned length_bits;		/* 8..1024, a multiple of 8 */
	uint64_t send_cycle_us;
	uint64_t toggle_cycle_us;
	int	 mode;			/* 0: sender and toggler; 1: sender */
	int	 send_on_toggle;	/* send a frame at once on a flip */
	enum tcpcom_payload payload;
	uint8_t	 fixed[128];		/* big-endian, length_bits/8 bytes */
	uint64_t echo_timeout_us;
	uint64_t connect_timeout_us;
	uint64_t backoff_min_us;
	uint64_t backoff_max_us;
	uint64_t count;			/* stop after this many frames; 0: never */
	uint64_t seed;			/* random payload and jitter; 0: from time */
};

/* Counters, written once here and expanded wherever they are listed. */
#define TCPCOM_COUNTERS(X)						\
	X(frames_sent,        "frames written to the PLC")		\
	X(echoes_ok,          "echoes equal to their frame")		\
	X(mismatches,         "echoes that differed from their frame")	\
	X(echo_timeouts,      "echoes that did not come in time")	\
	X(protocol_errors,    "bytes nobody asked for")			\
	X(connects,           "links established")			\
	X(disconnects,        "links lost (not the close at a stop)")	\
	X(reconnect_attempts, "connection attempts after a loss")	\
	X(send_errors,        "writes that failed")			\
	X(skipped_cycles,     "send deadlines skipped (overrun, link down)")	\
	X(toggles,            "life-bit flips")				\
	X(echoes_abandoned,   "echoes not awaited: the stop came first")

struct tcpcom_stats {
#define TCPCOM_STATS_FIELD(name, doc) uint64_t name;
	TCPCOM_COUNTERS(TCPCOM_STATS_FIELD)
#undef TCPCOM_STATS_FIELD
	uint64_t link_down_us;		/* total, including a current outage */
	int	 link_up;
	uint64_t elapsed_us;		/* since tcpcom_start */
	uint64_t rtt_count;
	uint64_t rtt_min_us, rtt_p50_us, rtt_p99_us, rtt_max_us;
	uint64_t late_count;
	uint64_t late_p50_us, late_p99_us, late_max_us;
};

struct tcpcom;

/* Fills `cfg` with the original's defaults (192.168.17.100:5050, ...). */
void tcpcom_config_init(struct tcpcom_config *cfg);

/*
 * Checks `cfg` and resolves the server name. Returns a new client, which the
 * caller releases with tcpcom_free, or NULL with a message in `err`.
 */
struct tcpcom *tcpcom_new(const struct tcpcom_config *cfg, char *err,
    size_t errlen);

/* Starts the threads. Returns 0, or -1 with a message in `err`. */
int tcpcom_start(struct tcpcom *tc, char *err, size_t errlen);

/* Asks the threads to stop. Async-signal-safe; idempotent. */
void tcpcom_stop(struct tcpcom *tc);

/*
 * Waits up to `timeout_us` for the client to stop (by tcpcom_stop or by
 * reaching its frame count). Returns 1 when stopping, 0 on timeout.
 */
int tcpcom_wait(struct tcpcom *tc, uint64_t timeout_us);

/*
 * A descriptor that becomes readable once the client is stopping, for a
 * caller's own poll(2) loop (what tcpcom_wait waits for). Valid until
 * tcpcom_free; do not read, write or close it.
 */
int tcpcom_stop_fd(struct tcpcom *tc);

/*
 * Joins the threads and closes the link; after tcpcom_stop. A sender inside
 * a name lookup (getaddrinfo, which nothing interrupts and which may take
 * the resolver's whole timeout) is not waited for: it is detached, ends by
 * itself when the lookup returns, and keeps what it uses alive until then
 * (tcpcom_free leaves that to it), so the join takes milliseconds; a
 * program that loads the library with dlopen must then not unload it
 * before the lookup's timeout has passed. Then it waits at most 200 ms for
 * stderr to take the threads' last log lines; those it does not take stay
 * queued (for a later client's threads).
 */
void tcpcom_join(struct tcpcom *tc);

/* A consistent copy of the statistics; safe while the threads run. */
void tcpcom_get_stats(struct tcpcom *tc, struct tcpcom_stats *out);

/*
 * Writes the statistics as one JSON object to `path`, atomically (a
 * temporary file renamed over it). Returns 0 or -1 with errno set.
 */
int tcpcom_write_stats_json(const struct tcpcom_stats *st,
    const struct tcpcom_config *cfg, const char *path);

/*
 * The data bits: every bit of the word but bit 0, which stays the life bit.
 * tcpcom_set_data sets them to `len` big-endian bytes (1 to length_bits/8),
 * placed at the low end of the word, the bytes above zero; bit 0 of the
 * last byte is ignored. Every frame built from the next one on carries
 * them, whatever the payload setting; a frame being built during the call
 * carries the old or the new bits, never a mix. Safe from any thread,
 * before or after tcpcom_start, and from an echo callback. Returns 0, or -1
 * with errno EINVAL on a bad length (or NULL bytes).
 */
int tcpcom_set_data(struct tcpcom *tc, const uint8_t *bytes, size_t len);

#define TCPCOM_FRAME_MAX 128		/* bytes of the longest frame */

enum tcpcom_echo_status {
	TCPCOM_ECHO_NONE = 0,		/* no exchange yet */
	TCPCOM_ECHO_OK,			/* the echo equals the frame */
	TCPCOM_ECHO_MISMATCH,		/* an echo came, and it differs */
	TCPCOM_ECHO_TIMEOUT,		/* no echo within the echo timeout */
	TCPCOM_ECHO_ERROR		/* the link failed before or after the
					   echo (closed, reset, extra bytes) */
};

/* What happened to one frame. Times are CLOCK_MONOTONIC microseconds. */
struct tcpcom_echo {
	uint64_t seq;			/* frames sent since start; 1: first */
	int	 status;		/* enum tcpcom_echo_status */
	size_t	 len;			/* bytes in frame and echo */
	uint8_t	 frame[TCPCOM_FRAME_MAX];	/* as sent, big-endian */
	uint8_t	 echo[TCPCOM_FRAME_MAX];	/* as received; zero unless
						   OK or MISMATCH */
	uint64_t sent_us;		/* when the frame was written */
	uint64_t done_us;		/* when the echo came or was given up */
	uint64_t rtt_us;		/* done_us - sent_us */
};

/* Fills `out` with the last exchange: 1, or 0 before the first (zeroed). */
int tcpcom_last_echo(struct tcpcom *tc, struct tcpcom_echo *out);

typedef void (*tcpcom_echo_fn)(const struct tcpcom_echo *echo, void *arg);

/*
 * Registers `fn`, called with `arg` from the sender thread after every
 * exchange (status OK, MISMATCH, TIMEOUT or ERROR), before the next frame.
 * It runs on the link's time: it must not block or take long, or the next
 * frames leave late. It may call tcpcom_set_data, tcpcom_last_echo,
 * tcpcom_get_stats and tcpcom_stop, not tcpcom_join or tcpcom_free.
 * `*echo` is valid during the call only. Before tcpcom_start only: returns
 * 0, or -1 with errno EBUSY once started. NULL `fn` removes it.
 */
int tcpcom_on_echo(struct tcpcom *tc, tcpcom_echo_fn fn, void *arg);

/* Releases everything tcpcom_new made; after tcpcom_join. */
void tcpcom_free(struct tcpcom *tc);

const char *tcpcom_version(void);

#ifdef __cplusplus
}
#endif

#endif
