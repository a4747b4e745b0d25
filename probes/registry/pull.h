/*
 * pull.h - one image pull over the OCI distribution API, on libcurl: ping,
 * auth (Basic, Bearer token), manifest (index -> platform), then the config
 * and layer blobs in parallel through one curl multi handle, each sha256
 * checked as it streams (OpenSSL EVP) and discarded. Retries 429 and 5xx
 * with backoff that honours Retry-After, within a budget; connect timeout and
 * a low-speed limit so a stalled transfer fails rather than hangs.
 *
 * One pull is self-contained (its own handles, its own auth), so herd threads
 * each run one. curl_global_init() must have been called first.
 * Credentials are only handed to libcurl; no message here contains them.
 */
#ifndef SD_PULL_H
#define SD_PULL_H

#include "ociparse.h"

#include <stddef.h>
#include <stdint.h>

struct probe_ctx;

/* What stopped a pull: each has its own reason prefix (METRICS.md, `registry`) and runbook. */
enum pull_err {
	PULL_OK,
	PULL_UNREACHABLE, /* "unreachable: ..." */
	PULL_TLS,	  /* "tls failure: ..." */
	PULL_AUTH,	  /* "auth failure: ..." */
	PULL_NOTFOUND,	  /* "not found: ..." (404 MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN) */
	PULL_RATELIMIT,	  /* "rate-limited beyond the retry budget: ..." */
	PULL_SERVER,	  /* "server error beyond the retry budget: ..." */
	PULL_DIGEST,	  /* "digest mismatch: ..." (the only verdict 'failed') */
	PULL_TRUNCATED,	  /* "truncated: ..." */
	PULL_STALL,	  /* "stall: ..." */
	PULL_PROTOCOL,	  /* "protocol: ..." anything else the registry got wrong */
};

struct pull_opts {
	struct probe_ctx *ctx; /* for log lines; NULL: quiet */
	const char *base;      /* "http://127.0.0.1:5000", no trailing slash */
	const char *repo;
	struct oci_ref ref;
	const char *platform; /* os/arch[/variant] */
	int concurrency;      /* blobs in flight */
	const char *ca_bundle;
	int insecure;
	const char *user, *pass; /* NULL: anonymous */
	int retries;		 /* per request */
	double retry_max_wait;	 /* longest single wait, s */
	double connect_timeout, stall_time;
	long low_speed;	   /* B/s below which for stall_time is a stall */
	int corrupt;	   /* fault injection: damage the first layer's bytes before hashing */
	const char *store; /* NULL, or write what was verified as an OCI layout there (store.h) */
};

struct pull_blob {
	char digest[72];
	uint64_t size;
	double seconds; /* first request to verified, retries included */
	int is_config;
};

struct pull_result {
	enum pull_err err;
	char reason[1024];
	double ping_time, auth_time; /* auth_time < 0: no auth was asked for */
	double manifest_time, first_byte_time, pull_time, blob_time;
	uint64_t bytes;
	int retries;
	char manifest_digest[72]; /* of the image manifest pulled */
	struct pull_blob *blobs;  /* config first, then layers in manifest order */
	size_t nblobs;
};

/* Run one pull. Returns 0 (r->err PULL_OK) or -1 with r->err and r->reason. Release r after either. */
int pull_run(const struct pull_opts *o, struct pull_result *r);
void pull_result_release(struct pull_result *r);

#endif
