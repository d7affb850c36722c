# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# torwatch: BPF objects -> skeletons -> userspace binary; tests and benchmarks.
OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE -MMD -MP \
	  -Iheaders -Iuser -I$(OUTPUT) -DTORWATCH_VERSION='"$(VERSION)"'
LIBS := -lbpf -lelf -lz -ljson-c -linih -lcurl -lpthread
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall \
	      -Iheaders -Ibpf $(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))

BPF_PROGS := xdp_tor ssh_detect listen_detect
SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_PROGS))
LIB_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
LIB_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS)) $(OUTPUT)/user/snapshot.o
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/%,$(wildcard tests/bpf/test_*.c))
BENCHES := $(patsubst tests/bench/%.c,$(OUTPUT)/tests/%,$(wildcard tests/bench/bench_*.c))
TOOLS := $(patsubst tests/tools/%.c,$(OUTPUT)/tools/%,$(wildcard tests/tools/*.c))
FUZZERS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	       -std=gnu11 -D_GNU_SOURCE -Iheaders -Iuser -I$(OUTPUT) -DTORWATCH_VERSION='"fuzz"' 

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.PHONY: all clean test test-unit test-bpf test-integration test-fuzz bench fuzz install

all: torwatch

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests $(OUTPUT)/tools $(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/%.bpf.o: tests/bench/%.bpf.c | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/user/%.o: user/%.c $(SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The dated exit-list snapshot is embedded so that one binary works offline.
$(OUTPUT)/user/snapshot.o: user/snapshot.S data/exit-addresses.2024-03-12.txt | $(OUTPUT)/user
	$(call msg,AS,$@)
	$(Q)$(CC) -c $< -o $@

$(OUTPUT)/libtorwatch.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

torwatch: $(OUTPUT)/user/main.o $(OUTPUT)/libtorwatch.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(OUTPUT)/libtorwatch.a | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -lcmocka -o $@

$(OUTPUT)/tests/%: tests/bpf/%.c $(OUTPUT)/libtorwatch.a | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $^ $(LIBS) -lcmocka -o $@

$(OUTPUT)/tests/%: tests/bench/%.c $(OUTPUT)/libtorwatch.a $(OUTPUT)/xdp_empty.skel.h \
		      $(OUTPUT)/xdp_bench_driver.skel.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $(filter %.c %.a,$^) $(LIBS) -o $@

# Small helpers the integration tests run (packet tricks, latency probes).
$(OUTPUT)/tools/%: tests/tools/%.c | $(OUTPUT)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Wno-unused-function $< -ljson-c -o $@

# libFuzzer targets: the parsers, built with clang, ASan and UBSan.
$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) user/snapshot.S $(SKELS) | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(LIB_SRCS) user/snapshot.S $(LIBS) -o $@

fuzz: $(FUZZERS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run_tests.sh fuzz

test-fuzz: $(FUZZERS)
	$(Q)tests/run_tests.sh fuzz

test: torwatch $(UNIT_TESTS) $(BPF_TESTS) $(TOOLS) $(FUZZERS)
	$(Q)tests/run_tests.sh

test-unit: $(UNIT_TESTS)
	$(Q)tests/run_tests.sh unit

test-bpf: $(BPF_TESTS)
	$(Q)tests/run_tests.sh bpf

test-integration: torwatch $(TOOLS)
	$(Q)tests/run_tests.sh integration

bench: torwatch $(BENCHES) $(TOOLS)
	$(Q)$(OUTPUT)/tests/bench_xdp
	$(Q)tests/bench/bench_ssh_latency.sh
	$(Q)tests/bench/bench_listen_latency.sh

install: torwatch
	install -D -m 0755 torwatch $(DESTDIR)/usr/local/sbin/torwatch

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf $(OUTPUT) torwatch

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*.d $(OUTPUT)/tests/*.d $(OUTPUT)/tools/*.d)
