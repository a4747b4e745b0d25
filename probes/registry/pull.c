/*
 * pull.c - one verified image pull (pull.h). Small requests (ping, token,
 * manifests) are easy handles, retried in place; blobs run through one multi
 * handle, up to `concurrency` at once, a retried blob requeued with its
 * not-before time. Formulas of the timings: probes/METRICS.md, `registry`.
 */
#include "pull.h"
#include "probe.h"
#include "store.h"
#include "strbuf.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SMALL_BODY (4u << 20) /* manifests, tokens, error bodies */
#define MAX_ERR_BODY 4096

struct sess {
	const struct pull_opts *o;
	struct pull_result *r;
	enum oci_auth_scheme auth;
	char *token;
	double t0;
	double hold_until;	/* after a 429: no new blob request before this (a client's limit, not a blob's) */
	struct strbuf man_body; /* the image manifest, for store */
	char man_type[96];
};

struct hdrs {
	char ctype[128], www[2048], retry_after[128];
};

static __attribute__((format(printf, 3, 4))) int fail(struct sess *s, enum pull_err e, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[PULL_UNREACHABLE] = "unreachable",
		[PULL_TLS] = "tls failure",
		[PULL_AUTH] = "auth failure",
		[PULL_NOTFOUND] = "not found",
		[PULL_RATELIMIT] = "rate-limited beyond the retry budget",
		[PULL_SERVER] = "server error beyond the retry budget",
		[PULL_DIGEST] = "digest mismatch",
		[PULL_TRUNCATED] = "truncated",
		[PULL_STALL] = "stall",
		[PULL_PROTOCOL] = "protocol",
	};
	char msg[900];
	va_list ap;

	if (s->r->err != PULL_OK)
		return -1; /* the first cause wins */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->r->err = e;
	snprintf(s->r->reason, sizeof(s->r->reason), "%s: %s", prefix[e], msg);
	return -1;
}

static void logf_(struct sess *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct sess *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!s->o->ctx)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	probe_log(s->o->ctx, "%s", msg);
}

static void sha256_hex(const unsigned char *md, char out[72])
{
	static const char hex[] = "0123456789abcdef";

	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
}

static void sha256_of(const void *p, size_t n, char out[72])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL);
	sha256_hex(md, out);
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
	size_t k = strlen(name), v;

	if (n <= k || strncasecmp(line, name, k) || line[k] != ':')
		return;
	line += k + 1, n -= k + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	v = n < cap - 1 ? n : cap - 1;
	memcpy(out, line, v);
	out[v] = '\0';
}

static size_t on_header(char *b, size_t sz, size_t n, void *arg)
{
	struct hdrs *h = arg;

	n *= sz;
	if (n > 5 && !strncmp(b, "HTTP/", 5)) /* a new response (after a redirect): forget the last one's */
		memset(h, 0, sizeof(*h));
	header_value(b, n, "content-type", h->ctype, sizeof(h->ctype));
	header_value(b, n, "www-authenticate", h->www, sizeof(h->www));
	header_value(b, n, "retry-after", h->retry_after, sizeof(h->retry_after));
	return n;
}

static size_t on_small_body(char *b, size_t sz, size_t n, void *arg)
{
	struct strbuf *sb = arg;

	n *= sz;
	if (sb->len + n > MAX_SMALL_BODY)
		return 0; /* CURLE_WRITE_ERROR */
	strbuf_add(sb, b, n);
	return n;
}

/* The options every request shares: timeouts, stall limit, redirects, TLS, auth. */
static void common_opts(struct sess *s, CURL *h, const char *url, char *errbuf, int with_auth)
{
	const struct pull_opts *o = s->o;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "shakedown-registry/" SD_VERSION);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->connect_timeout * 1000));
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o->low_speed);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)ceil(o->stall_time));
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* Credentials only to the host asked; never to a redirect target (FACTS.md: presigned URLs). */
	curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
	if (o->ca_bundle)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_bundle);
	if (o->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (!with_auth)
		return;
	if (s->auth == OCI_AUTH_BEARER && s->token) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
		curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, s->token);
	} else if (s->auth == OCI_AUTH_BASIC && o->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, o->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, o->pass);
	}
}

/* A transfer-level failure (no HTTP answer, or a broken one) as a verdict. */
static int curl_fail(struct sess *s, CURL *h, CURLcode rc, const char *errbuf, const char *what)
{
	const char *m = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);
	double connect = 0;

	curl_easy_getinfo(h, CURLINFO_CONNECT_TIME, &connect);
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return fail(s, PULL_UNREACHABLE, "%s: %s", what, m);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_USE_SSL_FAILED:
		return fail(s, PULL_TLS, "%s: %s", what, m);
	case CURLE_OPERATION_TIMEDOUT:
		if (connect <= 0)
			return fail(s, PULL_UNREACHABLE, "%s: no connection within %.3gs (%s)", what,
				    s->o->connect_timeout, m);
		return fail(s, PULL_STALL, "%s: below %ld B/s for %.3gs (%s)", what, s->o->low_speed, s->o->stall_time,
			    m);
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return fail(s, PULL_TRUNCATED, "%s: %s", what, m);
	default:
		return fail(s, PULL_PROTOCOL, "%s: %s", what, m);
	}
}

static int retryable(long code)
{
	return code == 429 || code == 500 || code == 502 || code == 503 || code == 504;
}

/*
 * The wait before retry number attempt+1 of a 429/5xx, s: Retry-After when
 * given, else 0.25 s doubling to at most 8 s. -1 when beyond the budget
 * (retries used up, or Retry-After longer than retry_max_wait), with why.
 */
static double backoff(struct sess *s, long code, const char *retry_after, int attempt, char *why, size_t len)
{
	double wait = fmin(0.25 * pow(2, attempt), 8);

	if (retry_after && retry_after[0] && oci_parse_retry_after(retry_after, time(NULL), &wait) < 0)
		wait = fmin(0.25 * pow(2, attempt), 8);
	if (attempt >= s->o->retries) {
		snprintf(why, len, "HTTP %ld after %d retries", code, attempt);
		return -1;
	}
	if (wait > s->o->retry_max_wait) {
		snprintf(why, len, "HTTP %ld with Retry-After %.0fs, longer than retry_max_wait %.3gs", code, wait,
			 s->o->retry_max_wait);
		return -1;
	}
	return wait;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };

	nanosleep(&ts, NULL);
}

/* The registry's error code from an error body ({"errors":[{"code":...}]}), or "". */
static void error_code(const char *body, size_t n, char *out, size_t cap)
{
	cJSON *root = cJSON_ParseWithLength(body, n), *e, *c;

	out[0] = '\0';
	e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "errors"), 0);
	c = cJSON_GetObjectItemCaseSensitive(e, "code");
	if (cJSON_IsString(c))
		snprintf(out, cap, "%.*s", 40, c->valuestring);
	for (char *p = out; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || *p == '_'))
			*p = '?'; /* a hostile body cannot write into our reason */
	cJSON_Delete(root);
}

/*
 * GET url (small body into body, headers into h), retrying 429/5xx. Returns
 * the final HTTP status, or -1 with the verdict set.
 */
static long get_small(struct sess *s, const char *url, const char *accept, int with_auth, const char *basic_user,
		      const char *basic_pass, struct strbuf *body, struct hdrs *h, const char *what)
{
	for (int attempt = 0;; attempt++) {
		char errbuf[CURL_ERROR_SIZE] = "", why[256];
		struct curl_slist *hl = NULL;
		CURL *c = curl_easy_init();
		long code = 0;
		CURLcode rc;
		double wait;

		if (!c)
			return fail(s, PULL_PROTOCOL, "%s: cannot create a curl handle", what);
		strbuf_release(body);
		memset(h, 0, sizeof(*h));
		common_opts(s, c, url, errbuf, with_auth);
		if (basic_user) {
			curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
			curl_easy_setopt(c, CURLOPT_USERNAME, basic_user);
			curl_easy_setopt(c, CURLOPT_PASSWORD, basic_pass);
		}
		if (accept) {
			hl = curl_slist_append(NULL, accept);
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
		}
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_small_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
		rc = curl_easy_perform(c);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		curl_slist_free_all(hl);
		if (rc == CURLE_WRITE_ERROR) {
			curl_easy_cleanup(c);
			return fail(s, PULL_PROTOCOL, "%s: response body larger than %u bytes", what, MAX_SMALL_BODY);
		}
		if (rc != CURLE_OK) {
			curl_fail(s, c, rc, errbuf, what);
			curl_easy_cleanup(c);
			return -1;
		}
		curl_easy_cleanup(c);
		if (!retryable(code))
			return code;
		wait = backoff(s, code, h->retry_after, attempt, why, sizeof(why));
		if (wait < 0)
			return fail(s, code == 429 ? PULL_RATELIMIT : PULL_SERVER, "%s: %s", what, why);
		s->r->retries++;
		logf_(s, "%s: HTTP %ld, retry %d in %.2fs", what, code, attempt + 1, wait);
		sleep_s(wait);
	}
}

static int fetch_token(struct sess *s, const struct oci_challenge *ch)
{
	char *url = NULL, scope[600];
	struct strbuf sb = STRBUF_INIT, body = STRBUF_INIT;
	struct hdrs h;
	CURL *esc = curl_easy_init();
	cJSON *root = NULL, *t;
	long code;
	int rc = -1;

	if (strncmp(ch->realm, "http://", 7) && strncmp(ch->realm, "https://", 8))
		return fail(s, PULL_AUTH, "token realm '%.200s' is not an http(s) URL", ch->realm);
	if (!esc)
		return fail(s, PULL_PROTOCOL, "cannot create a curl handle");
	snprintf(scope, sizeof(scope), "repository:%s:pull", s->o->repo);
	strbuf_addstr(&sb, ch->realm);
	strbuf_addstr(&sb, strchr(ch->realm, '?') ? "&" : "?");
	if (ch->service[0]) {
		char *e = curl_easy_escape(esc, ch->service, 0);

		strbuf_addstr(&sb, "service=");
		strbuf_addstr(&sb, e);
		strbuf_addstr(&sb, "&");
		curl_free(e);
	}
	{
		char *e = curl_easy_escape(esc, scope, 0);

		strbuf_addstr(&sb, "scope=");
		strbuf_addstr(&sb, e);
		curl_free(e);
	}
	curl_easy_cleanup(esc);
	url = strbuf_detach(&sb);
	code = get_small(s, url, NULL, 0, s->o->user, s->o->pass, &body, &h, "token request");
	if (code < 0)
		goto out;
	if (code == 401 || code == 403) {
		fail(s, PULL_AUTH, "token realm refused the %s (HTTP %ld)",
		     s->o->user ? "credentials" : "anonymous request", code);
		goto out;
	}
	if (code != 200) {
		fail(s, PULL_AUTH, "token realm answered HTTP %ld", code);
		goto out;
	}
	root = cJSON_ParseWithLength(body.buf ? body.buf : "", body.len);
	t = cJSON_GetObjectItemCaseSensitive(root, "token");
	if (!cJSON_IsString(t) || !t->valuestring[0])
		t = cJSON_GetObjectItemCaseSensitive(root, "access_token");
	if (!cJSON_IsString(t) || !t->valuestring[0] || strlen(t->valuestring) > 65536) {
		fail(s, PULL_AUTH, "token realm's answer has no token");
		goto out;
	}
	free(s->token);
	s->token = strdup(t->valuestring);
	rc = s->token ? 0 : fail(s, PULL_PROTOCOL, "out of memory");
out:
	cJSON_Delete(root);
	if (body.buf)
		memset(body.buf, 0, body.len); /* the token */
	strbuf_release(&body);
	free(url);
	return rc;
}

/* GET /v2/, then whatever its challenge asks for. Sets ping_time and auth_time. */
static int ping_and_auth(struct sess *s)
{
	struct strbuf body = STRBUF_INIT, url = STRBUF_INIT;
	struct oci_challenge ch;
	struct hdrs h;
	char err[256];
	long code;
	double t;
	int rc = -1;

	strbuf_addstr(&url, s->o->base);
	strbuf_addstr(&url, "/v2/");
	code = get_small(s, url.buf, NULL, 0, NULL, NULL, &body, &h, "ping /v2/");
	s->r->ping_time = probe_now() - s->t0;
	if (code < 0)
		goto out;
	if (code == 200) {
		rc = 0;
		goto out;
	}
	if (code != 401) {
		fail(s, code == 404 ? PULL_NOTFOUND : PULL_PROTOCOL,
		     "GET /v2/ answered HTTP %ld: is this an OCI distribution registry?", code);
		goto out;
	}
	if (oci_parse_challenge(h.www, &ch, err, sizeof(err)) < 0) {
		fail(s, PULL_AUTH, "cannot parse the WWW-Authenticate challenge: %s", err);
		goto out;
	}
	t = probe_now();
	if (ch.scheme == OCI_AUTH_BASIC) {
		if (!s->o->user) {
			fail(s, PULL_AUTH,
			     "the registry asks for basic auth and no credentials were given "
			     "(username with password_env, or auth_file)");
			goto out;
		}
		s->auth = OCI_AUTH_BASIC;
		code = get_small(s, url.buf, NULL, 1, NULL, NULL, &body, &h, "authenticated /v2/");
		if (code < 0)
			goto out;
		if (code != 200) {
			fail(s, PULL_AUTH, "basic credentials refused (HTTP %ld on /v2/)", code);
			goto out;
		}
	} else if (ch.scheme == OCI_AUTH_BEARER) {
		s->auth = OCI_AUTH_BEARER;
		if (fetch_token(s, &ch) < 0)
			goto out;
	} else {
		fail(s, PULL_AUTH, "HTTP 401 on /v2/ without a Basic or Bearer challenge");
		goto out;
	}
	s->r->auth_time = probe_now() - t;
	logf_(s, "%s auth in %.3fs", ch.scheme == OCI_AUTH_BASIC ? "basic" : "bearer", s->r->auth_time);
	rc = 0;
out:
	strbuf_release(&body);
	strbuf_release(&url);
	return rc;
}

/* GET a manifest by ref (tag or digest), verify a digest ref against the body, parse it. */
static int get_manifest(struct sess *s, const char *ref, int by_digest, struct oci_manifest *m, char digest[72])
{
	struct strbuf body = STRBUF_INIT, url = STRBUF_INIT;
	struct hdrs h;
	char err[512], what[400], code_s[48];
	long code;
	int rc = -1;

	snprintf(what, sizeof(what), "manifest %s:%s", s->o->repo, ref);
	strbuf_addstr(&url, s->o->base);
	strbuf_addstr(&url, "/v2/");
	strbuf_addstr(&url, s->o->repo);
	strbuf_addstr(&url, "/manifests/");
	strbuf_addstr(&url, ref);
	code = get_small(s, url.buf, OCI_ACCEPT, 1, NULL, NULL, &body, &h, what);
	if (code < 0)
		goto out;
	if (code != 200) {
		error_code(body.buf ? body.buf : "", body.len, code_s, sizeof(code_s));
		fail(s,
		     code == 404		  ? PULL_NOTFOUND
		     : code == 401 || code == 403 ? PULL_AUTH
						  : PULL_PROTOCOL,
		     "%s: HTTP %ld%s%s%s", what, code, code_s[0] ? " (" : "", code_s, code_s[0] ? ")" : "");
		goto out;
	}
	sha256_of(body.buf ? body.buf : "", body.len, digest);
	if (by_digest && strcmp(digest, ref)) {
		fail(s, PULL_DIGEST, "%s: the body hashes to %s", what, digest);
		goto out;
	}
	if (oci_parse_manifest(body.buf ? body.buf : "", body.len, h.ctype, m, err, sizeof(err)) < 0) {
		fail(s, PULL_PROTOCOL, "%s: %s", what, err);
		goto out;
	}
	if (m->kind == OCI_KIND_IMAGE) { /* keep it for store */
		strbuf_release(&s->man_body);
		s->man_body = body;
		body = (struct strbuf)STRBUF_INIT;
		snprintf(s->man_type, sizeof(s->man_type), "%s", m->media_type);
	}
	rc = 0;
out:
	strbuf_release(&body);
	strbuf_release(&url);
	return rc;
}

enum xstate { X_WAIT, X_ACTIVE, X_DONE };

struct xfer {
	struct sess *s;
	struct pull_blob *b;
	enum xstate state;
	CURL *h;
	EVP_MD_CTX *md;
	uint64_t got;
	double start, not_before;
	int attempt, corrupt;
	struct strbuf errbody;
	struct hdrs hd;
	char errbuf[CURL_ERROR_SIZE];
	double *first_byte;    /* the pull's, shared */
	struct store_blob out; /* store: DIR only */
	int write_failed;
};

static size_t on_blob(char *b, size_t sz, size_t n, void *arg)
{
	struct xfer *x = arg;
	long code = 0;

	n *= sz;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		if (x->errbody.len + n <= MAX_ERR_BODY)
			strbuf_add(&x->errbody, b, n);
		return n;
	}
	if (*x->first_byte < 0)
		*x->first_byte = probe_now();
	if (x->corrupt && n) { /* fault: the first byte seen differs from what the registry sent */
		unsigned char c = (unsigned char)b[0] ^ 0x5a;

		EVP_DigestUpdate(x->md, &c, 1);
		EVP_DigestUpdate(x->md, b + 1, n - 1);
		x->corrupt = 0;
	} else {
		EVP_DigestUpdate(x->md, b, n);
	}
	x->got += n;
	if (x->out.f && fwrite(b, 1, n, x->out.f) != n)
		x->write_failed = 1;
	return n;
}

static int xfer_start(struct xfer *x, CURLM *multi, const char *base, const char *repo)
{
	char url[2048];

	snprintf(url, sizeof(url), "%s/v2/%s/blobs/%s", base, repo, x->b->digest);
	x->h = curl_easy_init();
	if (!x->h)
		return -1;
	x->got = 0;
	x->write_failed = 0;
	x->errbuf[0] = '\0';
	if (x->s->o->store) {
		char err[300];

		if (store_open(&x->out, x->s->o->store, x->b->digest, err, sizeof(err)) < 0) {
			fail(x->s, PULL_PROTOCOL, "store: %s", err);
			return -1;
		}
	}
	strbuf_release(&x->errbody);
	memset(&x->hd, 0, sizeof(x->hd));
	EVP_DigestInit_ex(x->md, EVP_sha256(), NULL);
	common_opts(x->s, x->h, url, x->errbuf, 1);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_blob);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->h, CURLOPT_HEADERDATA, &x->hd);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
	x->state = X_ACTIVE;
	if (x->attempt == 0)
		x->start = probe_now();
	return curl_multi_add_handle(multi, x->h) == CURLM_OK ? 0 : -1;
}

/* One finished blob transfer: 0 verified, 1 requeued for a retry, -1 failed (verdict set). */
static int xfer_done(struct xfer *x, CURLcode rc)
{
	struct sess *s = x->s;
	char what[200], got[72], why[256], code_s[48];
	unsigned char md[32];
	unsigned int mdlen = 0;
	long code = 0;
	double wait;

	snprintf(what, sizeof(what), "%s %s", x->b->is_config ? "config" : "blob", x->b->digest);
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		if (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING)
			return fail(s, PULL_TRUNCATED, "%s: connection ended after %llu of %llu bytes (%s)", what,
				    (unsigned long long)x->got, (unsigned long long)x->b->size,
				    x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		return curl_fail(s, x->h, rc, x->errbuf, what);
	}
	if (retryable(code)) {
		wait = backoff(s, code, x->hd.retry_after, x->attempt, why, sizeof(why));
		if (wait < 0)
			return fail(s, code == 429 ? PULL_RATELIMIT : PULL_SERVER, "%s: %s", what, why);
		s->r->retries++;
		logf_(s, "%s: HTTP %ld, retry %d in %.2fs", what, code, x->attempt + 1, wait);
		x->attempt++;
		x->not_before = probe_now() + wait;
		if (code == 429)
			s->hold_until = fmax(s->hold_until, x->not_before);
		x->state = X_WAIT;
		return 1;
	}
	if (code != 200) {
		error_code(x->errbody.buf ? x->errbody.buf : "", x->errbody.len, code_s, sizeof(code_s));
		return fail(s,
			    code == 404			 ? PULL_NOTFOUND
			    : code == 401 || code == 403 ? PULL_AUTH
							 : PULL_PROTOCOL,
			    "%s: HTTP %ld%s%s%s", what, code, code_s[0] ? " (" : "", code_s, code_s[0] ? ")" : "");
	}
	EVP_DigestFinal_ex(x->md, md, &mdlen);
	sha256_hex(md, got);
	if (strcmp(got, x->b->digest))
		return fail(s, PULL_DIGEST, "%s: %llu bytes received hash to %s (manifest size %llu)", what,
			    (unsigned long long)x->got, got, (unsigned long long)x->b->size);
	if (x->got != x->b->size)
		return fail(s, PULL_PROTOCOL, "%s: %llu bytes, the manifest says %llu", what,
			    (unsigned long long)x->got, (unsigned long long)x->b->size);
	if (x->out.f) {
		char err[300];

		if (x->write_failed || store_commit(&x->out, err, sizeof(err)) < 0)
			return fail(s, PULL_PROTOCOL, "store: %s", x->write_failed ? "write failed" : err);
	}
	x->b->seconds = probe_now() - x->start;
	s->r->bytes += x->got;
	x->state = X_DONE;
	return 0;
}

static int pull_blobs(struct sess *s)
{
	struct pull_result *r = s->r;
	struct xfer *xs = calloc(r->nblobs, sizeof(*xs));
	CURLM *multi = curl_multi_init();
	double first_byte = -1, t = probe_now();
	size_t done = 0, i;
	int active = 0, rc = -1;

	if (!xs || !multi) {
		fail(s, PULL_PROTOCOL, "out of memory");
		goto out;
	}
	for (i = 0; i < r->nblobs; i++) {
		xs[i].s = s;
		xs[i].b = &r->blobs[i];
		xs[i].first_byte = &first_byte;
		xs[i].corrupt = s->o->corrupt && i == (r->nblobs > 1 ? 1 : 0);
		if (!(xs[i].md = EVP_MD_CTX_new())) {
			fail(s, PULL_PROTOCOL, "out of memory");
			goto out;
		}
	}
	while (done < r->nblobs && r->err == PULL_OK) {
		double now = probe_now(), next = now + 1;
		CURLMsg *msg;
		int left, still, freed = 0;

		if (s->hold_until > now)
			next = fmin(next, s->hold_until);
		for (i = 0; i < r->nblobs && active < s->o->concurrency && s->hold_until <= now; i++) {
			if (xs[i].state != X_WAIT)
				continue;
			if (xs[i].not_before > now) {
				next = fmin(next, xs[i].not_before);
				continue;
			}
			if (xfer_start(&xs[i], multi, s->o->base, s->o->repo) < 0) {
				fail(s, PULL_PROTOCOL, "cannot start a blob transfer");
				goto out;
			}
			active++;
		}
		curl_multi_perform(multi, &still);
		while ((msg = curl_multi_info_read(multi, &left))) {
			struct xfer *x = NULL;
			int d;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			d = xfer_done(x, msg->data.result);
			curl_multi_remove_handle(multi, x->h);
			curl_easy_cleanup(x->h);
			x->h = NULL;
			active--;
			freed = 1;
			if (d == 0)
				done++;
			else if (d < 0)
				goto out;
		}
		/* A slot freed: fill it before waiting (else the wait would idle for its whole timeout). */
		if (done < r->nblobs && !freed)
			curl_multi_poll(multi, NULL, 0, (int)fmax(1, fmin(1000, (next - probe_now()) * 1000)), NULL);
	}
	rc = r->err == PULL_OK ? 0 : -1;
	r->blob_time = probe_now() - t;
	r->first_byte_time = first_byte > 0 ? first_byte - s->t0 : 0;
out:
	for (i = 0; xs && i < r->nblobs; i++) {
		if (xs[i].h) {
			curl_multi_remove_handle(multi, xs[i].h);
			curl_easy_cleanup(xs[i].h);
		}
		EVP_MD_CTX_free(xs[i].md);
		store_abort(&xs[i].out);
		strbuf_release(&xs[i].errbody);
	}
	if (multi)
		curl_multi_cleanup(multi);
	free(xs);
	return rc;
}

static int resolve_image(struct sess *s, struct oci_manifest *img)
{
	const struct pull_opts *o = s->o;
	struct oci_manifest idx;
	char err[512], digest[72];
	long k;

	if (get_manifest(s, o->ref.value, o->ref.is_digest, img, digest) < 0)
		return -1;
	if (img->kind == OCI_KIND_IMAGE) {
		memcpy(s->r->manifest_digest, digest, sizeof(digest));
		return 0;
	}
	idx = *img;
	memset(img, 0, sizeof(*img));
	k = oci_select_platform(&idx, o->platform, err, sizeof(err));
	if (k < 0) {
		oci_manifest_release(&idx);
		return fail(s, PULL_NOTFOUND, "%s:%s: %s", o->repo, o->ref.value, err);
	}
	memcpy(digest, idx.desc[k].digest, sizeof(digest));
	oci_manifest_release(&idx);
	logf_(s, "index: platform %s is %s", o->platform, digest);
	if (get_manifest(s, digest, 1, img, s->r->manifest_digest) < 0)
		return -1;
	if (img->kind != OCI_KIND_IMAGE) {
		oci_manifest_release(img);
		return fail(s, PULL_PROTOCOL, "the index entry for %s is itself an index", o->platform);
	}
	return 0;
}

int pull_run(const struct pull_opts *o, struct pull_result *r)
{
	struct sess s = { .o = o, .r = r };
	struct oci_manifest img = { 0 };
	double t;
	size_t i;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	r->auth_time = -1;
	s.t0 = probe_now();
	if (ping_and_auth(&s) < 0)
		goto out;
	t = probe_now();
	if (resolve_image(&s, &img) < 0)
		goto out;
	r->manifest_time = probe_now() - t;
	if (o->store) {
		char err[600];

		if (store_prepare(o->store, err, sizeof(err)) < 0) {
			fail(&s, PULL_PROTOCOL, "store: %s", err);
			goto out;
		}
	}
	r->nblobs = img.ndesc + 1;
	r->blobs = calloc(r->nblobs, sizeof(*r->blobs));
	if (!r->blobs) {
		fail(&s, PULL_PROTOCOL, "out of memory");
		goto out;
	}
	r->blobs[0] = (struct pull_blob){ .size = img.config.size, .is_config = 1 };
	memcpy(r->blobs[0].digest, img.config.digest, sizeof(img.config.digest));
	for (i = 0; i < img.ndesc; i++) {
		r->blobs[i + 1].size = img.desc[i].size;
		memcpy(r->blobs[i + 1].digest, img.desc[i].digest, sizeof(img.desc[i].digest));
	}
	logf_(&s, "manifest %s: config and %zu layers", r->manifest_digest, img.ndesc);
	if (pull_blobs(&s) < 0)
		goto out;
	r->pull_time = probe_now() - s.t0;
	if (o->store) {
		char err[600];

		if (store_finish(o->store, s.man_body.buf, s.man_body.len, r->manifest_digest, s.man_type,
				 o->ref.is_digest ? NULL : o->ref.value, err, sizeof(err)) < 0) {
			fail(&s, PULL_PROTOCOL, "store: %s", err);
			goto out;
		}
		logf_(&s, "stored as an OCI layout in '%s'", o->store);
	}
	rc = 0;
out:
	oci_manifest_release(&img);
	strbuf_release(&s.man_body);
	if (s.token) {
		memset(s.token, 0, strlen(s.token));
		free(s.token);
	}
	return rc;
}

void pull_result_release(struct pull_result *r)
{
	free(r->blobs);
	r->blobs = NULL;
	r->nblobs = 0;
}
