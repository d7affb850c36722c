/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A sensor: one detector, in one folder of sensors/, seen by the daemon only
 * through this interface. It takes its own settings (made from the options
 * by its own function), loads its kernel hooks over the maps it shares with
 * the XDP object, hands its ring buffers to the daemon's event loop, and
 * builds its own alerts. Adding one is a folder and a line in
 * sensor_list.c. */
#ifndef TW_SENSORS_SENSOR_H
#define TW_SENSORS_SENSOR_H

#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "alerts/emit.h"
#include "config/run_opts.h"
#include "tw_status.h"

/* What every sensor is given; it keeps the pointer. */
struct tw_sensor_env {
	struct bpf_object *shared;	/* the XDP object, whose maps the hooks share */
	const char *pin_root;
	struct tw_emitter *alerts;
	const struct tw_source_info *sources;	/* the feeds by bit, for the alerts */
	struct tw_meta *meta;		/* the published status: hooks in use */
};

struct tw_sensor_ring {
	int map_fd;
	ring_buffer_sample_fn fn;
};

#define TW_SENSOR_MAX_RINGS 2

/* Another fd the event loop watches for a sensor (a download thread's
 * eventfd): fn(ctx) when it is readable. */
struct tw_sensor_fd {
	const char *name;
	int fd;
	void (*fn)(void *ctx);
	void *ctx;
};

#define TW_SENSOR_MAX_FDS 2

struct tw_sensor_ops {
	const char *name;
	size_t state_size;	/* zeroed by the daemon, passed as self */
	size_t settings_size;	/* a plain value: compared byte by byte */
	/* Its rows of the option table, which the sensor list joins into
	 * 'torwatch run' before main (--help, the config file, reload). */
	const struct tw_option *options;
	const size_t *n_options;
	/* Its settings from the options, into a zeroed struct: the one place
	 * a sensor reads them. */
	void (*settings)(const struct tw_run_opts *o, void *out);
	/* Before load, and on every change (SIGHUP). 0 or -errno, logged. */
	int (*apply)(void *self, const struct tw_sensor_env *env, const void *settings);
	/* The hooks. 0, or -errno logged in one sentence; with optional set,
	 * a failure leaves the others running. */
	int (*load)(void *self, const struct tw_sensor_env *env, const void *settings);
	bool optional;
	/* Its ring buffers, the most urgent first; how many. */
	size_t (*rings)(void *self, struct tw_sensor_ring *out);
	/* Its other fds for the loop, after load; how many. */
	size_t (*fds)(void *self, struct tw_sensor_fd *out);
	/* Once the rings are read: what was there before the hooks. */
	void (*inventory)(void *self);
	/* Every round of the loop: windows that closed. */
	void (*tick)(void *self, uint64_t now_ns);
	/* The loaded object, where others may find a map by name; or NULL. */
	struct bpf_object *(*object)(void *self);
	void (*close)(void *self);
};

/* sensor_list.c: every sensor, in the order their rings are read. */
extern const struct tw_sensor_ops *const tw_sensor_list[];
extern const size_t tw_n_sensors;

#endif
