/*
 * test_registry.c - the registry probe's parsers (probes/registry/ociparse.h),
 * table-driven with hostile input: WWW-Authenticate challenges (Basic/Bearer,
 * quoted params, commas and escaped quotes inside quotes, several challenges,
 * unterminated and oversized values), docker config.json auths lookup
 * (base64 user:pass, key forms, malformed entries), base64, digest and tag
 * validation, Retry-After (seconds and HTTP-date), manifests and indexes
 * (media types, Content-Type disagreement, bad digests and sizes) and
 * platform selection; plus a bounded pseudo-random fuzz of every parser
 * (no crash, no overrun under ASan, errors are -1 with a message).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ociparse.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DG "sha256:" D64

static void test_challenge(void **state)
{
	static const struct {
		const char *in;
		int rc;
		enum oci_auth_scheme scheme;
		const char *realm, *service, *scope;
	} cases[] = {
		{ "Basic realm=\"Registry Realm\"", 0, OCI_AUTH_BASIC, "Registry Realm", "", "" },
		{ "basic realm=x", 0, OCI_AUTH_BASIC, "x", "", "" },
		{ "Bearer realm=\"https://auth.example/token\",service=\"registry.example\"", 0, OCI_AUTH_BEARER,
		  "https://auth.example/token", "registry.example", "" },
		{ "Bearer realm=\"https://a/t\", service=\"s\", scope=\"repository:x/y:pull,push\"", 0, OCI_AUTH_BEARER,
		  "https://a/t", "s", "repository:x/y:pull,push" },
		{ "Bearer realm=\"https://a/t\",scope=\"repository:a:pull repository:b:pull\"", 0, OCI_AUTH_BEARER,
		  "https://a/t", "", "repository:a:pull repository:b:pull" },
		{ "Bearer realm=\"a\\\"b\",service=\"c,d\"", 0, OCI_AUTH_BEARER, "a\"b", "c,d", "" },
		{ "Basic realm=\"x\", Bearer realm=\"https://t\",service=s", 0, OCI_AUTH_BEARER, "https://t", "s", "" },
		{ "Bearer realm=\"https://t\", Basic realm=\"x\"", 0, OCI_AUTH_BEARER, "https://t", "", "" },
		{ "Negotiate abc, Basic realm=y", 0, OCI_AUTH_BASIC, "y", "", "" },
		{ "Negotiate", 0, OCI_AUTH_NONE, "", "", "" },
		{ "", 0, OCI_AUTH_NONE, "", "", "" },
		{ "  Bearer   realm = \"https://t\" ,, service = s  ", 0, OCI_AUTH_BEARER, "https://t", "s", "" },
		{ "Bearer service=s", -1, 0, NULL, NULL, NULL },	    /* no realm */
		{ "Bearer realm=\"unterminated", -1, 0, NULL, NULL, NULL }, /* unterminated quote */
		{ "realm=x", -1, 0, NULL, NULL, NULL },			    /* param before scheme */
		{ "Bearer realm=\"a\" junk", -1, 0, NULL, NULL, NULL },	    /* no comma */
		{ "Bearer (realm)=x", -1, 0, NULL, NULL, NULL },
	};
	struct oci_challenge c;
	char err[200];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = oci_parse_challenge(cases[i].in, &c, err, sizeof(err));

		if (rc != cases[i].rc)
			fail_msg("case %zu '%s': rc %d, wanted %d (%s)", i, cases[i].in, rc, cases[i].rc, err);
		if (rc < 0) {
			assert_true(err[0] != '\0');
			continue;
		}
		assert_int_equal(c.scheme, cases[i].scheme);
		assert_string_equal(c.realm, cases[i].realm);
		assert_string_equal(c.service, cases[i].service);
		assert_string_equal(c.scope, cases[i].scope);
	}
}

static void test_challenge_oversized(void **state)
{
	char big[4096], err[200];
	struct oci_challenge c;

	(void)state;
	snprintf(big, sizeof(big), "Bearer realm=\"%0*d\"", 2000, 0); /* longer than realm[] */
	assert_int_equal(oci_parse_challenge(big, &c, err, sizeof(err)), -1);
	memset(big, 'A', sizeof(big) - 1); /* one huge token */
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(oci_parse_challenge(big, &c, err, sizeof(err)), -1);
	snprintf(big, sizeof(big), "Bearer realm=\"https://t\",service=\"%0*d\"", 300, 0);
	assert_int_equal(oci_parse_challenge(big, &c, err, sizeof(err)), -1);
	assert_int_equal(oci_parse_challenge(NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(c.scheme, OCI_AUTH_NONE);
}

static void test_digest(void **state)
{
	static const struct {
		const char *in;
		int ok;
	} cases[] = {
		{ DG, 1 },
		{ "sha256:" D64 "0", 0 },
		{ "sha256:"
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
		  0 },
		{ "sha256:"
		  "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		  0 },
		{ "sha512:" D64, 0 },
		{ "SHA256:" D64, 0 },
		{ D64, 0 },
		{ "sha256:", 0 },
		{ "", 0 },
		{ "sha256:"
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
		  0 },
		{ "sha256:../../../etc/passwd", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (oci_digest_valid(cases[i].in) != cases[i].ok)
			fail_msg("case %zu '%s'", i, cases[i].in);
	assert_int_equal(oci_digest_valid(NULL), 0);
}

static void test_ref_repo(void **state)
{
	static const struct {
		const char *in;
		int rc, is_digest;
	} refs[] = {
		{ "latest", 0, 0 },   { "v1.2.3-rc_1", 0, 0 }, { "_x", 0, 0 },	      { DG, 0, 1 },
		{ ".hidden", -1, 0 }, { "-x", -1, 0 },	       { "a/b", -1, 0 },      { "a b", -1, 0 },
		{ "", -1, 0 },	      { "v1;rm", -1, 0 },      { "sha256:x", -1, 0 }, { "a?b", -1, 0 },
	};
	static const struct {
		const char *in;
		int ok;
	} repos[] = {
		{ "library/busybox", 1 },
		{ "a", 1 },
		{ "a-b.c_d/e", 1 },
		{ "Upper", 0 },
		{ "a//b", 0 },
		{ "/a", 0 },
		{ "a/", 0 },
		{ "a..b", 0 },
		{ "", 0 },
		{ "a/../b", 0 },
		{ "a b", 0 },
		{ "a%2fb", 0 },
	};
	struct oci_ref r;
	char err[200], long_tag[200];

	(void)state;
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		if (oci_parse_ref(refs[i].in, &r, err, sizeof(err)) != refs[i].rc)
			fail_msg("ref case %zu '%s'", i, refs[i].in);
		if (refs[i].rc == 0) {
			assert_int_equal(r.is_digest, refs[i].is_digest);
			assert_string_equal(r.value, refs[i].in);
		}
	}
	memset(long_tag, 'a', 129);
	long_tag[129] = '\0';
	assert_int_equal(oci_parse_ref(long_tag, &r, err, sizeof(err)), -1);
	long_tag[128] = '\0';
	assert_int_equal(oci_parse_ref(long_tag, &r, err, sizeof(err)), 0);
	assert_int_equal(oci_parse_ref(NULL, &r, err, sizeof(err)), -1);
	for (size_t i = 0; i < sizeof(repos) / sizeof(repos[0]); i++)
		if (oci_repo_valid(repos[i].in) != repos[i].ok)
			fail_msg("repo case %zu '%s'", i, repos[i].in);
}

static void test_base64(void **state)
{
	static const struct {
		const char *in;
		long n;
		const char *out;
	} cases[] = {
		{ "", 0, "" },		{ "YQ==", 1, "a" },	{ "YQ", 1, "a" },
		{ "YWI=", 2, "ab" },	{ "YWJj", 3, "abc" },	{ "dXNlcjpwYXNz", 9, "user:pass" },
		{ "Y", -1, NULL },	{ "YQ=", -1, NULL },	{ "Y===", -1, NULL },
		{ "YW J j", -1, NULL }, { "YW\nJj", -1, NULL }, { "YWJj*", -1, NULL },
		{ "=", -1, NULL },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long n = oci_base64_decode(cases[i].in, out, sizeof(out));

		if (n != cases[i].n)
			fail_msg("case %zu '%s': %ld, wanted %ld", i, cases[i].in, n, cases[i].n);
		if (n >= 0)
			assert_string_equal(out, cases[i].out);
	}
	assert_int_equal(oci_base64_decode("YWJj", out, 3), -1); /* no room for the NUL */
	assert_int_equal(oci_base64_decode("YWJj", out, 4), 3);
}

static void test_config_auth(void **state)
{
	static const struct {
		const char *json, *host;
		int rc;
		const char *user, *pass;
	} cases[] = {
		/* alice:s3cr:et (a colon inside the password) */
		{ "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"YWxpY2U6czNjcjpldA==\"}}}", "127.0.0.1:5000", 1, "alice",
		  "s3cr:et" },
		{ "{\"auths\":{\"https://127.0.0.1:5000/v1/\":{\"auth\":\"YWxpY2U6cHc=\"}}}", "127.0.0.1:5000", 1,
		  "alice", "pw" },
		{ "{\"auths\":{\"http://reg.example/v2/\":{\"username\":\"bob\",\"password\":\"x\"}}}", "REG.example",
		  1, "bob", "x" },
		{ "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"YTpi\"}}}", "registry-1.docker.io", 1, "a",
		  "b" },
		{ "{\"auths\":{\"127.0.0.1:5001\":{\"auth\":\"YTpi\"}}}", "127.0.0.1:5000", 0, NULL, NULL },
		{ "{\"auths\":{\"127.0.0.1\":{\"auth\":\"YTpi\"}}}", "127.0.0.1:5000", 0, NULL, NULL },
		{ "{}", "h", 0, NULL, NULL },
		{ "{\"credsStore\":\"desktop\"}", "h", 0, NULL, NULL },
		{ "{\"auths\":{\"h\":{\"auth\":\"bm9jb2xvbg==\"}}}", "h", -1, NULL, NULL }, /* "nocolon" */
		{ "{\"auths\":{\"h\":{\"auth\":\"!!!\"}}}", "h", -1, NULL, NULL },	    /* not base64 */
		{ "{\"auths\":{\"h\":{\"auth\":\"YQBiOmM=\"}}}", "h", -1, NULL, NULL },	    /* NUL inside */
		{ "{\"auths\":{\"h\":{}}}", "h", -1, NULL, NULL },			    /* nothing */
		{ "{\"auths\":{\"h\":\"str\"}}", "h", -1, NULL, NULL },
		{ "{\"auths\":[1,2]}", "h", -1, NULL, NULL },
		{ "{\"auths\":{\"h\":{\"username\":1,\"password\":\"x\"}}}", "h", -1, NULL, NULL },
		{ "not json", "h", -1, NULL, NULL },
		{ "", "h", -1, NULL, NULL },
	};
	char err[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *u = NULL, *p = NULL;
		int rc = oci_config_auth(cases[i].json, cases[i].host, &u, &p, err, sizeof(err));

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, wanted %d (%s)", i, rc, cases[i].rc, err);
		if (rc == 1) {
			assert_string_equal(u, cases[i].user);
			assert_string_equal(p, cases[i].pass);
		} else {
			assert_null(u);
			assert_null(p);
		}
		if (rc < 0) /* the message never carries the secret */
			assert_null(strstr(err, "YTpi"));
		free(u);
		free(p);
	}
}

static void test_retry_after(void **state)
{
	static const struct {
		const char *in;
		int rc;
		double s;
	} cases[] = {
		{ "0", 0, 0 },
		{ "5", 0, 5 },
		{ " 120 ", 0, 120 },
		{ "Tue, 24 Nov 2026 12:00:30 GMT", 0, 30 },
		{ "Tue, 24 Nov 2026 11:00:00 GMT", 0, 0 }, /* in the past: now */
		{ "-1", -1, 0 },
		{ "1.5", -1, 0 },
		{ "5s", -1, 0 },
		{ "99999999999999999999", -1, 0 },
		{ "100000000", -1, 0 }, /* more than a year */
		{ "", -1, 0 },
		{ "soon", -1, 0 },
		{ "Tue, 24 Foo 2026 12:00:30 GMT", -1, 0 },
		{ "Tue, 24 Nov 2026 12:00:30 PST", -1, 0 },
		{ "Tue, 24 Nov 2026 25:00:30 GMT", -1, 0 },
		{ "Tue, 24 Nov 2026 12:00:30 GMT trailing", -1, 0 },
	};
	struct tm tm = { .tm_year = 126, .tm_mon = 10, .tm_mday = 24, .tm_hour = 12 };
	time_t now = timegm(&tm);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double s = -7;
		int rc = oci_parse_retry_after(cases[i].in, now, &s);

		if (rc != cases[i].rc || (rc == 0 && s != cases[i].s))
			fail_msg("case %zu '%s': rc %d s %g", i, cases[i].in, rc, s);
	}
	assert_int_equal(oci_parse_retry_after(NULL, now, &(double){ 0 }), -1);
}

#define MAN(layers)                                                                                                    \
	"{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"config\":{\"digest\":\"" DG "\",\"size\":7},"    \
	"\"layers\":[" layers "]}"
#define LAYER(size) "{\"digest\":\"" DG "\",\"size\":" size "}"
#define ENTRY(os, arch, var)                                                                                           \
	"{\"digest\":\"" DG "\",\"size\":1,\"platform\":{\"os\":\"" os "\",\"architecture\":\"" arch "\"" var "}}"

static void test_manifest(void **state)
{
	static const struct {
		const char *body, *ctype;
		int rc;
		enum oci_kind kind;
		size_t n;
	} cases[] = {
		{ MAN(LAYER("10") "," LAYER("0")), NULL, 0, OCI_KIND_IMAGE, 2 },
		{ MAN(""), OCI_MT_MANIFEST "; charset=utf-8", 0, OCI_KIND_IMAGE, 0 },
		{ MAN(LAYER("9007199254740992")), NULL, 0, OCI_KIND_IMAGE, 1 },
		{ "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX
		  "\",\"manifests\":[" ENTRY("linux", "amd64", "") "]}",
		  NULL, 0, OCI_KIND_INDEX, 1 },
		{ "{\"schemaVersion\":2,\"manifests\":[]}", OCI_MT_DOCKER_LIST, 0, OCI_KIND_INDEX, 0 },
		{ "{\"schemaVersion\":2,\"manifests\":[]}", NULL, 0, OCI_KIND_INDEX, 0 },
		{ "{\"schemaVersion\":2,\"config\":{\"digest\":\"" DG "\",\"size\":1},\"layers\":[]}", OCI_MT_DOCKER_V2,
		  0, OCI_KIND_IMAGE, 0 },
		{ MAN(""), OCI_MT_INDEX, -1, 0, 0 }, /* body and Content-Type disagree */
		{ MAN(LAYER("-1")), NULL, -1, 0, 0 },
		{ MAN(LAYER("1.5")), NULL, -1, 0, 0 },
		{ MAN(LAYER("1e300")), NULL, -1, 0, 0 },
		{ MAN(LAYER("\"10\"")), NULL, -1, 0, 0 },
		{ MAN("{\"digest\":\"sha256:abc\",\"size\":1}"), NULL, -1, 0, 0 },
		{ MAN("{\"digest\":\"md5:" D64 "\",\"size\":1}"), NULL, -1, 0, 0 },
		{ MAN("7"), NULL, -1, 0, 0 },
		{ "{\"schemaVersion\":1,\"fsLayers\":[]}", NULL, -1, 0, 0 },
		{ "{\"schemaVersion\":2,\"mediaType\":\"text/html\"}", NULL, -1, 0, 0 },
		{ "{\"schemaVersion\":2,\"mediaType\":7}", NULL, -1, 0, 0 },
		{ "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"layers\":[]}", NULL, -1, 0, 0 },
		{ "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"manifests\":{}}", NULL, -1, 0, 0 },
		{ "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"manifests\":[{\"digest\":\"" DG
		  "\",\"size\":1,\"platform\":\"linux\"}]}",
		  NULL, -1, 0, 0 },
		{ "[]", NULL, -1, 0, 0 },
		{ "", NULL, -1, 0, 0 },
		{ "{\"schemaVersion\":2", NULL, -1, 0, 0 },
	};
	struct oci_manifest m;
	char err[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = oci_parse_manifest(cases[i].body, strlen(cases[i].body), cases[i].ctype, &m, err, sizeof(err));

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, wanted %d (%s)", i, rc, cases[i].rc, rc ? err : "");
		if (rc == 0) {
			assert_int_equal(m.kind, cases[i].kind);
			assert_int_equal(m.ndesc, cases[i].n);
		} else {
			assert_null(m.desc);
		}
		oci_manifest_release(&m);
	}
	/* not NUL-terminated: only n bytes are read */
	{
		const char *b = MAN("") "garbage";

		assert_int_equal(oci_parse_manifest(b, strlen(MAN("")), NULL, &m, err, sizeof(err)), 0);
		oci_manifest_release(&m);
	}
}

static void test_platform(void **state)
{
	static const char idx[] =
		"{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX
		"\",\"manifests\":[" ENTRY("linux", "amd64", "") "," ENTRY("linux", "arm64", ",\"variant\":\"v8\"") "," ENTRY(
			"linux", "arm",
			",\"variant\":\"v7\"") "," ENTRY("linux", "arm",
							 ",\"variant\":\"v6\"") "," ENTRY("windows", "amd64", "") "]}";
	static const struct {
		const char *platform;
		long want;
	} cases[] = {
		{ "linux/amd64", 0 },
		{ "linux/arm64", -1 }, /* only v8 on offer, no variant-less entry */
		{ "linux/arm64/v8", 1 },
		{ "linux/arm/v6", 3 },
		{ "linux/arm/v7", 2 },
		{ "windows/amd64", 4 },
		{ "linux/amd64/v3", 0 }, /* variant-less entry matches loosely */
		{ "linux/s390x", -1 },
		{ "linux", -1 },
		{ "", -1 },
		{ "//", -1 },
	};
	struct oci_manifest m;
	char err[300];

	(void)state;
	assert_int_equal(oci_parse_manifest(idx, strlen(idx), NULL, &m, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long k = oci_select_platform(&m, cases[i].platform, err, sizeof(err));

		if (k != cases[i].want)
			fail_msg("case %zu '%s': %ld, wanted %ld (%s)", i, cases[i].platform, k, cases[i].want, err);
	}
	assert_int_equal(oci_select_platform(&m, "linux/s390x", err, sizeof(err)), -1);
	assert_string_equal(err, "no manifest for platform linux/s390x in the index (it has: linux/amd64, "
				 "linux/arm64/v8, linux/arm/v7, linux/arm/v6, windows/amd64)");
	oci_manifest_release(&m);
}

/* Bounded fuzz: mutations of valid inputs and random bytes through every parser; only -1/0 answers, no crash. */
static void test_fuzz(void **state)
{
	static const char *const seeds[] = {
		"Bearer realm=\"https://a/t\",service=\"s\",scope=\"repository:x:pull\"",
		"{\"auths\":{\"h\":{\"auth\":\"YWxpY2U6cHc=\"}}}",
		MAN(LAYER("10")),
		"Tue, 24 Nov 2026 12:00:30 GMT",
	};
	static const char alphabet[] = "\"\\,= \t:/{}[]aB0=+%\x01\xff";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	char buf[512], err[300];

	(void)state;
	for (int it = 0; it < 20000; it++) {
		const char *seed = seeds[it % 4];
		size_t n = strlen(seed), i;
		struct oci_challenge c;
		struct oci_manifest m;
		struct oci_ref r;
		char *u, *p;
		double s;

		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, seed, n);
		buf[n] = '\0';
		for (int k = 0; k < 1 + (int)(x % 4); k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			i = x % (n ? n : 1);
			switch ((x >> 20) % 3) {
			case 0:
				buf[i] = alphabet[(x >> 32) % (sizeof(alphabet) - 1)];
				break;
			case 1:
				buf[i] = '\0';
				break;
			default:
				buf[i] = (char)(x >> 40);
				if (!buf[i])
					buf[i] = '"';
			}
		}
		n = strlen(buf);
		assert_true(oci_parse_challenge(buf, &c, err, sizeof(err)) >= -1);
		if (oci_config_auth(buf, "h", &u, &p, err, sizeof(err)) == 1) {
			free(u);
			free(p);
		}
		if (oci_parse_manifest(buf, n, NULL, &m, err, sizeof(err)) == 0)
			oci_manifest_release(&m);
		oci_parse_retry_after(buf, 0, &s);
		oci_parse_ref(buf, &r, err, sizeof(err));
		oci_repo_valid(buf);
		oci_digest_valid(buf);
		oci_base64_decode(buf, err, sizeof(err));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge),   cmocka_unit_test(test_challenge_oversized),
		cmocka_unit_test(test_digest),	    cmocka_unit_test(test_ref_repo),
		cmocka_unit_test(test_base64),	    cmocka_unit_test(test_config_auth),
		cmocka_unit_test(test_retry_after), cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_platform),    cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
