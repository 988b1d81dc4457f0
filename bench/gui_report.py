#!/usr/bin/env python3
"""Turns the "GUI key=value" lines of bench/gui_run.sh into bench/gui_results.md, and splices that file into
docs/BENCHMARKS.md between the GUI markers (bench/report.py copies it in the same way when it regenerates)."""

import argparse
import statistics

BEGIN = "<!-- gui-benchmarks:begin (bench/gui_run.sh) -->"
END = "<!-- gui-benchmarks:end -->"


def parse(path):
    rows = []
    for line in open(path):
        if line.startswith("GUI "):
            rows.append(dict(t.split("=", 1) for t in line.split()[1:] if "=" in t))
    return rows


def med(rows, key):
    vals = [float(r[key]) for r in rows if key in r]
    return statistics.median(vals) if vals else float("nan")


def verdict(ok):
    return "yes" if ok else "**no**"


def render(rows, meta):
    live = [r for r in rows if r["mode"] == "live"]
    scale = [r for r in rows if r["mode"] == "scale"]
    over = [r for r in rows if r["mode"] == "overhead"]
    o = []
    w = o.append
    w("## GUI (observer window, offscreen)")
    w("")
    w(f"Command: `bench/gui_run.sh` ({meta.get('build', '?')}, {meta.get('reps', '?')} repetitions), built from "
      f"`{meta.get('commit', '?')}`, {meta.get('date', '')}. Load average before: {meta.get('load_before', '?')}, "
      f"after: {meta.get('load_after', '?')} (shared 2-core machine). `QT_QPA_PLATFORM=offscreen`, "
      "`RuntimeConfig{.workers = 2}`, the real `MainWindow` at 1600×1000. Medians over the repetitions of each "
      "statistic; every raw line is in the build directory's `gui_results.txt`.")
    w("")
    if live:
        w("### 10,000 live processes, ~100,000 messages/s (`gui_bench live`)")
        w("")
        w(f"{med(live, 'procs'):,.0f} processes (10 groups × 10 managers × ~100 linked leaves), 20 traffic "
          f"processes sending {med(live, 'msgs_per_s'):,.0f} messages/s to random leaves, a churn process spawning a "
          "short-lived child every 4 ms and a probe spawning one every 50 ms. The bridge applied "
          f"{med(live, 'events_per_s'):,.0f} trace events/s; {med(live, 'dropped'):,.0f} were dropped. "
          f"{med(live, 'shown'):,.0f} processes drawn individually, view at fit zoom {med(live, 'zoom'):.2f}.")
        w("")
        w("| measure | median | p95 | max | target | met (p95)? |")
        w("|---|---|---|---|---|---|")
        for key, name, target, limit in [
            ("scene_frame_ms", "full graph frame: every item rendered into 1600×1000 (ms)", "< 33 ms", 33),
            ("scene_frame_cpu_ms", "the same frames: GUI thread CPU time (ms)", "—", None),
            ("scene_frame_faults", "the same frames: page faults", "—", None),
            ("view_frame_ms", "the graph view's viewport as the user sees it (ms)", "< 33 ms", 33),
            ("layout_ms", "tree layout of the whole state (ms)", "—", None),
            ("event_to_model_ms", "engine event → applied to graph state, table and scene items (ms)", "< 100 ms", 100),
            ("spawn_to_scene_ms", "engine spawn → node item placed in the scene (ms)", "< 100 ms", 100),
            ("gui_stall_ms", "how late a 10 ms GUI timer fires (ms)", "—", None),
        ]:
            if not any(key + "_p95" in r for r in live):
                continue  # not measured by this build of gui_bench
            p95 = med(live, key + "_p95")
            met = "—" if limit is None else verdict(p95 < limit)
            w(f"| {name} | {med(live, key + '_median'):.1f} | {p95:.1f} | {med(live, key + '_max'):.1f} | {target} | {met} |")
        w("")
    if scale:
        s = scale[0]
        w("### 100,000 processes (`gui_bench scale`)")
        w("")
        w(f"{int(s['procs']):,} processes reached the window in {float(s['ingest_ms']):,.0f} ms. The graph draws "
          f"{s['drawn_items']} items: {s['collapsed_items']} collapsed subtrees and {s['aggregate_items']} aggregates "
          f"standing for {int(s['hidden_behind_them']):,} processes. The table holds {int(s['table_rows']):,} rows.")
        w("")
        w("| measure | median | p95 | max |")
        w("|---|---|---|---|")
        for key, name in [("table_scroll_step_ms", "table: one scroll step + repaint (ms)"),
                          ("layout_ms", "tree layout (ms)"), ("scene_frame_ms", "full graph frame (ms)"),
                          ("scene_frame_cpu_ms", "the same frames: GUI thread CPU time (ms)"),
                          ("view_frame_ms", "graph viewport frame (ms)")]:
            if key + "_median" not in s:
                continue  # not measured by this build of gui_bench
            w(f"| {name} | {float(s[key + '_median']):.1f} | {float(s[key + '_p95']):.1f} | {float(s[key + '_max']):.1f} |")
        w(f"| table: sort 100k rows by mailbox (ms) | {float(s['sort_ms']):.0f} | | |")
        w("")
    if over:
        secs = med(over, "seconds")
        warmup = med(over, "warmup")
        w("### Engine slowdown while the window observes (`gui_bench overhead`)")
        w("")
        w("Each workload runs for a fixed time in a fresh process, with no observer, with a bare subscriber or with "
          "the window (bridge + all views) attached; the GUI thread runs its event loop throughout. Its processes "
          "count their work in locals and report it when told to stop; the rate is measured over a "
          f"{secs:.1f} s window that starts {warmup:.1f} s into the run (after the spawning and the window's first "
          "drains), so the window's steady-state work falls inside it. Slowdown = 1 − rate with / rate without "
          "(medians). Target: ≤ 10% slower.")
        w("")
        w("The *bare subscriber* run subscribes to the trace and drains it at 30 Hz without doing anything with the "
          "events: what tracing costs the engine by itself, before any window work. *GUI thread CPU* is the GUI "
          "thread's CPU time over the measured window as a share of one core (in brackets: the bare subscriber's "
          "draining); *drains/s*, *events applied/s* and *dropped/s* are counted over the same window. Rates are "
          "medians with the range over the repetitions.")
        w("")
        w("| workload | no observer | bare subscriber | window | slowdown, bare subscriber | slowdown, window "
          "| GUI thread CPU | drains/s | events applied/s | events dropped/s | met? |")
        w("|---|---|---|---|---|---|---|---|---|---|---|")

        def rate(vals):
            if not vals:
                return "—"
            return f"{statistics.median(vals) / 1e6:.2f} M/s ({min(vals) / 1e6:.2f}–{max(vals) / 1e6:.2f})"

        def per_s(rows, key):  # a count over the measured window, per second (median)
            return statistics.median(float(r[key]) / float(r["seconds"]) for r in rows)

        def cpu_share(rows):  # the GUI thread's CPU time over the measured window, % of one core (median)
            pct = per_s(rows, "gui_cpu_ms") / 10
            return f"{pct:.1f}%" if pct < 10 else f"{pct:.0f}%"

        for wl, desc in [("messages", "500 ping-pong pairs: round trips"),
                         ("spawn", "100 spawners of children that exit at once: spawns")]:
            mine = [r for r in over if r["workload"] == wl and "rate" in r]
            none = [r for r in mine if r["gui"] == "0" and "drain_only" not in r]
            bare = [r for r in mine if r["gui"] == "0" and "drain_only" in r]
            win = [r for r in mine if r["gui"] == "1"]
            if not none or not win:
                continue
            a, d, b = ([float(r["rate"]) for r in rows] for rows in (none, bare, win))

            def slowdown(vals):  # 1 - rate with / rate without, medians, in %
                return (1 - statistics.median(vals) / statistics.median(a)) * 100

            bare_slow = f"{slowdown(d):+.0f}%" if d else "—"
            cpu = cpu_share(win) + " of a core" + (f" (bare subscriber: {cpu_share(bare)})" if bare else "")
            drains = per_s(win, "drains")
            # Without a single drain inside the window the window's work was not measured.
            met = verdict(slowdown(b) <= 10) if drains > 0 else "not shown (no drain in the window)"
            w(f"| {desc} | {rate(a)} | {rate(d)} | {rate(b)} | {bare_slow} | {slowdown(b):+.0f}% | {cpu} "
              f"| {drains:.0f} | {per_s(win, 'events'):,.0f} | {per_s(win, 'dropped'):,.0f} | {met} |")
        w("")
    notes = meta.get("notes")
    if notes:
        w(open(notes).read().rstrip())
        w("")
    return "\n".join(o)


def splice(section, target):
    text = open(target).read()
    block = f"{BEGIN}\n{open(section).read().rstrip()}\n{END}"
    if BEGIN in text and END in text:
        head = text[: text.index(BEGIN)]
        tail = text[text.index(END) + len(END):]
        text = head + block + tail
    elif "\n## Every run" in text:
        i = text.index("\n## Every run")
        text = text[:i] + "\n" + block + "\n" + text[i:]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    open(target, "w").write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw")
    ap.add_argument("--out")
    ap.add_argument("--meta", nargs="*", default=[])
    ap.add_argument("--splice")
    ap.add_argument("--into")
    a = ap.parse_args()
    if a.splice:
        splice(a.splice, a.into)
        return
    meta = dict(m.split("=", 1) for m in a.meta)
    meta.setdefault("notes", "bench/gui_notes.md")
    try:
        open(meta["notes"]).close()
    except OSError:
        meta.pop("notes")
    open(a.out, "w").write(render(parse(a.raw), meta) + "\n")


if __name__ == "__main__":
    main()
