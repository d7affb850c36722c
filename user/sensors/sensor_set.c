// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/sensor_set.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"

int tw_sensors_open(struct tw_sensor_set *set, const struct tw_sensor_env *env)
{
	set->env = *env;
	for (size_t i = 0; i < tw_n_sensors && i < TW_MAX_SENSORS; i++) {
		struct tw_sensor_slot *s = &set->s[set->n++];

		s->ops = tw_sensor_list[i];
		s->self = calloc(1, s->ops->state_size ? s->ops->state_size : 1);
		if (!s->self)
			return -ENOMEM;
	}
	return 0;
}

/* One sensor's new settings, applied when they differ from those in force. */
static int apply_one(struct tw_sensor_set *set, struct tw_sensor_slot *s,
		     const struct tw_run_opts *o)
{
	size_t size = s->ops->settings_size;
	void *next;
	int ret;

	if (!s->ops->settings || !s->ops->apply)
		return 0;
	next = calloc(1, size);
	if (!next)
		return -ENOMEM;
	s->ops->settings(o, next);
	if (s->settings && !memcmp(s->settings, next, size)) {
		free(next);
		return 0;
	}
	ret = s->ops->apply(s->self, &set->env, next);
	if (ret) {
		free(next);
		return ret;
	}
	free(s->settings);
	s->settings = next;
	return 0;
}

int tw_sensors_apply(struct tw_sensor_set *set, const struct tw_run_opts *o)
{
	int first = 0;

	/* Each sensor on its own: one that fails leaves the others applied. */
	for (size_t i = 0; i < set->n; i++) {
		int ret = apply_one(set, &set->s[i], o);

		if (ret && !first)
			first = ret;
	}
	return first;
}

int tw_sensors_load(struct tw_sensor_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct tw_sensor_slot *s = &set->s[i];
		int ret;

		if (!s->ops->load) {
			s->loaded = true;
			continue;
		}
		ret = s->ops->load(s->self, &set->env, s->settings);
		if (ret && !s->ops->optional)
			return ret;
		s->loaded = !ret;
	}
	return 0;
}

/* The loaded sensors' rings into one ring buffer, in list order. */
static int add_rings(struct tw_sensor_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct tw_sensor_slot *s = &set->s[i];
		struct tw_sensor_ring rings[TW_SENSOR_MAX_RINGS];
		size_t n = s->loaded && s->ops->rings ? s->ops->rings(s->self, rings) : 0;

		for (size_t r = 0; r < n; r++) {
			if (!set->rb)
				set->rb = ring_buffer__new(rings[r].map_fd, rings[r].fn, s->self, NULL);
			else if (ring_buffer__add(set->rb, rings[r].map_fd, rings[r].fn, s->self))
				return -errno;
			if (!set->rb)
				return -errno;
		}
	}
	return set->rb ? 0 : -ENOENT;
}

int tw_sensors_start_events(struct tw_sensor_set *set)
{
	int ret = add_rings(set);

	if (ret) {
		tw_err("cannot open the event ring buffer: %s", strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < set->n; i++)
		if (set->s[i].loaded && set->s[i].ops->inventory)
			set->s[i].ops->inventory(set->s[i].self);
	return 0;
}

size_t tw_sensors_fds(struct tw_sensor_set *set, struct tw_sensor_fd *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++) {
		struct tw_sensor_fd fds[TW_SENSOR_MAX_FDS];
		size_t k = set->s[i].loaded && set->s[i].ops->fds ?
				   set->s[i].ops->fds(set->s[i].self, fds) : 0;

		for (size_t j = 0; j < k && n < max; j++)
			out[n++] = fds[j];
	}
	return n;
}

void tw_sensors_tick(struct tw_sensor_set *set, uint64_t now_ns)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->s[i].loaded && set->s[i].ops->tick)
			set->s[i].ops->tick(set->s[i].self, now_ns);
}

int tw_sensors_map_fd(const struct tw_sensor_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct tw_sensor_slot *s = &set->s[i];
		struct bpf_object *obj = s->loaded && s->ops->object ? s->ops->object(s->self) : NULL;
		int fd = obj ? bpf_object__find_map_fd_by_name(obj, name) : -1;

		if (fd >= 0)
			return fd;
	}
	return -ENOENT;
}

void tw_sensors_close(struct tw_sensor_set *set)
{
	ring_buffer__free(set->rb);
	set->rb = NULL;
	for (size_t i = 0; i < set->n; i++) {
		struct tw_sensor_slot *s = &set->s[i];

		if (s->ops->close)
			s->ops->close(s->self);
		free(s->self);
		free(s->settings);
	}
	set->n = 0;
}
