/* lifebit: the shared life bit; see lifebit.h. */
#include <errno.h>

#include "lifebit.h"

void
lifebit_init(struct lifebit *lb, tc_us_t first_flip_us)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&lb->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&lb->flipped, &attr);
	pthread_condattr_destroy(&attr);
	atomic_init(&lb->flips, 0);
	atomic_init(&lb->next_flip_us, first_flip_us);
}

void
lifebit_destroy(struct lifebit *lb)
{
	pthread_cond_destroy(&lb->flipped);
	pthread_mutex_destroy(&lb->lock);
}

void
lifebit_flip(struct lifebit *lb, tc_us_t next_flip_us)
{
	pthread_mutex_lock(&lb->lock);
	atomic_fetch_add(&lb->flips, 1);
	atomic_store(&lb->next_flip_us, next_flip_us);
	pthread_cond_broadcast(&lb->flipped);
	pthread_mutex_unlock(&lb->lock);
}

void
lifebit_retire(struct lifebit *lb)
{
	pthread_mutex_lock(&lb->lock);
	atomic_store(&lb->next_flip_us, LIFEBIT_NO_TOGGLER);
	pthread_cond_broadcast(&lb->flipped);
	pthread_mutex_unlock(&lb->lock);
}

int
lifebit_for_frame(struct lifebit *lb, tc_us_t deadline, tc_us_t max_wait_us,
    uint64_t *flips)
{
	struct timespec until;
	uint64_t n;

	/* No flip due by the deadline: no lock, no wait. */
	if (atomic_load(&lb->next_flip_us) > deadline) {
		n = atomic_load(&lb->flips);
	} else {
		until = clock_us_to_timespec(clock_now_us() + max_wait_us);
		pthread_mutex_lock(&lb->lock);
		while (atomic_load(&lb->next_flip_us) <= deadline) {
			if (pthread_cond_timedwait(&lb->flipped, &lb->lock,
			    &until) == ETIMEDOUT)
				break;
		}
		n = atomic_load(&lb->flips);
		pthread_mutex_unlock(&lb->lock);
	}
	if (flips != NULL)
		*flips = n;
	return (int)(n & 1);
}

uint64_t
lifebit_flips(struct lifebit *lb)
{
	return atomic_load(&lb->flips);
}
