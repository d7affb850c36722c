// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "kernel/pin_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* /proc/locks: "1: FLOCK  ADVISORY  WRITE 1234 00:1c:5678 0 EOF". */
static pid_t holder_of(dev_t dev, ino_t ino)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256], kind[16];
	unsigned maj, min;
	unsigned long long inode;
	int pid;
	pid_t found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%llu", kind, &pid, &maj, &min,
			   &inode) == 5 &&
		    !strcmp(kind, "FLOCK") && maj == major(dev) && min == minor(dev) &&
		    inode == (unsigned long long)ino && pid > 0)
			found = pid;
	fclose(f);
	return found;
}

int tw_pin_lock(const char *root, pid_t *holder)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	*holder = 0;
	if (fd < 0)
		return -errno;
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	if (errno == EWOULDBLOCK && !fstat(fd, &st))
		*holder = holder_of(st.st_dev, st.st_ino);
	close(fd);
	return -EBUSY;
}

pid_t tw_pin_lock_holder(const char *root)
{
	struct stat st;

	return stat(root, &st) ? 0 : holder_of(st.st_dev, st.st_ino);
}
