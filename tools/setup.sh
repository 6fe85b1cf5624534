#!/usr/bin/env bash
# tools/setup.sh — everything a fresh Debian 12 machine needs, in one place.
#
#   tools/setup.sh deps    install the Debian packages lastmile builds and tests with
#   tools/setup.sh build   deps, then build and install the extension
#   tools/setup.sh test    build, then run every test suite in a throwaway cluster
#   tools/setup.sh demo    build, then run the demo on real data in a throwaway cluster
#
# Run as root (or with sudo).  The throwaway cluster comes from pg_virtualenv.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
    build-essential pkg-config
    postgresql-15 postgresql-server-dev-15 postgresql-contrib
    postgresql-15-postgis-3 postgresql-15-pgtap
    libtap-parser-sourcehandler-pgtap-perl
    libcairo2-dev libzint-dev fonts-dejavu-core
    poppler-utils zbar-tools
    valgrind
)

deps() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    # the ZPL renderer of the label tests (test/tools: zpl-renderer-js, pinned
    # by its lockfile); Node.js from Debian when the machine has none
    if ! command -v npm >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm ||
            echo "setup: could not install nodejs/npm; the ZPL rendering tests will skip" >&2
    fi
    (cd test/tools && command -v npm >/dev/null && npm ci --no-audit --no-fund --loglevel=error) ||
        echo "setup: npm ci in test/tools failed; the ZPL rendering tests will skip" >&2
}

build() {
    deps
    make -s COPT="${COPT:--Werror}"
    make -s install
}

case "${1:-}" in
deps)  deps ;;
build) build ;;
test)  build; pg_virtualenv -t bash test/run_all.sh ;;
demo)  build; pg_virtualenv -t bash demo/run.sh ;;
*)     echo "usage: tools/setup.sh deps|build|test|demo" >&2; exit 2 ;;
esac
