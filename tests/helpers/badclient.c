/*
 * badclient: a client of the PLC link with one deliberate defect, so that
 * the tests can show that the scenario harness FAILS a client that does not
 * survive a fault. A harness that passes everything proves nothing.
 *
 *   badclient --defect KIND --server HOST --port PORT [--stats-json FILE]
 *             [--send-cycle DUR] [--toggle-cycle DUR] [other tcpcom flags]
 *
 * KIND:
 *   no-reconnect     after the first link error it never connects again
 *                    (it stays alive, idle, as the original did);
 *   one-read         takes whatever one recv() returns as the echo and
 *                    dies on a short read;
 *   no-toggle        never flips bit 0;
 *   drift            sleeps relative to the end of each exchange, plus a
 *                    little work, so its cycle drifts long;
 *   original-drift   the original's drift, +0.236 % (+70.9 ms in 30 s at
 *                    100 ms, from its relative sleeps): each frame a
 *                    cycle and 0.236 % after the last one's deadline.
 *                    Kept on that stretched grid rather than made of
 *                    relative sleeps, whose drift grows with the load,
 *                    so that it is exactly the original's, the least
 *                    the library must catch;
 *   slow-start       waits 1.5 s after it starts before it connects (a
 *                    program that loads for a while): restarted, it is
 *                    back late;
 *   burst            after a stall (the process stopped, an echo late)
 *                    sends every frame it missed, back to back, instead
 *                    of skipping the missed cycles;
 *   ignore-mismatch  never compares the echo (reports 0 mismatches);
 *   freeze-after-reconnect
 *                    its life bit stops for good once the first link is
 *                    lost (it keeps sending, and reconnecting);
 *   edge-flood       holds bit 0 for 1.5 s (long enough for a watchdog),
 *                    then flips it on every frame, 70 000 times, frames
 *                    pipelined 256 at a time so that even a slow build
 *                    gets through them in well under a second, then
 *                    toggles normally: a long run's worth of edges after
 *                    an early failure.
 *   stop-high        toggles for 2 s, then holds bit 0 at 1 for good (it
 *                    keeps sending): a watchdog that only checks that
 *                    the bit is high never sees it stop;
 *   lopsided         high 30 % and low 70 % of each cycle of two toggle
 *                    cycles: edges 500 ms apart on average, but the time
 *                    high is 300 ms and the time low 700 ms;
 *   every-other-silent
 *                    on every second start (counted in the file given
 *                    with --state FILE, one byte appended per start) it
 *                    never flips bit 0; otherwise a good client: a client
 *                    that fails only sometimes.
 *
 * Every other defect keeps absolute deadlines and skips the cycles it
 * missed, as a correct client does, so that each shows one defect.
 * Single-threaded on purpose: the toggle is computed from the clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "parse.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct bad {
	const char *defect;
	const char *server;
	int	    port;
	const char *stats;
	tc_us_t	    send_cycle;
	tc_us_t	    toggle_cycle;
	const char *state;	/* every-other-silent: its start counter */
	int	    silent;	/* every-other-silent: this start never toggles */
	unsigned long frames, ok, mismatches, timeouts, connects;
};

static void
write_stats(const struct bad *b)
{
	char tmp[4200];
	FILE *f;

	if (b->stats == NULL)
		return;
	snprintf(tmp, sizeof tmp, "%s.tmp", b->stats);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "{\"frames_sent\": %lu, \"echoes_ok\": %lu, "
	    "\"mismatches\": %lu, \"echo_timeouts\": %lu, \"connects\": %lu}\n",
	    b->frames, b->ok, b->mismatches, b->timeouts, b->connects);
	fclose(f);
	rename(tmp, b->stats);
}

/*
 * every-other-silent: appends one byte to `path` and returns 1 on every
 * second start, 0 otherwise, -1 on error. The offset after an O_APPEND
 * write is where that byte went, whatever else appends at once: starts in
 * parallel are counted once each.
 */
static int
count_start(const char *path)
{
	off_t at;
	int fd;

	if (path == NULL) {
		fprintf(stderr, "badclient: every-other-silent needs "
		    "--state FILE\n");
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600)) < 0 ||
	    write(fd, "x", 1) != 1 || (at = lseek(fd, 0, SEEK_CUR)) < 0) {
		fprintf(stderr, "badclient: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return at % 2 == 0;
}

static int
connect_to(const struct bad *b)
{
	struct sockaddr_in sa;
	struct timeval tv = { 1, 0 };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)b->port);
	inet_pton(AF_INET, b->server, &sa.sin_addr);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
sleep_us(tc_us_t us)
{
	struct timespec ts = clock_us_to_timespec(us);

	while (!stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
sleep_until(tc_us_t deadline)
{
	tc_us_t now = clock_now_us();

	if (deadline > now)
		sleep_us(deadline - now);
}

/* Reads exactly 4 bytes, as a correct client does. */
static int
read_echo(int fd, uint8_t *echo, const struct bad *b)
{
	size_t have = 0;
	ssize_t n;

	if (strcmp(b->defect, "one-read") == 0) {
		n = recv(fd, echo, 4, 0);
		if (n > 0 && n < 4) {
			fprintf(stderr, "badclient: short echo of %zd bytes: "
			    "giving up\n", n);
			exit(1);
		}
		return n == 4 ? 0 : -1;
	}
	while (have < 4) {
		n = recv(fd, echo + have, 4 - have, 0);
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	return 0;
}

#define FLOOD_HOLD	(1500 * TC_US_PER_MS)
#define STOP_AFTER	(2 * TC_US_PER_SEC)
#define FLOOD_EDGES	70000

/* Bit 0 of the next frame, as the defect has it. */
static int
next_bit(struct bad *b, tc_us_t t0, int lost_link, int *frozen)
{
	tc_us_t now = clock_now_us();
	int bit = (int)(((now - t0) / b->toggle_cycle) & 1);

	if (strcmp(b->defect, "no-toggle") == 0 || b->silent)
		return 0;
	if (strcmp(b->defect, "stop-high") == 0 && now - t0 >= STOP_AFTER)
		return 1;
	if (strcmp(b->defect, "lopsided") == 0)
		return (now - t0) % (2 * b->toggle_cycle) <
		    b->toggle_cycle * 3 / 5;
	if (strcmp(b->defect, "freeze-after-reconnect") == 0) {
		if (lost_link && *frozen < 0)
			*frozen = bit;
		return *frozen >= 0 ? *frozen : bit;
	}
	/* edge-flood holds the bit still; its flood goes in batches. */
	if (strcmp(b->defect, "edge-flood") == 0 && now - t0 < FLOOD_HOLD)
		return 0;
	return bit;
}

#define FLOOD_BATCH	256
/* The original's drift, in millionths of a cycle. */
#define ORIGINAL_DRIFT_PPM	2363

/* The next deadline after `next`; missed cycles are skipped unless the
 * defect is to send them all at once. */
static tc_us_t
next_deadline(const struct bad *b, tc_us_t next)
{
	tc_us_t now = clock_now_us(), cycle = b->send_cycle;

	if (strcmp(b->defect, "original-drift") == 0)
		cycle += (cycle * ORIGINAL_DRIFT_PPM + 500000) / 1000000;
	next += cycle;
	if (strcmp(b->defect, "burst") != 0 && next < now)
		next += (now - next + cycle - 1) / cycle * cycle;
	return next;
}

/* Sends the next batch of the flood, each frame flipping bit 0, and reads
 * its echoes back. -1 when the link failed. */
static int
flood_batch(struct bad *b, int fd, int *flood_left)
{
	uint8_t buf[4 * FLOOD_BATCH];
	size_t n = *flood_left < FLOOD_BATCH ? (size_t)*flood_left :
	    FLOOD_BATCH, i, done;
	ssize_t r;

	for (i = 0; i < n; i++) {
		uint32_t word = ((uint32_t)rand() << 1) |
		    (uint32_t)((*flood_left)-- & 1);
		buf[4 * i] = (uint8_t)(word >> 24);
		buf[4 * i + 1] = (uint8_t)(word >> 16);
		buf[4 * i + 2] = (uint8_t)(word >> 8);
		buf[4 * i + 3] = (uint8_t)word;
	}
	for (done = 0; done < 4 * n; done += (size_t)r)
		if ((r = send(fd, buf + done, 4 * n - done, MSG_NOSIGNAL)) <= 0)
			return -1;
	for (done = 0; done < 4 * n; done += (size_t)r)
		if ((r = recv(fd, buf + done, 4 * n - done, 0)) <= 0)
			return -1;
	b->frames += n;
	b->ok += n;
	return 0;
}

static void
run(struct bad *b)
{
	tc_us_t t0 = clock_now_us(), next = t0;
	uint8_t frame[4], echo[4];
	uint32_t word;
	int fd = -1, bit, ever = 0, lost = 0, frozen = -1;
	int flood_left = FLOOD_EDGES;

	while (!stop) {
		if (fd < 0) {
			if (ever && strcmp(b->defect, "no-reconnect") == 0) {
				sleep_us(100 * TC_US_PER_MS);
				continue;
			}
			fd = connect_to(b);
			if (fd < 0) {
				sleep_us(100 * TC_US_PER_MS);
				continue;
			}
			ever = 1;
			b->connects++;
		}
		if (strcmp(b->defect, "edge-flood") == 0 && flood_left > 0 &&
		    clock_now_us() - t0 >= FLOOD_HOLD) {
			if (flood_batch(b, fd, &flood_left) != 0) {
				close(fd);
				fd = -1;
				lost = 1;
			}
			next = clock_now_us();
			continue;
		}
		bit = next_bit(b, t0, lost, &frozen);
		word = ((uint32_t)rand() << 1) | (uint32_t)bit;
		frame[0] = (uint8_t)(word >> 24);
		frame[1] = (uint8_t)(word >> 16);
		frame[2] = (uint8_t)(word >> 8);
		frame[3] = (uint8_t)word;
		if (send(fd, frame, 4, MSG_NOSIGNAL) != 4 ||
		    read_echo(fd, echo, b) != 0) {
			close(fd);
			fd = -1;
			b->timeouts++;
			lost = 1;
			continue;
		}
		b->frames++;
		if (strcmp(b->defect, "ignore-mismatch") == 0 ||
		    memcmp(frame, echo, 4) == 0)
			b->ok++;
		else
			b->mismatches++;
		write_stats(b);
		if (strcmp(b->defect, "drift") == 0) {
			/* Relative sleep after some "work": late every cycle. */
			sleep_us(3 * TC_US_PER_MS);
			sleep_us(b->send_cycle);
		} else {
			next = next_deadline(b, next);
			sleep_until(next);
		}
	}
	if (fd >= 0)
		close(fd);
}

int
main(int argc, char **argv)
{
	struct bad b;
	char err[200];
	int i;

	memset(&b, 0, sizeof b);
	b.defect = "";
	b.server = "127.0.0.1";
	b.port = 5050;
	b.send_cycle = 100 * TC_US_PER_MS;
	b.toggle_cycle = 500 * TC_US_PER_MS;
	for (i = 1; i + 1 < argc; i++) {
		const char *k = argv[i], *v = argv[i + 1];
		if (strcmp(k, "--defect") == 0)
			b.defect = v;
		else if (strcmp(k, "--server") == 0)
			b.server = v;
		else if (strcmp(k, "--port") == 0)
			b.port = atoi(v);
		else if (strcmp(k, "--stats-json") == 0)
			b.stats = v;
		else if (strcmp(k, "--state") == 0)
			b.state = v;
		else if (strcmp(k, "--send-cycle") == 0 &&
		    parse_duration(v, &b.send_cycle, err, sizeof err) != 0)
			return 2;
		else if (strcmp(k, "--toggle-cycle") == 0 &&
		    parse_duration(v, &b.toggle_cycle, err, sizeof err) != 0)
			return 2;
		else
			continue;
		i++;
	}
	if (strcmp(b.defect, "no-reconnect") && strcmp(b.defect, "one-read") &&
	    strcmp(b.defect, "no-toggle") && strcmp(b.defect, "drift") &&
	    strcmp(b.defect, "ignore-mismatch") &&
	    strcmp(b.defect, "freeze-after-reconnect") &&
	    strcmp(b.defect, "edge-flood") &&
	    strcmp(b.defect, "original-drift") && strcmp(b.defect, "burst") &&
	    strcmp(b.defect, "stop-high") && strcmp(b.defect, "lopsided") &&
	    strcmp(b.defect, "every-other-silent") &&
	    strcmp(b.defect, "slow-start")) {
		fprintf(stderr, "badclient: --defect no-reconnect|one-read|"
		    "no-toggle|drift|original-drift|ignore-mismatch|"
		    "freeze-after-reconnect|edge-flood|burst|stop-high|"
		    "lopsided|every-other-silent|slow-start\n");
		return 2;
	}
	if (strcmp(b.defect, "every-other-silent") == 0 &&
	    (b.silent = count_start(b.state)) < 0)
		return 2;
	if (b.send_cycle == 0 || b.toggle_cycle == 0)
		return 2;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	srand(1);
	if (strcmp(b.defect, "slow-start") == 0)
		sleep_us(1500 * TC_US_PER_MS);
	run(&b);
	write_stats(&b);
	return 0;
}
