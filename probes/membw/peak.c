/* peak.c - see peak.h; formulas in probes/METRICS.md, section `membw`. */
#include "peak.h"

#include <ctype.h>
#include <math.h>

const char *const gpu_kernel_names[GPU_NKERNELS] = { "copy", "scale", "add", "triad", "d2d" };

double peak_hbm(unsigned int mem_clock_mhz, unsigned int bus_width_bits)
{
	return (double)mem_clock_mhz * 1e6 * 2.0 * (double)bus_width_bits / 8.0;
}

double peak_pcie_gts(unsigned int gen)
{
	static const double gts[] = { 0, 2.5, 5, 8, 16, 32, 64 };

	return gen < sizeof(gts) / sizeof(gts[0]) ? gts[gen] : 0;
}

double peak_pcie_efficiency(unsigned int gen)
{
	if (gen == 1 || gen == 2)
		return 8.0 / 10.0;
	if (gen >= 3 && gen <= 5)
		return 128.0 / 130.0;
	if (gen == 6)
		return 242.0 / 256.0;
	return 0;
}

double peak_pcie(unsigned int gen, unsigned int width)
{
	return peak_pcie_gts(gen) * 1e9 * peak_pcie_efficiency(gen) * (double)width / 8.0;
}

double gpu_kernel_bytes(enum gpu_kernel k, uint64_t n)
{
	int arrays = (k == GPU_ADD || k == GPU_TRIAD) ? 3 : 2;

	return (double)arrays * sizeof(double) * (double)n;
}

void gpu_stream_expected(int reps, double *a, double *b, double *c)
{
	double ea = GPU_STREAM_A0, eb = GPU_STREAM_B0, ec = GPU_STREAM_C0;
	int r;

	for (r = 0; r < reps; r++) {
		ec = ea;
		eb = GPU_STREAM_SCALAR * ec;
		ec = ea + eb;
		ea = eb + GPU_STREAM_SCALAR * ec;
	}
	*a = ea;
	*b = eb;
	*c = ec;
}

int gpu_stream_wrong(double x, double want)
{
	double scale = want != 0 ? fabs(want) : 1.0;

	return !(fabs(x - want) <= GPU_STREAM_TOLERANCE * scale);
}

size_t sweep_sizes(uint64_t max, uint64_t *out, size_t cap)
{
	uint64_t s, last = 0;
	size_t n = 0;

	for (s = SWEEP_MIN_BYTES; s <= max && n < cap; s *= 4) {
		out[n++] = s;
		last = s;
		if (s > UINT64_MAX / 4)
			break;
	}
	if (max && last != max && n < cap)
		out[n++] = max;
	return n;
}

unsigned int sweep_batch(uint64_t bytes)
{
	uint64_t k;

	if (!bytes)
		return 1;
	k = (SWEEP_BATCH_BYTES + bytes - 1) / bytes;
	return k > SWEEP_BATCH_MAX ? SWEEP_BATCH_MAX : (unsigned int)k;
}

int numa_farthest(const uint64_t *dist, unsigned int n, unsigned int near)
{
	int best = -1;
	unsigned int j;

	for (j = 0; j < n; j++) {
		if (j == near)
			continue;
		if (best < 0 || (dist && dist[(size_t)near * n + j] > dist[(size_t)near * n + (unsigned int)best]))
			best = (int)j;
	}
	return best;
}

/* Read 1..maxdigits hex digits at *s into *v, then expect sep (or the end when sep is 0). */
static int hex_field(const char **s, unsigned int maxdigits, char sep, unsigned int *v)
{
	unsigned int n = 0, d;
	const char *p = *s;

	for (*v = 0; isxdigit((unsigned char)*p) && n < maxdigits; p++, n++) {
		d = isdigit((unsigned char)*p) ? (unsigned int)(*p - '0') : (unsigned int)(tolower(*p) - 'a' + 10);
		*v = *v * 16 + d;
	}
	if (!n || *p != sep)
		return -1;
	*s = sep ? p + 1 : p;
	return 0;
}

int pci_addr_parse(const char *s, struct pci_addr *a)
{
	if (!s || hex_field(&s, 8, ':', &a->domain) || hex_field(&s, 2, ':', &a->bus) ||
	    hex_field(&s, 2, '.', &a->dev) || hex_field(&s, 1, '\0', &a->func) || a->dev > 0x1f || a->func > 7)
		return -1;
	return 0;
}

int pci_addr_same(const char *x, const char *y)
{
	struct pci_addr a, b;

	if (pci_addr_parse(x, &a) || pci_addr_parse(y, &b))
		return 0;
	return a.domain == b.domain && a.bus == b.bus && a.dev == b.dev && a.func == b.func;
}
