/*
 * net.c - InfiniBand/RoCE ports and Ethernet links for the audit probe, from
 * sysfs under the root (audit.h), and the GPU-NIC affinity that decides
 * GPUDirect RDMA speed (nvidia-smi topo -m's legend: PIX, PHB, NODE, SYS).
 */
#include "audit.h"
#include "sysfile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

double audit_ib_rate(const char *s)
{
	char *end;
	double v = s ? strtod(s, &end) : 0;

	if (!s || end == s || v <= 0)
		return 0;
	while (*end == ' ')
		end++;
	if (!strncmp(end, "Gb/s", 4))
		return v * 1e9 / 8;
	if (!strncmp(end, "Mb/s", 4))
		return v * 1e6 / 8;
	return 0;
}

char *audit_pci_path(const char *root, const char *rel)
{
	char *p = audit_path(root, "%s", rel), *real = realpath(p, NULL), *at, *out = NULL;

	free(p);
	if (!real)
		return NULL;
	at = strstr(real, "/devices/");
	if (at && strstr(at, "/pci"))
		out = xstrdup(at + strlen("/devices/"));
	free(real);
	return out;
}

/* "4: ACTIVE" -> "ACTIVE". Caller frees. */
static char *port_state(const char *root, const char *dev, const char *port)
{
	char *s = audit_line(root, "sys/class/infiniband/%s/ports/%s/state", dev, port), *c, *out;

	if (!s)
		return NULL;
	c = strstr(s, ": ");
	out = xstrdup(c ? c + 2 : s);
	free(s);
	return out;
}

static void read_ib_device(const char *root, const char *dev, struct audit_net *n)
{
	char **ports, *rel = xasprintf("sys/class/infiniband/%s/ports", dev), *pci, *fw;
	int i, np = audit_names(root, rel, &ports);
	struct audit_ib_port *p;
	long long numa = audit_ll(root, "sys/class/infiniband/%s/device/numa_node", dev);

	free(rel);
	rel = xasprintf("sys/class/infiniband/%s/device", dev);
	pci = audit_pci_path(root, rel);
	free(rel);
	fw = audit_line(root, "sys/class/infiniband/%s/fw_ver", dev);
	for (i = 0; i < np; i++) {
		n->ib = xrealloc(n->ib, (n->nib + 1) * sizeof(*n->ib));
		p = &n->ib[n->nib++];
		memset(p, 0, sizeof(*p));
		p->device = xstrdup(dev);
		p->port = (int)strtol(ports[i], NULL, 10);
		p->state = port_state(root, dev, ports[i]);
		p->active = p->state && !strcmp(p->state, "ACTIVE");
		p->rate_text = audit_line(root, "sys/class/infiniband/%s/ports/%s/rate", dev, ports[i]);
		p->rate = audit_ib_rate(p->rate_text);
		p->link_layer = audit_line(root, "sys/class/infiniband/%s/ports/%s/link_layer", dev, ports[i]);
		p->numa = numa < 0 || numa > INT_MAX ? -1 : (int)numa;
		p->pci_path = pci ? xstrdup(pci) : NULL;
		p->fw = fw ? xstrdup(fw) : NULL;
	}
	free(pci);
	free(fw);
	names_free(ports, np);
}

/* Physical (a device link), not InfiniBand (ARPHRD_INFINIBAND 32: IPoIB) and not loopback. */
static void read_eth(const char *root, const char *name, struct audit_net *n)
{
	char *dev = audit_path(root, "sys/class/net/%s/device", name);
	long long type = audit_ll(root, "sys/class/net/%s/type", name), speed;
	struct audit_eth *e;
	int physical = !access(dev, F_OK);

	free(dev);
	if (!physical || type != 1)
		return;
	n->eth = xrealloc(n->eth, (n->neth + 1) * sizeof(*n->eth));
	e = &n->eth[n->neth++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	e->operstate = audit_line(root, "sys/class/net/%s/operstate", name);
	e->up = e->operstate && !strcmp(e->operstate, "up");
	speed = audit_ll(root, "sys/class/net/%s/speed", name); /* Mb/s; -1 or EINVAL when down or unknown */
	e->speed = speed > 0 && speed < 0xffffffffLL ? speed * 1e6 / 8 : 0;
	e->mtu = audit_ll(root, "sys/class/net/%s/mtu", name);
}

void audit_net_read(const char *root, struct audit_net *n)
{
	char **names;
	int i, k;

	memset(n, 0, sizeof(*n));
	k = audit_names(root, "sys/class/infiniband", &names);
	for (i = 0; i < k; i++)
		read_ib_device(root, names[i], n);
	names_free(names, k);
	k = audit_names(root, "sys/class/net", &names);
	for (i = 0; i < k; i++)
		read_eth(root, names[i], n);
	names_free(names, k);
}

void audit_net_release(struct audit_net *n)
{
	size_t i;

	for (i = 0; i < n->nib; i++) {
		free(n->ib[i].device);
		free(n->ib[i].state);
		free(n->ib[i].rate_text);
		free(n->ib[i].link_layer);
		free(n->ib[i].pci_path);
		free(n->ib[i].fw);
	}
	for (i = 0; i < n->neth; i++) {
		free(n->eth[i].name);
		free(n->eth[i].operstate);
	}
	free(n->ib);
	free(n->eth);
	memset(n, 0, sizeof(*n));
}

const char *audit_affinity_name(enum audit_affinity a)
{
	static const char *const names[] = { "PIX", "PHB", "NODE", "SYS" };

	return names[a];
}

/* How many leading path components two PCI paths share ("pci0000:17/0000:17:01.0/..."). */
static int common_components(const char *a, const char *b)
{
	int n = 0;

	while (*a && *a == *b) {
		if (*a == '/')
			n++;
		a++;
		b++;
	}
	return (!*a || *a == '/') && (!*b || *b == '/') ? n + 1 : n;
}

enum audit_affinity audit_affinity(const char *gpu_path, int gpu_numa, const char *nic_path, int nic_numa)
{
	int common = gpu_path && nic_path ? common_components(gpu_path, nic_path) : 0;

	if (common >= 2) /* the host bridge and at least a root port or switch below it */
		return AFF_PIX;
	if (common == 1)
		return AFF_PHB;
	return gpu_numa == nic_numa ? AFF_NODE : AFF_SYS;
}

int audit_nearest_nic(const struct audit_gpu *g, const struct audit_ib_port *ib, size_t n)
{
	int best = -1;
	enum audit_affinity a, best_a = AFF_SYS;
	size_t i;

	for (i = 0; i < n; i++) {
		a = audit_affinity(g->pci_path, g->numa, ib[i].pci_path, ib[i].numa);
		if (best < 0 || a < best_a) {
			best = (int)i;
			best_a = a;
		}
	}
	return best;
}
