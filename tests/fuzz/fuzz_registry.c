/*
 * fuzz_registry.c - the registry probe's parsers (probes/registry/ociparse.h),
 * which read what a registry sends and a user's docker config.json. Every
 * parser gets the input (as text where it takes a string): the
 * WWW-Authenticate challenge, the manifest or index body (with a
 * Content-Type picked by the input's length) and the platform selection on
 * an index, config.json `auths`, Retry-After, references, repository names,
 * digests and base64. What a parser promises on success is checked.
 */
#include "fuzz_util.h"
#include "ociparse.h"

static const char *const content_types[] = {
	NULL,
	"",
	OCI_MT_INDEX,
	OCI_MT_MANIFEST,
	OCI_MT_DOCKER_LIST,
	OCI_MT_DOCKER_V2 "; charset=utf-8",
	"application/json",
};

static void challenge(const char *s)
{
	struct oci_challenge c;
	char err[256];

	if (oci_parse_challenge(s, &c, err, sizeof(err)))
		return;
	if (!memchr(c.realm, 0, sizeof(c.realm)) || !memchr(c.service, 0, sizeof(c.service)) ||
	    !memchr(c.scope, 0, sizeof(c.scope)) || (c.scheme == OCI_AUTH_BEARER && !c.realm[0]))
		abort();
}

static void manifest(const uint8_t *data, size_t size)
{
	static const char *const platforms[] = { "linux/amd64", "linux/arm64/v8", "linux/arm/v7", "x", "a/b/c/d" };
	const char *ct = content_types[size % (sizeof(content_types) / sizeof(content_types[0]))];
	struct oci_manifest m;
	char err[512];
	size_t i;
	long k;

	if (oci_parse_manifest((const char *)data, size, ct, &m, err, sizeof(err))) {
		if (m.desc || m.ndesc)
			abort(); /* released on error */
		return;
	}
	if (m.ndesc > OCI_MAX_DESC || (m.kind == OCI_KIND_IMAGE && !oci_digest_valid(m.config.digest)))
		abort();
	for (i = 0; i < m.ndesc; i++)
		if (!oci_digest_valid(m.desc[i].digest) || m.desc[i].size > (1ULL << 53))
			abort();
	if (m.kind == OCI_KIND_INDEX)
		for (i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
			k = oci_select_platform(&m, platforms[i], err, sizeof(err));
			if (k >= (long)m.ndesc)
				abort();
		}
	oci_manifest_release(&m);
}

static void config(const char *s)
{
	static const char *const hosts[] = { "127.0.0.1:5000", "docker.io", "registry.example.com" };
	char *user, *pass, err[512];
	size_t i;

	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		if (oci_config_auth(s, hosts[i], &user, &pass, err, sizeof(err)) == 1) {
			if (!user || !pass)
				abort();
		} else if (user || pass) {
			abort(); /* nothing to free unless found */
		}
		free(user);
		free(pass);
	}
}

static void small_parsers(const char *s)
{
	struct oci_ref ref;
	char err[256], out[64];
	double secs;
	long n;

	if (!oci_parse_retry_after(s, 1700000000, &secs) && !(secs >= 0))
		abort();
	if (!oci_parse_ref(s, &ref, err, sizeof(err)) && (!memchr(ref.value, 0, sizeof(ref.value)) || !ref.value[0]))
		abort();
	oci_repo_valid(s);
	oci_digest_valid(s);
	n = oci_base64_decode(s, out, sizeof(out));
	if (n >= (long)sizeof(out))
		abort();
	oci_base64_decode(s, out, 1);
	oci_base64_decode(s, out, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size);

	challenge(s);
	manifest(data, size);
	config(s);
	small_parsers(s);
	free(s);
	return 0;
}
