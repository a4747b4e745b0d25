/*
 * store.h - `store: DIR`: what a pull verified, written as an OCI image layout
 * (oci-layout, index.json, blobs/sha256/<hex>) for users who want to pre-pull.
 * A blob streams into a temporary file beside its final name and is renamed
 * there only once its digest is verified, so DIR never holds a blob whose
 * content differs from its name. DIR must be absent, empty, or already an OCI
 * layout (it has oci-layout); index.json is replaced, naming the pulled image.
 */
#ifndef SD_STORE_H
#define SD_STORE_H

#include <stddef.h>
#include <stdio.h>

/* Make DIR/blobs/sha256 (and DIR) after the checks above. 0, or -1 with a message in err. */
int store_prepare(const char *dir, char *err, size_t len);

/*
 * A blob being written: store_open() a temporary file for digest (truncating
 * an earlier attempt's), store_commit() renames it to blobs/sha256/<hex>,
 * store_abort() removes it. 0, or -1 with a message in err.
 */
struct store_blob {
	FILE *f;
	char tmp[4200], final[4096]; /* DIR is at most 3800 bytes (store_prepare) */
};
int store_open(struct store_blob *b, const char *dir, const char *digest, char *err, size_t len);
int store_commit(struct store_blob *b, char *err, size_t len);
void store_abort(struct store_blob *b);

/*
 * Write the image manifest (body, n bytes, its digest and media type) as a
 * blob and index.json naming it (annotation org.opencontainers.image.ref.name
 * = ref_name, the tag; none for a digest), then oci-layout. 0, or -1.
 */
int store_finish(const char *dir, const char *body, size_t n, const char *digest, const char *media_type,
		 const char *ref_name, char *err, size_t len);

#endif
