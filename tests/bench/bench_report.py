#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The benchmarks' JSON report, and the comparison of two.

bench_report.py report RECORDS OUT.json
    gathers the figures the benchmarks recorded (JSON lines in RECORDS) with
    the conditions they ran in, writes OUT.json and prints every goal, met or
    missed.
bench_report.py compare A.json B.json
    prints each figure both runs have, side by side, and B/A.
"""
import json
import os
import platform
import subprocess
import sys
import time


def read_first(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def cpu_model():
    for line in read_first("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def commit():
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def conditions():
    jit = read_first("/proc/sys/net/core/bpf_jit_enable", "?")
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": commit(),
        "kernel": platform.release(),
        "cpu_model": cpu_model(),
        "cpus": os.cpu_count(),
        "jit": {"0": "off", "1": "on", "2": "on (debug)"}.get(jit, jit),
        "xdp_mode": "native (veth) for the macro figures; BPF_PROG_TEST_RUN for the micro ones",
        "virtualised": "hypervisor" in read_first("/proc/cpuinfo"),
    }


def report(records_path, out_path):
    records = []
    with open(records_path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except ValueError as e:
                sys.exit(f"{records_path}:{n}: not a JSON record: {e}")
    doc = {"conditions": conditions(), "records": records}
    with open(out_path + ".tmp", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(out_path + ".tmp", out_path)
    c = doc["conditions"]
    print(f"\nbench report: {out_path}")
    print(f"  {c['kernel']}, {c['cpu_model']} x{c['cpus']}, JIT {c['jit']}, commit {c['commit']}")
    goals = [r for r in records if "goal" in r]
    width = max([len(r["case"]) for r in goals] + [10])
    for r in goals:
        print(f"  {r['section']:<11} {r['case']:<{width}} {r['value']:>10.2f} {r['unit']:<5} "
              f"goal {r['goal']:<10} {'met' if r['met'] else 'MISSED'}")
    print(f"  {sum(r['met'] for r in goals)} of {len(goals)} goals met")


def load(path):
    try:
        with open(path) as f:
            doc = json.load(f)
        return doc["conditions"], {(r["section"], r["case"]): r for r in doc["records"]}
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"{path}: not a bench report: {e}")


def compare(a_path, b_path):
    ca, a = load(a_path)
    cb, b = load(b_path)
    print(f"A: {a_path} ({ca.get('commit')}, {ca.get('date')}, {ca.get('kernel')}, {ca.get('cpu_model')})")
    print(f"B: {b_path} ({cb.get('commit')}, {cb.get('date')}, {cb.get('kernel')}, {cb.get('cpu_model')})")
    common = [k for k in a if k in b]
    if not common:
        sys.exit("the two reports have no figure in common")
    width = max(len(k[1]) for k in common)
    print(f"  {'section':<11} {'case':<{width}} {'A':>10} {'B':>10} {'B/A':>7}")
    for k in common:
        va, vb = a[k]["value"], b[k]["value"]
        ratio = f"{vb / va:7.2f}" if va else "      -"
        print(f"  {k[0]:<11} {k[1]:<{width}} {va:>10.2f} {vb:>10.2f} {ratio} {a[k]['unit']}")
    only = len(a) + len(b) - 2 * len(common)
    if only:
        print(f"  ({only} figures are in only one of the two)")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
