// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/exit/exit_sensor.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include "alerts/exit_events.h"
#include "common/log.h"
#include "common/port_list.h"
#include "common/timeutil.h"
#include "sensors/exit/source_storm.h"
#include "sensors/exit/tunnel_alerts.h"

struct exit_settings {
	struct tw_port_set ssh_ports;
	struct tw_tunnel_config tunnel;
	uint32_t source_alert_limit;
	uint64_t source_alert_window_ns;
	bool block;		/* at start only: later, 'torwatch block' changes it */
};

struct exit_sensor {
	const struct tw_sensor_env *env;
	struct exit_settings in_force;
	int tunnel_state_fd;	/* looked up once, read on every tunnel event */
	struct tw_source_storm *storm;
	struct tw_storm_maps storm_maps;
	bool applied;
};

static void exit_settings(const struct tw_run_opts *o, void *out)
{
	struct exit_settings *s = out;

	s->ssh_ports = o->ssh_ports;
	s->tunnel = o->tunnel;
	s->source_alert_limit = o->source_alert_limit;
	s->source_alert_window_ns = (uint64_t)o->source_alert_window_s * TW_NS_PER_SEC;
	s->block = o->block;
}

static int map_fd(const struct tw_sensor_env *env, const char *name)
{
	return bpf_object__find_map_fd_by_name(env->shared, name);
}

/* Ports first: the mode never applies to a stale port set. */
static int block_at_start(const struct tw_sensor_env *env, const struct exit_settings *s)
{
	struct tw_block_config b = { .mode = TW_BLOCK_ON };
	char ports[128];
	__u32 zero = 0;

	if (tw_port_set_store(map_fd(env, "block_ports"), &s->ssh_ports) ||
	    bpf_map_update_elem(map_fd(env, "block"), &zero, &b, BPF_ANY))
		return -errno;
	tw_port_list_format(&s->ssh_ports, ports, sizeof(ports));
	tw_info("block mode on: exit-node traffic to port %s is dropped", ports);
	return 0;
}

static int exit_apply(void *self, const struct tw_sensor_env *env, const void *settings)
{
	const struct exit_settings *s = settings;
	struct exit_sensor *x = self;
	char ports[128];
	__u32 zero = 0;
	int err;

	x->env = env;
	err = tw_port_set_store(map_fd(env, "ssh_ports"), &s->ssh_ports);
	if (err) {
		tw_err("cannot write the SSH ports: %s", strerror(-err));
		return err;
	}
	if (bpf_map_update_elem(map_fd(env, "tunnel_config"), &zero, &s->tunnel, BPF_ANY))
		tw_warn("cannot write the tunnel detection settings: %s", strerror(errno));
	tw_port_list_format(&s->ssh_ports, ports, sizeof(ports));
	tw_info("SSH ports: %s", ports);
	if (!x->applied && s->block) {
		err = block_at_start(env, s);
		if (err)
			return err;
	}
	x->in_force = *s;
	if (!x->applied) {
		x->tunnel_state_fd = map_fd(env, "tunnel_state");
		x->storm_maps.src_stats = map_fd(env, "src_stats");
		err = tw_exit_table_map(map_fd(env, "exit_table_v4"), false, false, &x->storm_maps.v4);
		if (!err)
			err = tw_exit_table_map(map_fd(env, "exit_table_v6"), true, false,
						&x->storm_maps.v6);
		if (err) {
			tw_err("cannot map the exit tables: %s", strerror(-err));
			return err;
		}
		x->storm = tw_storm_new(s->source_alert_limit, s->source_alert_window_ns);
		if (!x->storm)
			return -ENOMEM;
	}
	tw_storm_set_limit(x->storm, s->source_alert_limit, s->source_alert_window_ns);
	x->applied = true;
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct exit_sensor *x = ctx;
	const struct tw_event *ev = data;

	if (size < sizeof(struct tw_event))
		return 0;
	if (ev->kind == TW_EV_ICMP_TUNNEL || ev->kind == TW_EV_DNS_TUNNEL) {
		struct tw_tunnel_state st;
		bool have = !bpf_map_lookup_elem(x->tunnel_state_fd, &ev->saddr, &st);

		tw_emit(x->env->alerts, tw_tunnel_alert(ev, have ? &st : NULL, &x->in_force.tunnel,
							x->env->sources));
		return 0;
	}
	if (tw_storm_folds(x->storm, ev, tw_now_mono_ns())) {
		x->env->alerts->folded++;	/* for status and the metrics */
		return 0;
	}
	tw_emit(x->env->alerts, tw_event_to_alert(ev, x->env->sources));
	return 0;
}

/* The minute of a storm ended: its one summary. */
static void exit_tick(void *self, uint64_t now_ns)
{
	struct exit_sensor *x = self;

	if (x->storm)
		tw_emit(x->env->alerts, tw_storm_summary(x->storm, now_ns, &x->storm_maps));
}

static void exit_close(void *self)
{
	struct exit_sensor *x = self;

	tw_storm_free(x->storm);
	x->storm = NULL;
	tw_exit_table_unmap(&x->storm_maps.v4);
	tw_exit_table_unmap(&x->storm_maps.v6);
}

static size_t exit_rings(void *self, struct tw_sensor_ring *out)
{
	struct exit_sensor *x = self;

	out[0] = (struct tw_sensor_ring){ map_fd(x->env, "xdp_events"), on_event };
	return 1;
}

const struct tw_sensor_ops tw_exit_sensor = {
	.name = "exit",
	.options = tw_exit_options,
	.n_options = &tw_n_exit_options,
	.state_size = sizeof(struct exit_sensor),
	.settings_size = sizeof(struct exit_settings),
	.settings = exit_settings,
	.apply = exit_apply,
	.rings = exit_rings,
	.tick = exit_tick,
	.close = exit_close,
};
