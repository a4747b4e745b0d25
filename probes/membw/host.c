/* host.c - see host.h. (being written) */
#include "host.h"
#include "probe.h"

int membw_host(struct probe_ctx *ctx, const struct membw_host_opts *o)
{
	(void)ctx;
	(void)o;
	return 0;
}
