/*
 * ociparse.h - the registry probe's parsers, pure and separately tested
 * (tests/unit/test_registry.c): WWW-Authenticate challenges, docker
 * config.json `auths`, image references and digests, OCI/Docker manifests
 * and indexes with platform selection, Retry-After. Nothing here does I/O.
 *
 * Every parser takes untrusted input (a registry's headers and bodies, a
 * user's config file): values that do not fit are errors, never truncated.
 * Errors return -1 with a lower-case message in err (strbuf.h: errf).
 */
#ifndef SD_OCIPARSE_H
#define SD_OCIPARSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum oci_auth_scheme { OCI_AUTH_NONE, OCI_AUTH_BASIC, OCI_AUTH_BEARER };

struct oci_challenge {
	enum oci_auth_scheme scheme;
	char realm[1024];
	char service[256];
	char scope[1024]; /* may hold several space-separated scopes */
};

/*
 * Parse a WWW-Authenticate value: one or more challenges, `Scheme k=v, k="v"`,
 * quoted strings with backslash escapes and commas inside quotes. Bearer is
 * preferred over Basic when both are offered. Unknown schemes and params are
 * skipped. Returns 0 (scheme NONE when no known scheme), or -1.
 */
int oci_parse_challenge(const char *header, struct oci_challenge *out, char *err, size_t len);

/* "sha256:" followed by 64 lower-case hex digits: 1; anything else 0. */
int oci_digest_valid(const char *digest);

/*
 * Decode standard base64 (padding optional, no whitespace) into out, at most
 * cap - 1 bytes, NUL-terminated. Returns the decoded length, or -1.
 */
long oci_base64_decode(const char *in, char *out, size_t cap);

/*
 * Look host ("127.0.0.1:5000", "registry.example.com") up in a docker-style
 * config.json (`auths` map; keys may carry a scheme and a /v1/ or /v2/ path).
 * The entry's `auth` (base64 user:password) or its `username`/`password`.
 * Returns 1 found (user and pass malloc'd: the caller frees, and should wipe
 * pass), 0 not found, -1 on a malformed file or entry. The message never
 * contains the secret.
 */
int oci_config_auth(const char *json, const char *host, char **user, char **pass, char *err, size_t len);

/* Retry-After: delta-seconds or an HTTP-date (relative to now). 0 with *seconds >= 0, or -1. */
int oci_parse_retry_after(const char *value, time_t now, double *seconds);

/* An image reference within a repository: a tag, or a digest. */
struct oci_ref {
	int is_digest;
	char value[160];
};
/* Tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}; digest: oci_digest_valid. Returns 0 or -1. */
int oci_parse_ref(const char *s, struct oci_ref *out, char *err, size_t len);
/* Repository name: lower-case path components [a-z0-9]+([._-][a-z0-9]+)* separated by '/'. 1 valid, 0 not. */
int oci_repo_valid(const char *s);

#define OCI_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define OCI_MT_DOCKER_V2 "application/vnd.docker.distribution.manifest.v2+json"
/* The Accept list of every manifest request (FACTS.md: without an OCI type an OCI image is 404). */
#define OCI_ACCEPT "Accept: " OCI_MT_INDEX ", " OCI_MT_MANIFEST ", " OCI_MT_DOCKER_LIST ", " OCI_MT_DOCKER_V2

struct oci_desc {
	char digest[72]; /* sha256:<64 hex> */
	uint64_t size;
	char os[32], arch[32], variant[32]; /* index entries only */
};

enum oci_kind { OCI_KIND_INDEX, OCI_KIND_IMAGE };

#define OCI_MAX_DESC 512

/*
 * A parsed manifest: an index (entries = the per-platform manifests) or an
 * image (config + layers). Owned by the caller: oci_manifest_release().
 */
struct oci_manifest {
	enum oci_kind kind;
	char media_type[96];
	struct oci_desc config; /* image only */
	struct oci_desc *desc;	/* index: manifests; image: layers */
	size_t ndesc;
};

/*
 * Parse body (n bytes, not NUL-terminated). The kind comes from the body's
 * mediaType, or content_type when the body has none (OCI allows that), or
 * the shape (manifests[] vs layers[]). Every digest is validated; sizes must
 * be non-negative integers below 2^53. Returns 0 or -1.
 */
int oci_parse_manifest(const char *body, size_t n, const char *content_type, struct oci_manifest *m, char *err,
		       size_t len);
void oci_manifest_release(struct oci_manifest *m);

/*
 * The index entry for platform "os/arch[/variant]"; an entry without a
 * variant matches any asked variant only when no entry matches it exactly.
 * Returns its position, or -1 with the platforms on offer in err.
 */
long oci_select_platform(const struct oci_manifest *idx, const char *platform, char *err, size_t len);

#endif
