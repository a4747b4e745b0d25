/*
 * sysfs.h - the soak probe's CPU sensors, read from sysfs under a root
 * directory (the probe's sysfs_root parameter, /sys by default; the tests
 * build a fake tree in a temporary directory).
 *
 * Where each reading comes from, relative to the root:
 *   class/thermal/thermal_zone*\/temp           milli-degrees C; name from type
 *   class/hwmon/hwmon*\/temp*_input              milli-degrees C; name from name (+ temp*_label)
 *   devices/system/cpu/cpu*\/cpufreq/scaling_cur_freq   kHz
 *   class/powercap/intel-rapl:N/energy_uj       microjoules, cumulative, wraps at max_energy_range_uj
 * Readings are converted to base units (celsius, Hz, J). A sensor that is
 * absent or unreadable is not listed; the caller reports it as missing.
 */
#ifndef SD_SOAK_SYSFS_H
#define SD_SOAK_SYSFS_H

#include <stddef.h>

enum soak_sensor_kind { SENSOR_TEMP, SENSOR_FREQ, SENSOR_ENERGY };

struct soak_sensor {
	enum soak_sensor_kind kind;
	char *name; /* "thermal_zone0:x86_pkg_temp", "coretemp/temp1:Package id 0", "cpu3", "intel-rapl:0:package-0" */
	int cpu;    /* SENSOR_FREQ: the cpu number; else -1 */
	int fd;	    /* kept open; read with pread at offset 0 for a fresh value */
	double scale; /* raw value times scale is the base unit */
	double range; /* SENSOR_ENERGY: the counter wraps here (J); 0 when unknown */
};

struct soak_sensors {
	struct soak_sensor *s;
	size_t n;
};

/*
 * Find every readable sensor of the three kinds under root, in a stable
 * order (by kind, then by number). Each is read once to prove it readable.
 * Returns the number found; out is owned by the caller: soak_sensors_release.
 */
size_t soak_sensors_find(const char *root, struct soak_sensors *out);
void soak_sensors_release(struct soak_sensors *ss);

/* Read one sensor now, in base units. Returns 0, or -1 (the value is then not touched). */
int soak_sensor_read(const struct soak_sensor *s, double *v);

/* Read a number from a file (one line of text). Returns 0 or -1. */
int soak_read_number(const char *path, double *v);

#endif
