#!/usr/bin/env bash
# prepare-browser.sh — install headless Chromium (Debian's chromium package) for the report's
# and the demo page's browser checks (make report-browser-check, make demo-browser-check),
# when no chromium, chromium-browser or google-chrome is on PATH. `make test` runs it.
#
# Idempotent and quick when a browser is there. Installing needs root (or sudo) and apt-get;
# elsewhere it says so and exits 0: the browser checks then say they skipped.
set -euo pipefail

log() { printf 'prepare-browser: %s\n' "$*"; }

for b in chromium chromium-browser google-chrome; do
	if command -v "$b" >/dev/null 2>&1; then
		log "$b found"
		exit 0
	fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO="sudo"
	else
		log "no browser, and installing chromium needs root (or password-less sudo): the browser checks will skip"
		exit 0
	fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
	log "no browser, and this is not a Debian-like machine (no apt-get): install Chromium yourself, or the browser checks skip"
	exit 0
fi

install() {
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
}
log "installing chromium (apt-get)"
if ! install 2>/dev/null; then
	log "refreshing the package lists (apt-get update)"
	$SUDO apt-get update -qq >/dev/null
	install || { log "apt-get install chromium failed: the browser checks will skip"; exit 0; }
fi
log "installed chromium"
