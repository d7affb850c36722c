// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Opening what is pinned (by the CLI and the daemon), running the pinned
 * programs, and sharing the pins with the readers' group. */
#include "kernel/pins.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/addr.h"
#include "torwatch.h"

int tw_pin_open(const char *root, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	return bpf_obj_get(path);
}

int tw_pin_open_ro(const char *root, const char *name)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	return bpf_obj_get_opts(path, &opts);
}

/* One sentence for a pin we may not open: who may. */
static void no_access(const char *root, bool write, char *err, size_t errlen)
{
	struct stat st;
	struct group *g = stat(root, &st) ? NULL : getgrgid(st.st_gid);
	struct passwd *me = getpwuid(getuid());

	if (write)
		snprintf(err, errlen, "changing the state pinned under %s needs root (or the torwatch service user): run it with sudo",
			 root);
	else if (g && st.st_gid && (st.st_mode & 0010))	/* the group may search it */
		snprintf(err, errlen, "reading the state pinned under %s needs root or membership in group '%s': run it with sudo, or ask for 'usermod -aG %s %s'",
			 root, g->gr_name, g->gr_name, me ? me->pw_name : "$USER");
	else
		snprintf(err, errlen, "reading the state pinned under %s needs root: run it with sudo (a daemon started with --group GROUP lets that group read it)",
			 root);
}

int tw_pinned_open(const char *root, struct tw_pinned *p, bool write, char *err, size_t errlen)
{
	struct {
		int *fd;
		const char *name;
	} maps[] = {
#define TW_PINNED_ENTRY(map) { &p->map, TW_PIN_NAME(map) },
		TW_PINNED_MAPS(TW_PINNED_ENTRY)
#undef TW_PINNED_ENTRY
	};
	size_t i;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		*maps[i].fd = -1;
	p->exits_v4 = p->exits_v6 = (struct tw_exit_table){};
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		/* The kernel maps a table only through an fd that may write (it
		 * is mapped read-only): where we may not, it is read by fd. */
		bool table = maps[i].fd == &p->exit_table_v4 || maps[i].fd == &p->exit_table_v6;

		*maps[i].fd = write || table ? tw_pin_open(root, maps[i].name) : -1;
		if (*maps[i].fd < 0 && !write)
			*maps[i].fd = tw_pin_open_ro(root, maps[i].name);
		if (*maps[i].fd < 0) {
			int e = errno;

			if (e == EACCES || e == EPERM)
				no_access(root, write, err, errlen);
			else if (e == ENOENT && tw_pins_exist(root))
				snprintf(err, errlen,
					 "the state under %s has no %s: another torwatch version pinned it; restart the daemon ('torwatch run') and this one carries it over",
					 root, maps[i].name);
			else if (e == ENOENT)
				snprintf(err, errlen,
					 "torwatch is not running: nothing is pinned under %s; start it with 'torwatch run'",
					 root);
			else
				snprintf(err, errlen, "cannot open %s/%s: %s", root, maps[i].name,
					 strerror(e));
			tw_pinned_close(p);
			return -e;
		}
	}
	/* Read-only even for writers: only the daemon writes the tables. */
	int ret = tw_exit_table_map(p->exit_table_v4, false, false, &p->exits_v4);

	if (!ret)
		ret = tw_exit_table_map(p->exit_table_v6, true, false, &p->exits_v6);
	if (ret) {
		snprintf(err, errlen, "cannot map the exit tables under %s: %s", root, strerror(-ret));
		tw_pinned_close(p);
	}
	return ret;
}

bool tw_pins_exist(const char *root)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/" TW_PIN_NAME(meta), root);
	return !(access(path, F_OK) && errno == ENOENT);
}

void tw_pinned_close(struct tw_pinned *p)
{
	int *fds[] = {
#define TW_PINNED_FD_PTR(map) &p->map,
		TW_PINNED_MAPS(TW_PINNED_FD_PTR)
#undef TW_PINNED_FD_PTR
	};

	tw_exit_table_unmap(&p->exits_v4);
	tw_exit_table_unmap(&p->exits_v6);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int tw_run_pinned(const char *root, const char *pin, void *frame, size_t len)
{
	int fd = tw_pin_open(root, pin), ret = 0;

	if (fd < 0)
		return -errno;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)len,
		    .data_out = frame, .data_size_out = (__u32)len);
	if (bpf_prog_test_run_opts(fd, &opts))
		ret = -errno;
	else if (opts.retval != XDP_PASS)
		ret = -EINVAL;
	close(fd);
	return ret;
}

int tw_exit_check(const char *root, const struct tw_prefix *a, struct tw_check_ctx *out)
{
	memset(out, 0, sizeof(*out));
	out->is_v4 = a->family == AF_INET;
	if (out->is_v4)
		tw_in6_from_v4(out->addr.addr, a->addr);
	else
		memcpy(out->addr.addr, a->addr, 16);
	return tw_run_pinned(root, TW_PIN_PROG(check_exit), out, sizeof(*out));
}

int tw_pins_share(const char *root, gid_t gid)
{
	DIR *d = opendir(root);
	struct dirent *de;
	int ret = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		/* Readers need read on maps; a program opens read-write only,
		 * and only the lookup one (check_exit) is the group's; links and
		 * the reset program stay the owner's. */
		bool owner_only = !strncmp(de->d_name, TW_PIN_PROG_PREFIX,
					   strlen(TW_PIN_PROG_PREFIX)) ||
				  !strncmp(de->d_name, TW_PIN_LINK_XDP, strlen(TW_PIN_LINK_XDP));
		mode_t mode = !strcmp(de->d_name, TW_PIN_PROG(check_exit)) ? 0660 :
			      owner_only ? 0600 : 0640;

		/* Pins are regular files on bpffs: a symlink planted here must
		 * not carry a chmod elsewhere. */
		if (de->d_name[0] == '.' || de->d_type != DT_REG)
			continue;
		if (fchownat(dirfd(d), de->d_name, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) ||
		    fchmodat(dirfd(d), de->d_name, mode, 0))
			ret = -errno;
	}
	/* Search, not read: the group opens pins by name, and cannot open
	 * the directory itself, whose flock says which daemon runs here. */
	if (fchown(dirfd(d), (uid_t)-1, gid) || fchmod(dirfd(d), 0710))
		ret = -errno;
	closedir(d);
	return ret;
}
