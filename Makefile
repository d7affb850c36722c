# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# torwatch: BPF objects -> skeletons -> userspace binary; tests and benchmarks.
# SANITIZE=1: everything built with AddressSanitizer and UBSan into
# .output-san (its own objects, never mixed with the plain build); 'make
# test' runs the unit and BPF tiers that way too.
ifeq ($(SANITIZE),1)
OUTPUT := .output-san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
OUTPUT := .output
endif
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

# The dated exit list built into the binary: its file name is the one place
# its date is written; the code gets both as macros.
SNAPSHOT := $(lastword $(sort $(wildcard data/exit-addresses.*.txt)))
SNAPSHOT_DATE := $(patsubst data/exit-addresses.%.txt,%,$(SNAPSHOT))
# The same for Tor's own directory authorities and fallbacks (relays).
RELAYS := $(lastword $(sort $(wildcard data/tor-directories.*.txt)))
RELAYS_DATE := $(patsubst data/tor-directories.%.txt,%,$(RELAYS))
EMBEDDED := -DTW_SNAPSHOT_FILE='"$(SNAPSHOT)"' -DTW_SNAPSHOT_DATE='"$(SNAPSHOT_DATE)"' \
	    -DTW_RELAYS_BUILTIN_FILE='"$(RELAYS)"' -DTW_RELAYS_BUILTIN_DATE='"$(RELAYS_DATE)"'

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE -MMD -MP \
	  -Iheaders -Iuser -I$(OUTPUT) -DTORWATCH_VERSION='"$(VERSION)"' $(EMBEDDED) $(SAN_FLAGS)
LIBS := -lbpf -lelf -lz -ljson-c -linih -lcurl -lsystemd -lcap -lmicrohttpd -lmaxminddb -lpthread
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall \
	      -Iheaders -Ibpf/include $(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))

BPF_PROGS := $(patsubst %.bpf.c,%,$(notdir $(wildcard bpf/xdp/*.bpf.c bpf/trace/*.bpf.c)))
SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_PROGS))

# The userspace layers, lowest first: a layer may use the ones before it and
# never one after it (scripts/check-layers.sh checks includes and symbols).
# Each is an archive of its own; main.c sits on top and joins cli and daemon.
LAYERS := common geo kernel alerts exitset config feeds sensors metrics cli daemon
# A layer's sources are its folder's and its subfolders' (sensors/NAME/).
layer_objs = $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(wildcard user/$(1)/*.c user/$(1)/*/*.c)) \
	     $(patsubst user/%.S,$(OUTPUT)/user/%.o,$(wildcard user/$(1)/*.S user/$(1)/*/*.S))
LAYER_LIBS := $(patsubst %,$(OUTPUT)/lib/libtw_%.a,$(LAYERS))
# The linker resolves left to right: highest layer first.
LINK_LIBS := $(shell printf '%s\n' $(LAYER_LIBS) | tac)
LIB_SRCS := $(wildcard $(patsubst %,user/%/*.c,$(LAYERS)) $(patsubst %,user/%/*/*.c,$(LAYERS)))
ASM_SRCS := $(wildcard $(patsubst %,user/%/*.S,$(LAYERS)) $(patsubst %,user/%/*/*.S,$(LAYERS)))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/%,$(wildcard tests/bpf/test_*.c))
BENCHES := $(patsubst tests/bench/%.c,$(OUTPUT)/tests/%,$(wildcard tests/bench/bench_*.c))
TOOLS := $(patsubst tests/tools/%.c,$(OUTPUT)/tools/%,$(wildcard tests/tools/*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	       -std=gnu11 -D_GNU_SOURCE -Iheaders -Iuser -I$(OUTPUT) -DTORWATCH_VERSION='"fuzz"' \
	       $(EMBEDDED)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# BPF objects and skeletons are made by chained pattern rules, so make would
# delete them as intermediates and rebuild everything on the next run: they
# stay, and a second 'make' with nothing changed does nothing.
BENCH_SKELS := $(OUTPUT)/xdp_empty.skel.h $(OUTPUT)/xdp_bench_driver.skel.h $(OUTPUT)/xdp_live_gen.skel.h
# The macro benchmark's generator and the XDP programs it attaches by file.
BENCH_HELPERS := $(OUTPUT)/tests/live_gen $(OUTPUT)/xdp_empty.bpf.o $(OUTPUT)/xdp_drop_all.bpf.o \
		 $(OUTPUT)/xdp_parse_drop.bpf.o $(OUTPUT)/xdp_parse_pass.bpf.o $(OUTPUT)/xdp_storm_floor_wide.bpf.o \
		 $(OUTPUT)/xdp_storm_floor_narrow.bpf.o $(OUTPUT)/xdp_storm_floor_keys.bpf.o
.SECONDARY: $(SKELS) $(BENCH_SKELS) $(patsubst %.skel.h,%.bpf.o,$(SKELS) $(BENCH_SKELS)) \
	    $(filter %.bpf.o,$(BENCH_HELPERS))
.PHONY: all clean soak test test-sanitized sanitized-tests sanitized-binaries sanitized-daemon test-unit test-bpf test-integration test-system test-fuzz bench bench-compare fuzz install uninstall deb

all: torwatch

$(OUTPUT) $(OUTPUT)/lib $(OUTPUT)/tests $(OUTPUT)/tools $(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

# A source that moved leaves its old path in the .d files of a build tree
# made before the move: such a path counts as gone, and what named it is
# rebuilt from the new one (without this, make stops: "No rule to make target").
bpf/%.bpf.c:
	@:

$(OUTPUT)/%.bpf.o: bpf/xdp/%.bpf.c | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/%.bpf.o: bpf/trace/%.bpf.c | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/%.bpf.o: tests/bench/%.bpf.c | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# Skeletons are order-only: the .d files say which object includes which.
$(OUTPUT)/user/%.o: user/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The dated exit-list snapshot is embedded so that one binary works offline.
$(OUTPUT)/user/%.o: user/%.S $(SNAPSHOT) $(RELAYS)
	$(call msg,AS,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

define layer_rule
$(OUTPUT)/lib/libtw_$(1).a: $(call layer_objs,$(1)) | $(OUTPUT)/lib
	$$(call msg,AR,$$@)
	$(Q)rm -f $$@ && $(AR) rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rule,$(l))))

# The layer rule, checked on every build that changes an archive.
$(OUTPUT)/lib/layers.ok: scripts/check-layers.sh $(LAYER_LIBS) $(LIB_SRCS) $(wildcard user/*/*.h user/*/*/*.h)
	$(call msg,LAYERS,$(LAYERS))
	$(Q)LAYERS="$(LAYERS)" scripts/check-layers.sh $(OUTPUT)/lib && touch $@

torwatch: $(OUTPUT)/user/main.o $(LINK_LIBS) $(OUTPUT)/lib/layers.ok
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(OUTPUT)/user/main.o $(LINK_LIBS) $(LIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(LINK_LIBS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(filter %.c %.a,$^) $(LIBS) -lcmocka -o $@

$(OUTPUT)/tests/%: tests/bpf/%.c $(LINK_LIBS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $(filter %.c %.a,$^) $(LIBS) -lcmocka -o $@

$(OUTPUT)/tests/%: tests/bench/%.c $(LINK_LIBS) $(BENCH_SKELS) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $(filter %.c %.a,$^) $(LIBS) -o $@

# Small helpers the integration tests run (packet tricks, latency probes).
$(OUTPUT)/tools/%: tests/tools/%.c | $(OUTPUT)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Wno-unused-function $< -ljson-c -o $@

# libFuzzer targets: the parsers, built with clang, ASan and UBSan.
$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(ASM_SRCS) $(SNAPSHOT) $(RELAYS) | $(SKELS) $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -MMD -MP $< $(LIB_SRCS) $(ASM_SRCS) $(LIBS) -o $@

fuzz: $(FUZZERS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run_tests.sh fuzz

# Boots Debian 12 roots with systemd as PID 1 (systemd-nspawn): the package
# and 'make install' as a server owner would use them.
test-system: torwatch
	$(Q)tests/run_tests.sh system

test-fuzz: $(FUZZERS)
	$(Q)tests/run_tests.sh fuzz

test: torwatch $(UNIT_TESTS) $(BPF_TESTS) $(TOOLS) $(FUZZERS) sanitized-tests
	$(Q)tests/run_tests.sh

# The unit and BPF test programs under ASan and UBSan (.output-san/tests),
# run by the 'sanitized' tier.
sanitized-tests:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 sanitized-binaries .output-san/torwatch
sanitized-binaries: $(UNIT_TESTS) $(BPF_TESTS)

test-sanitized: sanitized-tests
	$(Q)tests/run_tests.sh sanitized

# The daemon under ASan and UBSan, for integration tests run with
# TW=$(CURDIR)/.output-san/torwatch: the sanitized-daemon tier runs some of
# them so; all of them so would take as long again.
sanitized-daemon:
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 .output-san/torwatch
.output-san/torwatch: $(OUTPUT)/user/main.o $(LINK_LIBS) $(OUTPUT)/lib/layers.ok
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(OUTPUT)/user/main.o $(LINK_LIBS) $(LIBS) -o $@

test-unit: $(UNIT_TESTS)
	$(Q)tests/run_tests.sh unit

test-bpf: $(BPF_TESTS)
	$(Q)tests/run_tests.sh bpf

test-integration: torwatch $(TOOLS)
	$(Q)tests/run_tests.sh integration

# One run: every figure on stdout, and in BENCH_OUT (JSON, with the
# conditions) for 'make bench-compare A=old.json B=new.json'.
BENCH_OUT ?= bench-results/bench-$(shell date -u +%Y%m%dT%H%M%SZ).json
bench: torwatch $(BENCHES) $(BENCH_HELPERS) $(TOOLS)
	$(Q)mkdir -p $(dir $(BENCH_OUT)) && rm -f $(BENCH_OUT).records
	$(Q)export BENCH_RECORDS=$(abspath $(BENCH_OUT)).records; \
	$(OUTPUT)/tests/bench_xdp && \
	tests/bench/bench_macro.sh && \
	$(OUTPUT)/tests/bench_alerts && \
	tests/bench/bench_journal.sh && \
	tests/bench/bench_ssh_latency.sh && \
	tests/bench/bench_listen_latency.sh && \
	tests/bench/bench_busy_loop.sh && \
	tests/bench/bench_session.sh && \
	tests/bench/bench_tor_client.sh && \
	tests/bench/bench_container.sh && \
	tests/bench/bench_metrics.sh && \
	N=100000 SCRAPES=10 tests/bench/bench_metrics.sh && \
	tests/bench/bench_report.py report $$BENCH_RECORDS $(BENCH_OUT) && rm -f $$BENCH_RECORDS

# A long run under mixed load (SOAK_MINUTES, 30 by default): RSS, fds and
# CPU over time, and no high alert lost. Not part of 'make test'.
soak: torwatch $(TOOLS)
	$(Q)tests/soak/soak.sh

bench-compare:
	$(Q)test -n "$(A)" -a -n "$(B)" || { echo "usage: make bench-compare A=old.json B=new.json"; exit 2; }
	$(Q)tests/bench/bench_report.py compare $(A) $(B)

# Install (PREFIX, DESTDIR): the binary, the service, its user, the
# commented config (never over one that exists), the man page, completion
# and logrotate. A real install (no DESTDIR) also creates the user.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(if $(filter /usr/local,$(PREFIX)),/etc,$(PREFIX)/etc))
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
# Prometheus rules and the Grafana dashboard, for the fleet's servers to take.
DATADIR ?= $(PREFIX)/share/torwatch
INSTALLED := $(SBINDIR)/torwatch $(UNITDIR)/torwatch.service $(SYSUSERSDIR)/torwatch.conf \
	     $(MANDIR)/man8/torwatch.8 $(COMPLETIONDIR)/torwatch $(SYSCONFDIR)/logrotate.d/torwatch \
	     $(DATADIR)/prometheus/torwatch-rules.yml $(DATADIR)/grafana/torwatch-dashboard.json

# The page's tables are written by the binary (torwatch manpage PART).
$(OUTPUT)/torwatch.8: packaging/torwatch.8.in torwatch | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)for part in synopsis commands options reload; do ./torwatch manpage $$part >$@.$$part || exit 1; done
	$(Q)sed -e '/^@SYNOPSIS@$$/{r $@.synopsis' -e 'd}' -e '/^@COMMANDS@$$/{r $@.commands' -e 'd}' \
		-e '/^@RUN_OPTIONS@$$/{r $@.options' -e 'd}' -e '/^@RELOAD_OPTIONS@$$/{r $@.reload' -e 'd}' \
		-e 's|@VERSION@|$(VERSION)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		-e "s|@DATE@|$$(git log -1 --format=%cs 2>/dev/null || date +%F)|g" $< >$@
	$(Q)rm -f $@.synopsis $@.commands $@.options $@.reload

# The completion is written by the binary from its command and option tables.
$(OUTPUT)/torwatch.bash-completion: torwatch | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)./torwatch completion >$@

# The paths of this install are written into the unit and the page here.
install: torwatch $(OUTPUT)/torwatch.8 $(OUTPUT)/torwatch.bash-completion
	install -D -m 0755 torwatch $(DESTDIR)$(SBINDIR)/torwatch
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man8
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		packaging/torwatch.service.in >$(DESTDIR)$(UNITDIR)/torwatch.service
	install -D -m 0644 packaging/torwatch.sysusers $(DESTDIR)$(SYSUSERSDIR)/torwatch.conf
	sed -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $(OUTPUT)/torwatch.8 >$(DESTDIR)$(MANDIR)/man8/torwatch.8
	install -D -m 0644 $(OUTPUT)/torwatch.bash-completion $(DESTDIR)$(COMPLETIONDIR)/torwatch
	install -D -m 0644 packaging/torwatch.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/torwatch
	install -D -m 0644 packaging/prometheus/torwatch-rules.yml $(DESTDIR)$(DATADIR)/prometheus/torwatch-rules.yml
	install -D -m 0644 packaging/grafana/torwatch-dashboard.json $(DESTDIR)$(DATADIR)/grafana/torwatch-dashboard.json
	@# A config that exists is the owner's: the new one goes beside it.
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/torwatch/torwatch.conf ]; then \
		install -D -m 0640 packaging/torwatch.conf $(DESTDIR)$(SYSCONFDIR)/torwatch/torwatch.conf.new; \
		echo "kept $(DESTDIR)$(SYSCONFDIR)/torwatch/torwatch.conf; the new one is torwatch.conf.new"; \
	else \
		install -D -m 0640 packaging/torwatch.conf $(DESTDIR)$(SYSCONFDIR)/torwatch/torwatch.conf; \
	fi
	@if [ -z "$(DESTDIR)" ]; then \
		systemd-sysusers $(SYSUSERSDIR)/torwatch.conf 2>/dev/null || \
		id -u torwatch >/dev/null 2>&1 || \
		useradd --system --home-dir /var/lib/torwatch --shell /usr/sbin/nologin torwatch; \
		chgrp torwatch $(SYSCONFDIR)/torwatch/torwatch.conf; \
		systemctl daemon-reload 2>/dev/null || true; \
	fi

# The Debian package (debian/), built in a copy of the tree since
# dpkg-buildpackage writes its results beside the source:
# .output/deb/torwatch_VERSION_ARCH.deb.
deb:
	$(Q)rm -rf $(OUTPUT)/deb && mkdir -p $(OUTPUT)/deb/torwatch
	$(Q)scripts/source-files.sh | tar -cf - -T - | tar -xf - -C $(OUTPUT)/deb/torwatch
	$(Q)cd $(OUTPUT)/deb/torwatch && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || { tail -30 ../build.log; exit 1; }
	$(Q)ls $(OUTPUT)/deb/*.deb

# The config stays (it is the owner's), as does the torwatch user.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED)) $(DESTDIR)$(SYSCONFDIR)/torwatch/torwatch.conf.new
	@rmdir $(DESTDIR)$(DATADIR)/prometheus $(DESTDIR)$(DATADIR)/grafana $(DESTDIR)$(DATADIR) 2>/dev/null || true
	@[ -n "$(DESTDIR)" ] || systemctl daemon-reload 2>/dev/null || true

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf .output .output-san torwatch

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/user/*/*/*.d $(OUTPUT)/tests/*.d \
		     $(OUTPUT)/tools/*.d $(OUTPUT)/fuzz/*.d)
