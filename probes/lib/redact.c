/* redact.c - see redact.h. */
#include "redact.h"
#include "xalloc.h"

#include <string.h>

char *redact_url_password(const char *v)
{
	const char *scheme = strstr(v, "://"), *host, *at, *colon;

	if (!scheme)
		return xstrdup(v);
	host = scheme + 3;
	at = host + strcspn(host, "/?#@");
	colon = memchr(host, ':', (size_t)(at - host));
	if (*at != '@' || !colon)
		return xstrdup(v);
	return xasprintf("%.*s" REDACT_MARK "%s", (int)(colon + 1 - v), v, at);
}
