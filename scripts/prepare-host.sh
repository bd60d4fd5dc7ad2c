#!/usr/bin/env bash
# prepare-host.sh — make this machine able to run Postgres in Docker for the
# testcontainers-based tests, without any container registry (DESIGN.md §3.1).
#
# Steps (each skipped when already done, so the script is safe to re-run):
#   1. install the Debian packages docker.io and debootstrap if missing;
#   2. start dockerd in the background if no daemon answers, and wait for it;
#   3. build the local Postgres image (scripts/build-pg-image.sh).
#
# Environment:
#   HARNESS_DOCKERD_ARGS      extra flags for dockerd (default: none; the
#                             defaults work on the project's machines)
#   HARNESS_DOCKERD_LOG       dockerd log file (default /var/log/harness-dockerd.log)
#   HARNESS_DOCKERD_TIMEOUT   seconds to wait for dockerd (default 60)
#   HARNESS_PG_IMAGE          image name, passed on to build-pg-image.sh
#
# Must run as root (or with sudo available): it installs packages and starts
# the Docker daemon.
set -euo pipefail

log() { printf 'prepare-host: %s\n' "$*"; }
die() { printf 'prepare-host: ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "must run as root (or with sudo installed)"
	SUDO="sudo"
fi

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DOCKERD_LOG="${HARNESS_DOCKERD_LOG:-/var/log/harness-dockerd.log}"
DOCKERD_TIMEOUT="${HARNESS_DOCKERD_TIMEOUT:-60}"
DOCKER_SOCK=/var/run/docker.sock

# --- 1. packages ---------------------------------------------------------------
# Check for dockerd (the daemon), not docker: a standalone docker client may be
# installed without any daemon.
missing=()
command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
	log "installing ${missing[*]} (apt-get)"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq >/dev/null
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
	log "installed ${missing[*]}"
fi
# apt puts these in /usr/sbin, which is not always on a CI user's PATH.
export PATH="$PATH:/usr/sbin:/sbin"
command -v docker >/dev/null 2>&1 || die "no docker client on PATH after installing docker.io"

# --- 2. dockerd ----------------------------------------------------------------
docker_up() { $SUDO docker info >/dev/null 2>&1; }

wait_for_docker() {
	local deadline=$((SECONDS + DOCKERD_TIMEOUT))
	until [ -S "$DOCKER_SOCK" ] && docker_up; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "---- last lines of $DOCKERD_LOG ----" >&2
			$SUDO tail -n 25 "$DOCKERD_LOG" >&2 2>/dev/null || true
			die "dockerd did not answer on $DOCKER_SOCK within ${DOCKERD_TIMEOUT}s (see $DOCKERD_LOG; extra flags can be given in HARNESS_DOCKERD_ARGS)"
		fi
		sleep 0.5
	done
}

if docker_up; then
	: # a daemon already answers; nothing to do
elif pgrep -x dockerd >/dev/null 2>&1; then
	log "dockerd is running but not answering yet; waiting up to ${DOCKERD_TIMEOUT}s"
	wait_for_docker
else
	# setsid -f: dockerd gets its own session, so it outlives this script and
	# CI steps that kill their process group. Output goes to the log only.
	# shellcheck disable=SC2086 # HARNESS_DOCKERD_ARGS is a flag list on purpose
	$SUDO bash -c 'log=$1; shift; setsid -f dockerd "$@" >>"$log" 2>&1 </dev/null' \
		_ "$DOCKERD_LOG" ${HARNESS_DOCKERD_ARGS:-}
	wait_for_docker
	log "started dockerd ${HARNESS_DOCKERD_ARGS:-}(pid $($SUDO cat /var/run/docker.pid 2>/dev/null || echo '?'), log $DOCKERD_LOG)"
fi

# --- 3. image ------------------------------------------------------------------
exec $SUDO env HARNESS_PG_IMAGE="${HARNESS_PG_IMAGE:-}" PATH="$PATH" "$SCRIPT_DIR/build-pg-image.sh"
