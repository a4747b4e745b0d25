/*
 * protocol.h - the probe protocol's fixed vocabulary and the check the runner
 * applies to every document a probe prints (probes/PROTOCOL.md is the prose;
 * probes/schema/probe-result.schema.json the same contract as JSON Schema,
 * which the tests validate every probe's output against).
 */
#ifndef SD_PROTOCOL_H
#define SD_PROTOCOL_H

#include <stddef.h>

#include <cJSON.h>

/* NULL-terminated lists. */
extern const char *const protocol_units[];
extern const char *const protocol_x_units[];  /* series x axes only: FLOP/B, OP/B */
extern const char *const protocol_statuses[]; /* ok, skipped, failed, error */
extern const char *const protocol_ptypes[];   /* indexed by enum probe_ptype */

int protocol_is_unit(const char *unit);
/* A series' x_unit: a protocol unit, or an intensity (FLOP/B, OP/B). */
int protocol_is_x_unit(const char *unit);
int protocol_is_status(const char *status);

/*
 * Check a parsed result document against the protocol. Returns 0 when it
 * conforms; otherwise -1 with the first violation in err, naming the JSON
 * path: "metrics[2].unit 'GB/s' is not a protocol unit".
 */
int protocol_check_result(const cJSON *doc, char *err, size_t len);

/* Same for a --describe document. */
int protocol_check_describe(const cJSON *doc, char *err, size_t len);

#endif

/*
 * Check one parameter value against its declared type (a protocol_ptypes
 * name) and, for enum and list, its choices ("cpu|gpu|auto"; NULL or "" for
 * none). Returns 0, or -1 with a message in err that quotes the value.
 * The runner (plans, --set) and the probe library (--PARAM=VALUE) both call
 * this, so a value is accepted or refused the same way everywhere.
 */
int protocol_check_value(const char *type, const char *choices, const char *value, char *err, size_t len);
