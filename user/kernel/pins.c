// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel/pins.h"

#include "common/addr.h"
#include "common/procinfo.h"
#include "torwatch.h"
#include "tw_status.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <errno.h>
#include <stdlib.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

bool tw_is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* A folder of its own on bpffs, never bpffs' top or a folder elsewhere. */
static int own_folder(const char *root, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", root);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (!slash || slash == parent || !tw_is_bpffs(parent)) {
		snprintf(err, errlen,
			 "pin root %s must be a folder of torwatch's own on bpffs, such as /sys/fs/bpf/torwatch", root);
		return -1;
	}
	return 0;
}

int tw_pins_root_ours(const char *root, bool must_exist, char *err, size_t errlen)
{
	char meta[PATH_MAX], counters[PATH_MAX];
	DIR *d;
	struct dirent *de;
	bool empty = true;

	if (own_folder(root, err, errlen))
		return -1;
	d = opendir(root);
	if (!d) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			empty = false;
	closedir(d);
	/* meta, or the counters every torwatch since the first has pinned. */
	snprintf(meta, sizeof(meta), "%s/meta", root);
	snprintf(counters, sizeof(counters), "%s/counters", root);
	if ((empty && !must_exist) || !access(meta, F_OK) || !access(counters, F_OK))
		return 0;
	snprintf(err, errlen, "%s holds no torwatch state (no 'meta' or 'counters' pin): it is not torwatch's, and is left alone",
		 root);
	return -1;
}

int tw_pins_prepare_root(const char *root, char *err, size_t errlen)
{
	if (!strncmp(root, "/sys/fs/bpf", 11) && !tw_is_bpffs("/sys/fs/bpf") &&
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		snprintf(err, errlen, "cannot mount bpffs on /sys/fs/bpf: %s (run as root)",
			 strerror(errno));
		return -1;
	}
	/* Checked before anything is made: no directory outside bpffs, and
	 * never bpffs' top. (What is in it is the lock's to settle: a daemon
	 * starting beside another sees its half-made pins.) */
	if (own_folder(root, err, errlen))
		return -1;
	if (mkdir_p(root)) {
		snprintf(err, errlen, "cannot create pin root %s: %s", root, strerror(errno));
		return -1;
	}
	if (!tw_is_bpffs(root)) {
		snprintf(err, errlen, "pin root %s is not on a bpf filesystem; use a directory under /sys/fs/bpf", root);
		return -1;
	}
	return 0;
}

/* Whether a hash map preallocates its elements is the pin's to say: a map
 * pinned by a torwatch that preallocated is adopted as it is (the programs
 * work with either), so an upgrade keeps its counters. */
static int follow_pinned_prealloc(struct bpf_map *map, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), err = 0;

	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == bpf_map__type(map) &&
	    (info.map_flags ^ bpf_map__map_flags(map)) == BPF_F_NO_PREALLOC)
		err = bpf_map__set_map_flags(map, info.map_flags);
	close(fd);
	return err;
}

int tw_pins_set_paths(struct bpf_object *obj, const char *root)
{
	struct bpf_map *map;
	char path[PATH_MAX];
	int err;

	bpf_object__for_each_map(map, obj) {
		/* .rodata/.bss are per-load internals, not shared state. */
		if (strchr(bpf_map__name(map), '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, bpf_map__name(map));
		err = follow_pinned_prealloc(map, path);
		if (!err)
			err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

/* Is name one of the maps a start makes anew or grows (never refused)? */
static bool carried_over(const char *name)
{
	static const char *const names[] = {
#define NAME(map) TW_PIN_NAME(map),
		TW_REPUBLISHED_MAPS(NAME) TW_GROWABLE_MAPS(NAME)
#undef NAME
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

int tw_pins_check_layout(struct bpf_object *obj, const char *root, char *bad, size_t badlen)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd;
		bool same;

		if (strchr(name, '.') || carried_over(name))
			continue;
		fd = tw_pin_open(root, name);
		if (fd < 0)
			continue;
		same = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == bpf_map__type(m) &&
		       info.key_size == bpf_map__key_size(m) &&
		       info.value_size == bpf_map__value_size(m);
		close(fd);
		if (!same) {
			snprintf(bad, badlen, "%s", name);
			return -EINVAL;
		}
	}
	return 0;
}

int tw_pins_replace_republished(struct bpf_object *obj, const char *root)
{
	static const char *const names[] = {
#define NAME(map) TW_PIN_NAME(map),
		TW_REPUBLISHED_MAPS(NAME)
#undef NAME
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct bpf_map *m = bpf_object__find_map_by_name(obj, names[i]);
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		char path[PATH_MAX];
		int fd = tw_pin_open(root, names[i]);

		if (fd < 0 || !m)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    (info.value_size != bpf_map__value_size(m) ||
		     info.max_entries != bpf_map__max_entries(m))) {
			snprintf(path, sizeof(path), "%s/%s", root, names[i]);
			if (unlink(path)) {
				close(fd);
				return -errno;
			}
		}
		close(fd);
	}
	return 0;
}

int tw_pins_grow_prepare(struct bpf_object *obj, const char *root,
			 struct tw_grown_map grown[TW_MAX_GROWN])
{
	static const char *const names[] = {
#define NAME(map) TW_PIN_NAME(map),
		TW_GROWABLE_MAPS(NAME)
#undef NAME
	};
	int n = 0, ncpu = libbpf_num_possible_cpus();

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && n < TW_MAX_GROWN; i++) {
		const struct bpf_map *m = bpf_object__find_map_by_name(obj, names[i]);
		struct bpf_map_info info = {};
		struct tw_grown_map *g = &grown[n];
		__u32 len = sizeof(info);
		char path[PATH_MAX];
		int fd = tw_pin_open(root, names[i]);
		bool ok = true;

		if (fd < 0 || !m || ncpu <= 0) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.value_size >= bpf_map__value_size(m) ||
		    info.max_entries != bpf_map__max_entries(m) || info.type != bpf_map__type(m)) {
			close(fd);
			continue;
		}
		*g = (struct tw_grown_map){ .old_size = info.value_size, .entries = info.max_entries,
					    .ncpu = ncpu };
		snprintf(g->name, sizeof(g->name), "%s", names[i]);
		g->values = calloc((size_t)info.max_entries * (size_t)ncpu, info.value_size);
		for (__u32 k = 0; ok && g->values && k < info.max_entries; k++)
			ok = !bpf_map_lookup_elem(fd, &k, (char *)g->values +
						  (size_t)k * ncpu * info.value_size);
		close(fd);
		snprintf(path, sizeof(path), "%s/%s", root, names[i]);
		if (!g->values || !ok || unlink(path)) {
			int ret = g->values && ok ? -errno : -ENOMEM;

			free(g->values);
			while (n--)
				free(grown[n].values);
			return ret;
		}
		n++;
	}
	return n;
}

int tw_pins_grow_finish(struct bpf_object *obj, struct tw_grown_map *grown, int n)
{
	int ret = 0;

	for (int i = 0; i < n; i++) {
		struct tw_grown_map *g = &grown[i];
		const struct bpf_map *m = obj ? bpf_object__find_map_by_name(obj, g->name) : NULL;
		size_t new_size = m ? bpf_map__value_size(m) : 0;
		char *buf = new_size ? calloc((size_t)g->ncpu, new_size) : NULL;

		for (__u32 k = 0; buf && k < g->entries; k++) {
			memset(buf, 0, (size_t)g->ncpu * new_size);
			for (int c = 0; c < g->ncpu; c++)
				memcpy(buf + (size_t)c * new_size,
				       (char *)g->values + ((size_t)k * g->ncpu + c) * g->old_size,
				       g->old_size);
			if (bpf_map__update_elem(m, &k, sizeof(k), buf, (size_t)g->ncpu * new_size,
						 BPF_ANY))
				ret = -errno;
		}
		if (!buf && obj)
			ret = -ENOMEM;
		free(buf);
		free(g->values);
		g->values = NULL;
	}
	return ret;
}

int tw_reuse_maps(struct bpf_object *dst, const struct bpf_object *src)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, dst) {
		const struct bpf_map *twin =
			bpf_object__find_map_by_name(src, bpf_map__name(m));
		int err;

		if (!twin || strchr(bpf_map__name(m), '.'))
			continue;
		err = bpf_map__reuse_fd(m, bpf_map__fd(twin));
		if (err)
			return err;
	}
	return 0;
}

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
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		*maps[i].fd = write ? tw_pin_open(root, maps[i].name) :
				      tw_pin_open_ro(root, maps[i].name);
		if (*maps[i].fd < 0) {
			int e = errno;

			if (e == EACCES || e == EPERM)
				no_access(root, write, err, errlen);
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
	return 0;
}

void tw_pinned_close(struct tw_pinned *p)
{
	int *fds = (int *)p;

	for (size_t i = 0; i < sizeof(*p) / sizeof(int); i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
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

int tw_pin_programs(const char *root, struct bpf_object *obj)
{
	static const char *const progs[] = {
#define TW_PROG_NAME(prog) #prog,
		TW_PINNED_PROGS(TW_PROG_NAME)
#undef TW_PROG_NAME
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, progs[i]);

		if (!p)
			return -ENOENT;
		snprintf(path, sizeof(path), "%s/" TW_PIN_PROG_PREFIX "%s", root, progs[i]);
		unlink(path); /* an earlier run's: ours replaces it */
		if (bpf_program__pin(p, path))
			return -errno;
	}
	return 0;
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

void tw_pin_link_path(const char *root, const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" TW_PIN_LINK_XDP "%s", root, ifname);
}

int tw_pins_remove(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *de;
	char path[PATH_MAX];
	int ret = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		if (unlink(path))
			ret = -errno;
	}
	closedir(d);
	/* A daemon that is not root may not remove its directory from bpffs'
	 * root-owned top; emptied, it holds nothing. */
	if (rmdir(root) && errno != EACCES && errno != EPERM)
		ret = -errno;
	return ret;
}
