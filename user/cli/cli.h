/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The CLI: 'torwatch OBJECT [VERB] [options]', bpftool style, with prefix
 * matching of object names. Read commands work from the pinned maps. */
#ifndef TW_CLI_H
#define TW_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include "kernel/counters.h"
#include "kernel/pins.h"
#include "tw_tor_client.h"

struct tw_cli {
	const char *pin_root;
	bool json;
	bool verbose;
	bool write;		/* the command changes the pinned state */
};

/* One object of the CLI, declared once: what runs it, what 'torwatch
 * help' says of it, and what completion offers after it. */
struct tw_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;		/* its --help; "--opt a|b|c" there lists values */
	const struct option *options;	/* beyond the common ones; NULL-terminated */
	const char *const *verbs;	/* NULL-terminated, or NULL */
	bool run_options;		/* its options are the run option table's */
};

/* Finds the command that name (or an unambiguous prefix of it) names;
 * NULL when none does, with *ambiguous set when several do. */
const struct tw_command *tw_cli_find(const struct tw_command *cmds, const char *name,
				     bool *ambiguous);
/* Runs the command argv[1] names among commands (ends with an empty entry). */
int tw_cli_main(int argc, char **argv, const struct tw_command *commands);

/* Shared options of read commands: --pin-root DIR, --json, -v. Extra long
 * options of a command go in extra (NULL-terminated); their values are
 * handed to on_extra. Returns 0, 1 for --help, or -1 (message printed). */
int tw_cli_parse_common(int argc, char **argv, struct tw_cli *cli, const char *usage,
			const void *extra, int (*on_extra)(int opt, const char *arg, void *ctx),
			void *ctx);
/* After tw_cli_parse_common: exactly n positional arguments remain at
 * argv[optind]; otherwise prints usage and returns -1. */
int tw_cli_expect_args(const struct tw_cli *cli, int argc, char **argv, int n, const char *usage);
/* Prints msg as one sentence, or {"error": msg} under --json; returns 2. */
/* The exit status of status and top when no daemon runs (LSB's "program
 * is not running"). */
#define TW_EXIT_NOT_RUNNING 3

struct json_object;
/* Prints o as one JSON document ('/' not escaped) and frees it. */
void tw_cli_print_json(struct json_object *o, bool pretty);
int tw_cli_fail(const struct tw_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Opens the pinned maps; notes on stderr when the daemon is not running. */
int tw_cli_open(const struct tw_cli *cli, struct tw_pinned *p);
/* "off", "on", "dry-run" for enum tw_block_mode. */
const char *tw_block_mode_name(uint32_t mode);
/* Does a daemon tend the pin root (it holds the pin root's lock)? *pid
 * gets its pid, 0 when none does. */
bool tw_daemon_alive(const char *pin_root, uint32_t *pid);
/* Signals the daemon of pin_root that tw_daemon_alive named, once it is
 * verified to be it (it holds the pin root open; through a pidfd, so the
 * pid cannot be another's by then): 0, -ESRCH when it is not, or -errno. */
int tw_daemon_signal(const char *pin_root, uint32_t pid, int sig);

/* --pin-root, --json, --verbose, --help: every object takes them. */
extern const struct option tw_cli_common_options[];
/* completion.c: the bash completion of commands, written to f. */
void tw_cli_completion(FILE *f, const struct tw_command *commands);
/* One part of torwatch(8) as roff, made from the tables (manpage.c): part
 * is synopsis, commands, options or reload. 0, or -1 for another part. */
int tw_cli_manpage(FILE *f, const struct tw_command *commands, const char *part);

/* Each object's usage, its own options and its verbs. */
extern const char tw_block_usage[], tw_check_usage[], tw_feed_usage[], tw_prepare_usage[],
	tw_stats_usage[], tw_status_usage[], tw_top_usage[], tw_unload_usage[];
extern const struct option tw_block_options[], tw_check_options[], tw_feed_options[],
	tw_prepare_options[], tw_stats_options[], tw_top_options[];
extern const char *const tw_block_verbs[], *const tw_feed_verbs[], *const tw_stats_verbs[];

int tw_cmd_status(int argc, char **argv);
int tw_cmd_stats(int argc, char **argv);
int tw_cmd_check(int argc, char **argv);
int tw_cmd_unload(int argc, char **argv);
int tw_cmd_prepare(int argc, char **argv);
int tw_cmd_block(int argc, char **argv);
int tw_cmd_feed(int argc, char **argv);
int tw_cmd_top(int argc, char **argv);
struct tw_geo;
/* check_relay.c: is the address (and port, when port > 0) in the Tor
 * client sensor's relay set? 0, or -errno (-ENOENT: no relay set pinned). */
#define TW_CHECK_MAX_PORTS 16
struct tw_relay_answer {
	bool listed;		/* the port (any, when none was given) is a relay port */
	bool any_port;		/* the address is listed alone: every port */
	uint16_t ports[TW_CHECK_MAX_PORTS];	/* its listed ports, sorted */
	size_t n_ports;
};
int tw_check_relay(const char *root, const struct tw_prefix *a, int port,
		   struct tw_relay_answer *out);

/* stats_tor_clients.c: the Tor client sensor's counts per process, most
 * connections first (the caller frees rows); -errno (-ENOENT: not pinned). */
struct tw_tor_client_row {
	struct tw_tor_client_key key;
	struct tw_tor_client_count count;
};
int tw_read_tor_clients(const char *root, struct tw_tor_client_row **rows, size_t *n);
/* For 'status': the relay set's entries and the processes counted;
 * -ENOENT when the sensor pinned nothing. */
int tw_tor_client_summary(const char *root, long *relays, long *processes);
/* For 'stats': NULL (JSON) or nothing (text) when not pinned. */
struct json_object *tw_stats_tor_clients_json(const char *root, long top);
void tw_stats_tor_clients_text(const char *root, long top);

/* stats_geo.c: the databases for 'stats' (the daemon's, from meta, unless
 * named); 0, or 2 with one sentence (a damaged database). */
int tw_stats_geo_open(const struct tw_cli *cli, const struct tw_pinned *p, const char *geoip,
		      const char *asn_db, struct tw_geo **out);
/* The table by country (asn false) or network, top rows. */
struct json_object *tw_stats_geo_json(const struct tw_pinned *p, const struct tw_geo *g,
				      bool asn, long top);
void tw_stats_geo_text(const struct tw_pinned *p, const struct tw_geo *g, bool asn, long top);
struct tw_meta;
struct tw_source_info;
/* feed export: the pinned exit set as a plain list to output (NULL or "-":
 * stdout), atomically; 0, or 2 with one sentence. */
int tw_feed_export(const struct tw_cli *cli, const struct tw_pinned *p, const struct tw_meta *m,
		   const struct tw_source_info *src, const char *output);

struct json_object;
struct tw_source_info;
/* "2024-03-12T14:00:00Z" as a JSON string, or NULL (JSON null) for 0. */
struct json_object *tw_json_time(uint64_t unix_s);
/* The pinned per-source state, for 'status' and 'feed show'. */
/* daemon_alive false: no next fetch is shown (none will happen). */
struct json_object *tw_sources_json(const struct tw_source_info *src, int64_t now,
				    bool daemon_alive);
void tw_sources_print_text(const struct tw_source_info *src, int64_t now, bool daemon_alive);
struct tw_loop_stat;
/* How long each input held the daemon's event loop (TW_LOOP_STATS
 * entries, as pinned). */
struct json_object *tw_loop_stats_json(const struct tw_loop_stat *st);
void tw_loop_stats_print(const struct tw_loop_stat *st);

#endif
