/*
 * net.c - network interfaces (class/net) and InfiniBand ports
 * (class/infiniband/<dev>/ports/<n>) for the sysinfo probe.
 */
#include "sysinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/* Link speed in Mb/s; null when down (reading fails with EINVAL) or unknown (-1). */
static cJSON *nic_speed(const char *name)
{
	char *p = sysfs_path("class/net/%s/speed", name);
	long long v;
	int bad = read_ll(p, &v) || v <= 0 || v >= 0xffffffffLL;

	free(p);
	return bad ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static cJSON *nic_json(const char *name)
{
	cJSON *o = cJSON_CreateObject();
	char *p, *s;

	cJSON_AddStringToObject(o, "name", name);
	p = sysfs_path("class/net/%s/operstate", name);
	json_file_str(o, "operstate", p);
	free(p);
	cJSON_AddItemToObject(o, "speed", nic_speed(name));
	p = sysfs_path("class/net/%s/mtu", name);
	json_file_num(o, "mtu", p);
	free(p);
	p = sysfs_path("class/net/%s/address", name);
	json_file_str(o, "address", p);
	free(p);
	p = sysfs_path("class/net/%s/device/driver", name);
	s = link_name(p);
	json_str(o, "driver", s);
	free(s);
	free(p);
	/* a physical interface has a device: its PCI address, to match with env.pci */
	p = sysfs_path("class/net/%s/device", name);
	s = link_name(p);
	json_str(o, "device", s);
	cJSON_AddBoolToObject(o, "virtual", !s);
	free(s);
	free(p);
	return o;
}

void collect_nics(struct probe_ctx *ctx, cJSON *env)
{
	char *dir = sysfs_path("class/net"), **names, reason[256];
	int i, n = dir_names(dir, &names);
	cJSON *a;

	(void)ctx;
	if (n < 0) {
		snprintf(reason, sizeof(reason), "cannot list '%s': %s", dir, strerror(errno));
		json_unavailable(env, "nics", reason);
		free(dir);
		return;
	}
	a = cJSON_AddArrayToObject(env, "nics");
	for (i = 0; i < n; i++)
		if (strcmp(names[i], "lo"))
			cJSON_AddItemToArray(a, nic_json(names[i]));
	names_free(names, n);
	free(dir);
}

/* "4: ACTIVE" -> "ACTIVE": the kernel prefixes the numeric state. */
static void add_state(cJSON *o, const char *key, const char *path)
{
	char *s = read_line(path), *colon = s ? strstr(s, ": ") : NULL;

	json_str(o, key, colon ? colon + 2 : s);
	free(s);
}

static cJSON *ib_port_json(const char *dev, const char *port)
{
	cJSON *o = cJSON_CreateObject();
	char *p, *rate;
	long long num;

	if (!units_parse_int(port, &num, NULL, 0))
		cJSON_AddNumberToObject(o, "port", num);
	else
		cJSON_AddStringToObject(o, "port", port);
	p = sysfs_path("class/infiniband/%s/ports/%s/state", dev, port);
	add_state(o, "state", p);
	free(p);
	p = sysfs_path("class/infiniband/%s/ports/%s/phys_state", dev, port);
	add_state(o, "phys_state", p);
	free(p);
	/* "400 Gb/sec (4X NDR)" */
	p = sysfs_path("class/infiniband/%s/ports/%s/rate", dev, port);
	rate = read_line(p);
	json_str(o, "rate", rate);
	if (rate && strtod(rate, NULL) > 0)
		cJSON_AddNumberToObject(o, "rate_gbps", strtod(rate, NULL));
	else
		cJSON_AddNullToObject(o, "rate_gbps");
	free(rate);
	free(p);
	p = sysfs_path("class/infiniband/%s/ports/%s/link_layer", dev, port);
	json_file_str(o, "link_layer", p);
	free(p);
	return o;
}

static cJSON *ib_device_json(const char *dev)
{
	cJSON *o = cJSON_CreateObject(), *ports;
	char *p, **names;
	int i, n;

	cJSON_AddStringToObject(o, "device", dev);
	p = sysfs_path("class/infiniband/%s/fw_ver", dev);
	json_file_str(o, "fw_ver", p);
	free(p);
	p = sysfs_path("class/infiniband/%s/board_id", dev);
	json_file_str(o, "board_id", p);
	free(p);
	ports = cJSON_AddArrayToObject(o, "ports");
	p = sysfs_path("class/infiniband/%s/ports", dev);
	n = dir_names(p, &names);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(ports, ib_port_json(dev, names[i]));
	names_free(names, n);
	free(p);
	return o;
}

/* No class/infiniband is no InfiniBand: an empty list, not an error. */
void collect_infiniband(struct probe_ctx *ctx, cJSON *env)
{
	char *dir = sysfs_path("class/infiniband"), **names;
	int i, n = dir_names(dir, &names);
	cJSON *a = cJSON_AddArrayToObject(env, "infiniband");

	(void)ctx;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, ib_device_json(names[i]));
	names_free(names, n);
	free(dir);
}
