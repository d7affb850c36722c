/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon's sensors: every one of sensor_list.c, each with its state and
 * the settings in force, driven together. */
#ifndef TW_SENSORS_SENSOR_SET_H
#define TW_SENSORS_SENSOR_SET_H

#include "sensors/sensor.h"

#define TW_MAX_SENSORS 8

struct tw_sensor_slot {
	const struct tw_sensor_ops *ops;
	void *self;
	void *settings;		/* in force; NULL before the first apply */
	bool loaded;
};

struct tw_sensor_set {
	struct tw_sensor_env env;
	struct tw_sensor_slot s[TW_MAX_SENSORS];
	size_t n;
	struct ring_buffer *rb;	/* every sensor's rings, NULL until read */
};

/* The sensors' states, for env (copied). 0 or -ENOMEM. */
int tw_sensors_open(struct tw_sensor_set *set, const struct tw_sensor_env *env);
/* The settings made from o, applied to each sensor whose settings changed
 * (all of them the first time). 0, or the first error. */
int tw_sensors_apply(struct tw_sensor_set *set, const struct tw_run_opts *o);
/* The hooks, in list order. 0, or the error of a sensor that is not optional. */
int tw_sensors_load(struct tw_sensor_set *set);
/* One ring buffer over every loaded sensor's rings; then each inventory. */
int tw_sensors_start_events(struct tw_sensor_set *set);
void tw_sensors_tick(struct tw_sensor_set *set, uint64_t now_ns);
/* The loaded sensors' other fds (struct tw_sensor_fd), at most max. */
size_t tw_sensors_fds(struct tw_sensor_set *set, struct tw_sensor_fd *out, size_t max);
/* A loaded sensor's map named name (its fd), or -ENOENT. */
int tw_sensors_map_fd(const struct tw_sensor_set *set, const char *name);
void tw_sensors_close(struct tw_sensor_set *set);

#endif
