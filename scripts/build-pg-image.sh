#!/usr/bin/env bash
# build-pg-image.sh — build a Postgres 15 Docker image locally, without any
# container registry (docs/postgres.md). Used by `make pg-image` and
# scripts/prepare-host.sh.
#
# The image is a Debian bookworm minbase root filesystem made by debootstrap
# from the machine's own apt mirror, plus an entrypoint that behaves like the
# official postgres image (POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB,
# /docker-entrypoint-initdb.d, a leading "postgres" argument is dropped and
# "-c name=value" arguments go to the server), so testcontainers-go's
# modules/postgres can use it unchanged.
#
# Skips when the image already exists.
#
# Environment:
#   HARNESS_PG_IMAGE        image name (default bookingharness/postgres:15)
#   HARNESS_DEBIAN_MIRROR   Debian mirror to debootstrap from (default: read
#                           from /etc/apt/sources.list.d/*.sources and
#                           /etc/apt/sources.list at run time)
#   HARNESS_BUILD_DIR       where the temporary root filesystem goes (default /var/tmp)
#
# Must run as root (debootstrap needs it).
set -euo pipefail

IMAGE="${HARNESS_PG_IMAGE:-bookingharness/postgres:15}"
SUITE=bookworm      # postgresql-15 is bookworm's Postgres
PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
PG_DATA=/var/lib/postgresql/data

log() { printf 'build-pg-image: %s\n' "$*"; }
die() { printf 'build-pg-image: ERROR: %s\n' "$*" >&2; exit 1; }

export PATH="$PATH:/usr/sbin:/sbin"
[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap needs it); try: sudo $0"
command -v docker >/dev/null 2>&1 || die "no docker client; run scripts/prepare-host.sh"
docker info >/dev/null 2>&1 || die "Docker daemon not answering; run scripts/prepare-host.sh"

# The image is labelled with a hash of this script, so an image built by an
# older version of it is rebuilt. Images without the label (e.g. an official
# image named in HARNESS_PG_IMAGE) are left alone.
SCRIPT_SHA="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
LABEL_KEY=io.bookingharness.build-script
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
	have="$(docker image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$IMAGE" 2>/dev/null || true)"
	if [ -z "$have" ] || [ "$have" = "<no value>" ] || [ "$have" = "$SCRIPT_SHA" ]; then
		log "image $IMAGE already present; nothing to do"
		exit 0
	fi
	log "image $IMAGE was built by an older build-pg-image.sh; rebuilding"
	OLD_ID="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
fi
command -v debootstrap >/dev/null 2>&1 || die "debootstrap missing; run scripts/prepare-host.sh"

# find_mirror prints the first Debian mirror URI that apt on this machine uses
# for the $SUITE suite (falling back to any non-security "deb" source). Only
# enabled files are read: *.sources (deb822) and *.list / sources.list
# (one-line format). Nothing about the mirror is stored in the repository.
find_mirror() {
	local files=()
	local f
	for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && files+=("$f"); done
	if [ "${#files[@]}" -gt 0 ]; then
		awk -v suite="$SUITE" '
			function flush() {
				if (uris != "" && types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
					split(uris, u, " ")
					if ((" " suites " ") ~ (" " suite " ")) { if (best == "") best = u[1] }
					else if (suites !~ /-security/) { if (fallback == "") fallback = u[1] }
				}
				types = uris = suites = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			{
				key = $1; sub(/:$/, "", key); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
				if (key == "Types") types = val
				else if (key == "URIs") uris = val
				else if (key == "Suites") suites = val
				else if (key == "Enabled") enabled = val
			}
			END { flush(); if (best != "") print best; else if (fallback != "") print "FALLBACK " fallback }
		' "${files[@]}"
	fi
	files=()
	[ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
	for f in /etc/apt/sources.list.d/*.list; do [ -f "$f" ] && files+=("$f"); done
	if [ "${#files[@]}" -gt 0 ]; then
		awk -v suite="$SUITE" '
			$1 != "deb" { next }
			{
				i = 2
				if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
				uri = $i; s = $(i + 1)
				if (s == suite) { if (best == "") best = uri }
				else if (s !~ /-security/) { if (fallback == "") fallback = uri }
			}
			END { if (best != "") print best; else if (fallback != "") print "FALLBACK " fallback }
		' "${files[@]}"
	fi
}

MIRROR="${HARNESS_DEBIAN_MIRROR:-}"
if [ -z "$MIRROR" ]; then
	candidates="$(find_mirror)"
	MIRROR="$(printf '%s\n' "$candidates" | grep -v '^FALLBACK ' | head -n 1 || true)"
	[ -n "$MIRROR" ] || MIRROR="$(printf '%s\n' "$candidates" | sed -n 's/^FALLBACK //p' | head -n 1)"
fi
[ -n "$MIRROR" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d/*}; set HARNESS_DEBIAN_MIRROR"

BUILD_DIR="${HARNESS_BUILD_DIR:-/var/tmp}"
ROOTFS="$(mktemp -d "$BUILD_DIR/harness-pg-rootfs.XXXXXX")"
DEBOOTSTRAP_LOG="$BUILD_DIR/harness-pg-debootstrap.log"

# cleanup unmounts anything debootstrap left mounted inside the root filesystem
# (proc, sys, ... after a failure) before deleting it, and never crosses into
# another file system while deleting.
cleanup() {
	local m
	for m in $(awk -v r="$ROOTFS" 'index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf --one-file-system "$ROOTFS"
	if [ -n "${TMP_REF:-}" ]; then docker rmi "$TMP_REF" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

start=$SECONDS
log "building $IMAGE: debootstrap $SUITE + postgresql-$PG_MAJOR from $MIRROR (log $DEBOOTSTRAP_LOG)"
if ! debootstrap --variant=minbase --include="postgresql-$PG_MAJOR" \
	"$SUITE" "$ROOTFS" "$MIRROR" >"$DEBOOTSTRAP_LOG" 2>&1; then
	tail -n 25 "$DEBOOTSTRAP_LOG" >&2
	die "debootstrap failed (full log: $DEBOOTSTRAP_LOG)"
fi

[ -x "$ROOTFS$PG_BIN/postgres" ] || die "debootstrap finished but $PG_BIN/postgres is missing"
chroot "$ROOTFS" getent passwd postgres >/dev/null || die "no postgres user in the root filesystem"

# Slim down (about 370 MB -> 220 MB): the cluster Debian's postinst creates
# (we initdb our own), the LLVM JIT (libLLVM and libz3 are used by nothing
# else; the entrypoint sets jit = off), locale sources, docs, translations,
# apt lists and caches. Correctness first: binaries, share/ and
# /usr/lib/locale (C.UTF-8) stay.
rm -rf "$ROOTFS/var/lib/postgresql/$PG_MAJOR" "$ROOTFS/etc/postgresql/$PG_MAJOR" \
	"$ROOTFS/usr/lib/postgresql/$PG_MAJOR/lib/bitcode" "$ROOTFS/usr/lib/postgresql/$PG_MAJOR/lib"/llvmjit* \
	"$ROOTFS"/usr/lib/*-linux-gnu/libLLVM-* "$ROOTFS"/usr/lib/*-linux-gnu/libz3.so* \
	"$ROOTFS"/usr/share/i18n \
	"$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
	"$ROOTFS"/usr/share/locale/* "$ROOTFS"/var/lib/apt/lists/* \
	"$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
	"$ROOTFS"/var/log/* "$ROOTFS"/tmp/* "$ROOTFS"/run/*

install -d -m 0755 "$ROOTFS/docker-entrypoint-initdb.d"
install -m 0755 /dev/stdin "$ROOTFS/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/bash
# Entrypoint of the locally built bookingharness Postgres image. It mimics the
# official postgres image closely enough for testcontainers-go:
#   - POSTGRES_USER (default postgres) is the superuser, POSTGRES_PASSWORD its
#     password (required unless POSTGRES_HOST_AUTH_METHOD=trust),
#     POSTGRES_DB (default = user) is created;
#   - the cluster is initialised once into PGDATA, TCP connections from
#     anywhere use password auth, the server listens on * port 5432;
#   - /docker-entrypoint-initdb.d/*.sql, *.sql.gz and *.sh run once, against a
#     temporary socket-only server (so "ready to accept connections" is logged
#     twice on first start, as with the official image);
#   - a leading "postgres" argument is dropped and the rest ("-c k=v" ...) are
#     passed to the server, which runs in the foreground as user postgres via
#     exec, so docker stop's signal reaches it.
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
AUTH="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
export POSTGRES_USER POSTGRES_DB # init scripts see them, as in the official image

if [ "${1:-}" = postgres ]; then
	shift
elif [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
	exec "$@" # some other command, e.g. bash
fi
for arg in "$@"; do
	case "$arg" in
		-V | --version | --help | '-?' | --describe-config | -C) exec postgres "$@" ;; # no init needed
	esac
done

# as_postgres runs a command as the postgres user (or as-is when the
# container already runs as a non-root user).
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=postgres --regid=postgres --init-groups "$@"
	else
		"$@"
	fi
}

# As PID 1, bash ignores signals it does not trap: without this, docker stop
# during initialisation would wait 10 s for SIGKILL.
trap 'echo "interrupted during initialisation" >&2; exit 1' INT TERM

if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 0700 "$PGDATA"
	chmod 2775 /var/run/postgresql
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$AUTH" != trust ]; then
		echo "error: database is uninitialized and POSTGRES_PASSWORD is not set;" >&2
		echo "       set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
		exit 1
	fi
	pwargs=()
	if [ -n "${POSTGRES_PASSWORD:-}" ]; then
		pwfile="$(mktemp)"
		printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
		chown postgres "$pwfile" 2>/dev/null || true
		pwargs=(--pwfile="$pwfile")
	fi
	# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a flag list
	as_postgres initdb --username="$POSTGRES_USER" "${pwargs[@]}" \
		--auth-local=trust --auth-host="$AUTH" --encoding=UTF8 --locale=C.UTF-8 \
		--no-sync ${POSTGRES_INITDB_ARGS:-} >/dev/null
	[ -z "${pwfile:-}" ] || rm -f "$pwfile"
	echo "host all all all $AUTH" >>"$PGDATA/pg_hba.conf"
	printf '%s\n' "listen_addresses = '*'" "jit = off # the image has no LLVM" >>"$PGDATA/postgresql.conf"

	# Socket-only temporary server for setup. fsync=off: a fresh cluster has
	# nothing worth syncing, and it saves ~0.5 s on the shutdown checkpoint.
	as_postgres pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -c fsync=off -p 5432" start
	psql_args=(-v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --no-password)
	if [ "$POSTGRES_DB" != postgres ]; then
		as_postgres psql "${psql_args[@]}" --dbname postgres --set db="$POSTGRES_DB" -q <<-'SQL'
			CREATE DATABASE :"db";
		SQL
	fi
	for f in /docker-entrypoint-initdb.d/*; do
		[ -e "$f" ] || continue
		case "$f" in
			*.sh)
				echo "running $f"
				if [ -x "$f" ]; then as_postgres "$f"; else . "$f"; fi ;;
			*.sql)
				echo "running $f"
				as_postgres psql "${psql_args[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
			*.sql.gz)
				echo "running $f"
				gzip -dc "$f" | as_postgres psql "${psql_args[@]}" --dbname "$POSTGRES_DB" ;;
			*) echo "ignoring $f" ;;
		esac
	done
	as_postgres pg_ctl -D "$PGDATA" -m fast -w stop
	echo "PostgreSQL init process complete; ready for start up."
fi

if [ "$(id -u)" -eq 0 ]; then
	exec setpriv --reuid=postgres --regid=postgres --init-groups postgres "$@"
fi
exec postgres "$@"
ENTRYPOINT

# A root filesystem without the tools the entrypoint needs would only fail at
# container start; fail here instead.
for tool in setpriv bash gzip; do
	chroot "$ROOTFS" sh -c "command -v $tool" >/dev/null || die "$tool missing in the root filesystem"
done
[ -d "$ROOTFS/usr/lib/locale/C.utf8" ] || die "C.UTF-8 locale missing in the root filesystem"

# docker import cannot set STOPSIGNAL, so the rootfs is imported under a
# temporary name and a one-line local build (no registry involved) adds
# STOPSIGNAL SIGINT like the official image: with the default SIGTERM,
# Postgres waits for clients to disconnect and docker stop takes 10 s.
TMP_REF="harness-pg-rootfs:$$"
log "importing into docker"
tar --numeric-owner -C "$ROOTFS" -c . | docker import \
	--change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
	--change 'CMD ["postgres"]' \
	--change "ENV PATH=$PG_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	--change "ENV PGDATA=$PG_DATA" \
	--change 'ENV LANG=C.UTF-8' \
	--change 'EXPOSE 5432' \
	--change "LABEL $LABEL_KEY=$SCRIPT_SHA" \
	- "$TMP_REF" >/dev/null
if ! build_out="$(printf 'FROM %s\nSTOPSIGNAL SIGINT\n' "$TMP_REF" |
	DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" - 2>&1)"; then
	printf '%s\n' "$build_out" >&2
	log "WARNING: could not add STOPSIGNAL SIGINT; using the plain import (docker stop may take 10 s)"
	docker tag "$TMP_REF" "$IMAGE"
fi
# The replaced image would otherwise stay behind, untagged (ignore failure:
# a container may still use it).
if [ -n "${OLD_ID:-}" ]; then docker rmi "$OLD_ID" >/dev/null 2>&1 || true; fi

size="$(docker image inspect --format '{{.Size}}' "$IMAGE")"
log "built $IMAGE in $((SECONDS - start))s ($((size / 1024 / 1024)) MB)"
