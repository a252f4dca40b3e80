/*
 * child: the client command a scenario run starts, in its own process
 * group, with its standard output and error captured (the newest
 * CHILD_OUTPUT_MAX bytes are kept), stopped with SIGTERM and, after a grace
 * period, SIGKILL sent to the whole group.
 *
 * The group is the client: it is signalled even after its leader exited
 * (a shell that left a job behind), until no process of it is left. On
 * Linux the caller becomes a subreaper, so that what the client leaves
 * behind is reaped here and its end seen at once.
 *
 * The loop learns of the leader's end through SIGCHLD; child_poll reaps it.
 */
#ifndef PLCSIM_CHILD_H
#define PLCSIM_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include "loop.h"

#define CHILD_OUTPUT_MAX (64 * 1024)

struct child;

/*
 * Starts argv[0] (looked up in PATH) with `env` ("NAME=VALUE", NULL-ended)
 * added to the environment. NULL and a message in err when it cannot be
 * started (fork or pipe failure); a command that does not exist starts and
 * exits with status 127, as a shell's would. Returns once the child has
 * called exec (or ended), so that whatever signals its group from then on
 * signals the command.
 */
struct child *child_start(struct sim_loop *loop, char *const argv[],
    char *const env[], char *err, size_t errlen);
/*
 * Kills (SIGKILL) what is left of the group, reaps it (waiting up to a
 * second for it to be gone), frees everything.
 */
void child_free(struct child *c);

/* Reaps the child if it ended: 1 ended (status filled), 0 running. */
int child_poll(struct child *c);
/* Exit code, or 128 + signal number when a signal ended it. */
int child_status(const struct child *c);
/* Sends `sig` to the child's process group while any of it is left. */
void child_signal(struct child *c, int sig);
/* 1 while any process of the group is left (reaping what it can). */
int child_group_alive(struct child *c);
pid_t child_pid(const struct child *c);

/* The captured output, newest CHILD_OUTPUT_MAX bytes, NUL-terminated. */
const char *child_output(struct child *c, size_t *len);

#endif
