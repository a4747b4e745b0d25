/* parallel.c - see parallel.h. */
#include "parallel.h"
#include "xalloc.h"

#include <pthread.h>
#include <stdlib.h>

struct slot {
	void (*fn)(void *job);
	void *job;
	pthread_t thread;
	int started;
};

static void *trampoline(void *arg)
{
	struct slot *s = arg;

	s->fn(s->job);
	return NULL;
}

void parallel_run(void *jobs, size_t n, size_t size, void (*fn)(void *job))
{
	struct slot *slots = xcalloc(n ? n : 1, sizeof(*slots));
	size_t i;

	for (i = 0; i < n; i++) {
		slots[i].fn = fn;
		slots[i].job = (char *)jobs + i * size;
		slots[i].started = !pthread_create(&slots[i].thread, NULL, trampoline, &slots[i]);
		if (!slots[i].started)
			fn(slots[i].job);
	}
	for (i = 0; i < n; i++)
		if (slots[i].started)
			pthread_join(slots[i].thread, NULL);
	free(slots);
}
