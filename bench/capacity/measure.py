#!/usr/bin/env python3
"""Polls a Prometheus (scraping synthetic targets, remote-writing) and a VictoriaMetrics for a fixed time and prints
the capacity figures of one run (called by bench/capacity/run.sh; starts and stops nothing itself).

Every --interval seconds it records, from /proc and from each server's own /metrics: resident memory, CPU time,
Prometheus' head series and appended samples, its remote_write counters, VictoriaMetrics' received rows and
active series, and the last duration of every rule group. The steady-state window (CPU per sample, remote_write
throughput) starts after --warmup seconds, so the series creation of the first scrapes is reported on its own.
It stops early (exit 3) when the machine's available memory falls under --min-available-gib.
"""
import argparse
import json
import os
import re
import sys
import time
import urllib.parse
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')


def fetch(url, timeout=20):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def metrics(url):
    """name -> list of (labels string, value) from a /metrics page."""
    out = {}
    for line in fetch(url).splitlines():
        m = LINE.match(line)
        if m:
            out.setdefault(m.group(1), []).append((m.group(2) or "", float(m.group(3))))
    return out


def total(m, name, label_filter=""):
    return sum(v for labels, v in m.get(name, []) if label_filter in labels)


def proc(pid):
    """(RSS bytes, CPU seconds) of a process and its children that were waited for."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime (fields 14, 15 of stat)
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
    return rss, cpu


def mem_available():
    with open("/proc/meminfo") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))


def query(prom, q):
    d = json.loads(fetch(f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": q})))
    return [(r["metric"], float(r["value"][1])) for r in d["data"]["result"]]


def sample(a):
    s = {"t": time.time(), "mem_available": mem_available()}
    s["prom_rss"], s["prom_cpu"] = proc(a.prom_pid)
    s["vm_rss"], s["vm_cpu"] = proc(a.vm_pid)
    s["gen_cpu"] = sum(proc(p)[1] for p in a.gen_pids)
    pm = metrics(f"{a.prom}/metrics")
    s["head_series"] = total(pm, "prometheus_tsdb_head_series")
    s["appended"] = total(pm, "prometheus_tsdb_head_samples_appended_total")
    s["rw_sent"] = total(pm, "prometheus_remote_storage_samples_total") or total(pm, "prometheus_remote_storage_succeeded_samples_total")
    s["rw_failed"] = total(pm, "prometheus_remote_storage_samples_failed_total") or total(pm, "prometheus_remote_storage_failed_samples_total")
    s["rw_pending"] = total(pm, "prometheus_remote_storage_samples_pending")
    s["rw_shards"] = total(pm, "prometheus_remote_storage_shards")
    s["rules"] = {re.search(r'rule_group="([^"]*)"', labels).group(1).split(";")[-1]: v
                  for labels, v in pm.get("prometheus_rule_group_last_duration_seconds", [])}
    vm = metrics(f"{a.vm}/metrics")
    s["vm_rows"] = total(vm, "vm_rows_inserted_total")
    s["vm_active"] = total(vm, "vm_cache_entries", 'type="storage/hour_metric_ids"')
    s["vm_data_bytes"] = total(vm, "vm_data_size_bytes")
    return s


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--prom", required=True)
    p.add_argument("--vm", required=True)
    p.add_argument("--prom-pid", type=int, required=True)
    p.add_argument("--vm-pid", type=int, required=True)
    p.add_argument("--gen-pids", type=int, nargs="+", required=True)
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--warmup", type=float, default=75)
    p.add_argument("--interval", type=float, default=15)
    p.add_argument("--min-available-gib", type=float, default=3)
    p.add_argument("--log", required=True, help="one JSON sample per line")
    a = p.parse_args()

    t0 = time.time()
    samples, aborted = [], False
    with open(a.log, "w") as log:
        while True:
            s = sample(a)
            s["elapsed"] = s["t"] - t0
            samples.append(s)
            log.write(json.dumps(s) + "\n")
            log.flush()
            print(f"  {s['elapsed']:5.0f}s head {s['head_series']:>9.0f}  prom {s['prom_rss'] / 2**30:5.2f} GiB  "
                  f"vm {s['vm_rss'] / 2**30:5.2f} GiB  vm active {s['vm_active']:>9.0f}  rw pending {s['rw_pending']:>8.0f}  "
                  f"available {s['mem_available'] / 2**30:5.1f} GiB", flush=True)
            if s["mem_available"] < a.min_available_gib * 2**30:
                print(f"  available memory under {a.min_available_gib} GiB: stopping this run early", flush=True)
                aborted = True
                break
            if s["elapsed"] >= a.duration:
                break
            time.sleep(max(0.0, a.interval - (time.time() - s["t"])))

    last = samples[-1]
    steady = [s for s in samples if s["elapsed"] >= a.warmup] or samples[-2:]
    first = steady[0] if len(steady) > 1 else samples[0]
    dt = last["t"] - first["t"] or 1
    appended = last["appended"] - first["appended"]
    vm_rows = last["vm_rows"] - first["vm_rows"]
    scrape = query(a.prom, 'scrape_duration_seconds{job="thebot-backend"}')
    scraped = query(a.prom, 'sum(scrape_samples_scraped{job="thebot-backend"})')
    up = query(a.prom, 'sum(up{job="thebot-backend"})')
    durations = sorted(v for _, v in scrape)
    # Each sample sees the group's last evaluation; the median over the window is the typical one, the max the worst.
    per_group = {}
    for s in steady or samples:
        for group, v in s["rules"].items():
            per_group.setdefault(group, []).append(v)
    rules_median = {g: sorted(v)[len(v) // 2] for g, v in per_group.items()}
    rules_max = {g: max(v) for g, v in per_group.items()}
    r = {
        "targets_up": up[0][1] if up else 0,
        "series_scraped": scraped[0][1] if scraped else 0,
        "head_series": last["head_series"],
        "vm_active_series": last["vm_active"],
        "prom_rss_bytes": last["prom_rss"],
        "prom_peak_rss_bytes": max(s["prom_rss"] for s in samples),
        # RSS moves with Go's garbage collector (up to ~2x the live heap): the steady window's mean is the fair figure.
        "prom_mean_rss_bytes_steady": sum(s["prom_rss"] for s in steady) / len(steady),
        "prom_mean_bytes_per_series_steady": sum(s["prom_rss"] / max(s["head_series"], 1) for s in steady) / len(steady),
        "vm_mean_rss_bytes_steady": sum(s["vm_rss"] for s in steady) / len(steady),
        "prom_bytes_per_series": last["prom_rss"] / max(last["head_series"], 1),
        "vm_rss_bytes": last["vm_rss"],
        "vm_bytes_per_series": last["vm_rss"] / max(last["vm_active"], 1),
        "scrape_seconds_median": durations[len(durations) // 2] if durations else None,
        "scrape_seconds_max": durations[-1] if durations else None,
        "steady_window_seconds": dt,
        "prom_samples_per_second": appended / dt,
        "prom_cpu_seconds_per_million_samples": (last["prom_cpu"] - first["prom_cpu"]) / max(appended / 1e6, 1e-9),
        "prom_cpu_cores": (last["prom_cpu"] - first["prom_cpu"]) / dt,
        "prom_cpu_seconds_until_steady": first["prom_cpu"] - samples[0]["prom_cpu"],
        "rw_samples_per_second": (last["rw_sent"] - first["rw_sent"]) / dt,
        "rw_failed": last["rw_failed"],
        "rw_pending_last": last["rw_pending"],
        "rw_shards_last": last["rw_shards"],
        "vm_rows_per_second": vm_rows / dt,
        "vm_cpu_seconds_per_million_samples": (last["vm_cpu"] - first["vm_cpu"]) / max(vm_rows / 1e6, 1e-9),
        "vm_cpu_cores": (last["vm_cpu"] - first["vm_cpu"]) / dt,
        "generator_cpu_cores": (last["gen_cpu"] - first["gen_cpu"]) / dt,
        "rule_group_median_seconds": rules_median,
        "rule_group_max_seconds": rules_max,
        "rule_groups_total_median_seconds": sum(rules_median.values()),
        "rule_groups_total_max_seconds": sum(rules_max.values()),
        "load_average": open("/proc/loadavg").read().split()[:3],
        "aborted_low_memory": aborted,
    }
    print(json.dumps(r, indent=2))
    sys.exit(3 if aborted else 0)


if __name__ == "__main__":
    main()
