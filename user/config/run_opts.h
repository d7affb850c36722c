/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Options of 'torwatch run'. */
#ifndef TW_RUN_OPTS_H
#define TW_RUN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "common/addr.h"
#include "common/container.h"
#include "common/port_list.h"
#include "kernel/xdp_attach.h"
#include "torwatch.h"
#include "tw_status.h"

/* The ports that get a label of their own in the metrics (the rest count as
 * port="other"): SSH, telnet, web, RDP, SIP, VNC, the ports analysts watch. */
#define TW_METRICS_PORTS_DEFAULT "22,23,80,443,3389,5060,5900"
#define TW_MAX_ALLOW 256	/* allowlist entries from options and config */
#define TW_MAX_LIST_FILES 8	/* deny files, and allow files */
#define TW_MAX_RUN_OPTIONS 64	/* room in tw_run_opts for the table's entries */
#define TW_MAX_SEEN 1024	/* list values and section keys checked for repeats */
#define TW_SEEN_SECTION_KEY UINT32_MAX

/* A [source NAME] section: a built-in source changed, or a new one. */
struct tw_source_conf {
	const char *name;
	const char *url;	/* NULL: the built-in's */
	int enabled;		/* -1: as the 'sources' setting says */
	unsigned interval_s;	/* 0: the default */
	int format;		/* -1: the built-in's, else enum tw_feed_format */
};

/* A [sink NAME] section: an alert sink with its filter. */
struct tw_sink_conf {
	const char *name;
	const char *url;		/* as --alerts takes it */
	const char *min_severity;	/* NULL: every alert; else low, medium, high, critical */
	const char *rules;		/* NULL: every rule; else a comma list of rule ids */
	const char *token;		/* HEC or bearer token (secret: config only) */
	const char *token_file;		/* ... or the file that holds it */
	unsigned queue_size;		/* 0: the sink's default */
	unsigned timeout_s;		/* 0: the sink's default */
	unsigned spool_mb;		/* 0: the default */
	bool no_spool;			/* spool = no */
	const char *headers[4];		/* HTTP: "Name: value", repeatable */
	size_t n_headers;
	const char *basic_auth_file;	/* HTTP: a file holding user:password */
};

/* A [throttle RULE] section: at most count alerts per key within window. */
struct tw_throttle_conf {
	const char *rule;
	const char *key;		/* an alert field, e.g. source.ip; NULL: the default */
	unsigned window_s;		/* 0: the default, 60 s */
	int count;			/* -1: the default, 1; 0: off */
};

struct tw_run_opts {
	const char *ifaces[TW_MAX_IFACES];
	size_t n_ifaces;
	const char *feeds[TW_MAX_SOURCES];	/* URLs and files */
	size_t n_feeds;
	unsigned builtin_on;		/* bit i: tw_builtin_sources[i] is enabled */
	struct tw_source_conf source_conf[TW_MAX_SOURCES];
	size_t n_source_conf;
	const char *deny_files[TW_MAX_LIST_FILES];
	size_t n_deny_files;
	const char *allow_files[TW_MAX_LIST_FILES];
	size_t n_allow_files;
	unsigned feed_interval_s;	/* for --feed URLs */
	unsigned expire_s;
	unsigned max_shrink_pct;
	unsigned widest_v4, widest_v6;	/* feed-widest-prefix: fetched lists give none wider */
	unsigned stale_after_s;
	unsigned connect_timeout_s;
	unsigned fetch_timeout_s;
	unsigned retry_min_s;
	size_t max_body;
	const char *ca_file;
	const char *alerts[TW_MAX_SINKS];	/* where alerts go: "-", a path, a URL */
	size_t n_alerts;
	struct tw_sink_conf sink_conf[TW_MAX_SINKS];	/* [sink NAME] sections */
	size_t n_sink_conf;
	struct tw_throttle_conf throttle_conf[16];	/* [throttle RULE] sections */
	size_t n_throttle_conf;
	const char *pin_root;
	const char *state_dir;
	const char *group;	/* may read the pins; "none" */
	bool keep_on_stop;	/* a stop leaves XDP and the pins for the next start */
	bool check_config;	/* --check-config: parse and exit */
	bool realtime_loop;	/* the event loop in SCHED_RR (common/realtime.h) */
	const char *metrics_listen;	/* ADDR:PORT for /metrics, NULL: off */
	const char *geoip;		/* country database; NULL: Tor's files if there */
	struct tw_tunnel_config tunnel;	/* tunnel detection, as the kernel reads it */
	unsigned source_alert_limit;	/* per-source alerts a window before they fold; 0: never */
	unsigned source_alert_window_s;
	const char *asn_db;		/* ASN .mmdb, NULL: none */
	struct tw_port_set metrics_ports;	/* labelled ports in the metrics */
	enum tw_xdp_request xdp_mode;
	unsigned max_exits;	/* room per family for exact addresses */
	struct tw_port_set ssh_ports;
	bool block;		/* enable block mode for the SSH ports at start */
	struct tw_prefix allow[TW_MAX_ALLOW];
	size_t n_allow;
	struct tw_port_set allowed_tcp, allowed_udp;	/* listeners that are expected */
	struct tw_container_ports container_ports[TW_MAX_CONTAINER_PORTS];	/* ... in one container */
	size_t n_container_ports;
	bool ignore_loopback;	/* listeners bound only to loopback are expected */
	unsigned dedup_window_s;	/* fold repeats of a listener within this */
	unsigned loss_report_s;		/* events_lost at most this often */
	char sshd_names[8][16];		/* executable names that are sshd */
	size_t n_sshd_names;
	struct tw_prefix egress_exclude[64];	/* no sshd_child_egress to these */
	size_t n_egress_exclude;
	bool egress_forwarding;		/* report connections of a session's sshd */
	bool tor_client;		/* the Tor client sensor is on */
	const char *relay_files[TW_MAX_LIST_FILES];	/* relay lists: files */
	size_t n_relay_files;
	bool builtin_relays;		/* Tor's directory authorities and fallbacks */
	bool relay_onionoo;		/* relay-sources: Onionoo's running relays */
	const char *relay_feeds[TW_MAX_LIST_FILES];	/* relay lists: URLs */
	size_t n_relay_feeds;
	unsigned relay_interval_s;
	struct tw_port_set tor_proxy_ports;	/* local Tor SOCKS and control ports */
	char tor_allowed_exe[8][128];	/* executables that may use Tor (low) */
	size_t n_tor_allowed_exe;
	unsigned max_relays;		/* a relay set larger than this is refused */
	char **owned;		/* strings copied from the config file */
	size_t n_owned;
	bool verbose;
	/* What was given for each option (by its index in tw_run_options) and
	 * for the [source] sections, as a digest: SIGHUP compares them to find
	 * changed settings that only a restart takes. 0 = not given. */
	uint64_t given[TW_MAX_RUN_OPTIONS];
	uint64_t given_sources;
	/* The values of list options so far (option index, hash of the value),
	 * and the keys set in named sections (TW_SEEN_SECTION_KEY, hash of
	 * section and key): one given twice is refused, not merged by chance. */
	struct {
		uint32_t what;
		uint64_t hash;
	} seen[TW_MAX_SEEN];
	size_t n_seen;
};

/* One option of 'torwatch run', declared once: its --help line, its getopt
 * entry, its config-file key, its default and whether SIGHUP takes it all
 * come from here (the table: option_table.c; what is made of it: run_opts.c). */
struct tw_option {
	const char *name;	/* the long option and the config-file key */
	char letter;		/* the short option, 0 for none */
	const char *arg;	/* the value's name in --help; NULL: a switch */
	const char *def;	/* the default, set before anything else; NULL: none */
	unsigned flags;		/* TW_OPT_* */
	int (*set)(struct tw_run_opts *o, const struct tw_option *opt, const char *v, char *err,
		   size_t errlen);
	size_t field;		/* offsetof the setting, for the shared setters */
	size_t count;		/* lists: offsetof their size_t count */
	const char *help;	/* lines for --help, '\n' between them */
	/* The default as --help shows it, when def does not say it. */
	void (*show_default)(char *buf, size_t len);
};

enum {
	TW_OPT_LIST = 1,	/* repeatable; on the command line it replaces the file's list */
	TW_OPT_RELOAD = 2,	/* SIGHUP takes a new value; otherwise a restart does */
	TW_OPT_CLI_ONLY = 4,	/* not a config-file key */
};

/* The table, joined before main from the concerns' rows (option_table.c)
 * and the sensors' (sensors/sensor_list.c), part by part in this order,
 * which is the order of --help. */
extern struct tw_option tw_run_options[];
extern size_t tw_n_run_options;

enum tw_option_part {
	TW_OPTS_DAEMON,
	TW_OPTS_FEEDS,
	TW_OPTS_SENSORS,
	TW_OPTS_OUTPUTS,
	TW_OPTS_CONTROL,
};

/* Adds rows at the end of their part; only before main (a constructor). */
void tw_run_options_add(enum tw_option_part part, const struct tw_option *rows, size_t n);

void tw_run_opts_defaults(struct tw_run_opts *o);
/* Frees what the config file left in o. */
void tw_run_opts_free(struct tw_run_opts *o);
/* Sets the setting of long-option name (as in the config file) to v, which
 * must outlive o. Returns 0, or -1 with one sentence in err. */
int tw_run_opts_set(struct tw_run_opts *o, const char *name, const char *v, char *err,
		    size_t errlen);
/* The same for key in a [sink NAME] section (url, min-severity, rules). */
int tw_run_opts_set_sink(struct tw_run_opts *o, const char *sink, const char *key, const char *v,
			 char *err, size_t errlen);
/* The same for key in a [source NAME] section. */
/* One setting of a [throttle RULE] section: 0, or -1 with one sentence. */
int tw_run_opts_set_throttle(struct tw_run_opts *o, const char *rule, const char *key,
			     const char *v, char *err, size_t errlen);
int tw_run_opts_set_source(struct tw_run_opts *o, const char *source, const char *key,
			   const char *v, char *err, size_t errlen);
/* Parses argv (argv[0] is "run"): defaults, then the -c file, then the
 * options. Returns 0, 1 for --help, -1 with one sentence in err, or
 * TW_CONFIG_UNREADABLE (config_file.h) when the -c file cannot be read;
 * only 0 leaves o owning strings (tw_run_opts_free). */
int tw_run_opts_parse(int argc, char **argv, struct tw_run_opts *o, char *err, size_t errlen);
void tw_run_usage(FILE *f);
/* Reads the config file at path into o (after tw_run_opts_defaults). On
 * error, err names the file, the line and the reason, and o must not be
 * used: a half-read config never runs. */
int tw_config_load(const char *path, struct tw_run_opts *o, char *err, size_t errlen);
/* The settings that differ between was and now but change only with a
 * restart, as "a, b and c" in names; false when there are none.
 * *name_files: whether one of them names files (--feed FILE...). */
bool tw_run_opts_restart_only_changes(const struct tw_run_opts *was, const struct tw_run_opts *now,
				      char *names, size_t len, bool *name_files);

#endif
