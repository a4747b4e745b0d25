/*
 * store.c - the OCI image layout writer of `store: DIR` (store.h).
 */
#include "store.h"
#include "strbuf.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdir_ok(const char *path)
{
	return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* Paths under DIR are at most this long: checked once, so every snprintf below fits. */
#define MAX_DIR 3800

int store_prepare(const char *dir, char *err, size_t len)
{
	char p[4096];
	DIR *d;
	struct dirent *e;
	int entries = 0;

	if (strlen(dir) > MAX_DIR)
		return errf(err, len, "store path longer than %d bytes", MAX_DIR);
	d = opendir(dir);
	if (d) {
		while ((e = readdir(d)))
			entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
		closedir(d);
		snprintf(p, sizeof(p), "%s/oci-layout", dir);
		if (entries && access(p, F_OK) != 0)
			return errf(err, len, "store '%s' is neither empty nor an OCI image layout (no oci-layout)",
				    dir);
	} else if (errno != ENOENT) {
		return errf(err, len, "cannot open store '%s': %s", dir, strerror(errno));
	}
	if (mkdir_ok(dir) < 0)
		return errf(err, len, "cannot create store '%s': %s", dir, strerror(errno));
	snprintf(p, sizeof(p), "%s/blobs", dir);
	if (mkdir_ok(p) < 0)
		return errf(err, len, "cannot create '%s': %s", p, strerror(errno));
	snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
	if (mkdir_ok(p) < 0)
		return errf(err, len, "cannot create '%s': %s", p, strerror(errno));
	return 0;
}

int store_open(struct store_blob *b, const char *dir, const char *digest, char *err, size_t len)
{
	const char *hex = digest + 7; /* validated sha256:<64 hex> */

	store_abort(b);
	snprintf(b->final, sizeof(b->final), "%s/blobs/sha256/%s", dir, hex);
	snprintf(b->tmp, sizeof(b->tmp), "%s/blobs/sha256/.%s.%ld.%lx.part", dir, hex, (long)getpid(),
		 (unsigned long)pthread_self());
	b->f = fopen(b->tmp, "wbx");
	if (!b->f)
		return errf(err, len, "cannot create '%s': %s", b->tmp, strerror(errno));
	return 0;
}

int store_commit(struct store_blob *b, char *err, size_t len)
{
	int bad = ferror(b->f);

	if (fclose(b->f) != 0 || bad) {
		b->f = NULL;
		unlink(b->tmp);
		return errf(err, len, "cannot write '%s': %s", b->tmp, strerror(errno ? errno : EIO));
	}
	b->f = NULL;
	if (rename(b->tmp, b->final) < 0) {
		unlink(b->tmp);
		return errf(err, len, "cannot rename to '%s': %s", b->final, strerror(errno));
	}
	return 0;
}

void store_abort(struct store_blob *b)
{
	if (b->f) {
		fclose(b->f);
		b->f = NULL;
		unlink(b->tmp);
	}
}

static int write_file(const char *dir, const char *name, const char *data, size_t n, char *err, size_t len)
{
	char tmp[4200], final[4096];
	FILE *f;
	int bad;

	snprintf(final, sizeof(final), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.%ld.part", final, (long)getpid());
	f = fopen(tmp, "wb");
	if (!f)
		return errf(err, len, "cannot create '%s': %s", tmp, strerror(errno));
	bad = fwrite(data, 1, n, f) != n;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, final) < 0) {
		unlink(tmp);
		return errf(err, len, "cannot write '%s': %s", final, strerror(errno));
	}
	return 0;
}

int store_finish(const char *dir, const char *body, size_t n, const char *digest, const char *media_type,
		 const char *ref_name, char *err, size_t len)
{
	char name[96];
	cJSON *idx = cJSON_CreateObject(), *arr, *d, *ann;
	char *text = NULL;
	int rc = -1;

	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	if (!idx)
		return errf(err, len, "out of memory");
	cJSON_AddNumberToObject(idx, "schemaVersion", 2);
	cJSON_AddStringToObject(idx, "mediaType", "application/vnd.oci.image.index.v1+json");
	arr = cJSON_AddArrayToObject(idx, "manifests");
	d = cJSON_CreateObject();
	cJSON_AddItemToArray(arr, d);
	cJSON_AddStringToObject(d, "mediaType", media_type);
	cJSON_AddStringToObject(d, "digest", digest);
	cJSON_AddNumberToObject(d, "size", (double)n);
	if (ref_name) {
		ann = cJSON_AddObjectToObject(d, "annotations");
		cJSON_AddStringToObject(ann, "org.opencontainers.image.ref.name", ref_name);
	}
	text = cJSON_PrintUnformatted(idx);
	if (!text) {
		errf(err, len, "out of memory");
		goto out;
	}
	if (write_file(dir, name, body, n, err, len) < 0 ||
	    write_file(dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30, err, len) < 0 ||
	    write_file(dir, "index.json", text, strlen(text), err, len) < 0)
		goto out;
	rc = 0;
out:
	free(text);
	cJSON_Delete(idx);
	return rc;
}
