// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "sensors/session/session_sensor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "common/log.h"
#include "common/timeutil.h"
#include "sensors/session/session_alerts.h"
#include "sensors/session/session_inventory.h"
#include "sensors/session/session_track.h"
#include "session_track.skel.h"

struct session_settings {
	char sshd_names[TW_SSHD_NAMES][TW_COMM_LEN];
	size_t n_sshd_names;
	struct tw_prefix egress_exclude[64];
	size_t n_egress_exclude;
	bool egress_forwarding;
	uint64_t window_ns;	/* folds repeats of one connection */
};

struct session_sensor {
	const struct tw_sensor_env *env;
	struct session_track_bpf *skel;
	struct tw_egress_dedup *dedup;
	uint64_t window_ns;
};

static void session_settings(const struct tw_run_opts *o, void *out)
{
	struct session_settings *s = out;

	_Static_assert(sizeof(s->egress_exclude) == sizeof(o->egress_exclude), "exclusions");
	for (size_t i = 0; i < o->n_sshd_names && i < TW_SSHD_NAMES; i++, s->n_sshd_names++)
		snprintf(s->sshd_names[i], TW_COMM_LEN, "%s", o->sshd_names[i]);
	memcpy(s->egress_exclude, o->egress_exclude, o->n_egress_exclude * sizeof(struct tw_prefix));
	s->n_egress_exclude = o->n_egress_exclude;
	s->egress_forwarding = o->egress_forwarding;
	s->window_ns = (uint64_t)o->dedup_window_s * TW_NS_PER_SEC;
}

/* Into the tracker's maps; before the load, kept for it. */
static int write_settings(struct session_sensor *ss, const struct session_settings *s)
{
	const char *names[TW_SSHD_NAMES];
	int err;

	for (size_t i = 0; i < s->n_sshd_names; i++)
		names[i] = s->sshd_names[i];
	err = tw_session_set_config(ss->skel, names, s->n_sshd_names, s->egress_forwarding);
	if (!err)
		err = tw_session_set_excludes(ss->skel, s->egress_exclude, s->n_egress_exclude);
	if (err)
		tw_err("cannot write the session tracker's settings: %s", strerror(-err));
	return err;
}

static int session_apply(void *self, const struct tw_sensor_env *env, const void *settings)
{
	struct session_sensor *ss = self;
	const struct session_settings *s = settings;

	ss->env = env;
	ss->window_ns = s->window_ns;
	return ss->skel ? write_settings(ss, s) : 0;
}

static void on_session_event(struct session_sensor *ss, const struct tw_session_event *ev)
{
	tw_emit(ss->env->alerts, tw_session_event_alert(ss->dedup, ev, ss->env->sources,
							ss->window_ns, tw_now_mono_ns()));
}

/* A session found running: alerted like one seen starting. */
static void found(const struct tw_session_event *ev, void *ctx)
{
	if (ev->kind)
		on_session_event(ctx, ev);
}

static int session_load(void *self, const struct tw_sensor_env *env, const void *settings)
{
	struct session_sensor *ss = self;
	const struct session_settings *s = settings;
	char err[640];
	int n;

	ss->dedup = tw_egress_dedup_new();
	if (!ss->dedup)
		return -ENOMEM;
	ss->skel = tw_session_track_start(env->shared, env->pin_root, err, sizeof(err));
	if (!ss->skel) {
		tw_warn("%s; SSH sessions are not followed (no sshd_child_egress, no ssh_login_from_tor)",
			err);
		return -ENOTSUP;
	}
	if (write_settings(ss, s)) {
		tw_session_track_stop(ss->skel);
		ss->skel = NULL;
		return -EINVAL;
	}
	/* After the hooks: a session that starts meanwhile is not lost. */
	n = tw_session_inventory(ss->skel, s->sshd_names, s->n_sshd_names, env->pin_root, found, ss);
	tw_info("SSH sessions: followed from sshd (%s) on; %d found running", s->sshd_names[0],
		n < 0 ? 0 : n);
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct tw_session_event))
		on_session_event(ctx, data);
	return 0;
}

static size_t session_rings(void *self, struct tw_sensor_ring *out)
{
	struct session_sensor *ss = self;

	out[0] = (struct tw_sensor_ring){ bpf_map__fd(ss->skel->maps.session_events), on_event };
	return 1;
}

/* Connection windows that closed, and logins whose wait for a name is over. */
static void session_tick(void *self, uint64_t now_ns)
{
	struct session_sensor *ss = self;
	struct json_object *a;

	while ((a = tw_egress_flush_next(ss->dedup, ss->env->sources, ss->window_ns, now_ns)))
		tw_emit(ss->env->alerts, a);
}

static struct bpf_object *session_object(void *self)
{
	struct session_sensor *ss = self;

	return ss->skel ? ss->skel->obj : NULL;
}

static void session_close(void *self)
{
	struct session_sensor *ss = self;

	tw_session_track_stop(ss->skel);
	ss->skel = NULL;
	tw_egress_dedup_free(ss->dedup);
	ss->dedup = NULL;
}

const struct tw_sensor_ops tw_session_sensor = {
	.name = "session",
	.options = tw_session_options,
	.n_options = &tw_n_session_options,
	.state_size = sizeof(struct session_sensor),
	.settings_size = sizeof(struct session_settings),
	.settings = session_settings,
	.apply = session_apply,
	.load = session_load,
	.optional = true,
	.rings = session_rings,
	.tick = session_tick,
	.object = session_object,
	.close = session_close,
};
