/*
 * pergpu.h - one instance of a probe per GPU (probes/PROTOCOL.md "One
 * instance per GPU"): for a probe whose --describe says "per_gpu": true, the
 * runner (a step on this machine, attempt.c) and the node agent (a fan-out,
 * runner/agent/node.c) start one instance per GPU of the node at once, each
 * with CUDA_VISIBLE_DEVICES and SHAKEDOWN_GPU set to its GPU, and the
 * instances' attempts become the step's one attempt (pergpu_merge).
 *
 * Rules decided here:
 *  - The GPUs are those CUDA_VISIBLE_DEVICES names when it is set (a job
 *    given part of a node: Slurm sets it), else NVML's count (0 .. n-1). No
 *    GPU, or no NVML: one ordinary instance, which then says what it finds.
 *  - The merged status is the worst (ok < skipped < failed < error <
 *    interrupted), except that a mix of ok and skipped is ok (as a step's
 *    attempts are, runner/RESULTS.md); its reason names the GPU:
 *    "gpu 3: <reason>".
 *  - Every metric and series gets the label gpu=<its GPU> (replacing the
 *    probe's own, which counts from 0 among the GPUs it sees).
 *  - The merged result is one document of the protocol: the first
 *    instance's identity and params, the longest duration, every instance's
 *    metrics and series, and env {"gpus": {"<gpu>": that instance's env}}.
 */
#ifndef SD_PERGPU_H
#define SD_PERGPU_H

#include <stddef.h>

#include <cJSON.h>

#define PERGPU_MAX 64 /* GPUs taken from CUDA_VISIBLE_DEVICES or NVML, at most */

/* The GPUs of this machine, as above: *n names (caller frees with strv_free), or NULL with *n 0 when none. */
char **pergpu_devices(size_t *n);

/*
 * The one attempt of n instances' attempts (attempt.h shape), at[i] run on
 * GPU gpus[i], of probe `probe`. Takes nothing over: the caller still frees
 * at[]. Returns a new object (caller owns).
 */
cJSON *pergpu_merge(cJSON *const *at, const char *const *gpus, size_t n, const char *probe);

#endif
