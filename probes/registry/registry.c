/*
 * registry.c - the registry probe: pull an image from an OCI distribution
 * registry the way a container runtime does (pull.h), every blob verified and
 * discarded, and report how long each phase took. `repeat` pulls again
 * (cold = the first pull of the run, warm = the later ones); `herd` runs N
 * pulls at once, each in its own thread, and reports their percentiles.
 * `store: DIR` keeps the first pull as an OCI image layout (store.h).
 * Credentials come from an environment variable or a docker config.json and
 * are handed to libcurl only: never logged, never in the document.
 * Metrics and formulas: probes/METRICS.md, section `registry`.
 */
#include "ociparse.h"
#include "probe.h"
#include "pull.h"
#include "ranks.h"
#include "stats.h"
#include "strbuf.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct probe_param params[] = {
	{ .name = "url",
	  .type = PT_STRING,
	  .help = "registry base URL (http://127.0.0.1:5000, https://reg.example); unset: $SHAKEDOWN_REGISTRY, "
		  "and skipped when that is unset too" },
	{ .name = "repository", .type = PT_STRING, .help = "repository name (library/busybox); required with url" },
	{ .name = "reference", .type = PT_STRING, .def = "latest", .help = "tag, or sha256:... digest (verified)" },
	{ .name = "platform",
	  .type = PT_STRING,
	  .def = "linux/amd64",
	  .help = "os/arch[/variant] chosen from an index" },
	{ .name = "concurrency", .type = PT_INT, .def = "4", .help = "blobs in flight per pull (1-64)" },
	{ .name = "ca_bundle", .type = PT_STRING, .help = "PEM file of CAs to verify the registry's TLS certificate" },
	{ .name = "insecure",
	  .type = PT_BOOL,
	  .def = "false",
	  .help = "do not verify TLS certificates (only when asked)" },
	{ .name = "username", .type = PT_STRING, .help = "user for Basic auth or the token realm (with password_env)" },
	{ .name = "password_env",
	  .type = PT_STRING,
	  .help = "name of the environment variable that holds the password (never the password itself)" },
	{ .name = "auth_file",
	  .type = PT_STRING,
	  .help = "docker config.json whose auths entry for the registry host gives the credentials" },
	{ .name = "retries", .type = PT_INT, .def = "4", .help = "retries per request on 429 and 5xx (0-20)" },
	{ .name = "retry_max_wait",
	  .type = PT_DURATION,
	  .def = "30s",
	  .help = "longest Retry-After honoured; longer is rate-limited beyond the budget" },
	{ .name = "connect_timeout", .type = PT_DURATION, .def = "10s", .help = "TCP + TLS connect bound" },
	{ .name = "stall_timeout",
	  .type = PT_DURATION,
	  .def = "30s",
	  .help = "a transfer below low_speed for this long is a stall (whole seconds)" },
	{ .name = "low_speed", .type = PT_SIZE, .def = "1KiB", .help = "B/s below which a transfer counts as stalled" },
	{ .name = "repeat", .type = PT_INT, .def = "1", .help = "pulls in sequence: the first is cold, the rest warm" },
	{ .name = "herd", .type = PT_INT, .def = "0", .help = "N > 0: also N pulls at once (threads), percentiles" },
	{ .name = "store",
	  .type = PT_STRING,
	  .help = "write the first pull as an OCI image layout in this directory (empty, absent or a layout); "
		  "unset: data discarded" },
	{ .name = NULL },
};

static const struct probe_metric_desc metrics[] = {
	{ "ping_time", "s", "lower", "GET /v2/ round trip, first attempt to answer {pull=cold|warm}" },
	{ "auth_time", "s", "lower", "401 challenge to usable credentials (token fetch, or Basic retry) {pull}" },
	{ "manifest_time", "s", "lower", "first manifest request to the platform's image manifest {pull}" },
	{ "first_byte_time", "s", "lower", "pull start to the first body byte of any blob {pull}" },
	{ "pull_time", "s", "lower", "pull start (ping) to every blob verified {pull}" },
	{ "bytes", "B", "higher", "config + layer blob bytes received and verified (manifests not counted)" },
	{ "throughput", "B/s", "higher", "bytes / blob phase time (first blob request to last verified) {pull}" },
	{ "layer_throughput", "B/s", "higher", "layer size / its transfer time, retries included {layer, digest}" },
	{ "retries", "count", "lower", "requests retried after 429 or 5xx, all pulls" },
	{ "auth_failures", "count", "lower", "1 when a pull ended with 'auth failure' (credentials refused), else 0" },
	{ "digest_mismatches", "count", "lower",
	  "1 when a pull ended with 'digest mismatch' (a blob is not its sha256), else 0" },
	{ "herd_pull_time_p50", "s", "lower", "pull_time of N concurrent pulls, median (nearest rank) {herd=N}" },
	{ "herd_pull_time_p90", "s", "lower", "pull_time of N concurrent pulls, 90th percentile {herd}" },
	{ "herd_pull_time_p99", "s", "lower", "pull_time of N concurrent pulls, 99th percentile {herd}" },
	{ "herd_pull_time_max", "s", "lower", "pull_time of N concurrent pulls, slowest {herd}" },
	{ "herd_throughput", "B/s", "higher", "bytes of all N pulls / wall time of the herd {herd}" },
	{ NULL },
};

#define MAX_HERD 256
#define MAX_REPEAT 100

/* Base URL without a trailing slash and the host[:port] in it; -1 when it is no http(s) URL. */
static int split_url(const char *url, struct strbuf *base, char *host, size_t cap, char *err, size_t len)
{
	const char *p, *e;
	size_t n;

	if (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8)) {
		strbuf_addstr(base, url);
	} else if (!strstr(url, "://")) {
		strbuf_addstr(base, "https://");
		strbuf_addstr(base, url);
	} else {
		return errf(err, len, "url '%s' is not http(s)", url);
	}
	while (base->len && base->buf[base->len - 1] == '/')
		base->buf[--base->len] = '\0';
	p = strstr(base->buf, "://") + 3;
	e = p + strcspn(p, "/?#");
	n = (size_t)(e - p);
	if (memchr(p, '@', n))
		return errf(err, len, "url must not carry credentials (use username with password_env, or auth_file)");
	if (!n || n >= cap || *e == '?' || *e == '#')
		return errf(err, len, "url has no valid host");
	memcpy(host, p, n);
	host[n] = '\0';
	return 0;
}

/* Credentials from password_env or auth_file (pass is malloc'd; wiped and freed by the caller). */
static int credentials(struct probe_ctx *ctx, const char *host, char **user, char **pass)
{
	const char *u = probe_str(ctx, "username"), *env = probe_str(ctx, "password_env");
	const char *file = probe_str(ctx, "auth_file");
	struct strbuf sb = STRBUF_INIT;
	char err[300];
	int rc;

	*user = *pass = NULL;
	if (env) {
		const char *v = getenv(env);

		if (!u)
			return probe_error(ctx, "password_env needs username");
		if (!v)
			return probe_error(ctx, "auth failure: environment variable '%s' (password_env) is not set",
					   env);
		*user = strdup(u);
		*pass = strdup(v);
		return *user && *pass ? 0 : probe_error(ctx, "out of memory");
	}
	if (!file)
		return 0;
	if (strbuf_read_file(&sb, file, 1u << 20, err, sizeof(err)) < 0)
		return probe_error(ctx, "auth failure: cannot read auth_file '%s': %s", file, err);
	rc = oci_config_auth(sb.buf ? sb.buf : "", host, user, pass, err, sizeof(err));
	memset(sb.buf, 0, sb.len);
	strbuf_release(&sb);
	if (rc < 0)
		return probe_error(ctx, "auth failure: auth_file '%s': %s", file, err);
	if (rc == 0)
		probe_log(ctx, "auth_file '%s' has no entry for '%s': pulling anonymously", file, host);
	if (u && *user && strcmp(u, *user))
		probe_log(ctx, "username differs from auth_file's entry; using the file's");
	return 0;
}

struct herd_slot {
	const struct pull_opts *o;
	struct pull_result r;
};

static void *herd_main(void *arg)
{
	struct herd_slot *h = arg;

	pull_run(h->o, &h->r);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Add one pull's timings to the metrics of its kind (m[]: cold or warm); auth_time only once auth happened. */
static void report_pull(struct probe_ctx *ctx, const struct pull_result *r, const char *label,
			struct probe_metric *m[5])
{
	static const char *const names[5] = { "ping_time", "auth_time", "manifest_time", "first_byte_time",
					      "pull_time" };
	const double v[5] = { r->ping_time, r->auth_time, r->manifest_time, r->first_byte_time, r->pull_time };

	for (int k = 0; k < 5; k++) {
		if (k == 1 && r->auth_time < 0)
			continue;
		if (!m[k])
			probe_metric_label(m[k] = probe_metric(ctx, names[k], "s", "lower"), "pull", label);
		probe_metric_sample(m[k], v[k]);
	}
}

/* The verdict of a failed pull: digest mismatch fails the probe, everything else is an error. */
static int verdict(struct probe_ctx *ctx, const struct pull_result *r, const char *who)
{
	if (r->err == PULL_AUTH)
		probe_metric_set(ctx, "auth_failures", "count", "lower", 1);
	if (r->err == PULL_DIGEST)
		probe_metric_set(ctx, "digest_mismatches", "count", "lower", 1);
	if (r->err == PULL_DIGEST) {
		probe_fail(ctx, "%s%s", who, r->reason);
		return 0;
	}
	return probe_error(ctx, "%s%s", who, r->reason);
}

/*
 * N pulls at once on this process (threads), and under an MPI launcher on
 * every rank at once (a barrier first); rank 0 reports the percentiles over
 * all N x ranks pulls. Every rank calls it, with the same N.
 */
static int run_herd(struct probe_ctx *ctx, const struct pull_opts *o, int n, int *retries, struct ranks *rk)
{
	struct herd_slot *hs = calloc((size_t)n, sizeof(*hs));
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	double *times = calloc((size_t)n + 3, sizeof(*times)), *all = NULL, t, bytes = 0, wall = 0;
	struct pull_opts q = *o;
	char label[16], ranks_label[16], reason[1100] = "", first_reason[1300];
	int i, started = 0, rc = 0, err = 0, total = n * rk->n, first_err = 0;

	q.ctx = NULL;	/* N threads: no per-pull log lines */
	q.store = NULL; /* and no writes */
	if (!hs || !th || !times) {
		err = PULL_PROTOCOL;
		snprintf(reason, sizeof(reason), "out of memory");
	}
	ranks_barrier(rk);
	t = probe_now();
	for (i = 0; !err && i < n; i++) {
		hs[i].o = &q;
		if (pthread_create(&th[i], NULL, herd_main, &hs[i]))
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	t = probe_now() - t;
	if (!err && started < n) {
		err = PULL_PROTOCOL;
		snprintf(reason, sizeof(reason), "herd: could start only %d of %d threads", started, n);
	}
	for (i = 0; !err && i < n; i++) {
		*retries += hs[i].r.retries;
		if (hs[i].r.err != PULL_OK && !err) {
			err = (int)hs[i].r.err;
			snprintf(reason, sizeof(reason), "herd pull %d of %d: %s", i + 1, n, hs[i].r.reason);
		}
		times[i] = hs[i].r.pull_time;
		bytes += (double)hs[i].r.bytes;
	}
	times[n] = bytes;
	times[n + 1] = t;
	times[n + 2] = *retries;
	if (rk->rank == 0 && !(all = calloc((size_t)rk->n * (size_t)(n + 3), sizeof(*all)))) {
		err = PULL_PROTOCOL;
		snprintf(reason, sizeof(reason), "out of memory");
	}
	ranks_gather(rk, times, n + 3, all);
	if (ranks_first_error(rk, err, reason, &first_err, first_reason, sizeof(first_reason)) >= 0) {
		if (rk->rank == 0) {
			const char *why = rk->n > 1 ? first_reason : reason;

			if (first_err == PULL_DIGEST)
				probe_fail(ctx, "%s", why);
			else
				rc = probe_error(ctx, "%s", why);
		}
		goto out;
	}
	if (rk->rank != 0)
		goto out;
	bytes = 0;
	*retries = 0;
	for (int r = 0; r < rk->n; r++) { /* pull times first, then each rank's bytes, wall time, retries */
		const double *f = all + (size_t)r * (size_t)(n + 3);

		bytes += f[n];
		wall = wall > f[n + 1] ? wall : f[n + 1];
		*retries += (int)f[n + 2];
		if (r > 0)
			memmove(all + (size_t)r * (size_t)n, f, (size_t)n * sizeof(*f));
	}
	qsort(all, (size_t)total, sizeof(*all), cmp_double);
	snprintf(label, sizeof(label), "%d", n);
	snprintf(ranks_label, sizeof(ranks_label), "%d", rk->n);
	{
		static const struct {
			const char *name;
			double p;
		} pc[] = { { "herd_pull_time_p50", 50 },
			   { "herd_pull_time_p90", 90 },
			   { "herd_pull_time_p99", 99 },
			   { "herd_pull_time_max", 100 },
			   { "herd_throughput", -1 } };

		for (size_t k = 0; k < sizeof(pc) / sizeof(pc[0]); k++) {
			struct probe_metric *m =
				pc[k].p < 0 ? probe_metric_set(ctx, pc[k].name, "B/s", "higher",
							       wall > 0 ? bytes / wall : 0)
					    : probe_metric_set(ctx, pc[k].name, "s", "lower",
							       stats_percentile(all, (size_t)total, pc[k].p));

			probe_metric_label(m, "herd", label);
			if (rk->n > 1)
				probe_metric_label(m, "ranks", ranks_label);
		}
	}
	probe_log(ctx, "herd of %d x %d rank(s): max pull %.3fs, %.0f bytes in %.3fs", n, rk->n, all[total - 1], bytes,
		  wall);
out:
	for (i = 0; hs && i < n; i++)
		pull_result_release(&hs[i].r);
	free(hs);
	free(th);
	free(times);
	free(all);
	return rc < 0 ? -1 : 0;
}

static int check_params(struct probe_ctx *ctx, struct pull_opts *o, const char *repo, const char *ref)
{
	char err[300];

	if (!repo)
		return probe_error(ctx, "repository is required with url");
	if (!oci_repo_valid(repo))
		return probe_error(ctx, "repository '%s' is not a valid name (lower-case path components)", repo);
	if (oci_parse_ref(ref, &o->ref, err, sizeof(err)) < 0)
		return probe_error(ctx, "reference '%s': %s", ref, err);
	if (o->concurrency < 1 || o->concurrency > 64)
		return probe_error(ctx, "concurrency must be 1 to 64");
	if (o->retries < 0 || o->retries > 20)
		return probe_error(ctx, "retries must be 0 to 20");
	if (probe_int(ctx, "repeat") < 1 || probe_int(ctx, "repeat") > MAX_REPEAT)
		return probe_error(ctx, "repeat must be 1 to %d", MAX_REPEAT);
	if (probe_int(ctx, "herd") < 0 || probe_int(ctx, "herd") > MAX_HERD)
		return probe_error(ctx, "herd must be 0 to %d", MAX_HERD);
	if (o->stall_time < 1 || o->connect_timeout <= 0)
		return probe_error(ctx, "stall_timeout must be at least 1s and connect_timeout positive");
	return 0;
}

static void report_layers(struct probe_ctx *ctx, const struct pull_result *r)
{
	for (size_t i = 0; i < r->nblobs; i++) {
		char idx[24], short_d[20];
		struct probe_metric *m;

		if (r->blobs[i].is_config)
			continue;
		snprintf(idx, sizeof(idx), "%zu", i - 1);
		snprintf(short_d, sizeof(short_d), "%.19s", r->blobs[i].digest);
		m = probe_metric_set(ctx, "layer_throughput", "B/s", "higher",
				     r->blobs[i].seconds > 0 ? (double)r->blobs[i].size / r->blobs[i].seconds : 0);
		probe_metric_label(m, "layer", idx);
		probe_metric_label(m, "digest", short_d);
	}
}

static int pulls(struct probe_ctx *ctx, const struct pull_opts *o, struct ranks *rk)
{
	int repeat = (int)probe_int(ctx, "repeat"), herd = (int)probe_int(ctx, "herd"), retries = 0, i, k;
	struct probe_metric *m[2][5] = { { NULL } }, *tp[2] = { NULL, NULL };
	static const char *const label[2] = { "cold", "warm" };
	struct pull_result r;

	if (rk->rank == 0) { /* 0 unless a pull below ends with one (verdict()) */
		probe_metric_set(ctx, "auth_failures", "count", "lower", 0);
		probe_metric_set(ctx, "digest_mismatches", "count", "lower", 0);
	}
	for (i = 0; rk->rank == 0 && i < repeat; i++) { /* the sequential pulls: rank 0 alone */
		struct pull_opts q = *o;
		char who[48] = "";
		int w = i > 0;

		if (i > 0)
			q.store = NULL; /* the first pull stores; the rest measure */
		if (pull_run(&q, &r) < 0) {
			retries += r.retries;
			probe_metric_set(ctx, "retries", "count", "lower", retries);
			if (repeat > 1)
				snprintf(who, sizeof(who), "pull %d of %d: ", i + 1, repeat);
			k = verdict(ctx, &r, who);
			pull_result_release(&r);
			ranks_any(rk, 1); /* tell the other ranks: no herd */
			return k;
		}
		retries += r.retries;
		if (i == 0) {
			probe_metric_set(ctx, "bytes", "B", "higher", (double)r.bytes);
			report_layers(ctx, &r);
			probe_log(ctx, "pulled %s: %llu bytes in %.3fs", r.manifest_digest, (unsigned long long)r.bytes,
				  r.pull_time);
			cJSON_AddStringToObject(probe_env(ctx), "manifest_digest", r.manifest_digest);
			cJSON_AddNumberToObject(probe_env(ctx), "blobs", (double)r.nblobs);
		}
		report_pull(ctx, &r, label[w], m[w]);
		if (!tp[w])
			probe_metric_label(tp[w] = probe_metric(ctx, "throughput", "B/s", "higher"), "pull", label[w]);
		probe_metric_sample(tp[w], r.blob_time > 0 ? (double)r.bytes / r.blob_time : 0);
		pull_result_release(&r);
	}
	if (herd > 0 && ranks_any(rk, 0))
		return 0; /* rank 0 failed its sequential pulls (and returned above): no herd */
	if (herd > 0 && run_herd(ctx, o, herd, &retries, rk) < 0) {
		probe_metric_set(ctx, "retries", "count", "lower", retries);
		return -1;
	}
	probe_metric_set(ctx, "retries", "count", "lower", retries);
	return 0;
}

static int run(struct probe_ctx *ctx)
{
	const char *url = probe_str(ctx, "url");
	struct strbuf base = STRBUF_INIT;
	struct pull_opts o = { 0 };
	struct ranks rk = { 0, probe_rank() > 0 ? probe_rank() : 0, 1 }; /* launched, herd 0: rank 0 pulls alone */
	char host[512], err[300], *user = NULL, *pass = NULL;
	cJSON *env = probe_env(ctx);
	int rc = -1;

	if (!url || !url[0])
		url = getenv("SHAKEDOWN_REGISTRY");
	if (!url || !url[0]) {
		probe_skip(ctx, "no registry: set url (or SHAKEDOWN_REGISTRY) and repository");
		return 0;
	}
	if (split_url(url, &base, host, sizeof(host), err, sizeof(err)) < 0) {
		rc = probe_error(ctx, "%s", err);
		goto out;
	}
	o.ctx = ctx;
	o.base = base.buf;
	o.repo = probe_str(ctx, "repository");
	o.platform = probe_str(ctx, "platform");
	o.concurrency = (int)probe_int(ctx, "concurrency");
	o.ca_bundle = probe_str(ctx, "ca_bundle");
	o.insecure = probe_bool(ctx, "insecure");
	o.retries = (int)probe_int(ctx, "retries");
	o.retry_max_wait = (double)probe_duration_ns(ctx, "retry_max_wait") / 1e9;
	o.connect_timeout = (double)probe_duration_ns(ctx, "connect_timeout") / 1e9;
	o.stall_time = (double)probe_duration_ns(ctx, "stall_timeout") / 1e9;
	o.low_speed = (long)probe_size(ctx, "low_speed");
	o.corrupt = probe_fault(ctx, "corrupt");
	o.store = probe_str(ctx, "store");
	if (o.store && !o.store[0])
		o.store = NULL;
	if (check_params(ctx, &o, o.repo, probe_str(ctx, "reference")) < 0)
		goto out;
	if (credentials(ctx, host, &user, &pass) < 0)
		goto out;
	o.user = user;
	o.pass = pass;
	cJSON_AddStringToObject(env, "registry", base.buf);
	cJSON_AddBoolToObject(env, "loopback",
			      !strncmp(host, "127.", 4) || !strncmp(host, "[::1]", 5) ||
				      !strncmp(host, "localhost", 9));
	cJSON_AddStringToObject(env, "credentials", !user ? "none" : probe_str(ctx, "password_env") ? "env" : "file");
	cJSON_AddStringToObject(env, "libcurl", curl_version_info(CURLVERSION_NOW)->version);
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		rc = probe_error(ctx, "cannot initialise libcurl");
		goto out;
	}
	probe_log(ctx, "pulling %s/%s%s%s for %s", base.buf, o.repo, o.ref.is_digest ? "@" : ":", o.ref.value,
		  o.platform);
	if (probe_int(ctx, "herd") > 0)
		ranks_start(&rk); /* under mpirun/srun: every rank's herd at once */
	cJSON_AddNumberToObject(env, "ranks", rk.n);
	rc = pulls(ctx, &o, &rk);
	ranks_end(&rk);
	curl_global_cleanup();
out:
	if (pass) {
		memset(pass, 0, strlen(pass));
		free(pass);
	}
	free(user);
	strbuf_release(&base);
	return rc < 0 ? -1 : 0;
}

const struct probe_ops probe_ops = {
	.name = "registry",
	.version = "0.1.0",
	.description = "container image pull from an OCI registry: ping, auth, manifest, every blob sha256-verified "
		       "and discarded; cold/warm repeats and a concurrent herd",
	.params = params,
	.metrics = metrics,
	.run = run,
};
