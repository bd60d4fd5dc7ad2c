#!/usr/bin/env bash
# prepare-host.sh — make this machine able to run Postgres in Docker for the
# testcontainers-based CI gate (`make test`), without any container registry
# (docs/postgres.md). `make test` runs it; so does `make pg-image`.
#
# First it checks whether anything is needed: when a Docker engine answers and
# has a Postgres image the harness will use, it says so and exits at once.
# Otherwise (each step skipped when already done, so it is safe to re-run):
#   1. install the Debian packages docker.io and debootstrap if missing;
#   2. start dockerd in the background if no daemon answers, and wait for it;
#   3. build the local Postgres image (scripts/build-pg-image.sh).
# Steps 1–3 need root (or sudo) and apt-get; elsewhere it says precisely what to
# do instead and exits 1.
#
# Environment:
#   HARNESS_DOCKERD_ARGS      extra flags for dockerd (default: none; the
#                             defaults work on the project's machines)
#   HARNESS_DOCKERD_LOG       dockerd log file (default /var/log/harness-dockerd.log)
#   HARNESS_DOCKERD_TIMEOUT   seconds to wait for dockerd (default 60)
#   HARNESS_PG_IMAGE          image name, passed on to build-pg-image.sh
set -euo pipefail

log() { printf 'prepare-host: %s\n' "$*"; }
die() { printf 'prepare-host: ERROR: %s\n' "$*" >&2; exit 1; }

# apt puts dockerd and debootstrap in /usr/sbin, which is not always on a CI user's PATH.
export PATH="$PATH:/usr/sbin:/sbin"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DOCKERD_LOG="${HARNESS_DOCKERD_LOG:-/var/log/harness-dockerd.log}"
DOCKERD_TIMEOUT="${HARNESS_DOCKERD_TIMEOUT:-60}"
DOCKER_SOCK=/var/run/docker.sock
IMAGE="${HARNESS_PG_IMAGE:-bookingharness/postgres:15}"

# --- 0. anything to do? ----------------------------------------------------------
# The images pgenv would choose (pgenv.LocalImage, then pgenv.DefaultImage), unless
# HARNESS_PG_IMAGE names one. As root, build-pg-image.sh has the last word on its own
# image (it rebuilds one made by an older version of itself).
docker_up() { command -v docker >/dev/null 2>&1 && ${SUDO:-} docker info >/dev/null 2>&1; }
if docker_up; then
	usable_images=("$IMAGE")
	[ -n "${HARNESS_PG_IMAGE:-}" ] || usable_images+=(postgres:16-alpine)
	for img in "${usable_images[@]}"; do
		if docker image inspect "$img" >/dev/null 2>&1; then
			if [ "$img" = "$IMAGE" ] && [ "$(id -u)" -eq 0 ]; then
				exec "$SCRIPT_DIR/build-pg-image.sh"
			fi
			log "Docker answers and has $img; nothing to do"
			exit 0
		fi
	done
fi

# --- can this machine be prepared here? --------------------------------------------
elsewhere() {
	die "$1. The CI gate needs Docker with a Postgres image. Either
  - start Docker yourself and build the image once: sudo make pg-image (Debian-like machines),
    or docker pull postgres:16-alpine where a registry is reachable; or
  - run the gate on another Postgres: make test HARNESS_PG_DSN=postgres://USER:PASS@127.0.0.1:5432/postgres,
    or make test HARNESS_PG_PROVIDER=embedded (uses the Postgres server binaries on this machine)."
}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO="sudo"
	else
		elsewhere "Docker or its image is missing, and preparing the host needs root (or password-less sudo)"
	fi
fi
command -v apt-get >/dev/null 2>&1 || elsewhere "Docker or its image is missing, and this is not a Debian-like machine (no apt-get)"

# --- 1. packages ---------------------------------------------------------------
# Check for dockerd (the daemon), not docker: a standalone docker client may be
# installed without any daemon.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
	log "installing ${missing[*]} (apt-get)"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
		{ $SUDO apt-get update -qq >/dev/null &&
			$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
		die "apt-get could not install ${missing[*]}"
	log "installed ${missing[*]}"
fi
command -v docker >/dev/null 2>&1 || die "no docker client on PATH after installing docker.io"

# --- 2. dockerd ----------------------------------------------------------------
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
