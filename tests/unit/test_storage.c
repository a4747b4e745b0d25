/*
 * test_storage.c - the storage probe's pure parts: the sector pattern and its
 * verification (a corrupted, misplaced, torn or foreign sector, and a flipped
 * byte anywhere in a sector, are caught at the right offset, with the right
 * reason; a stamped reused buffer equals a freshly filled one), percentiles with known answers
 * (stats_percentile, nearest rank), and the safety rules: work directory
 * names, the marker, the stale judgement, the free-space sum, and a real
 * sweep in a temporary directory that removes only a dead owner's directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "pattern.h"
#include "safety.h"
#include "stats.h"

#define SEC PATTERN_SECTOR

static struct pattern pat7, pat8, pat42;

static int setup_patterns(void **state)
{
	(void)state;
	pattern_init(&pat7, 7);
	pattern_init(&pat8, 8);
	pattern_init(&pat42, 42);
	return 0;
}

static void test_pattern_roundtrip(void **state)
{
	unsigned char *buf = malloc(16 * SEC), *again = malloc(16 * SEC);
	struct pattern_bad bad = { 0 };

	(void)state;
	pattern_fill(&pat42, buf, 16 * SEC, 3, 1 << 20);
	assert_int_equal(pattern_check(&pat42, buf, 16 * SEC, 3, 1 << 20, &bad), 0);
	assert_int_equal(bad.count, 0);
	/* every sector differs from its neighbour (header and tag carry the offset) */
	assert_memory_not_equal(buf, buf + SEC, 40);
	assert_memory_not_equal(buf + SEC - 8, buf + 2 * SEC - 8, 8);
	/* another run's payload differs */
	assert_memory_not_equal(pat42.payload, pat7.payload, 64);
	/* stamping a filled buffer for another place is the same as filling it there */
	pattern_fill(&pat42, again, 16 * SEC, 5, 1 << 30);
	pattern_stamp(&pat42, buf, 16 * SEC, 5, 1 << 30);
	assert_memory_equal(buf, again, 16 * SEC);
	assert_int_equal(pattern_check(&pat42, buf, 16 * SEC, 5, 1 << 30, &bad), 0);
	free(buf);
	free(again);
}

/*
 * The data does not compress: within an aligned MiB every sector carries its
 * own payload block (zlib finds nothing to gain), and a MiB later they repeat,
 * so a write buffer reused there only needs new headers.
 */
static void test_pattern_incompressible(void **state)
{
	uLongf n = compressBound(PATTERN_PERIOD);
	unsigned char *buf = malloc(2 * PATTERN_PERIOD), *z = malloc(n), *again = malloc(PATTERN_PERIOD);
	struct pattern_bad bad = { 0 };
	size_t i;

	(void)state;
	pattern_fill(&pat42, buf, 2 * PATTERN_PERIOD, 1, 0);
	for (i = 1; i < PATTERN_BLOCKS; i++)
		assert_memory_not_equal(buf + PATTERN_HEAD, buf + i * SEC + PATTERN_HEAD, PATTERN_PAYLOAD);
	assert_memory_equal(buf + PATTERN_HEAD, buf + PATTERN_PERIOD + PATTERN_HEAD, PATTERN_PAYLOAD);
	assert_int_equal(compress2(z, &n, buf, PATTERN_PERIOD, 1), Z_OK);
	assert_true(n > PATTERN_PERIOD / 100 * 99); /* the old one-block payload compressed to under 5 % */
	assert_true(pattern_same_payloads(3 * SEC, 3 * SEC + 5 * PATTERN_PERIOD));
	assert_false(pattern_same_payloads(3 * SEC, 4 * SEC));
	/* a buffer filled for one MiB, stamped for another, is that MiB's; verified there */
	pattern_fill(&pat42, again, PATTERN_PERIOD, 1, 7 * PATTERN_PERIOD);
	pattern_stamp(&pat42, buf, PATTERN_PERIOD, 1, 7 * PATTERN_PERIOD);
	assert_memory_equal(buf, again, PATTERN_PERIOD);
	assert_int_equal(pattern_check(&pat42, buf, PATTERN_PERIOD, 1, 7 * PATTERN_PERIOD, &bad), 0);
	/* stamped for an offset with other payloads, every sector fails */
	pattern_stamp(&pat42, buf, PATTERN_PERIOD, 1, 7 * PATTERN_PERIOD + SEC);
	assert_int_equal(pattern_check(&pat42, buf, PATTERN_PERIOD, 1, 7 * PATTERN_PERIOD + SEC, &bad), PATTERN_BLOCKS);
	free(buf);
	free(z);
	free(again);
}

static void test_pattern_corrupt_sector(void **state)
{
	unsigned char *buf = malloc(16 * SEC);
	struct pattern_bad bad = { 0 };

	(void)state;
	pattern_fill(&pat7, buf, 16 * SEC, 1, 0);
	buf[5 * SEC + 3000] ^= 1; /* one bit of sector 5's payload */
	buf[9 * SEC + 2000] ^= 0x80;
	assert_int_equal(pattern_check(&pat7, buf, 16 * SEC, 1, 0, &bad), 2);
	assert_int_equal(bad.count, 2);
	assert_true(bad.offset == 5 * SEC); /* the first bad one */
	assert_int_equal(bad.why, PATTERN_BAD_CRC);
	assert_string_equal(pattern_why_names[bad.why], "contents damaged (bad crc32)");
	free(buf);
}

/* A flipped byte anywhere in a sector (header, crc, payload, tag) is caught. */
static void test_pattern_every_byte(void **state)
{
	unsigned char *buf = malloc(SEC);
	size_t i;

	(void)state;
	pattern_fill(&pat7, buf, SEC, 9, 12 * SEC);
	for (i = 0; i < SEC; i++) {
		struct pattern_bad bad = { 0 };

		buf[i] ^= 0x01;
		assert_int_equal(pattern_check(&pat7, buf, SEC, 9, 12 * SEC, &bad), 1);
		buf[i] ^= 0x01;
		buf[i] ^= 0xff;
		assert_int_equal(pattern_check(&pat7, buf, SEC, 9, 12 * SEC, &bad), 1);
		buf[i] ^= 0xff;
	}
	free(buf);
}

/* A sector whose start is one write and whose end is another (torn) fails. */
static void test_pattern_torn(void **state)
{
	unsigned char *a = malloc(SEC), *b = malloc(SEC);
	struct pattern_bad bad = { 0 };

	(void)state;
	pattern_fill(&pat7, a, SEC, 1, 0);
	pattern_fill(&pat7, b, SEC, 1, SEC); /* the same run, the next sector */
	memcpy(a + SEC - 512, b + SEC - 512, 512);
	assert_int_equal(pattern_check(&pat7, a, SEC, 1, 0, &bad), 1);
	assert_int_equal(bad.why, PATTERN_BAD_CRC);
	pattern_fill(&pat7, a, SEC, 1, 0);
	pattern_fill(&pat8, b, SEC, 1, 0); /* the same place, another run */
	memcpy(a + 512, b + 512, 512);
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(pattern_check(&pat7, a, SEC, 1, 0, &bad), 1);
	assert_int_equal(bad.why, PATTERN_BAD_CRC);
	free(a);
	free(b);
}

static void test_pattern_misplaced(void **state)
{
	unsigned char *buf = malloc(4 * SEC);
	struct pattern_bad bad;

	(void)state;
	/* read back from the wrong offset, file, run; or never written (zeroes) */
	pattern_fill(&pat7, buf, 4 * SEC, 1, 8 * SEC);
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(pattern_check(&pat7, buf, 4 * SEC, 1, 0, &bad), 4);
	assert_int_equal(bad.why, PATTERN_BAD_OFFSET);
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(pattern_check(&pat7, buf, 4 * SEC, 2, 8 * SEC, &bad), 4);
	assert_int_equal(bad.why, PATTERN_BAD_FILE);
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(pattern_check(&pat8, buf, 4 * SEC, 1, 8 * SEC, &bad), 4);
	assert_int_equal(bad.why, PATTERN_BAD_SEED);
	memset(buf + 2 * SEC, 0, SEC);
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(pattern_check(&pat7, buf, 4 * SEC, 1, 8 * SEC, &bad), 1);
	assert_int_equal(bad.why, PATTERN_BAD_MAGIC);
	assert_true(bad.offset == 10 * SEC);
	free(buf);
}

static void test_percentile(void **state)
{
	double v[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, w[1000], one[1] = { 5 };
	int i;

	(void)state;
	/* nearest rank: sorted[ceil(p/100 n) - 1] */
	assert_true(stats_percentile(v, 10, 50) == 5);
	assert_true(stats_percentile(v, 10, 90) == 9);
	assert_true(stats_percentile(v, 10, 91) == 10);
	assert_true(stats_percentile(v, 10, 99) == 10);
	assert_true(stats_percentile(v, 10, 0) == 1);
	assert_true(stats_percentile(v, 10, 100) == 10);
	assert_true(stats_percentile(v, 10, 10) == 1);
	assert_true(stats_percentile(v, 10, 11) == 2);
	for (i = 0; i < 1000; i++)
		w[i] = i + 1;
	assert_true(stats_percentile(w, 1000, 99.9) == 999); /* not 1000: 99.9 % of 1000 is exactly 999 */
	assert_true(stats_percentile(w, 1000, 99) == 990);
	assert_true(stats_percentile(w, 1000, 50) == 500);
	assert_true(stats_percentile(one, 1, 99.9) == 5);
	assert_true(stats_percentile(NULL, 0, 50) == 0);
}

static void test_dirname_marker(void **state)
{
	char name[256], text[256], host[64];
	long pid;

	(void)state;
	safety_dirname(name, sizeof(name), "node017.cluster", 1234, 0xabcdef);
	assert_string_equal(name, ".shakedown-storage-node017.cluster-1234-00abcdef");
	safety_dirname(name, sizeof(name), "we/ird host", 1, 0);
	assert_string_equal(name, ".shakedown-storage-we_ird_host-1-00000000");
	safety_marker_text(text, sizeof(text), "node017", 4242);
	assert_int_equal(safety_parse_marker(text, host, sizeof(host), &pid), 0);
	assert_string_equal(host, "node017");
	assert_int_equal(pid, 4242);
	assert_int_equal(safety_parse_marker("hello\n", host, sizeof(host), &pid), -1);
	assert_int_equal(safety_parse_marker("shakedown-storage-marker 1\nhost x\npid abc\n", host, sizeof(host), &pid),
			 -1);
	assert_int_equal(safety_parse_marker("shakedown-storage-marker 1\nhost x\n", host, sizeof(host), &pid), -1);
}

static int fake_alive(long pid)
{
	return pid == 100;
}

static void test_judge(void **state)
{
	char alive[128], dead[128];

	(void)state;
	safety_marker_text(alive, sizeof(alive), "me", 100);
	safety_marker_text(dead, sizeof(dead), "me", 200);
	assert_int_equal(safety_judge(NULL, "me", fake_alive), SAFETY_NOT_OURS);
	assert_int_equal(safety_judge("garbage", "me", fake_alive), SAFETY_NOT_OURS);
	assert_int_equal(safety_judge(alive, "me", fake_alive), SAFETY_ALIVE);
	assert_int_equal(safety_judge(dead, "me", fake_alive), SAFETY_STALE);
	assert_int_equal(safety_judge(dead, "other", fake_alive), SAFETY_OTHER_HOST);
	assert_int_equal(safety_pid_alive(getpid()), 1);
}

static void test_space(void **state)
{
	struct safety_space s = {
		.data_bytes = 4ull << 30, .fsync_bytes = 200 * 4096, .meta_files = 10000, .reserve = 512ull << 20
	};
	struct safety_space huge = { .data_bytes = UINT64_MAX - 10, .meta_files = UINT64_MAX, .reserve = 100 };

	(void)state;
	assert_true(safety_space_needed(&s) ==
		    (4ull << 30) + 819200 + 10000ull * SAFETY_META_FILE_COST + (512ull << 20));
	assert_true(safety_space_needed(&huge) == UINT64_MAX); /* saturates, never wraps to a small need */
	s = (struct safety_space){ 0 };
	assert_true(safety_space_needed(&s) == 0);
}

static void noop_log(void *arg, const char *name, const char *what)
{
	(void)name;
	(void)what;
	(*(int *)arg)++;
}

static void make_dir_with_marker(const char *root, const char *name, const char *marker)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s/data.0", root, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("x", f);
	fclose(f);
	if (!marker)
		return;
	snprintf(path, sizeof(path), "%s/%s/" SAFETY_MARKER, root, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(marker, f);
	fclose(f);
}

static void test_sweep(void **state)
{
	char root[] = "/tmp/test_storage.XXXXXX", host[64], m[256], path[600];
	struct stat st;
	int logged = 0, fd;
	pid_t child;

	(void)state;
	assert_non_null(mkdtemp(root));
	gethostname(host, sizeof(host));
	/* a pid that certainly existed and is gone: a reaped child */
	child = fork();
	if (!child)
		_exit(0);
	waitpid(child, NULL, 0);
	safety_marker_text(m, sizeof(m), host, child);
	make_dir_with_marker(root, SAFETY_PREFIX "dead", m);
	make_dir_with_marker(root, SAFETY_PREFIX "nomarker", NULL);
	safety_marker_text(m, sizeof(m), host, getpid());
	make_dir_with_marker(root, SAFETY_PREFIX "alive", m);
	safety_marker_text(m, sizeof(m), "another-host", child);
	make_dir_with_marker(root, SAFETY_PREFIX "elsewhere", m);
	assert_int_equal(safety_sweep(root, host, noop_log, &logged), 1);
	snprintf(path, sizeof(path), "%s/" SAFETY_PREFIX "dead", root);
	assert_int_equal(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/" SAFETY_PREFIX "nomarker/data.0", root);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/" SAFETY_PREFIX "alive/data.0", root);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/" SAFETY_PREFIX "elsewhere/data.0", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(logged, 4);
	/* clean up with the remover itself: it empties and removes whole trees */
	fd = open(root, O_RDONLY | O_DIRECTORY);
	assert_int_equal(safety_remove_tree(fd, SAFETY_PREFIX "nomarker"), 0);
	assert_int_equal(safety_remove_tree(fd, SAFETY_PREFIX "alive"), 0);
	assert_int_equal(safety_remove_tree(fd, SAFETY_PREFIX "elsewhere"), 0);
	close(fd);
	assert_int_equal(rmdir(root), 0);
}

static void test_remove_tree_no_follow(void **state)
{
	char root[] = "/tmp/test_storage.XXXXXX", outside[] = "/tmp/test_storage_out.XXXXXX", path[600];
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(root));
	assert_non_null(mkdtemp(outside));
	snprintf(path, sizeof(path), "%s/keep", outside);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/w", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/w/link", root);
	assert_int_equal(symlink(outside, path), 0);
	fd = open(root, O_RDONLY | O_DIRECTORY);
	assert_int_equal(safety_remove_tree(fd, "w"), 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/keep", outside);
	assert_int_equal(stat(path, &st), 0); /* the link was removed, not what it points to */
	unlink(path);
	rmdir(outside);
	rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_roundtrip),
		cmocka_unit_test(test_pattern_incompressible),
		cmocka_unit_test(test_pattern_corrupt_sector),
		cmocka_unit_test(test_pattern_misplaced),
		cmocka_unit_test(test_pattern_every_byte),
		cmocka_unit_test(test_pattern_torn),
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_dirname_marker),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_space),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_remove_tree_no_follow),
	};

	return cmocka_run_group_tests(tests, setup_patterns, NULL);
}
