// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The pin root: on bpffs, a folder of torwatch's own, made, and removed. */
#include "kernel/pin_root.h"

#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "common/dirs.h"
#include "tw_pins.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

bool tw_is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
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
	if (root[0] != '/') {
		snprintf(err, errlen, "the pin root must be an absolute path under /sys/fs/bpf, not '%.64s'",
			 root);
		return -1;
	}
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
	if (tw_mkdir_p(root, 0700)) {
		snprintf(err, errlen, "cannot create pin root %s: %s", root, strerror(errno));
		return -1;
	}
	if (!tw_is_bpffs(root)) {
		snprintf(err, errlen, "pin root %s is not on a bpf filesystem; use a directory under /sys/fs/bpf", root);
		return -1;
	}
	return 0;
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
