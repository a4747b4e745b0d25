/*
 * test_membw_gpu.c - the arithmetic of membw's GPU paths (probes/membw/peak.c):
 * HBM and PCIe peaks against known answers, STREAM byte counts and expected
 * values, the sweep's sizes and batches, the NUMA node choice, PCI bus ids;
 * and the two NVML accessors the peaks need (probes/lib/nvml.c).
 *
 * The machines that run the tests have no GPU and no NVIDIA driver: the NVML
 * cases load tests/fakes/fake_nvml.c, a small real shared library that plays
 * two H100 SXM5, and skip when it has not been built.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../probes/membw/peak.h"
#include "nvml.h"

#define GIB (1ull << 30)
#define MIB (1ull << 20)
#define KIB (1ull << 10)

/* |got - want| within rel of want. */
static void assert_near(double got, double want, double rel)
{
	if (!(fabs(got - want) <= rel * fabs(want)))
		fail_msg("got %.9g, want %.9g (within %g)", got, want, rel);
}

struct pcie_case {
	unsigned int gen, width;
	double want; /* B/s per direction */
};

/* Known answers: GT/s x 1e9 x encoding x lanes / 8. */
static const struct pcie_case pcie_cases[] = {
	{ 5, 16, 63.015e9 }, /* H100 SXM5's link, FACTS.md "PCIe Gen5 x16 = 63 GB/s" */
	{ 4, 16, 31.508e9 }, { 3, 8, 7.877e9 },	 { 3, 16, 15.754e9 }, { 1, 16, 4.0e9 },
	{ 2, 8, 4.0e9 },     { 6, 16, 121.0e9 }, { 4, 8, 15.754e9 },  { 5, 4, 15.754e9 },
	{ 0, 16, 0 },	     { 7, 16, 0 },	 { 5, 0, 0 },
};

static void test_pcie_peak(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pcie_cases) / sizeof(pcie_cases[0]); i++) {
		const struct pcie_case *c = &pcie_cases[i];

		if (c->want == 0)
			assert_true(peak_pcie(c->gen, c->width) == 0);
		else
			assert_near(peak_pcie(c->gen, c->width), c->want, 1e-4);
	}
	assert_near(peak_pcie_efficiency(2), 0.8, 1e-12);
	assert_near(peak_pcie_efficiency(3), 128.0 / 130.0, 1e-12);
	assert_near(peak_pcie_efficiency(6), 242.0 / 256.0, 1e-12);
	assert_near(peak_pcie_gts(5), 32, 1e-12);
	assert_near(peak_pcie_gts(6), 64, 1e-12);
}

static void test_hbm_peak(void **state)
{
	(void)state;
	/* H100 SXM5 80GB HBM3: 2619 MHz, 5120 bits -> 3.352 TB/s (datasheet 3.35 TB/s). */
	assert_near(peak_hbm(2619, 5120), 3.35232e12, 1e-9);
	/* H100 PCIe 80GB HBM2e: 1593 MHz, 5120 bits -> 2.039 TB/s (datasheet 2.0 TB/s). */
	assert_near(peak_hbm(1593, 5120), 2.03904e12, 1e-9);
	/* A100 SXM4 80GB HBM2e: 1593 MHz, 5120 bits, same formula; A100 40GB 1215 MHz -> 1.555 TB/s. */
	assert_near(peak_hbm(1215, 5120), 1.5552e12, 1e-9);
	assert_true(peak_hbm(0, 5120) == 0);
	assert_true(peak_hbm(2619, 0) == 0);
}

static void test_kernel_bytes(void **state)
{
	(void)state;
	assert_near(gpu_kernel_bytes(GPU_COPY, 1000), 16000, 0);
	assert_near(gpu_kernel_bytes(GPU_SCALE, 1000), 16000, 0);
	assert_near(gpu_kernel_bytes(GPU_ADD, 1000), 24000, 0);
	assert_near(gpu_kernel_bytes(GPU_TRIAD, 1000), 24000, 0);
	assert_near(gpu_kernel_bytes(GPU_D2D, 1000), 16000, 0);
	/* 1 GiB arrays: triad moves 3 GiB. */
	assert_near(gpu_kernel_bytes(GPU_TRIAD, GIB / 8), 3.0 * GIB, 0);
	assert_string_equal(gpu_kernel_names[GPU_TRIAD], "triad");
	assert_string_equal(gpu_kernel_names[GPU_D2D], "d2d");
}

static void test_stream_expected(void **state)
{
	static const int reps[] = { 1, 2, 10, 1000 };
	double a, b, c;
	size_t i;

	(void)state;
	gpu_stream_expected(0, &a, &b, &c);
	assert_true(a == GPU_STREAM_A0 && b == GPU_STREAM_B0 && c == GPU_STREAM_C0);
	/* One repetition by hand: c=a=0.1, b=0.4c=0.04, c=a+b=0.14, a=b+0.4c=0.096. */
	gpu_stream_expected(1, &a, &b, &c);
	assert_near(a, 0.096, 1e-15);
	assert_near(b, 0.04, 1e-15);
	assert_near(c, 0.14, 1e-15);
	/* Closed form after r repetitions: a = 0.1 x 0.96^r, b = 0.04 x 0.96^(r-1), c = 0.14 x 0.96^(r-1). */
	for (i = 0; i < sizeof(reps) / sizeof(reps[0]); i++) {
		int r = reps[i];

		gpu_stream_expected(r, &a, &b, &c);
		assert_near(a, 0.1 * pow(0.96, r), 1e-11);
		assert_near(b, 0.04 * pow(0.96, r - 1), 1e-11);
		assert_near(c, 0.14 * pow(0.96, r - 1), 1e-11);
		assert_true(isnormal(a) && isnormal(b) && isnormal(c));
	}
}

static void test_stream_wrong(void **state)
{
	(void)state;
	assert_false(gpu_stream_wrong(0.096, 0.096));
	assert_false(gpu_stream_wrong(0.096 * (1 + 1e-14), 0.096)); /* a fused multiply-add's rounding */
	assert_true(gpu_stream_wrong(0.096 * (1 + 1e-9), 0.096));
	assert_true(gpu_stream_wrong(1.096, 0.096)); /* what the corrupt_gpu fault writes */
	assert_true(gpu_stream_wrong(NAN, 0.096));
	assert_true(gpu_stream_wrong(INFINITY, 0.096));
	assert_false(gpu_stream_wrong(1e-14, 0));
	assert_true(gpu_stream_wrong(1e-6, 0));
}

struct sweep_case {
	uint64_t max;
	size_t cap;
	size_t n;
	uint64_t first, last;
};

static const struct sweep_case sweep_cases[] = {
	{ GIB, 40, 10, 4 * KIB, GIB },		  /* 4K 16K 64K 256K 1M 4M 16M 64M 256M 1G */
	{ 100 * MIB, 40, 9, 4 * KIB, 100 * MIB }, /* ... 64M, then 100M itself */
	{ 4 * KIB, 40, 1, 4 * KIB, 4 * KIB },
	{ 5000, 40, 2, 4 * KIB, 5000 },
	{ 1000, 40, 1, 1000, 1000 }, /* below the ladder: only the size asked for */
	{ 0, 40, 0, 0, 0 },
	{ GIB, 3, 3, 4 * KIB, 64 * KIB },
	{ 16ull << 40, 40, 17, 4 * KIB, 16ull << 40 }, /* 16 TiB is 4K x 4^16: on the ladder */
};

static void test_sweep_sizes(void **state)
{
	uint64_t out[40];
	size_t i, j, n;

	(void)state;
	for (i = 0; i < sizeof(sweep_cases) / sizeof(sweep_cases[0]); i++) {
		const struct sweep_case *c = &sweep_cases[i];

		memset(out, 0, sizeof(out));
		n = sweep_sizes(c->max, out, c->cap);
		assert_int_equal(n, c->n);
		if (!n)
			continue;
		assert_int_equal(out[0], c->first);
		assert_int_equal(out[n - 1], c->last);
		for (j = 1; j < n; j++) {
			assert_true(out[j] > out[j - 1]);
			assert_true(out[j] <= c->max);
		}
		assert_int_equal(out[n], 0); /* nothing past the count */
	}
	/* The ladder steps by 4. */
	n = sweep_sizes(GIB, out, 40);
	for (j = 1; j < n; j++)
		assert_int_equal(out[j], out[j - 1] * 4);
}

static void test_sweep_batch(void **state)
{
	(void)state;
	assert_int_equal(sweep_batch(4 * KIB), SWEEP_BATCH_MAX); /* 16384 would be needed; capped */
	assert_int_equal(sweep_batch(MIB), 64);
	assert_int_equal(sweep_batch(48 * MIB), 2);
	assert_int_equal(sweep_batch(64 * MIB), 1);
	assert_int_equal(sweep_batch(GIB), 1);
	assert_int_equal(sweep_batch(0), 1);
}

static void test_numa_farthest(void **state)
{
	/* Two sockets (SLIT 10/21). */
	static const uint64_t two[] = { 10, 21, 21, 10 };
	/* Two sockets of two nodes each: near in-socket 12, across 32. */
	static const uint64_t four[] = { 10, 12, 32, 32, 12, 10, 32, 32, 32, 32, 10, 12, 32, 32, 12, 10 };
	/* Asymmetric: from node 1 the farthest is 0. */
	static const uint64_t three[] = { 10, 20, 30, 40, 10, 20, 30, 20, 10 };

	(void)state;
	assert_int_equal(numa_farthest(two, 2, 0), 1);
	assert_int_equal(numa_farthest(two, 2, 1), 0);
	assert_int_equal(numa_farthest(four, 4, 0), 2); /* tie between 2 and 3: the lower */
	assert_int_equal(numa_farthest(four, 4, 3), 0);
	assert_int_equal(numa_farthest(four, 4, 1), 2);
	assert_int_equal(numa_farthest(three, 3, 1), 0);
	assert_int_equal(numa_farthest(three, 3, 0), 2);
	assert_int_equal(numa_farthest(two, 1, 0), -1); /* one node: nothing farther */
	assert_int_equal(numa_farthest(NULL, 3, 0), 1);
	assert_int_equal(numa_farthest(NULL, 3, 1), 0);
	assert_int_equal(numa_farthest(NULL, 1, 0), -1);
}

static void test_pci_addr(void **state)
{
	struct pci_addr a;

	(void)state;
	assert_int_equal(pci_addr_parse("0000:18:00.0", &a), 0);
	assert_true(a.domain == 0 && a.bus == 0x18 && a.dev == 0 && a.func == 0);
	assert_int_equal(pci_addr_parse("00000001:2A:1f.3", &a), 0);
	assert_true(a.domain == 1 && a.bus == 0x2a && a.dev == 0x1f && a.func == 3);
	assert_int_equal(pci_addr_parse("18:00.0", &a), -1);
	assert_int_equal(pci_addr_parse("0000:18:00.0x", &a), -1);
	assert_int_equal(pci_addr_parse("0000:18:00.8", &a), -1);
	assert_int_equal(pci_addr_parse("", &a), -1);
	assert_int_equal(pci_addr_parse(NULL, &a), -1);
	/* CUDA's form against NVML's. */
	assert_true(pci_addr_same("0000:2a:00.0", "00000000:2A:00.0"));
	assert_false(pci_addr_same("0000:2a:00.0", "00000000:2A:00.1"));
	assert_false(pci_addr_same("0000:18:00.0", "00000000:2A:00.0"));
	assert_false(pci_addr_same("garbage", "garbage"));
}

/* ---- NVML, through the stand-in library ---- */

/* The stand-in NVML library in the build dir ($SD_BUILD, or three levels above this binary). Caller frees. */
static char *fake_nvml(void)
{
	const char *env = getenv("SD_BUILD");
	char exe[PATH_MAX], path[PATH_MAX + 64], *slash;
	ssize_t n;
	int up;

	if (env && *env) {
		snprintf(path, sizeof(path), "%s/tests/fakes/libnvml.so", env);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			return NULL;
		exe[n] = '\0';
		for (up = 0; up < 3 && (slash = strrchr(exe, '/')); up++)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/tests/fakes/libnvml.so", exe);
	}
	return access(path, R_OK) ? NULL : strdup(path);
}

static int open_fake(struct nvml *n)
{
	char err[256], *lib = fake_nvml();

	if (!lib)
		return -1;
	setenv(NVML_LIB_ENV, lib, 1);
	unsetenv("FAKE_NVML_INIT_RC");
	unsetenv("FAKE_NVML_GPUS");
	free(lib);
	if (nvml_open(n, err, sizeof(err)))
		fail_msg("%s", err);
	return 0;
}

static void test_nvml_hbm(void **state)
{
	unsigned int mhz = 0, bits = 0, i;
	struct nvml n;
	char err[256];

	(void)state;
	if (open_fake(&n))
		skip(); /* the stand-in library is not built: `make tests` builds it */
	for (i = 0; i < 2; i++) {
		assert_int_equal(nvml_device_max_mem_clock(&n, i, &mhz, err, sizeof(err)), 0);
		assert_int_equal(nvml_device_mem_bus_width(&n, i, &bits, err, sizeof(err)), 0);
		assert_int_equal(mhz, 2619);
		assert_int_equal(bits, 5120);
		/* FACTS.md: H100 SXM5 HBM3 3.35 TB/s. */
		assert_near(peak_hbm(mhz, bits), 3.35e12, 1e-3);
	}
	assert_int_equal(nvml_device_max_mem_clock(&n, 2, &mhz, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "gpu 2"));
	/* A driver without the function: a reason, not a crash. */
	n.fn[NVML_SYM_DEVICE_MAX_CLOCK] = NULL;
	assert_false(nvml_has(&n, NVML_SYM_DEVICE_MAX_CLOCK));
	assert_int_equal(nvml_device_max_mem_clock(&n, 0, &mhz, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'nvmlDeviceGetMaxClockInfo' not found in"));
	assert_int_equal(nvml_last_rc(&n), NVML_RC_NO_SYMBOL);
	n.fn[NVML_SYM_DEVICE_MEM_BUS_WIDTH] = NULL;
	assert_int_equal(nvml_device_mem_bus_width(&n, 0, &bits, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'nvmlDeviceGetMemoryBusWidth' not found in"));
	nvml_close(&n);
	unsetenv(NVML_LIB_ENV);
}

/* PCI bus ids from NVML match the CUDA form membw maps devices by. */
static void test_nvml_bus_id_match(void **state)
{
	char bus[NVML_BUS_ID_LEN], err[256];
	struct nvml n;

	(void)state;
	if (open_fake(&n))
		skip();
	assert_int_equal(nvml_device_pci_bus_id(&n, 1, bus, sizeof(bus), err, sizeof(err)), 0);
	assert_true(pci_addr_same(bus, "0000:2a:00.0"));
	assert_false(pci_addr_same(bus, "0000:18:00.0"));
	nvml_close(&n);
	unsetenv(NVML_LIB_ENV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcie_peak),	  cmocka_unit_test(test_hbm_peak),
		cmocka_unit_test(test_kernel_bytes),	  cmocka_unit_test(test_stream_expected),
		cmocka_unit_test(test_stream_wrong),	  cmocka_unit_test(test_sweep_sizes),
		cmocka_unit_test(test_sweep_batch),	  cmocka_unit_test(test_numa_farthest),
		cmocka_unit_test(test_pci_addr),	  cmocka_unit_test(test_nvml_hbm),
		cmocka_unit_test(test_nvml_bus_id_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
