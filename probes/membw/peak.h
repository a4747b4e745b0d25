/*
 * peak.h - the arithmetic of membw's GPU paths, kept free of CUDA and hwloc
 * so that tests/unit/test_membw_gpu.c can check it on any machine: the
 * theoretical peaks (HBM, PCIe), the byte counting of the device kernels, the
 * values the device arrays must hold afterwards, the transfer sizes of the
 * bandwidth sweep, the NUMA node choice and PCI bus id matching.
 *
 * Formulas: probes/METRICS.md, section `membw`.
 */
#ifndef SD_MEMBW_PEAK_H
#define SD_MEMBW_PEAK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * HBM peak in B/s: max memory clock (MHz, NVML_CLOCK_MEM) x 1e6 x 2 (two
 * transfers a clock) x bus width (bits) / 8. 0 when either input is 0.
 */
double peak_hbm(unsigned int mem_clock_mhz, unsigned int bus_width_bits);

/* Per-lane signalling rate of PCIe generation gen (1..6) in GT/s; 0 for an unknown gen. */
double peak_pcie_gts(unsigned int gen);
/* Payload share of the line code: 8b/10b (gen 1-2), 128b/130b (gen 3-5), 242/256 FLIT (gen 6); 0 if unknown. */
double peak_pcie_efficiency(unsigned int gen);
/* PCIe bandwidth per direction in B/s: GT/s x 1e9 x efficiency x width / 8; 0 for an unknown gen or width 0. */
double peak_pcie(unsigned int gen, unsigned int width);

/*
 * Device STREAM. The GPU arrays start at a=0.1, b=0.2, c=0 and scalar 0.4
 * (BabelStream's values): a shrinks by 0.96 each repetition, so the values
 * stay normal for any number of repetitions membw accepts.
 */
#define GPU_STREAM_A0 0.1
#define GPU_STREAM_B0 0.2
#define GPU_STREAM_C0 0.0
#define GPU_STREAM_SCALAR 0.4
/* Relative error an element may have: the GPU fuses triad's multiply-add, the host check does not. */
#define GPU_STREAM_TOLERANCE 1e-12

enum gpu_kernel { GPU_COPY, GPU_SCALE, GPU_ADD, GPU_TRIAD, GPU_D2D, GPU_NKERNELS };

/* "copy", "scale", "add", "triad", "d2d": the metric names. */
extern const char *const gpu_kernel_names[GPU_NKERNELS];

/* Bytes kernel k moves over n doubles: 2 arrays (copy, scale, d2d) or 3 (add, triad) x 8 B each. */
double gpu_kernel_bytes(enum gpu_kernel k, uint64_t n);

/* The values a, b, c hold after reps repetitions of copy, scale, add, triad from the start values above. */
void gpu_stream_expected(int reps, double *a, double *b, double *c);

/* Whether x differs from want by more than GPU_STREAM_TOLERANCE relative to want (absolute when want is 0). */
int gpu_stream_wrong(double x, double want);

/*
 * Transfer sizes of the host<->device sweep: 4 KiB, then x4 while at most
 * max, then max itself when the ladder missed it. Writes at most cap sizes
 * into out and returns how many there are (0 when max is 0).
 */
#define SWEEP_MIN_BYTES 4096ull
size_t sweep_sizes(uint64_t max, uint64_t *out, size_t cap);
/*
 * Copies timed together at one sweep size, so that the events' resolution
 * and launch overhead vanish: enough to move SWEEP_BATCH_BYTES, 1 .. SWEEP_BATCH_MAX.
 */
#define SWEEP_BATCH_BYTES (64ull << 20)
#define SWEEP_BATCH_MAX 1000u
unsigned int sweep_batch(uint64_t bytes);

/*
 * The NUMA node farthest from node near, given an n x n distance matrix
 * (dist[i * n + j], from i to j; NULL when the machine gives none): the
 * largest distance, the lowest index on a tie; without distances the first
 * node other than near. -1 when there is no other node.
 */
int numa_farthest(const uint64_t *dist, unsigned int n, unsigned int near);

/* A PCI address, parsed from "0000:18:00.0" (CUDA) or "00000000:18:00.0" (NVML); -1 if malformed. */
struct pci_addr {
	unsigned int domain, bus, dev, func;
};
int pci_addr_parse(const char *s, struct pci_addr *a);
/* Whether two bus ids in either form name the same function; 0 when either is malformed. */
int pci_addr_same(const char *x, const char *y);

#ifdef __cplusplus
}
#endif

#endif
