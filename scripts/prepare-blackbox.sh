#!/usr/bin/env bash
# prepare-blackbox.sh — install what black-box mode's tests and the PHP example need, from
# Debian's packages: php-cli and php-pgsql (the PHP seed service, examples/php-seed-service)
# and faketime (libfaketime, for sut.yaml's time: faketime).
#
# Idempotent: each package is installed only when what it provides is missing, and the
# script says what it found and what it did. Must run as root (or with sudo available).
set -euo pipefail

log() { printf 'prepare-blackbox: %s\n' "$*"; }
die() { printf 'prepare-blackbox: ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "must run as root (or with sudo installed)"
	SUDO="sudo"
fi

missing=()
if command -v php >/dev/null 2>&1; then
	log "php found: $(php -r 'echo PHP_VERSION;')"
else
	missing+=(php-cli)
fi
if command -v php >/dev/null 2>&1 && php -r 'exit(extension_loaded("pdo_pgsql") ? 0 : 1);'; then
	log "php's pdo_pgsql found"
else
	missing+=(php-pgsql)
fi
if compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || [ -e /usr/lib/faketime/libfaketime.so.1 ]; then
	log "libfaketime found"
else
	missing+=(faketime)
fi

if [ ${#missing[@]} -eq 0 ]; then
	log "nothing to install"
	exit 0
fi

log "installing ${missing[*]} (apt-get)"
install() {
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
# Try the package lists this machine has first; refresh them only when that fails.
if ! install 2>/dev/null; then
	log "refreshing the package lists (apt-get update)"
	$SUDO apt-get update -qq >/dev/null
	install || die "apt-get install ${missing[*]} failed"
fi

php -r 'exit(extension_loaded("pdo_pgsql") ? 0 : 1);' || die "php-pgsql installed, but php has no pdo_pgsql"
compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || [ -e /usr/lib/faketime/libfaketime.so.1 ] ||
	die "faketime installed, but libfaketime.so.1 is not where the harness looks (/usr/lib/*/faketime/)"
log "installed ${missing[*]}"
