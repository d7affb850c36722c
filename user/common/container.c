// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Which container a process is in, and its name, from local state only.
 *
 * The cgroup path says the runtime and the id: .../libpod-ID.scope (and
 * /libpod_parent/libpod-ID) for Podman, docker-ID.scope or /docker/ID,
 * cri-containerd-ID.scope, crio-ID.scope, machine.slice/machine-NAME.scope
 * for systemd-nspawn, and kubepods...podUID for kubelet's pods. The name:
 * Podman and CRI-O start one conmon per container, '-n NAME' on its command
 * line and its pid in /run/containers/storage/overlay-containers/ID/
 * userdata/conmon.pid, there as long as the container runs; Docker keeps
 * "Name" in /var/lib/docker/containers/ID/config.v2.json; nspawn's machine
 * name is in the scope's name. None of these needs the runtime's socket. */
#include "common/container.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cgroup2.h"

#define CACHE_SLOTS 128
#define RETRY_NAME_S 5	/* a name not found yet (a container starting) is asked again */

static struct {
	struct tw_container c;
	uint64_t cgroup_id;	/* of c.cgroup when that is the v2 path, else 0 */
	bool found;
	time_t asked;
} cache[CACHE_SLOTS];
static unsigned cache_next;

static ssize_t read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (ssize_t)n;
}

static bool is_hex64(const char *s)
{
	for (int i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

void tw_container_id_from_cgroup(const char *text, char *out, size_t len)
{
	size_t n = strlen(text);

	out[0] = '\0';
	/* The last 64-hex run bounded by '/', '-' or '.' on the left: the forms
	 * .../docker/<id>, docker-<id>.scope, cri-containerd-<id>.scope,
	 * crio-<id>.scope, libpod-<id>.scope. */
	for (size_t i = 0; i + 64 <= n; i++) {
		if (i && text[i - 1] != '/' && text[i - 1] != '-' && text[i - 1] != ':')
			continue;
		if (!is_hex64(text + i))
			continue;
		if (i + 64 < n && text[i + 64] != '.' && text[i + 64] != '/' && text[i + 64] != '\n')
			continue;
		snprintf(out, len, "%.64s", text + i);
	}
}

/* The cgroup v2 path ("0::PATH"); on a hybrid host whose v2 tree is empty
 * ("0::/"), the first v1 path that is not the root. */
static bool cgroup_path(const char *text, char *out, size_t len)
{
	const char *v2 = NULL, *v1 = NULL, *pick;
	size_t v2len = 0;

	for (const char *line = text; line && *line;) {
		const char *end = line + strcspn(line, "\n");
		const char *path = strchr(line, ':');

		if (path && (path = strchr(path + 1, ':')) && path < end) {
			path++;
			if (!strncmp(line, "0::", 3))
				v2 = path, v2len = (size_t)(end - path);
			else if (!v1 && end - path > 1)
				v1 = path;
		}
		line = *end ? end + 1 : NULL;
	}
	pick = v2 && v2len > 1 ? v2 : v1 ? v1 : v2 ? v2 : "/";
	snprintf(out, len, "%.*s", (int)strcspn(pick, "\n"), pick);
	return pick == v2;
}

/* systemd's escaping in unit names: "\x2d" is '-'. */
static void unescape_unit(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		unsigned v;

		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && sscanf(s + i + 2, "%2x", &v) == 1) {
			out[o++] = (char)v;
			i += 3;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

static bool parse(const char *text, struct tw_container *c, bool *from_v2);

bool tw_container_parse(const char *text, struct tw_container *c)
{
	bool v2;

	return parse(text, c, &v2);
}

static bool parse(const char *text, struct tw_container *c, bool *from_v2)
{
	static const struct {
		const char *marker, *runtime;
	} kinds[] = {
		{ "libpod-", "podman" },	 { "docker-", "docker" },
		{ "/docker/", "docker" },	 { "cri-containerd-", "containerd" },
		{ ":cri-containerd:", "containerd" },
		{ "crio-", "cri-o" },
	};
	const char *m, *pod = NULL;

	memset(c, 0, sizeof(*c));
	*from_v2 = cgroup_path(text, c->cgroup, sizeof(c->cgroup));
	tw_container_id_from_cgroup(c->cgroup, c->id, sizeof(c->id));
	for (size_t i = 0; c->id[0] && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strstr(c->cgroup, kinds[i].marker)) {
			snprintf(c->runtime, sizeof(c->runtime), "%s", kinds[i].runtime);
			break;
		}
	if (c->id[0] && !c->runtime[0])
		snprintf(c->runtime, sizeof(c->runtime), "unknown");
	/* kubepods.slice/kubepods-besteffort-pod<uid>.slice or /kubepods/.../pod<uid>/ */
	/* "pod" then hex, after '-' or '/': not the "pods" of "kubepods". */
	for (const char *p = strstr(c->cgroup, "kubepods") ? strstr(c->cgroup, "pod") : NULL; p;
	     p = strstr(p + 1, "pod"))
		if ((p[-1] == '-' || p[-1] == '/') && isxdigit((unsigned char)p[3]))
			pod = p;
	if (pod) {
		size_t n = strcspn(pod + 3, "./");

		snprintf(c->pod_uid, sizeof(c->pod_uid), "%.*s", (int)(n < 39 ? n : 39), pod + 3);
		for (char *p = c->pod_uid; *p; p++)
			if (*p == '_')
				*p = '-';
	}
	if (!c->id[0] && (m = strstr(c->cgroup, "machine.slice/machine-"))) {
		const char *name = m + strlen("machine.slice/machine-");
		const char *end = strstr(name, ".scope");

		if (end) {
			unescape_unit(name, (size_t)(end - name), c->id, sizeof(c->id));
			snprintf(c->name, sizeof(c->name), "%s", c->id);
			snprintf(c->runtime, sizeof(c->runtime), "systemd-nspawn");
		}
	}
	return c->id[0] || c->pod_uid[0];
}

/* The word after "-n" in conmon's command line (NUL-separated). */
static void conmon_name(const char *id, char *out, size_t len)
{
	char path[256], buf[8192];
	ssize_t n;
	int pid;

	snprintf(path, sizeof(path), "/run/containers/storage/overlay-containers/%s/userdata/conmon.pid", id);
	if (read_small(path, buf, sizeof(buf)) <= 0 || sscanf(buf, "%d", &pid) != 1 || pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	n = read_small(path, buf, sizeof(buf));
	for (ssize_t i = 0; i + 3 < n; i += (ssize_t)strlen(buf + i) + 1)
		if (!strcmp(buf + i, "-n") || !strcmp(buf + i, "--name")) {
			const char *v = buf + i + strlen(buf + i) + 1;

			if (v < buf + n)
				snprintf(out, len, "%s", v);
			return;
		}
}

/* "Name":"/NAME" in Docker's config.v2.json. */
static void docker_name(const char *id, char *out, size_t len)
{
	static char buf[1 << 16];
	char path[256];
	const char *p;

	snprintf(path, sizeof(path), "/var/lib/docker/containers/%s/config.v2.json", id);
	if (read_small(path, buf, sizeof(buf)) <= 0 || !(p = strstr(buf, "\"Name\":\"")))
		return;
	p += 8;
	if (*p == '/')
		p++;
	snprintf(out, len, "%.*s", (int)strcspn(p, "\""), p);
}

static void find_name(struct tw_container *c)
{
	if (c->name[0])
		return;
	if (!strcmp(c->runtime, "podman") || !strcmp(c->runtime, "cri-o"))
		conmon_name(c->id, c->name, sizeof(c->name));
	else if (!strcmp(c->runtime, "docker"))
		docker_name(c->id, c->name, sizeof(c->name));
	/* Names are the owner's words: nothing in them drives a terminal. */
	for (char *p = c->name; *p; p++)
		if (iscntrl((unsigned char)*p))
			*p = '?';
}

int tw_pid_in_namespace(int pid)
{
	char path[64], buf[2048];
	char *ns, *end, *last;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 || !(ns = strstr(buf, "\nNSpid:")))
		return 0;
	ns += 7;
	end = strchr(ns, '\n');
	if (end)
		*end = '\0';
	/* "NSpid:	host	...	innermost": the last number. */
	last = strrchr(ns, '\t');
	return atoi(last ? last + 1 : ns);
}

/* The cgroup text of pid, or, when the process has gone or has moved since
 * the event, the v2 line made from the event's cgroup id: false when
 * neither is there. */
static bool cgroup_text(int pid, uint64_t cgroup_id, char *text, size_t len)
{
	char path[64], found[512];
	struct tw_container c;
	bool v2;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (pid > 0 && read_small(path, text, len) > 0) {
		if (!cgroup_id || (parse(text, &c, &v2), !v2) || tw_cgroup2_id(c.cgroup) == cgroup_id)
			return true;
	}
	if (!cgroup_id || !tw_cgroup2_path(cgroup_id, found, sizeof(found)))
		return false;
	snprintf(text, len, "0::%s\n", found);
	return true;
}

static int cache_find(uint64_t cgroup_id, const char *path)
{
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].asked && (cgroup_id ? cache[i].cgroup_id == cgroup_id
						 : !strcmp(cache[i].c.cgroup, path)))
			return i;
	return -1;
}

bool tw_container_of(int pid, uint64_t cgroup_id, struct tw_container *out)
{
	char text[4096];
	struct tw_container c;
	time_t now = time(NULL);
	bool v2 = false, found;
	int i = -1;

	/* A cgroup's id is never reused while the host runs: a hit needs no
	 * read at all. The root (id 1 on hybrid hosts, where the v1 path says
	 * more) is not cached by id. */
	if (cgroup_id > 1)
		i = cache_find(cgroup_id, "");
	if (i < 0) {
		if (!cgroup_text(pid, cgroup_id, text, sizeof(text)))
			return false;
		parse(text, &c, &v2);
		i = cache_find(0, c.cgroup);
		if (i >= 0 && v2 && cgroup_id > 1)
			cache[i].cgroup_id = cgroup_id;
	}
	if (i >= 0 && (cache[i].c.name[0] || !cache[i].found ||
		       now - cache[i].asked < RETRY_NAME_S)) {
		*out = cache[i].c;
		return cache[i].found;
	}
	if (i >= 0)
		c = cache[i].c;
	found = c.id[0] || c.pod_uid[0];
	if (found)
		find_name(&c);
	if (i < 0) {
		i = (int)(cache_next++ % CACHE_SLOTS);
		cache[i].cgroup_id = v2 && cgroup_id > 1 ? cgroup_id : 0;
	}
	cache[i].c = c;
	cache[i].found = found;
	cache[i].asked = now;
	*out = c;
	return found;
}
