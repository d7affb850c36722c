// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "common/privilege.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

static const cap_value_t required[] = { CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN };
/* XDP on an interface that comes back needs a new link: CAP_NET_ADMIN
 * (and CAP_BPF, which BPF_LINK_CREATE asks for on a locked-down host).
 * CAP_SYS_PTRACE, when given, names the executable of another user's
 * process in alerts (/proc/PID/exe). */
static const cap_value_t running[] = { CAP_BPF, CAP_NET_ADMIN, CAP_SYS_PTRACE };
/* Map lookups and updates: kernels before 6.5 ask CAP_BPF for every bpf()
 * call when unprivileged BPF is off (Debian's default). */
static const cap_value_t maps[] = { CAP_BPF };

static const cap_value_t *caps_of(enum tw_cap_set set, size_t *n)
{
	switch (set) {
	case TW_CAPS_REQUIRED:
		*n = sizeof(required) / sizeof(required[0]);
		return required;
	case TW_CAPS_MAPS:
		*n = sizeof(maps) / sizeof(maps[0]);
		return maps;
	case TW_CAPS_NONE:
		*n = 0;
		return NULL;
	default:
		*n = sizeof(running) / sizeof(running[0]);
		return running;
	}
}

int tw_caps_missing(bool tracefs_readable, char *buf, size_t len)
{
	cap_t cur = cap_get_proc();
	size_t n, used = 0;
	const cap_value_t *need = caps_of(TW_CAPS_REQUIRED, &n);
	cap_value_t dac = CAP_DAC_READ_SEARCH;
	int missing = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n + !tracefs_readable; i++) {
		cap_flag_value_t v = CAP_CLEAR;
		char *name;

		cap_value_t c = i < n ? need[i] : dac;

		if (cur)
			cap_get_flag(cur, c, CAP_EFFECTIVE, &v);
		if (v == CAP_SET)
			continue;
		missing++;
		name = cap_to_name(c);
		for (char *p = name; p && *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
						 name ? name : "?");
		cap_free(name);
	}
	cap_free(cur);
	return missing;
}

static bool in_set(cap_value_t c, const cap_value_t *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == c)
			return true;
	return false;
}

/* The bounding set cut to keep: needs CAP_SETPCAP, which root has and the
 * unit does not give (its CapabilityBoundingSet= has cut it already). */
static int bound(cap_t cur, const cap_value_t *keep, size_t n)
{
	cap_flag_value_t setpcap = CAP_CLEAR;

	cap_get_flag(cur, CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
	if (setpcap != CAP_SET)
		return 0;
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (!in_set(c, keep, n) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
			return -errno;
	return 0;
}

int tw_caps_keep(enum tw_cap_set set)
{
	cap_t cur, next;
	size_t n;
	const cap_value_t *keep = caps_of(set, &n);
	int ret = 0;

	if (set == TW_CAPS_UNCHANGED)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	cur = cap_get_proc();
	next = cap_init();
	if (!cur || !next) {
		ret = -errno;
		goto out;
	}
	ret = bound(cur, keep, n);
	if (ret)
		goto out;
	for (size_t i = 0; i < n; i++) {
		cap_flag_value_t v = CAP_CLEAR;

		cap_get_flag(cur, keep[i], CAP_PERMITTED, &v);
		if (v != CAP_SET)
			continue;
		cap_set_flag(next, CAP_PERMITTED, 1, &keep[i], CAP_SET);
		cap_set_flag(next, CAP_EFFECTIVE, 1, &keep[i], CAP_SET);
	}
	/* Ambient first: it may only hold what stays permitted. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		ret = -errno;
	if (!ret && cap_set_proc(next))
		ret = -errno;
out:
	cap_free(cur);
	cap_free(next);
	return ret;
}

void tw_caps_effective(char *buf, size_t len)
{
	cap_t cur = cap_get_proc();
	size_t used = 0;

	buf[0] = '\0';
	for (cap_value_t c = 0; cur && c <= CAP_LAST_CAP; c++) {
		cap_flag_value_t v = CAP_CLEAR;
		char *name;

		if (cap_get_flag(cur, c, CAP_EFFECTIVE, &v) || v != CAP_SET)
			continue;
		name = cap_to_name(c);
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
						 name ? name : "?");
		cap_free(name);
	}
	cap_free(cur);
}
