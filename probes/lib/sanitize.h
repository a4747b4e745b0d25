/*
 * sanitize.h - what the sanitizer build (make check: SANITIZE=address,undefined)
 * needs to know about third-party libraries.
 *
 * Open MPI allocates in components it dlopens and in threads of its own, and
 * never frees that memory; LeakSanitizer cannot even name the code (the
 * components are unloaded by exit), so every MPI process fails the leak check
 * for memory that is not ours. An executable that runs MPI says
 * `SD_NO_LEAK_CHECK_FOR_MPI;` once at file scope: its leak check is off by
 * default (tests/run-tests.sh leaves detect_leaks unset, so this default
 * holds); address and undefined-behaviour checks stay on. The code such a
 * probe shares with others is leak-checked through their unit tests.
 * Outside sanitizer builds it is nothing.
 */
#ifndef SD_SANITIZE_H
#define SD_SANITIZE_H

#if defined(__SANITIZE_ADDRESS__)
#define SD_NO_LEAK_CHECK_FOR_MPI                                                                                       \
	const char *__asan_default_options(void);                                                                      \
	const char *__asan_default_options(void)                                                                       \
	{                                                                                                              \
		return "detect_leaks=0";                                                                               \
	}                                                                                                              \
	extern int sd_no_leak_check_for_mpi
#else
#define SD_NO_LEAK_CHECK_FOR_MPI extern int sd_no_leak_check_for_mpi
#endif

#endif
