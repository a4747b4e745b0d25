/*
 * redact.h - keeping credentials out of what shakedown writes. A plan or a
 * probe parameter may carry a URL with user:password@ (a registry's); results
 * and reports keep such values as run, with the password replaced, so that a
 * credential never reaches results.json, logs or reports.
 */
#ifndef SD_REDACT_H
#define SD_REDACT_H

#define REDACT_MARK "REDACTED"

/*
 * v with the password of a URL's user:password@ replaced by REDACT_MARK
 * ("http://alice:s3cret@host/x" -> "http://alice:REDACTED@host/x"); any other
 * text unchanged. Returns a new string (caller frees).
 */
char *redact_url_password(const char *v);

#endif
