/*
 * ociparse.c - parsers of the registry probe (ociparse.h). Inputs are
 * hostile: lengths are checked before every copy, nothing is truncated.
 */
#include "ociparse.h"
#include "strbuf.h"

#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int is_token_char(int c)
{
	return c && (isalnum(c) || strchr("!#$%&'*+-.^_`|~", c));
}

/* Read a token or quoted string at *pp into out (cap bytes). 0, or -1 (too long, unterminated). */
static int read_value(const char **pp, char *out, size_t cap, char *err, size_t len)
{
	const char *p = *pp;
	size_t n = 0;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 >= cap)
				return errf(err, len, "challenge parameter longer than %zu bytes", cap - 1);
			out[n++] = *p;
		}
		if (*p != '"')
			return errf(err, len, "unterminated quoted string in challenge");
		p++;
	} else {
		for (; is_token_char((unsigned char)*p) || *p == '/' || *p == ':' || *p == '='; p++) {
			if (n + 1 >= cap)
				return errf(err, len, "challenge parameter longer than %zu bytes", cap - 1);
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	*pp = p;
	return 0;
}

int oci_parse_challenge(const char *header, struct oci_challenge *out, char *err, size_t len)
{
	const char *p = header;
	struct oci_challenge cur;
	int have_cur = 0;

	memset(out, 0, sizeof(*out));
	memset(&cur, 0, sizeof(cur));
	if (!header)
		return 0;
	while (*(p = skip_ws(p))) {
		char name[64], val[1024];
		size_t n = 0;

		if (*p == ',') {
			p++;
			continue;
		}
		while (is_token_char((unsigned char)*p)) {
			if (n + 1 >= sizeof(name))
				return errf(err, len, "challenge token too long");
			name[n++] = *p++;
		}
		name[n] = '\0';
		if (!n)
			return errf(err, len, "unexpected character '%c' in challenge",
				    isprint((unsigned char)*p) ? *p : '?');
		p = skip_ws(p);
		if (*p != '=') { /* a new scheme: keep the best so far */
			if (have_cur && (out->scheme == OCI_AUTH_NONE || cur.scheme == OCI_AUTH_BEARER))
				*out = cur;
			memset(&cur, 0, sizeof(cur));
			have_cur = 1;
			cur.scheme = !strcasecmp(name, "bearer")  ? OCI_AUTH_BEARER
				     : !strcasecmp(name, "basic") ? OCI_AUTH_BASIC
								  : OCI_AUTH_NONE;
			continue;
		}
		if (!have_cur)
			return errf(err, len, "challenge parameter before any scheme");
		p = skip_ws(p + 1);
		if (read_value(&p, val, sizeof(val), err, len) < 0)
			return -1;
		p = skip_ws(p);
		if (*p && *p != ',')
			return errf(err, len, "expected ',' after challenge parameter '%s'", name);
		if (!strcasecmp(name, "realm")) {
			if (strlen(val) >= sizeof(cur.realm))
				return errf(err, len, "challenge realm too long");
			memcpy(cur.realm, val, strlen(val) + 1);
		} else if (!strcasecmp(name, "service")) {
			if (strlen(val) >= sizeof(cur.service))
				return errf(err, len, "challenge service too long");
			memcpy(cur.service, val, strlen(val) + 1);
		} else if (!strcasecmp(name, "scope")) {
			memcpy(cur.scope, val, strlen(val) + 1);
		}
	}
	if (have_cur && (out->scheme == OCI_AUTH_NONE || cur.scheme == OCI_AUTH_BEARER))
		*out = cur;
	if (out->scheme == OCI_AUTH_BEARER && !out->realm[0])
		return errf(err, len, "bearer challenge without a realm");
	return 0;
}

int oci_digest_valid(const char *d)
{
	size_t i;

	if (!d || strncmp(d, "sha256:", 7))
		return 0;
	for (i = 0; i < 64; i++)
		if (!isdigit((unsigned char)d[7 + i]) && !(d[7 + i] >= 'a' && d[7 + i] <= 'f'))
			return 0;
	return d[7 + 64] == '\0';
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long oci_base64_decode(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in), o = 0, i;
	unsigned acc = 0;
	int bits = 0, pad = 0;

	while (n && in[n - 1] == '=' && pad < 2)
		n--, pad++;
	if (pad && (n + pad) % 4)
		return -1;
	if (n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		int v = b64val((unsigned char)in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= cap)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (cap == 0)
		return -1;
	out[o] = '\0';
	return (long)o;
}

/* "https://host:port/v1/" -> "host:port" into out; 0, or -1 when it does not fit. */
static int config_key_host(const char *key, char *out, size_t cap)
{
	const char *p = strstr(key, "://"), *e;
	size_t n;

	p = p ? p + 3 : key;
	e = strchr(p, '/');
	n = e ? (size_t)(e - p) : strlen(p);
	if (n + 1 > cap)
		return -1;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int same_host(const char *key, const char *host)
{
	char k[512];

	if (config_key_host(key, k, sizeof(k)) < 0)
		return 0;
	if (!strcasecmp(k, host))
		return 1;
	/* Docker Hub's historical key */
	return !strcasecmp(k, "index.docker.io") &&
	       (!strcasecmp(host, "docker.io") || !strcasecmp(host, "registry-1.docker.io"));
}

static char *xstrdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int entry_auth(cJSON *e, char **user, char **pass, char *err, size_t len)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "auth");
	cJSON *u = cJSON_GetObjectItemCaseSensitive(e, "username");
	cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "password");

	if (cJSON_IsString(a) && a->valuestring[0]) {
		size_t cap = strlen(a->valuestring) + 1;
		char *buf = malloc(cap), *colon;
		long n = buf ? oci_base64_decode(a->valuestring, buf, cap) : -1;

		if (n < 0 || !(colon = memchr(buf, ':', (size_t)n)) || strlen(buf) != (size_t)n) {
			if (buf)
				memset(buf, 0, cap);
			free(buf);
			return errf(err, len, "its 'auth' is not base64 of user:password");
		}
		*colon = '\0';
		*user = strdup(buf);
		*pass = strdup(colon + 1);
		memset(buf, 0, cap);
		free(buf);
	} else if (cJSON_IsString(u) && cJSON_IsString(p)) {
		*user = xstrdup_or_null(u->valuestring);
		*pass = xstrdup_or_null(p->valuestring);
	} else {
		return errf(err, len, "it has neither 'auth' nor 'username' and 'password'");
	}
	if (!*user || !*pass) {
		free(*user);
		free(*pass);
		*user = *pass = NULL;
		return errf(err, len, "out of memory");
	}
	return 1;
}

int oci_config_auth(const char *json, const char *host, char **user, char **pass, char *err, size_t len)
{
	cJSON *root = cJSON_Parse(json), *auths, *e;
	int rc = 0;

	*user = *pass = NULL;
	if (!root)
		return errf(err, len, "not valid JSON");
	auths = cJSON_GetObjectItemCaseSensitive(root, "auths");
	if (auths && !cJSON_IsObject(auths)) {
		cJSON_Delete(root);
		return errf(err, len, "'auths' is not an object");
	}
	cJSON_ArrayForEach(e, auths)
	{
		char m[256];

		if (!e->string || !same_host(e->string, host))
			continue;
		if (!cJSON_IsObject(e)) {
			rc = errf(err, len, "auths entry for '%s' is not an object", host);
			break;
		}
		rc = entry_auth(e, user, pass, m, sizeof(m));
		if (rc < 0)
			errf(err, len, "auths entry for '%s': %s", host, m);
		break;
	}
	cJSON_Delete(root);
	return rc;
}

static int month_of(const char *m)
{
	static const char *const names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	for (int i = 0; i < 12; i++)
		if (!strcmp(m, names[i]))
			return i;
	return -1;
}

int oci_parse_retry_after(const char *v, time_t now, double *seconds)
{
	char *end, wd[4], mon[4], gmt[4];
	struct tm tm;
	int day, year, h, mi, s, consumed = 0;
	long long n;
	time_t t;

	if (!v)
		return -1;
	v = skip_ws(v);
	if (isdigit((unsigned char)*v)) {
		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || *skip_ws(end) || n < 0 || n > 86400LL * 365)
			return -1;
		*seconds = (double)n;
		return 0;
	}
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	if (sscanf(v, "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", wd, &day, mon, &year, &h, &mi, &s, gmt,
		   &consumed) != 8 ||
	    v[consumed] || strcmp(gmt, "GMT"))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mon = month_of(mon);
	if (tm.tm_mon < 0 || day < 1 || day > 31 || year < 1970 || h > 23 || mi > 59 || s > 60)
		return -1;
	tm.tm_mday = day;
	tm.tm_year = year - 1900;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*seconds = t > now ? difftime(t, now) : 0;
	return 0;
}

int oci_parse_ref(const char *s, struct oci_ref *out, char *err, size_t len)
{
	size_t n = s ? strlen(s) : 0, i;

	memset(out, 0, sizeof(*out));
	if (!n)
		return errf(err, len, "empty reference");
	if (strchr(s, ':')) {
		if (!oci_digest_valid(s))
			return errf(err, len,
				    "reference is neither a tag nor a sha256 digest (sha256:<64 lower-case hex>)");
		out->is_digest = 1;
	} else {
		if (n > 128 || !(isalnum((unsigned char)s[0]) || s[0] == '_'))
			return errf(err, len,
				    "invalid tag (at most 128 of [A-Za-z0-9_.-], not starting with '.' or '-')");
		for (i = 0; i < n; i++)
			if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
				return errf(
					err, len,
					"invalid tag (at most 128 of [A-Za-z0-9_.-], not starting with '.' or '-')");
	}
	memcpy(out->value, s, n + 1);
	return 0;
}

int oci_repo_valid(const char *s)
{
	int prev_sep = 1; /* at a component start */

	if (!s || !*s || strlen(s) > 255)
		return 0;
	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || isdigit((unsigned char)*s)) {
			prev_sep = 0;
		} else if (strchr("._-/", *s)) {
			if (prev_sep)
				return 0;
			prev_sep = 1;
		} else {
			return 0;
		}
	}
	return !prev_sep;
}

static int copy_str(cJSON *o, const char *key, char *out, size_t cap)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap)
		return -1;
	memcpy(out, v->valuestring, strlen(v->valuestring) + 1);
	return 0;
}

static int parse_desc(cJSON *o, struct oci_desc *d, int with_platform, const char *what, char *err, size_t len)
{
	cJSON *dg = cJSON_GetObjectItemCaseSensitive(o, "digest");
	cJSON *sz = cJSON_GetObjectItemCaseSensitive(o, "size");
	cJSON *pl = cJSON_GetObjectItemCaseSensitive(o, "platform");

	memset(d, 0, sizeof(*d));
	if (!cJSON_IsObject(o))
		return errf(err, len, "%s is not an object", what);
	if (!cJSON_IsString(dg) || !oci_digest_valid(dg->valuestring))
		return errf(err, len, "%s has no valid sha256 digest", what);
	memcpy(d->digest, dg->valuestring, strlen(dg->valuestring) + 1);
	if (!cJSON_IsNumber(sz) || sz->valuedouble < 0 || sz->valuedouble > 9007199254740992.0 ||
	    sz->valuedouble != floor(sz->valuedouble))
		return errf(err, len, "%s has no valid size", what);
	d->size = (uint64_t)sz->valuedouble;
	if (with_platform && pl) {
		if (!cJSON_IsObject(pl) || copy_str(pl, "os", d->os, sizeof(d->os)) < 0 ||
		    copy_str(pl, "architecture", d->arch, sizeof(d->arch)) < 0 ||
		    copy_str(pl, "variant", d->variant, sizeof(d->variant)) < 0)
			return errf(err, len, "%s has a malformed platform", what);
	}
	return 0;
}

static int kind_of(const char *mt, enum oci_kind *k)
{
	if (!strcmp(mt, OCI_MT_INDEX) || !strcmp(mt, OCI_MT_DOCKER_LIST))
		*k = OCI_KIND_INDEX;
	else if (!strcmp(mt, OCI_MT_MANIFEST) || !strcmp(mt, OCI_MT_DOCKER_V2))
		*k = OCI_KIND_IMAGE;
	else
		return -1;
	return 0;
}

/* Content-Type without parameters ("; charset=...") into out. */
static void bare_type(const char *ct, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	if (!ct)
		return;
	ct = skip_ws(ct);
	while (ct[n] && ct[n] != ';' && ct[n] != ' ' && n + 1 < cap)
		n++;
	memcpy(out, ct, n);
	out[n] = '\0';
}

static int parse_list(cJSON *arr, struct oci_manifest *m, int with_platform, const char *what, char *err, size_t len)
{
	cJSON *e;
	size_t i = 0;
	int n = cJSON_GetArraySize(arr);

	if (!cJSON_IsArray(arr))
		return errf(err, len, "manifest has no '%s' array", what);
	if (n > OCI_MAX_DESC)
		return errf(err, len, "manifest lists %d %s (at most %d)", n, what, OCI_MAX_DESC);
	m->desc = calloc(n ? (size_t)n : 1, sizeof(*m->desc));
	if (!m->desc)
		return errf(err, len, "out of memory");
	cJSON_ArrayForEach(e, arr)
	{
		char w[64];

		snprintf(w, sizeof(w), "%s[%zu]", what, i);
		if (parse_desc(e, &m->desc[i], with_platform, w, err, len) < 0)
			return -1;
		i++;
	}
	m->ndesc = i;
	return 0;
}

int oci_parse_manifest(const char *body, size_t n, const char *content_type, struct oci_manifest *m, char *err,
		       size_t len)
{
	cJSON *root, *mt, *sv;
	char ct[96];
	int rc = -1;

	memset(m, 0, sizeof(*m));
	root = cJSON_ParseWithLength(body, n);
	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return errf(err, len, "manifest is not a JSON object");
	}
	mt = cJSON_GetObjectItemCaseSensitive(root, "mediaType");
	sv = cJSON_GetObjectItemCaseSensitive(root, "schemaVersion");
	bare_type(content_type, ct, sizeof(ct));
	if (!cJSON_IsNumber(sv) || sv->valueint != 2) {
		errf(err, len, "unsupported manifest schemaVersion (only 2; docker schema 1 is not supported)");
		goto out;
	}
	if (mt && (!cJSON_IsString(mt) || strlen(mt->valuestring) >= sizeof(m->media_type))) {
		errf(err, len, "manifest mediaType is not a string");
		goto out;
	}
	if (mt) {
		memcpy(m->media_type, mt->valuestring, strlen(mt->valuestring) + 1);
		if (ct[0] && strcmp(ct, m->media_type) && kind_of(ct, &m->kind) == 0) {
			errf(err, len, "manifest mediaType '%s' differs from its Content-Type '%s'", m->media_type, ct);
			goto out;
		}
	} else if (ct[0] && kind_of(ct, &m->kind) == 0) {
		memcpy(m->media_type, ct, strlen(ct) + 1);
	} else {
		snprintf(m->media_type, sizeof(m->media_type), "%s",
			 cJSON_GetObjectItemCaseSensitive(root, "manifests") ? OCI_MT_INDEX : OCI_MT_MANIFEST);
	}
	if (kind_of(m->media_type, &m->kind) < 0) {
		errf(err, len, "unsupported manifest mediaType '%s'", m->media_type);
		goto out;
	}
	if (m->kind == OCI_KIND_INDEX) {
		rc = parse_list(cJSON_GetObjectItemCaseSensitive(root, "manifests"), m, 1, "manifests", err, len);
	} else {
		rc = parse_desc(cJSON_GetObjectItemCaseSensitive(root, "config"), &m->config, 0, "config", err, len);
		if (rc == 0)
			rc = parse_list(cJSON_GetObjectItemCaseSensitive(root, "layers"), m, 0, "layers", err, len);
	}
out:
	cJSON_Delete(root);
	if (rc < 0)
		oci_manifest_release(m);
	return rc;
}

void oci_manifest_release(struct oci_manifest *m)
{
	free(m->desc);
	m->desc = NULL;
	m->ndesc = 0;
}

long oci_select_platform(const struct oci_manifest *idx, const char *platform, char *err, size_t len)
{
	char os[32] = "", arch[32] = "", variant[32] = "";
	struct strbuf sb = STRBUF_INIT;
	long loose = -1;
	size_t i;

	if (!platform || sscanf(platform, "%31[^/]/%31[^/]/%31s", os, arch, variant) < 2)
		return errf(err, len, "platform '%s' is not os/arch[/variant]", platform ? platform : "");
	for (i = 0; i < idx->ndesc; i++) {
		const struct oci_desc *d = &idx->desc[i];

		if (strcmp(d->os, os) || strcmp(d->arch, arch))
			continue;
		if (!strcmp(d->variant, variant))
			return (long)i;
		if (!d->variant[0] && loose < 0)
			loose = (long)i;
	}
	if (loose >= 0)
		return loose;
	for (i = 0; i < idx->ndesc; i++) {
		const struct oci_desc *d = &idx->desc[i];

		if (sb.len)
			strbuf_addstr(&sb, ", ");
		strbuf_addstr(&sb, d->os[0] ? d->os : "?");
		strbuf_addstr(&sb, "/");
		strbuf_addstr(&sb, d->arch[0] ? d->arch : "?");
		if (d->variant[0]) {
			strbuf_addstr(&sb, "/");
			strbuf_addstr(&sb, d->variant);
		}
	}
	errf(err, len, "no manifest for platform %s in the index (it has: %s)", platform, sb.len ? sb.buf : "none");
	strbuf_release(&sb);
	return -1;
}
