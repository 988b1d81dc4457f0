#!/usr/bin/env bash
# Runs every workload on Vigil's engine (native processes alone, with a trace subscriber and with the GUI's trace
# bridge attached offscreen, and scripted Elixir processes where the workload has a scripted version), on the BEAM
# (erl +S 2:2) and on CAF 0.17 (2 scheduler threads), alternating the systems run by run, and writes the medians and
# ratios to docs/BENCHMARKS.md.
#
#   bench/run.sh                 full run (about 10-15 minutes on 2 cores), rewrites docs/BENCHMARKS.md
#   bench/run.sh --quick         small sizes, one run each: checks that every workload runs and that all systems
#                                agree on the results (sums, counts); exits non-zero otherwise. Writes nothing
#                                under docs/.
#   options: --reps N (default 5)  --observe-reps M (default 3: each repetition runs Vigil native, traced and with
#            the GUI bridge M times, alternating, for steadier costs of observing)  --only w1,w2  --no-install
#            --out FILE
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

QUICK=0
REPS=5
OBS_REPS=3
ONLY=""
INSTALL=1
OUT=""
ARGS="$*"
while (($#)); do
    case "$1" in
    --quick) QUICK=1 ;;
    --reps) REPS=$2; shift ;;
    --observe-reps) OBS_REPS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --no-install) INSTALL=0 ;;
    --out) OUT=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
    esac
    shift
done
((QUICK)) && REPS=1 && OBS_REPS=1
[ -n "$OUT" ] || { ((QUICK)) && OUT=build/bench/quick.md || OUT=docs/BENCHMARKS.md; }

BUILD=${VIGIL_BENCH_BUILD:-build/bench}
JOBS=${VIGIL_JOBS:-2}

# --- what the suite needs (Debian 12) ------------------------------------------------------------------------------
PACKAGES=(build-essential cmake ninja-build erlang-base libcaf-dev python3
          qt6-base-dev qt6-charts-dev libqt6opengl6-dev qt6-svg-dev libgl1-mesa-dev libbenchmark-dev)
if ((INSTALL)); then
    missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "Installing: ${missing[*]}"
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
fi

# --- build ---------------------------------------------------------------------------------------------------------
mkdir -p "$BUILD"
# What is being measured: the working tree as built now (it may hold uncommitted engine changes).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- engine ui 2>/dev/null)" ]; then
    commit="$commit + uncommitted changes in engine/ or ui/"
fi
# The GUI bridge measurement needs the Qt-Core model library from ui/; without Qt (or if ui/ does not configure)
# the suite runs without it.
if ! cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIGIL_BUILD_GUI=ON -DVIGIL_BUILD_TESTS=OFF \
    -DVIGIL_BUILD_BENCH=ON >"$BUILD.configure.log" 2>&1; then
    echo "GUI libraries do not configure (see $BUILD.configure.log): running without the GUI bridge"
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIGIL_BUILD_GUI=OFF -DVIGIL_BUILD_TESTS=OFF \
        -DVIGIL_BUILD_BENCH=ON >/dev/null
fi
cmake --build "$BUILD" -j "$JOBS" --target engine_bench
# Optional parts: a failure here only drops that column.
# (The target list is read once into a variable: piping ninja into `grep -q` under pipefail fails whenever grep
# stops reading before ninja has written everything, which silently dropped targets listed early, CAF's among them.)
TARGETS=$(ninja -C "$BUILD" -t targets all 2>/dev/null || true)
GBENCH=$(sed -n 's|^bench/\([a-z_]*_gbench\):.*|\1|p' <<<"$TARGETS" | sort -u)
BUILT=" "
for t in caf_bench script_bench bridge_bench $GBENCH; do
    if grep -q "^bench/$t:" <<<"$TARGETS"; then
        if cmake --build "$BUILD" -j "$JOBS" --target "$t"; then
            BUILT+="$t "
        else
            echo "$t did not build: its column is left out"
        fi
    fi
done
# Only what built now runs: an executable left from an earlier build must not stand in for one that failed.
built() { [[ "$BUILT" == *" $1 "* ]] && [ -x "$BUILD/bench/$1" ]; }
mkdir -p "$BUILD/beam"
erlc -o "$BUILD/beam" bench/beam/vigil_bench.erl

VIGIL="$BUILD/bench/engine_bench"
CAF="$BUILD/bench/caf_bench"
built caf_bench || CAF=""
BRIDGE="$BUILD/bench/bridge_bench"
built bridge_bench || BRIDGE=""
SCRIPT="$BUILD/bench/script_bench"
built script_bench || SCRIPT=""
# The quick check is that every system still runs every workload and agrees: a part that did not build fails it
# (the full run leaves that column out and says so above).
if ((QUICK)); then
    for t in caf_bench bridge_bench script_bench; do
        if ! built "$t"; then
            echo "quick check: $t is missing (it did not build, see above), so not every system can run" >&2
            exit 1
        fi
    done
fi
# Workloads with a scripted version (bench/script/vigil_bench.exs): all but idle memory. bench/report.py has the
# same list (SCRIPTED) for the --quick check.
SCRIPTED=",skynet,pingpong,counting,threadring,fjthroughput,fjcreate,big,fib,fanin,selective,exitstorm,spawnexit,"

# --- workloads and sizes -------------------------------------------------------------------------------------------
#            name          full n    quick n
WORKLOADS=(
    "skynet        1111111   11111"
    "pingpong      1000000   10000"
    "counting      1000000   10000"
    "threadring    1000000   10000"
    "fjthroughput  10000     100"
    "fjcreate      200000    1000"
    "big           10000     100"
    "fib           25        15"
    "fanin         10000     100"
    "selective     2000      100"
    "exitstorm     100000    1000"
    "idlememory    1000000   10000"
    "spawnexit     1000000   10000"
)

SYSTEMS=(vigil vigil-trace beam)
[ -n "$BRIDGE" ] && SYSTEMS+=(vigil-bridge)
[ -n "$CAF" ] && SYSTEMS+=(caf)
[ -n "$SCRIPT" ] && SYSTEMS+=(script)

# A quick check keeps its raw results apart, so that it never overwrites those of the last full run (which
# docs/BENCHMARKS.md can be regenerated from).
RAW=$BUILD/
((QUICK)) && RAW=$BUILD/quick-
RESULTS="${RAW}results.txt"
LOG="${RAW}run.log"
: >"$RESULTS"
: >"$LOG"

run_one() { # system workload n rep
    local sys=$1 w=$2 n=$3 rep=$4 line
    local cmd=()
    case "$sys" in
    vigil) cmd=("$VIGIL" "$w" --n "$n") ;;
    vigil-trace) cmd=("$VIGIL" "$w" --n "$n" --trace) ;;
    vigil-bridge) cmd=("$BRIDGE" "$w" --n "$n") ;;
    beam) cmd=(erl +S 2:2 +P 4000000 -noshell -pa "$BUILD/beam" -run vigil_bench main "$w" "$n") ;;
    caf) cmd=("$CAF" "$w" --n "$n" --caf.scheduler.max-threads=2) ;;
    script)
        [[ $SCRIPTED == *",$w,"* ]] || return 0
        cmd=("$SCRIPT" "$w" --n "$n")
        ;;
    esac
    echo "# rep=$rep ${cmd[*]}" >>"$LOG"
    if line=$(timeout 300 "${cmd[@]}" 2>>"$LOG" | grep '^RESULT'); then
        echo "$line rep=$rep" >>"$RESULTS"
        echo "  $sys: $(sed 's/^RESULT //' <<<"$line")"
    else
        local name=${sys%-trace} traced=0
        [[ $sys == *-trace || $sys == *-bridge ]] && traced=1
        echo "RESULT system=$name workload=$w n=$n trace=$traced failed=1 rep=$rep" \
            >>"$RESULTS"
        echo "  $sys: FAILED (see $LOG)"
    fi
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
for ((rep = 1; rep <= REPS; rep++)); do
    for spec in "${WORKLOADS[@]}"; do
        read -r w nfull nquick <<<"$spec"
        if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$w,"* ]]; then continue; fi
        n=$nfull
        ((QUICK)) && n=$nquick
        echo "[$rep/$REPS] $w (n=$n)"
        # Rotate the order of the systems from run to run so no system always runs first or last.
        k=${#SYSTEMS[@]}
        for ((i = 0; i < k; i++)); do
            run_one "${SYSTEMS[$(((i + rep) % k))]}" "$w" "$n" "$rep"
        done
        # The costs of observing are ratios of runs a few seconds apart on a machine whose speed moves: more of
        # them, each traced or bridged run paired with the untraced run of its own sub-repetition ($rep.$extra).
        OBSERVED=(vigil vigil-trace)
        [ -n "$BRIDGE" ] && OBSERVED+=(vigil-bridge)
        m=${#OBSERVED[@]}
        for ((extra = 2; extra <= OBS_REPS; extra++)); do
            for ((i = 0; i < m; i++)); do
                run_one "${OBSERVED[$(((i + rep + extra) % m))]}" "$w" "$n" "$rep.$extra"
            done
        done
    done
done
# Google Benchmark micro-benchmarks (bench/*_gbench.cpp): medians of 5 repetitions (one short one with --quick).
GBENCH_ARGS=()
for t in $GBENCH; do
    built "$t" || continue
    [ -n "$ONLY" ] && continue
    echo "micro-benchmarks: $t"
    reps=(--benchmark_repetitions=5 --benchmark_report_aggregates_only=true)
    ((QUICK)) && reps=(--benchmark_min_time=0.01)
    if "$BUILD/bench/$t" "${reps[@]}" --benchmark_format=json --benchmark_out="${RAW}$t.json" \
        --benchmark_out_format=json >>"$LOG" 2>&1; then
        GBENCH_ARGS+=(--gbench "${RAW}$t.json")
    else
        echo "  $t: FAILED (see $LOG)"
        ((QUICK)) && exit 1
    fi
done
end=$(date +%s)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

META="${RAW}meta.txt"
{
    echo "command=bench/run.sh${ARGS:+ $ARGS}"
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "commit=$commit"
    echo "nproc=$(nproc)"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "kernel=$(uname -sr)"
    echo "compiler=$(c++ --version | head -1)"
    echo "otp=$(erl -noshell -eval 'io:format("~s (erts ~s)", [erlang:system_info(otp_release), erlang:system_info(version)]), halt().')"
    echo "caf=$(dpkg-query -W -f='${Version}' libcaf-dev 2>/dev/null || echo 'not installed')"
    echo "reps=$REPS"
    echo "observe_reps=$OBS_REPS"
    echo "quick=$QUICK"
    echo "load_before=$load_before"
    echo "load_after=$load_after"
    echo "wall_seconds=$((end - start))"
} >"$META"

python3 bench/report.py --results "$RESULTS" --meta "$META" --notes bench/notes.md --out "$OUT" "${GBENCH_ARGS[@]}" \
    $( ((QUICK)) && echo --check)
echo "wrote $OUT"
