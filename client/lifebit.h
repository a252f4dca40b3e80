/*
 * lifebit: the life bit the toggler flips and the sender carries, the one
 * piece of state the two threads share, under its own lock.
 *
 * The toggler announces the deadline of its next flip. A frame due at D
 * must carry every flip scheduled at or before D: when the toggler has not
 * yet made a flip due at D (both threads woke for the same instant), the
 * sender waits for it, briefly. That is what keeps every life-bit interval
 * on the wire exactly the toggle cycle when it is a multiple of the send
 * cycle, instead of one cycle short or long depending on which thread won.
 */
#ifndef TCPCOM_LIFEBIT_H
#define TCPCOM_LIFEBIT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "clock.h"

#define LIFEBIT_NO_TOGGLER UINT64_MAX

/*
 * The bit is the parity of the flips (it starts at 0). `flips` and
 * `next_flip_us` change under the lock and are atomic, so that a frame no
 * flip is due for reads them without it: the toggler stores the flips,
 * then the next deadline, and the sender reads them the other way round.
 */
struct lifebit {
	pthread_mutex_t	  lock;
	pthread_cond_t	  flipped;
	_Atomic uint64_t  flips;
	_Atomic tc_us_t	  next_flip_us;	/* LIFEBIT_NO_TOGGLER in mode 1 */
};

void lifebit_init(struct lifebit *lb, tc_us_t first_flip_us);
void lifebit_destroy(struct lifebit *lb);

/* The toggler: flip now; the following flip is due at next_flip_us. */
void lifebit_flip(struct lifebit *lb, tc_us_t next_flip_us);
/* The toggler is stopping: nobody will flip any more. */
void lifebit_retire(struct lifebit *lb);

/* How many flips so far. */
uint64_t lifebit_flips(struct lifebit *lb);

/*
 * The sender: the bit for a frame due at `deadline`, after every flip due
 * by then, waiting at most `max_wait_us` for a late toggler. `*flips` gets
 * the number of flips the bit includes.
 */
int lifebit_for_frame(struct lifebit *lb, tc_us_t deadline,
    tc_us_t max_wait_us, uint64_t *flips);

#endif
