#!/usr/bin/env bash
# Runs the GUI benchmarks (bench/gui_bench.cpp: the real observer window, offscreen) and writes their results to
# bench/gui_results.md, which bench/report.py copies into docs/BENCHMARKS.md (and this script splices in directly,
# so docs/BENCHMARKS.md is current without a full bench/run.sh).
#
#   bench/gui_run.sh [--build DIR] [--reps N] [--overhead-reps N]
#       (default: build/ui, 3 repetitions of the live runs and of each overhead run: those run 0.5 s + 4 s each)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build/ui
REPS=3
OVERHEAD_REPS=3
while (($#)); do
    case "$1" in
    --build) BUILD=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --overhead-reps) OVERHEAD_REPS=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
    esac
    shift
done
BIN="$BUILD/bench/gui_bench"
cmake --build "$BUILD" -j "${VIGIL_JOBS:-2}" --target gui_bench >/dev/null
export QT_QPA_PLATFORM=offscreen
RAW="$BUILD/gui_results.txt"
: >"$RAW"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
run() {
    echo "# $*" >>"$RAW"
    "$BIN" "$@" 2>/dev/null | grep '^GUI ' | tee -a "$RAW"
}
for ((r = 1; r <= REPS; r++)); do
    run live --procs 10000 --rate 100000 --seconds 6
done
run scale --procs 100000
# Fixed-duration runs (0.5 s warm-up, then a 4 s measured window), interleaved so that a change in the machine's
# speed affects all three variants alike.
for ((r = 1; r <= OVERHEAD_REPS; r++)); do
    for w in messages spawn; do
        run overhead --workload "$w" --seconds 4
        run overhead --workload "$w" --seconds 4 --drain-only
        run overhead --workload "$w" --seconds 4 --gui
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain -- engine ui bench/gui_bench.cpp 2>/dev/null)" ] || commit="$commit + uncommitted changes"
python3 bench/gui_report.py --raw "$RAW" --out bench/gui_results.md \
    --meta "date=$(date -u '+%Y-%m-%d %H:%M UTC')" "commit=$commit" "load_before=$load_before" \
    "load_after=$load_after" "build=$BUILD ($(grep -m1 CMAKE_BUILD_TYPE: "$BUILD/CMakeCache.txt" | cut -d= -f2))" \
    "reps=$REPS (overhead: $OVERHEAD_REPS)"
python3 bench/gui_report.py --splice bench/gui_results.md --into docs/BENCHMARKS.md
echo "wrote bench/gui_results.md and its section in docs/BENCHMARKS.md"
