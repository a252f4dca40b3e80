/* child: the client process of a scenario run; see child.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "child.h"

/* How long child_free waits for a killed group to be gone. */
#define CHILD_KILL_WAIT_MS 1000

struct child {
	struct sim_watch *watch;
	pid_t		  pid;		/* also the process group's id */
	int		  out_fd;	/* read end of stdout + stderr */
	int		  ended;	/* the leader is reaped */
	int		  group_gone;	/* no process of the group is left */
	int		  status;
	char		  buf[CHILD_OUTPUT_MAX + 1];	/* a ring */
	size_t		  start, len;
	char		  flat[CHILD_OUTPUT_MAX + 1];
};

static void
child_keep(struct child *c, const char *data, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t at = (c->start + c->len) % CHILD_OUTPUT_MAX;
		c->buf[at] = data[i];
		if (c->len < CHILD_OUTPUT_MAX)
			c->len++;
		else
			c->start = (c->start + 1) % CHILD_OUTPUT_MAX;
	}
}

static void
child_read_cb(int fd, int ready, void *arg)
{
	struct child *c = arg;
	char data[4096];
	ssize_t n;

	(void)ready;
	n = read(fd, data, sizeof data);
	if (n > 0) {
		child_keep(c, data, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* End of output (the child and its group closed it) or an error. */
	sim_watch_free(c->watch);
	c->watch = NULL;
	close(c->out_fd);
	c->out_fd = -1;
}

struct child *
child_start(struct sim_loop *loop, char *const argv[], char *const env[],
    char *err, size_t errlen)
{
	struct child *c;
	int fds[2], execed[2];
	size_t i;
	char byte;

	c = calloc(1, sizeof *c);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->out_fd = -1;
#ifdef PR_SET_CHILD_SUBREAPER
	/*
	 * What the client leaves behind is re-parented to us, not to init:
	 * its end is then seen (and reaped) at once, however slow init is.
	 */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
	if (pipe2(fds, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(c);
		return NULL;
	}
	/* Closed by the exec (or the child's end): see below. */
	if (pipe2(execed, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		free(c);
		return NULL;
	}
	c->pid = fork();
	if (c->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		close(execed[0]);
		close(execed[1]);
		free(c);
		return NULL;
	}
	if (c->pid == 0) {
		sigset_t none;
		/* Its own group, so that stopping it reaches its children. */
		setpgid(0, 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		for (i = 0; env != NULL && env[i] != NULL; i++)
			putenv(env[i]);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "plcsim: cannot run '%s': %s\n",
		    argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(c->pid, c->pid);	/* also here: no race with kill */
	/*
	 * Back once the child has called exec (or ended): a signal to the
	 * group then reaches the command, never the copy of this process
	 * it is until then, which holds its sockets (stopped there, it would
	 * keep the PLC's listening port taken). A fraction of a millisecond.
	 */
	close(execed[1]);
	while (read(execed[0], &byte, 1) < 0 && errno == EINTR)
		;
	close(execed[0]);
	close(fds[1]);
	c->out_fd = fds[0];
	fcntl(c->out_fd, F_SETFL, fcntl(c->out_fd, F_GETFL) | O_NONBLOCK);
	c->watch = sim_watch_new(loop, c->out_fd, child_read_cb, c);
	if (c->watch != NULL)
		sim_watch_set(c->watch, SIM_READ);
	return c;
}

int
child_poll(struct child *c)
{
	int st;
	pid_t r;

	if (c->ended)
		return 1;
	r = waitpid(c->pid, &st, WNOHANG);
	if (r != c->pid)
		return 0;
	c->ended = 1;
	if (WIFEXITED(st))
		c->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		c->status = 128 + WTERMSIG(st);
	return 1;
}

int
child_status(const struct child *c)
{
	return c->status;
}

pid_t
child_pid(const struct child *c)
{
	return c->pid;
}

/*
 * The group outlives its leader while any member lives (a shell's
 * background job), and its id cannot be taken by another group until then:
 * so it is signalled until the kernel says it is empty, never after.
 */
void
child_signal(struct child *c, int sig)
{
	if (c->group_gone)
		return;
	if (kill(-c->pid, sig) != 0 && errno == ESRCH)
		c->group_gone = 1;
}

int
child_group_alive(struct child *c)
{
	if (c->group_gone)
		return 0;
	if (!child_poll(c))
		return 1;
	/* Members re-parented to us (see child_start) would stay zombies. */
	while (waitpid(-c->pid, NULL, WNOHANG) > 0)
		;
	child_signal(c, 0);
	return !c->group_gone;
}

const char *
child_output(struct child *c, size_t *len)
{
	size_t i;

	/* Drain what is already in the pipe. */
	while (c->out_fd >= 0 && c->watch != NULL) {
		size_t before = c->len, start = c->start;
		child_read_cb(c->out_fd, SIM_READ, c);
		if (c->len == before && c->start == start)
			break;
	}
	for (i = 0; i < c->len; i++)
		c->flat[i] = c->buf[(c->start + i) % CHILD_OUTPUT_MAX];
	c->flat[c->len] = '\0';
	if (len != NULL)
		*len = c->len;
	return c->flat;
}

void
child_free(struct child *c)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	if (c == NULL)
		return;
	child_signal(c, SIGKILL);
	if (!c->ended) {
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
		c->ended = 1;
	}
	/*
	 * SIGKILL is sure but not instant: the rest of the group is waited
	 * for, briefly, so that it is gone when the scenario is over (a
	 * process stuck in the kernel is not waited for longer).
	 */
	for (i = 0; i < CHILD_KILL_WAIT_MS && child_group_alive(c); i++)
		nanosleep(&ms, NULL);
	sim_watch_free(c->watch);
	if (c->out_fd >= 0)
		close(c->out_fd);
	free(c);
}
