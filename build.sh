#!/usr/bin/env bash
# Vigil set-up: installs what is missing (Debian 12), builds, then runs the GUI or the tests.
#   ./build.sh run [vigil args...]   build and start the GUI on the bundled demo
#   ./build.sh test                  build and run every test (ctest, preset "dev")
#   ./build.sh sanitize              build and run the engine tests under ASan+UBSan and TSan
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake ninja-build pkg-config git
          libgtest-dev libgmock-dev libbenchmark-dev
          qt6-base-dev qt6-charts-dev libqt6opengl6-dev qt6-svg-dev libgl1-mesa-dev libxkbcommon-dev
          fonts-dejavu-core
          elixir erlang-base)

install_missing() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "Installing: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

build() {
    local preset=$1
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" -j "${VIGIL_JOBS:-$(nproc)}"
}

cmd=${1:-run}
shift || true
install_missing
case "$cmd" in
run)
    build dev
    exec ./build/dev/app/vigil "$@"
    ;;
test)
    build dev
    ctest --preset dev
    ;;
sanitize)
    for preset in asan tsan; do
        build "$preset"
        ctest --preset "$preset" -j 2
    done
    ;;
*)
    echo "usage: $0 run|test|sanitize" >&2
    exit 2
    ;;
esac
