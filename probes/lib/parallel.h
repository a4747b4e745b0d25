/*
 * parallel.h - a handful of jobs at once, one thread each (a GPU each, a
 * report writer each): no pool, no queue.
 */
#ifndef SD_PARALLEL_H
#define SD_PARALLEL_H

#include <stddef.h>

/*
 * Call fn on each of the n jobs (an array of n elements of `size` bytes at
 * jobs), each on a thread of its own, all at once; return when every call has
 * returned. A job whose thread cannot be started runs on the caller's thread.
 * The jobs array stays the caller's.
 */
void parallel_run(void *jobs, size_t n, size_t size, void (*fn)(void *job));

#endif
