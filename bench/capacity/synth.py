#!/usr/bin/env python3
"""Synthetic THE_BOT backend instances for the capacity model (docs/capacity.md).

The shape of one instance is a *template*: a real exposition of the reference backend (text format 0.0.4), captured
after `./thebot load` (bench/capacity/backend-exposition.txt; `capture` makes a new one). Every synthetic instance
serves exactly the template's series - the same families, label names and label values as a real instance - so
"N series" below means "N/len(template) backend instances", the unit operators count in.

Values move between scrapes the way a busy service's do, so the TSDBs compress realistic data, not constants:
  * counters (and histogram _bucket/_count/_sum) grow each step by round(m * base), where base is the template's value times a
    traffic share picked per instance (a quarter of it, halved to doubled) and m is one random factor per histogram (per label set without `le`) or
    per counter; the same m for every bucket of a histogram keeps the buckets cumulative, as real ones are;
  * gauges jitter by a few percent around the template's value, 0 and 1 stay as they are (up/info-style gauges).

Sub-commands:
  serve     serve instances [first, first+count) on one port, each at /metrics/<i>
  targets   write the file_sd JSON for those instances (label instance="backend-<i>", path /metrics/<i>)
  backfill  write a known number of samples with timestamps (OpenMetrics for promtool, or Prometheus text with
            millisecond timestamps for VictoriaMetrics' /api/v1/import/prometheus); prints the sample count
  count     number of series in one instance (the template's sample lines)
"""
import argparse
import json
import random
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+\S+)?$')
COUNTER_SUFFIXES = ("_bucket", "_count", "_sum")


class Template:
    """The series of one instance: per sample line its text prefix, start value, kind and histogram group."""

    def __init__(self, path):
        types = {}
        self.prefixes, self.names, self.labels, self.values, self.counter, self.integral, self.group = ([] for _ in range(7))
        groups = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("# TYPE "):
                    _, _, name, kind = line.split(" ", 3)
                    types[name] = kind
                    continue
                if not line or line.startswith("#"):
                    continue
                m = SAMPLE.match(line)
                if not m:
                    raise SystemExit(f"{path}: cannot parse sample line: {line}")
                name, labels, value = m.group(1), m.group(2) or "", float(m.group(3))
                family = name
                for suffix in COUNTER_SUFFIXES:
                    if name.endswith(suffix) and name[: -len(suffix)] in types:
                        family = name[: -len(suffix)]
                kind = types.get(family, types.get(name, "untyped"))
                is_counter = kind in ("counter", "histogram", "summary") and not (kind == "summary" and family == name)
                # One random factor per histogram label set (le left out), so its buckets stay cumulative.
                # Anchored on a label boundary: `table="none"` ends in `le="none"` too.
                key = (family, re.sub(r'(?<=[{,])le="[^"]*",?', "", labels))
                self.prefixes.append(f"{name}{labels} ")
                self.names.append(name)
                self.labels.append(labels[1:-1] if labels else "")
                self.values.append(value if value == value and abs(value) != float("inf") else 0.0)
                self.counter.append(is_counter)
                self.integral.append(value == int(value) if value == value and abs(value) != float("inf") else True)
                self.group.append(groups.setdefault(key, len(groups)))
        self.groups = len(groups)

    def __len__(self):
        return len(self.prefixes)


class Instance:
    """One synthetic backend instance: its current values and how fast its counters grow."""

    def __init__(self, template, index):
        self.t = template
        rnd = random.Random(index)
        self.rnd = rnd
        # The template holds about 60 s of `./thebot load` (50 requests/s), so a 15 s step is a quarter of its counts;
        # each instance gets between half and twice that traffic.
        share = rnd.uniform(0.125, 0.5)
        self.base = [v * share if c else 0.0 for v, c in zip(template.values, template.counter)]
        self.values = list(template.values)
        self.lock = threading.Lock()

    def step(self):
        t, rnd, values = self.t, self.rnd, self.values
        factors = [rnd.random() * 2 for _ in range(t.groups)]
        for i, base in enumerate(self.base):
            if t.counter[i]:
                inc = base * factors[t.group[i]]
                values[i] += round(inc) if t.integral[i] else inc
            else:
                v0 = t.values[i]
                if v0 not in (0.0, 1.0):
                    v = v0 * (1 + rnd.uniform(-0.05, 0.05))
                    values[i] = round(v) if t.integral[i] else v

    def render(self):
        with self.lock:
            self.step()
            t = self.t
            return "".join(
                f"{p}{int(v)}\n" if integral and abs(v) < 1e15 else f"{p}{v!r}\n"
                for p, v, integral in zip(t.prefixes, self.values, t.integral)
            ).encode()


def serve(args):
    template = Template(args.template)
    instances = {i: Instance(template, i) for i in range(args.first, args.first + args.count)}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            m = re.fullmatch(r"/metrics/(\d+)", self.path)
            inst = instances.get(int(m.group(1))) if m else None
            if inst is None:
                self.send_error(404, "no such instance")
                return
            body = inst.render()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_):  # one line per scrape would fill the disk at 1M series
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"serving instances {args.first}..{args.first + args.count - 1} ({len(template)} series each) on 127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


def targets(args):
    groups = []
    for worker, (port, first, count) in enumerate(args.worker):
        for i in range(first, first + count):
            groups.append({"targets": [f"127.0.0.1:{port}"],
                           "labels": {"__metrics_path__": f"/metrics/{i}", "instance": f"backend-{i}"}})
    json.dump(groups, sys.stdout)


def backfill(args):
    """Samples with timestamps, family by family (OpenMetrics forbids interleaving families), each series in time order."""
    template = Template(args.template)
    steps = int(args.hours * 3600 // args.step)
    start = args.start
    # Simulate every instance once, keeping each line's values over time: instances x series x steps floats.
    history = []
    for i in range(args.instances):
        inst = Instance(template, i)
        rows = [[] for _ in range(len(template))]
        for _ in range(steps):
            inst.step()
            for j, v in enumerate(inst.values):
                rows[j].append(v)
        history.append(rows)
    out = sys.stdout
    written = 0
    openmetrics = args.format == "openmetrics"
    for j, name in enumerate(template.names):
        labels = template.labels[j]
        integral = template.integral[j]
        for i in range(args.instances):
            extra = f'job="thebot-backend",instance="backend-{i}"'
            prefix = f"{name}{{{labels},{extra}}} " if labels else f"{name}{{{extra}}} "
            buf = []
            for k, v in enumerate(history[i][j]):
                ts = start + k * args.step
                value = f"{int(v)}" if integral and abs(v) < 1e15 else repr(v)
                buf.append(f"{prefix}{value} {ts}\n" if openmetrics else f"{prefix}{value} {ts * 1000}\n")
            out.write("".join(buf))
            written += len(buf)
    if openmetrics:
        out.write("# EOF\n")
    print(written, file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--template", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--first", type=int, required=True)
    s.add_argument("--count", type=int, required=True)
    t = sub.add_parser("targets")
    t.add_argument("--worker", nargs=3, type=int, action="append", required=True, metavar=("PORT", "FIRST", "COUNT"))
    b = sub.add_parser("backfill")
    b.add_argument("--template", required=True)
    b.add_argument("--instances", type=int, required=True)
    b.add_argument("--hours", type=float, default=2.0)
    b.add_argument("--step", type=int, default=15)
    b.add_argument("--start", type=int, required=True, help="first timestamp, Unix seconds")
    b.add_argument("--format", choices=("openmetrics", "prometheus"), required=True)
    c = sub.add_parser("count")
    c.add_argument("--template", required=True)
    args = p.parse_args()
    if args.cmd == "serve":
        serve(args)
    elif args.cmd == "targets":
        targets(args)
    elif args.cmd == "backfill":
        backfill(args)
    else:
        print(len(Template(args.template)))


if __name__ == "__main__":
    main()
