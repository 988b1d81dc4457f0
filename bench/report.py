#!/usr/bin/env python3
"""Turns the RESULT lines of bench/run.sh into docs/BENCHMARKS.md (medians and ratios), or with --check verifies
that every workload ran on every system and that all systems agree on the check values."""

import argparse
import json
import statistics
import sys
from collections import defaultdict

# name -> (title, definition, unit of ops for the rate column)
WORKLOADS = {
    "skynet": ("skynet", "every process with range > 1 spawns 10 children and sums their answers; 1,111,111 processes", "proc"),
    "pingpong": ("ping-pong", "n round trips between two processes ({self, i} there, i back)", "round trip"),
    "counting": ("counting", "Savina counting: n `:inc` messages to one counter, then a request for the count", "msg"),
    "threadring": ("thread ring", "Savina thread ring: 100 processes pass a token n times", "hop"),
    "fjthroughput": ("fork-join throughput", "Savina fjthrput: 60 workers each get n messages, sin² per message", "msg"),
    "fjcreate": ("fork-join create", "Savina fjcreate: n processes spawned, one message each, sin², report, exit", "proc"),
    "big": ("big", "Savina big: 120 processes each ping pseudo-random peers n times (ping/pong)", "ping"),
    "fib": ("fib(25)", "Savina fib: each fib(k) process spawns fib(k-1) and fib(k-2); 242,785 processes", "proc"),
    "fanin": ("fan-in", "100 senders each send 1..n to one mailbox; the receiver sums 100·n messages", "msg"),
    "selective": ("selective receive", "n request/reply rounds whose receive must skip a 10,000-message backlog", "round"),
    "exitstorm": ("exit-signal storm", "kill the root of a 100,000-process link tree (fan-out 10); until the last is dead", "proc"),
    "idlememory": ("memory per idle process", "RSS growth for 1,000,000 processes waiting in receive", "proc"),
    "spawnexit": ("spawn+exit", "a driver spawns n processes with empty bodies; until all have exited", "proc"),
}
ORDER = list(WORKLOADS)

# Workloads with a scripted version (bench/script/vigil_bench.exs; the same list as SCRIPTED in bench/run.sh).
SCRIPTED = {"skynet", "pingpong", "counting", "threadring", "fjthroughput", "fjcreate", "big", "fib", "fanin",
            "selective", "exitstorm", "spawnexit"}

# Engine-issue targets: workload -> (description, predicate on the Vigil median row, target text)
TARGETS = {
    "skynet": ("time", lambda sec, rate, mem: sec < 0.8, "< 0.8 s"),
    "pingpong": ("round trips/s", lambda sec, rate, mem: rate >= 4e6, "≥ 4 M/s"),
    "idlememory": ("bytes/process", lambda sec, rate, mem: mem < 512, "< 512 B"),
    "spawnexit": ("spawn+exit/s", lambda sec, rate, mem: rate >= 1.5e6, "≥ 1.5 M/s"),
}

SYSTEMS = [("vigil", 0, "Vigil native"), ("vigil", 1, "Vigil native + trace"),
           ("vigil-bridge", 1, "Vigil native + GUI bridge"), ("script", 0, "Vigil scripted"),
           ("beam", 0, "BEAM"), ("caf", 0, "CAF")]


def parse(path):
    rows = []
    with open(path) as f:
        for line in f:
            if not line.startswith("RESULT "):
                continue
            kv = dict(tok.split("=", 1) for tok in line.split()[1:] if "=" in tok)
            rows.append(kv)
    return rows


def read_meta(path):
    meta = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    return meta


def fmt_time(s):
    if s is None:
        return "—"
    return f"{s * 1000:.0f} ms" if s >= 0.1 else f"{s * 1000:.1f} ms"


def fmt_rate(r):
    if r is None:
        return "—"
    if r >= 1e6:
        return f"{r / 1e6:.2f} M/s"
    if r >= 1e3:
        return f"{r / 1e3:.0f} k/s"
    return f"{r:.0f}/s"


def fmt_ratio(x):
    return "—" if x is None else f"{x:.2f}×"


class Cell:
    def __init__(self, runs):
        ok = [r for r in runs if "failed" not in r]
        self.failed = len(runs) - len(ok)
        self.count = len(ok)
        self.seconds = statistics.median(float(r["seconds"]) for r in ok) if ok else None
        self.ops = int(ok[0]["ops"]) if ok else None
        mems = [float(r["bytes_per_process"]) for r in ok if "bytes_per_process" in r]
        self.mem = statistics.median(mems) if mems else None
        # Vigil's runs also read memory once an observer has caught up (see settled_mem).
        settled = [float(r["bytes_per_process_settled"]) for r in ok if "bytes_per_process_settled" in r]
        self.mem_settled = statistics.median(settled) if settled else None
        self.by_rep_settled = {r.get("rep"): float(r["bytes_per_process_settled"])
                               for r in ok if r.get("rep") is not None and "bytes_per_process_settled" in r}
        self.checks = sorted({r["check"] for r in ok})
        self.is_observed = False # these two are set by build()
        self.system = None
        self.all_seconds = [float(r["seconds"]) for r in ok]
        self.lost = sum(int(r.get("lost", 0)) for r in ok)
        self.events = statistics.median(int(r["events"]) for r in ok) if ok and "events" in ok[0] else None
        # The compared quantity per repetition (see paired_ratios).
        self.by_rep = {r.get("rep"): float(r["bytes_per_process"] if "bytes_per_process" in r else r["seconds"])
                       for r in ok if r.get("rep") is not None}

    @property
    def rate(self):
        return self.ops / self.seconds if self.seconds else None

    def value(self, workload):
        """The compared quantity: lower is better."""
        return self.mem if workload == "idlememory" else self.seconds


def build(rows):
    cells = defaultdict(list)
    for r in rows:
        cells[(r["workload"], r["system"], int(r.get("trace", 0)))].append(r)
    built = {k: Cell(v) for k, v in cells.items()}
    for (w, system, trace), c in built.items():
        c.system = system
        c.is_observed = trace == 1 # a trace subscriber or the GUI bridge was attached
    return built


def check(cells):
    problems = []
    for w in ORDER:
        present = {k: c for k, c in cells.items() if k[0] == w}
        if not present:
            continue
        checks = set()
        for (_, sysname, trace), c in present.items():
            label = sysname + (" + trace" if trace else "")
            if c.failed:
                problems.append(f"{w}: {label} failed {c.failed} run(s)")
            if len(c.checks) > 1:
                problems.append(f"{w}: {label} gave different results across runs: {c.checks}")
            checks.update(c.checks)
        if len(checks) > 1:
            detail = ", ".join(f"{k[1]}{'+trace' if k[2] else ''}={c.checks}" for k, c in present.items())
            problems.append(f"{w}: systems disagree: {detail}")
    return problems


def render(cells, meta, notes, gbench=None):
    out = []
    w_ = out.append
    w_("# Benchmarks")
    w_("")
    w_("Generated by `bench/run.sh` (do not edit by hand; explanations live in `bench/notes.md` and are copied in).")
    w_("")
    w_("## How this was measured")
    w_("")
    w_(f"- Command: `{meta.get('command', 'bench/run.sh')}` built from `{meta.get('commit', '?')}`, {meta.get('date', '')}.")
    w_(f"- Machine: {meta.get('nproc', '?')} CPUs ({meta.get('cpu', '?')}), {meta.get('memory', '?')} RAM, {meta.get('kernel', '?')}.")
    w_(f"- Load average (1/5/15 min) before: {meta.get('load_before', '?')}, after: {meta.get('load_after', '?')}. "
       "The machine is shared; a load well above 2 means other work competed for the two cores.")
    w_(f"- Vigil: `engine_bench`, {meta.get('compiler', '?')}, CMake Release (-O3), `RuntimeConfig{{.workers = 2}}`.")
    w_(f"- BEAM: OTP {meta.get('otp', '?')}, `erl +S 2:2 +P 4000000` (bench/beam/vigil_bench.erl, compiled with erlc).")
    w_(f"- CAF: libcaf-dev {meta.get('caf', '?')}, `--caf.scheduler.max-threads=2` (bench/caf/caf_bench.cpp).")
    reps = meta.get('reps', '?')
    obs = meta.get('observe_reps', '1')
    observed = ""
    if obs not in ('1', '?') and reps != '?':
        observed = (f" ({int(reps) * int(obs)} for Vigil native, traced and with the GUI bridge: after each round of "
                    f"all systems these three run {int(obs) - 1} more times, alternating)")
    w_(f"- {reps} runs per system and workload{observed}, each a fresh OS process; systems alternate run by "
       f"run (rotating order). Medians shown; the costs of observing are medians of per-repetition ratios, each "
       f"traced or bridged run against the untraced run of its own round (see *Observation cost*). Total wall time "
       f"{meta.get('wall_seconds', '?')} s.")
    w_("- Times are measured inside each program (start-up and teardown excluded), from the first spawn to the "
       "final answer; for the exit storm from the kill to the last death, for spawn+exit until the process count "
       "is back to where it started (both polled every 0.2 ms in Vigil and CAF, every 1 ms in the BEAM).")
    w_("")

    # Engine targets
    w_("## Engine targets (native processes, 2 workers)")
    w_("")
    w_("| target | BEAM | Vigil | Vigil + trace | trace cost | Vigil + GUI bridge | bridge cost | goal | met? |")
    w_("|---|---|---|---|---|---|---|---|---|")
    for w, (what, pred, goal) in TARGETS.items():
        v = cells.get((w, "vigil", 0))
        t = cells.get((w, "vigil", 1))
        b = cells.get((w, "beam", 0))
        g = cells.get((w, "vigil-bridge", 1))
        if not v or v.seconds is None:
            continue

        def show(c):
            if not c or c.seconds is None:
                return "—"
            if w == "idlememory":
                if c.is_observed and c.mem_settled is not None:
                    return f"{c.mem_settled:.0f} B settled"
                if c.system == "vigil" and c.mem_settled is not None:
                    return f"{c.mem:.0f} B ({c.mem_settled:.0f} B settled)"
                return f"{c.mem:.0f} B"
            if w == "skynet":
                return fmt_time(c.seconds)
            return fmt_rate(c.rate)

        cost = overhead(w, v, t)
        met = pred(v.seconds, v.rate, v.mem)
        trace_met = cost is not None and cost <= 10
        w_(f"| {WORKLOADS[w][0]} ({what}) | {show(b)} | {show(v)} | {show(t)} | {fmt_pct(cost)} | {show(g)} "
           f"| {fmt_pct(overhead(w, v, g))} | {goal}, trace ≤ 10% | "
           f"{'yes' if met else '**no**'}; trace {'yes' if trace_met else '**no**'} |")
    w_("")

    # Full table
    present_systems = [s for s in SYSTEMS if any(k[1] == s[0] and k[2] == s[1] for k in cells)]
    w_("## All workloads")
    w_("")
    w_("Medians. Ratios are *other system ÷ Vigil native* (time, or bytes for memory): above 1× means Vigil is ahead.")
    w_("")
    has_bridge = any(s[0] == "vigil-bridge" for s in present_systems)
    header = ["workload", "n"] + [s[2] for s in present_systems] + ["trace cost"]
    if has_bridge:
        header += ["bridge cost"]
    others = [s for s in present_systems if s[0] in ("beam", "caf")]
    header += [f"{s[2]} ÷ Vigil" for s in others]
    if any(s[0] == "script" for s in present_systems):
        header += ["scripted ÷ BEAM"]
    header += ["verdict"]
    w_("| " + " | ".join(header) + " |")
    w_("|" + "---|" * len(header))
    behind = []
    for w in ORDER:
        v = cells.get((w, "vigil", 0))
        if not v:
            continue
        row = [WORKLOADS[w][0], nice_n(w, cells)]
        for s in present_systems:
            c = cells.get((w, s[0], s[1]))
            row.append(show_cell(w, c))
        row.append(fmt_pct(overhead(w, v, cells.get((w, "vigil", 1)))))
        if has_bridge:
            row.append(fmt_pct(overhead(w, v, cells.get((w, "vigil-bridge", 1)))))
        verdict = []
        for s in others:
            c = cells.get((w, s[0], 0))
            ratio = c.value(w) / v.value(w) if c and c.value(w) and v.value(w) else None
            row.append(fmt_ratio(ratio))
            if ratio is not None and ratio < 1:
                verdict.append(f"behind {s[2]}")
        if any(s[0] == "script" for s in present_systems):
            sc = cells.get((w, "script", 0))
            b = cells.get((w, "beam", 0))
            row.append(fmt_ratio(sc.value(w) / b.value(w)) if sc and b and sc.value(w) and b.value(w) else "—")
        if v.failed:
            verdict.append("failed")
        if not verdict:
            verdict.append("ahead")
        else:
            behind.append(w)
        row.append("**" + ", ".join(verdict) + "**" if verdict != ["ahead"] else "ahead")
        w_("| " + " | ".join(row) + " |")
    w_("")
    w_("Workload definitions (identical in all implementations; each reports a check value — a sum or count — "
       "that must agree across systems, and `bench/run.sh --quick` fails if it does not):")
    w_("")
    for w in ORDER:
        if any(k[0] == w for k in cells):
            w_(f"- **{WORKLOADS[w][0]}** (`{w}`): {WORKLOADS[w][1]}.")
    w_("")

    # Trace details
    w_("## Observation cost")
    w_("")
    w_("`--trace` attaches one trace subscriber (`Runtime::subscribe()`) and drains it from a separate thread in a "
       "loop that waits 1 ms after a batch of fewer than 4,096 events, for the whole run, i.e. far more often than the GUI bridge's ≤ 30 Hz drain; "
       "it looks at each event where the drain hands it over (`drain` with a visitor) and checks that the numbers rise. "
       "Events are what the subscriber received (median per run); lost are events dropped because a ring was "
       "full (the engine never waits for a subscriber).")
    w_("")
    w_("Memory per idle process with an observer is read once the observer has caught up with every process and "
       "freed memory has been handed back (*settled*), against the unobserved engine's figure read the same way: "
       "read at once, an observer's figure says how far it had got, not what it keeps. The engine-only columns "
       "(Vigil against the BEAM and CAF) are read at once, as theirs are.")
    w_("")
    w_("Costs are medians of the per-repetition ratios (each traced run ÷ the untraced run of the same repetition; "
       "the systems of a repetition run one after the other), with the lowest and highest of those ratios beside "
       "them; the times shown are medians of all runs.")
    w_("")
    w_("| workload | without | with subscriber | cost | range | events received | events lost (all runs) "
       "| with GUI bridge | cost | range | events applied | events lost (all runs) |")
    w_("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for w in ORDER:
        v = cells.get((w, "vigil", 0))
        t = cells.get((w, "vigil", 1))
        g = cells.get((w, "vigil-bridge", 1))
        if not v or not t:
            continue
        ev = f"{t.events:,.0f}" if t.events is not None else "—"
        gev = f"{g.events:,.0f}" if g and g.events is not None else "—"
        glost = f"{g.lost:,}" if g else "—"
        w_(f"| {WORKLOADS[w][0]} | {show_cell(w, v, settled_mem(w, v, t))} | {show_cell(w, t)} | {fmt_pct(overhead(w, v, t))} "
           f"| {overhead_range(v, t, w)} | {ev} | {t.lost:,} "
           f"| {show_cell(w, g)} | {fmt_pct(overhead(w, v, g))} | {overhead_range(v, g, w)} | {gev} | {glost} |")
    w_("")

    if gbench:
        w_("## Micro-benchmarks")
        w_("")
        w_("Google Benchmark executables (`bench/*_gbench.cpp`), run by the same command after the workloads; "
           "medians of the repetitions. `trace_gbench` is the trace pipeline alone: publishing events into a "
           "subscriber's rings and draining them, on one thread, across two cores, and from two producers at once.")
        w_("")
        w_("| benchmark | real time | CPU time | events/s |")
        w_("|---|---|---|---|")
        for b in gbench:
            w_(f"| {b['name']} | {b['real']} | {b['cpu']} | {b['rate']} |")
        w_("")

    if notes:
        w_(notes.rstrip())
        w_("")

    # The GUI benchmarks are measured separately (bench/gui_run.sh); their last results are kept in
    # bench/gui_results.md and copied in here, between markers bench/gui_report.py also knows.
    try:
        with open("bench/gui_results.md") as f:
            w_("<!-- gui-benchmarks:begin (bench/gui_run.sh) -->")
            w_(f.read().rstrip())
            w_("<!-- gui-benchmarks:end -->")
            w_("")
    except FileNotFoundError:
        pass

    # Raw
    w_("## Every run")
    w_("")
    w_("Seconds per run (memory: the median bytes/process is in the table above), in run order.")
    w_("")
    w_("| workload | system | runs |")
    w_("|---|---|---|")
    for w in ORDER:
        for s in present_systems:
            c = cells.get((w, s[0], s[1]))
            if c:
                runs = ", ".join(f"{x:.3f}" for x in c.all_seconds)
                if c.failed:
                    runs += f" ({c.failed} failed)"
                w_(f"| {w} | {s[2]} | {runs} |")
    w_("")
    return "\n".join(out)


_N = {}


def nice_n(w, cells):
    return f"{_N.get(w, 0):,}"


def settled_mem(w, v, t):
    """Whether an observer's memory cost is read from the settled figures: the resident size once the observer has
    caught up with every process (and freed memory was handed back), on both sides. Read right after the workload,
    an observer's figure says how far it had got (the GUI bridge's graph state may hold a fraction of the processes
    yet), not what it keeps."""
    return w == "idlememory" and v.mem_settled is not None and t.mem_settled is not None


def paired_ratios(v, t, w=None):
    """other ÷ base for each repetition both have: the systems of one repetition run one after the other, so a
    ratio within a repetition is not moved by the machine's load drifting between repetitions."""
    if w and settled_mem(w, v, t):
        a, b = v.by_rep_settled, t.by_rep_settled
    else:
        a, b = v.by_rep, t.by_rep
    return [b[r] / a[r] for r in a if r in b and a[r] > 0]


def overhead(w, v, t):
    """Cost in percent: the median of the per-repetition ratios, or the ratio of the medians without repetitions."""
    if not v or not t or v.value(w) is None or t.value(w) is None:
        return None
    ratios = paired_ratios(v, t, w)
    if ratios:
        return (statistics.median(ratios) - 1) * 100
    if settled_mem(w, v, t):
        return (t.mem_settled / v.mem_settled - 1) * 100 if v.mem_settled > 0 else None
    return (t.value(w) / v.value(w) - 1) * 100


def overhead_range(v, t, w=None):
    ratios = paired_ratios(v, t, w) if v and t else []
    if len(ratios) < 2:
        return "—"
    return f"{(min(ratios) - 1) * 100:+.0f}% … {(max(ratios) - 1) * 100:+.0f}%"


def fmt_pct(p):
    return "—" if p is None else f"{p:+.0f}%"


def show_cell(w, c, observed=False):
    """observed: a cell of the observation-cost table, where Vigil's memory is shown as settled_mem reads it."""
    if not c or (c.seconds is None):
        return "failed" if c and c.failed else "—"
    if w == "idlememory":
        if c.mem_settled is not None and (observed or c.is_observed):
            return f"{c.mem_settled:.0f} B/proc settled"
        if c.system == "vigil" and c.mem_settled is not None:
            return f"{c.mem:.0f} B/proc ({c.mem_settled:.0f} settled)"
        return f"{c.mem:.0f} B/proc"
    return f"{fmt_time(c.seconds)} ({fmt_rate(c.rate)})"


def read_gbench(paths):
    """Median rows of Google Benchmark JSON files (--benchmark_format=json with repetitions)."""
    rows = []
    for path in paths:
        try:
            with open(path) as f:
                data = json.load(f)
        except (FileNotFoundError, json.JSONDecodeError):
            continue
        for b in data.get("benchmarks", []):
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
                continue
            if any(r["name"] == b.get("run_name", b["name"]) for r in rows):
                continue
            unit = b.get("time_unit", "ns")
            rate = b.get("items_per_second")
            rows.append({
                "name": b.get("run_name", b["name"]),
                "real": f"{b['real_time']:,.0f} {unit}",
                "cpu": f"{b['cpu_time']:,.0f} {unit}",
                "rate": fmt_rate(rate) if rate else "—",
            })
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--notes")
    ap.add_argument("--out", required=True)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--gbench", action="append", default=[], help="Google Benchmark JSON output (repeatable)")
    a = ap.parse_args()
    rows = parse(a.results)
    for r in rows:
        _N.setdefault(r["workload"], int(r["n"]))
    cells = build(rows)
    meta = read_meta(a.meta)
    notes = ""
    if a.notes:
        try:
            with open(a.notes) as f:
                notes = f.read()
        except FileNotFoundError:
            pass
    with open(a.out, "w") as f:
        f.write(render(cells, meta, "" if a.check else notes, read_gbench(a.gbench)))
    problems = check(cells)
    if problems:
        print("PROBLEMS:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
    if a.check:
        # Every workload must have run on every system that ran anything.
        systems = {(k[1], k[2]) for k in cells}
        for w in {k[0] for k in cells}:
            for s in systems:
                if s[0] == "script" and w not in SCRIPTED:
                    continue
                if (w, s[0], s[1]) not in cells:
                    missing = f"{w}: no result from {s[0]}{'+trace' if s[1] else ''}"
                    problems.append(missing)
                    print("  " + missing, file=sys.stderr)
        if problems:
            sys.exit(1)
        print("quick check: all workloads ran and all systems agree")


if __name__ == "__main__":
    main()
