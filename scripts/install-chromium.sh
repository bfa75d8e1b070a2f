#!/usr/bin/env bash
# Install Debian's headless-capable Chromium, used to look at the validation Data Docs the way
# a person does. Idempotent and quiet: does nothing when /usr/bin/chromium is already there.
# Needs root (or passwordless sudo) and the Debian package mirror.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [[ -x "$CHROMIUM" ]]; then
    exit 0
fi

SUDO=""
if [[ "$(id -u)" != "0" ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "install-chromium.sh: $CHROMIUM is missing and this is not root; install the 'chromium' package" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp -t install-chromium.XXXXXX.log)"
trap 'rm -f "$log"' EXIT
# Another apt run (unattended upgrades, a parallel test) may hold the lock: wait for it.
apt_get() { $SUDO apt-get -o DPkg::Lock::Timeout=300 -qq "$@" >>"$log" 2>&1; }
if ! { apt_get update && apt_get install -y chromium; }; then
    echo "install-chromium.sh: apt-get failed; its output follows" >&2
    cat "$log" >&2
    exit 1
fi
if [[ ! -x "$CHROMIUM" ]]; then
    echo "install-chromium.sh: the chromium package did not provide $CHROMIUM" >&2
    exit 1
fi
