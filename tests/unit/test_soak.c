/*
 * test_soak.c - the soak probe's sensors and maths (probes/soak/sysfs.c,
 * telemetry.c, analysis.c).
 *
 * CPU sensors are read from a fake sysfs tree this test builds in a temporary
 * directory. GPU telemetry is read from tests/fakes/fake_nvml.c, a small real
 * shared library that stands in for the NVIDIA driver, loaded through the
 * same dlopen path as on a real node (SHAKEDOWN_NVML_LIB); its scripted mode
 * (FAKE_NVML_SCRIPT, FAKE_NVML_T) plays a temperature ramp, a thermal
 * throttle episode and a power cap, and the metrics must match the script.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "sysfs.h"
#include "telemetry.h"
#include "xalloc.h"

/* ---- a fake sysfs tree ---- */

static void put(const char *root, const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", root, rel), *slash;
	FILE *f;

	for (slash = strchr(p + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(p, 0755);
		*slash = '/';
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *fake_sysfs(void)
{
	char *root = xstrdup("/tmp/sd-soak-sysfs.XXXXXX");

	assert_non_null(mkdtemp(root));
	put(root, "class/thermal/thermal_zone0/type", "x86_pkg_temp\n");
	put(root, "class/thermal/thermal_zone0/temp", "55000\n");
	put(root, "class/thermal/thermal_zone1/type", "acpitz\n");
	put(root, "class/thermal/thermal_zone1/temp", "not a number\n"); /* unreadable: not listed */
	put(root, "class/hwmon/hwmon0/name", "coretemp\n");
	put(root, "class/hwmon/hwmon0/temp1_input", "61500\n");
	put(root, "class/hwmon/hwmon0/temp1_label", "Package id 0\n");
	put(root, "class/hwmon/hwmon0/temp2_input", "58000\n");
	put(root, "devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "2400000\n");
	put(root, "devices/system/cpu/cpu1/cpufreq/scaling_cur_freq", "3100000\n");
	put(root, "devices/system/cpu/cpufreq/policy0/scaling_cur_freq", "1\n"); /* not a cpuN */
	put(root, "class/powercap/intel-rapl:0/name", "package-0\n");
	put(root, "class/powercap/intel-rapl:0/energy_uj", "262143000000\n");
	put(root, "class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
	put(root, "class/powercap/intel-rapl:0:0/energy_uj", "5\n"); /* a subdomain: not listed */
	return root;
}

static void rm_tree(char *root)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

static void test_sysfs_find(void **state)
{
	char *root = fake_sysfs();
	struct soak_sensors ss;
	double v;

	(void)state;
	assert_int_equal(soak_sensors_find(root, &ss), 6);
	assert_string_equal(ss.s[0].name, "thermal_zone0:x86_pkg_temp");
	assert_int_equal(soak_sensor_read(&ss.s[0], &v), 0);
	assert_true(fabs(v - 55.0) < 1e-9);
	assert_string_equal(ss.s[1].name, "coretemp/temp1:Package id 0");
	assert_int_equal(soak_sensor_read(&ss.s[1], &v), 0);
	assert_true(fabs(v - 61.5) < 1e-9);
	assert_string_equal(ss.s[2].name, "coretemp/temp2");
	assert_int_equal(ss.s[3].kind, SENSOR_FREQ);
	assert_int_equal(ss.s[3].cpu, 0);
	assert_int_equal(soak_sensor_read(&ss.s[4], &v), 0);
	assert_true(fabs(v - 3.1e9) < 1);
	assert_string_equal(ss.s[5].name, "intel-rapl:0:package-0");
	assert_true(fabs(ss.s[5].range - 262143.32885) < 1e-6);
	/* a fresh value on every read (pread at offset 0 of a kept-open file) */
	put(root, "class/thermal/thermal_zone0/temp", "57250\n");
	assert_int_equal(soak_sensor_read(&ss.s[0], &v), 0);
	assert_true(fabs(v - 57.25) < 1e-9);
	soak_sensors_release(&ss);
	rm_tree(root);
}

static void test_sysfs_missing(void **state)
{
	struct soak_telem t;
	size_t i;
	int cpu_missing = 0;

	(void)state;
	soak_telem_open(&t, "/nonexistent-sysfs", 0, 4);
	assert_int_equal(t.cpu.n, 0);
	for (i = 0; i < t.nmissing; i++)
		cpu_missing += !strncmp(t.missing[i], "cpu ", 4);
	assert_int_equal(cpu_missing, 3);
	soak_telem_sample(&t, 0);
	soak_telem_release(&t);
}

/* RAPL energy wraps at max_energy_range_uj: the delta across the wrap is still right. */
static void test_rapl_wrap(void **state)
{
	char *root = fake_sysfs();
	struct soak_telem t;
	double e0, e1;

	(void)state;
	soak_telem_open(&t, root, 0, 2);
	assert_int_equal(t.cpu.s[5].kind, SENSOR_ENERGY);
	soak_telem_sample(&t, 0);
	put(root, "class/powercap/intel-rapl:0/energy_uj", "1000000\n"); /* wrapped, 1 J past zero */
	soak_telem_sample(&t, 1);
	e0 = t.cpu_v[5][0];
	e1 = t.cpu_v[5][1];
	assert_true(fabs(soak_counter_delta(e0, e1, t.cpu.s[5].range) - (262143.32885 - 262143.0 + 1.0)) < 1e-6);
	assert_true(fabs(soak_counter_delta(1.0, 3.5, 10) - 2.5) < 1e-12);
	soak_telem_release(&t);
	rm_tree(root);
}

/* ---- the maths, known answers ---- */

static void test_window_drift(void **state)
{
	double v[20];
	size_t i;

	(void)state;
	assert_int_equal(soak_window(0), 0);
	assert_int_equal(soak_window(5), 1);
	assert_int_equal(soak_window(20), 2);
	assert_int_equal(soak_window(100), 10);
	for (i = 0; i < 20; i++)
		v[i] = 100;
	v[18] = v[19] = 90; /* last window 10 % slower */
	assert_true(fabs(soak_drift(v, 20) - -0.1) < 1e-12);
	v[0] = NAN; /* a missing sample is skipped: first window is v[1] alone */
	assert_true(fabs(soak_drift(v, 20) - -0.1) < 1e-12);
	/* steady state: median after the first window */
	assert_true(fabs(soak_steady(v, 20) - 100) < 1e-12);
	assert_true(isnan(soak_drift(v, 0)));
}

static void test_plateau(void **state)
{
	/* 40 C rising 10 C per step to 80, then flat (with 0.5 C of noise): plateau at the first 79+ sample */
	double t[12], v[12] = { 40, 50, 60, 70, 79.5, 80, 80.5, 80, 79.6, 80, 80, 80 };
	size_t i;

	(void)state;
	for (i = 0; i < 12; i++)
		t[i] = (double)i * 0.5;
	assert_true(fabs(soak_plateau(t, v, 12, 1.0) - 2.0) < 1e-12);
	/* a late excursion moves the plateau after it */
	v[9] = 82;
	assert_true(fabs(soak_plateau(t, v, 12, 1.0) - 5.0) < 1e-12);
	/* still rising at the end: the plateau is the last sample's time */
	for (i = 0; i < 12; i++)
		v[i] = 40 + 5.0 * (double)i;
	assert_true(fabs(soak_plateau(t, v, 12, 1.0) - 5.5) < 1e-12);
	assert_true(isnan(soak_plateau(t, v, 1, 1.0)));
	assert_true(fabs(soak_max(v, 12) - 95) < 1e-12);
}

static void test_throttle_fraction(void **state)
{
	uint64_t mask[11] = { 0x40, 0, 0, 0x40, 0x60, 0x4, 0x4, 0, 0, 0, 0 };
	unsigned char valid[11] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 };

	(void)state;
	/* sample 0 is the start, not an interval: intervals 1..10 */
	assert_true(fabs(soak_flag_fraction(mask, NULL, 11, 0x40) - 0.2) < 1e-12);
	assert_true(fabs(soak_flag_fraction(mask, NULL, 11, 0x44) - 0.4) < 1e-12);
	/* unreadable intervals do not count either way: 8 valid intervals */
	assert_true(fabs(soak_flag_fraction(mask, valid, 11, 0x4) - 0.25) < 1e-12);
	assert_true(fabs(soak_flag_fraction(mask, NULL, 11, 0x100) - 0) < 1e-12);
	assert_true(isnan(soak_flag_fraction(mask, NULL, 1, 0x40)));
}

/* ---- GPU telemetry from the stand-in driver ---- */

static char *built(const char *rel)
{
	const char *env = getenv("SD_BUILD");
	char exe[PATH_MAX], *b, *p, *abs;
	ssize_t n;

	if (env && *env) {
		b = xstrdup(env);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		assert_true(n > 0);
		exe[n] = '\0';
		*strstr(exe, "/tests/unit/") = '\0';
		b = xstrdup(exe);
	}
	p = xasprintf("%s/%s", b, rel);
	abs = realpath(p, NULL);
	if (!abs)
		fail_msg("'%s' is not built: run make tests", p);
	free(b);
	free(p);
	return abs;
}

/* The script with period 10 s, sampled every 0.5 s for 10 s (21 samples, 20 intervals). */
static void test_nvml_script(void **state)
{
	char *fake = built("tests/fakes/libnvml.so"), ts[32];
	double t[21], *temp, *mem, *clk, *e, *rs, pw[21];
	uint64_t mask[21];
	struct soak_telem tel;
	size_t k;

	(void)state;
	setenv(NVML_LIB_ENV, fake, 1);
	setenv("FAKE_NVML_SCRIPT", "10", 1);
	setenv("FAKE_NVML_GPUS", "1", 1);
	soak_telem_open(&tel, "/nonexistent-sysfs", 1, 21);
	assert_int_equal(tel.have_nvml, 1);
	assert_int_equal(tel.ngpus, 1);
	for (k = 0; k < GF_COUNT; k++)
		assert_true(tel.gpu[0].present[k]);
	for (k = 0; k < 21; k++) {
		t[k] = 0.5 * (double)k;
		snprintf(ts, sizeof(ts), "%g", t[k]);
		setenv("FAKE_NVML_T", ts, 1);
		soak_telem_sample(&tel, k);
	}
	temp = tel.gpu[0].v[GF_TEMP];
	mem = tel.gpu[0].v[GF_MEM_TEMP];
	clk = tel.gpu[0].v[GF_SM_CLOCK];
	e = tel.gpu[0].v[GF_ENERGY];
	rs = tel.gpu[0].v[GF_REASONS];
	/* temperature ramp 40 -> 80 C over 4 s: max 80, plateau (within 1 C of 80) from t = 4 s (T(3.5) = 75) */
	assert_true(fabs(temp[0] - 40) < 1e-9);
	assert_true(fabs(soak_max(temp, 21) - 80) < 1e-9);
	assert_true(fabs(soak_max(mem, 21) - 85) < 1e-9);
	assert_true(fabs(soak_plateau(t, temp, 21, 1.0) - 4.0) < 1e-9);
	/* thermal episode 5 <= t < 7: samples at 5, 5.5, 6, 6.5 = 4 of 20 intervals */
	for (k = 0; k < 21; k++)
		mask[k] = (uint64_t)rs[k];
	assert_true(fabs(soak_flag_fraction(mask, NULL, 21, 0x40) - 0.2) < 1e-12);
	assert_true(fabs(soak_flag_fraction(mask, NULL, 21, 0x20) - 0.2) < 1e-12);
	/* power cap from t = 4 s: samples 4.0 .. 10.0 = 13 of 20 intervals */
	assert_true(fabs(soak_flag_fraction(mask, NULL, 21, 0x4) - 0.65) < 1e-12);
	assert_true(fabs(clk[11] - 1410e6) < 1 && fabs(clk[20] - 1980e6) < 1);
	/* energy: the integral of 300 W rising to 700 W over 4 s, then 700 W for 6 s = 2000 + 4200 J */
	assert_true(fabs(soak_counter_delta(e[0], e[20], 0) - 6200) < 1e-3);
	for (k = 1; k < 21; k++)
		pw[k] = (e[k] - e[k - 1]) / (t[k] - t[k - 1]);
	pw[0] = NAN;
	assert_true(fabs(soak_max(pw + 1, 20) - 700) < 1e-3);
	assert_true(fabs(soak_mean(pw, 1, 21) - 620) < 1e-3); /* 6200 J over 10 s */
	assert_true(fabs(tel.gpu[0].v[GF_POWER_LIMIT][5] - 700) < 1e-9);
	assert_true(fabs(tel.gpu[0].v[GF_ECC_UNCORR][20]) < 1e-9);
	soak_telem_release(&tel);
	unsetenv("FAKE_NVML_T");
	unsetenv("FAKE_NVML_SCRIPT");
	unsetenv("FAKE_NVML_GPUS");
	unsetenv(NVML_LIB_ENV);
	free(fake);
}

/* Without NVML the GPU telemetry is missing, with the loader's reason, and nothing is sampled. */
static void test_nvml_absent(void **state)
{
	struct soak_telem tel;
	size_t i;
	int found = 0;

	(void)state;
	setenv(NVML_LIB_ENV, "/nonexistent/libnvidia-ml.so.1", 1);
	soak_telem_open(&tel, "/nonexistent-sysfs", 1, 2);
	assert_int_equal(tel.have_nvml, 0);
	assert_int_equal(tel.ngpus, 0);
	for (i = 0; i < tel.nmissing; i++)
		found += strstr(tel.missing[i], "gpu telemetry: '/nonexistent/libnvidia-ml.so.1' not found") != NULL;
	assert_int_equal(found, 1);
	soak_telem_sample(&tel, 0);
	soak_telem_release(&tel);
	unsetenv(NVML_LIB_ENV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysfs_find),  cmocka_unit_test(test_sysfs_missing),
		cmocka_unit_test(test_rapl_wrap),   cmocka_unit_test(test_window_drift),
		cmocka_unit_test(test_plateau),	    cmocka_unit_test(test_throttle_fraction),
		cmocka_unit_test(test_nvml_script), cmocka_unit_test(test_nvml_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
