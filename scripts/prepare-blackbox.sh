#!/usr/bin/env bash
# prepare-blackbox.sh — install what black-box mode's tests and the example services need,
# from Debian's packages: php-cli and php-pgsql (the PHP seed service,
# examples/php-seed-service), faketime (libfaketime, for sut.yaml's time: faketime), nodejs
# (20 or newer) and npm (the hardened Node service, examples/node-hardened-service); then the
# Node service's npm packages (npm ci, from the npm registry).
#
# Idempotent: each package is installed only when what it provides is missing, npm ci runs
# only when the example's package-lock.json changed since the last run, and the script says
# what it found and what it did. Installing packages needs root (or sudo).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NODE_EXAMPLE="$ROOT/examples/node-hardened-service"
NODE_MAJOR=20

log() { printf 'prepare-blackbox: %s\n' "$*"; }
die() { printf 'prepare-blackbox: ERROR: %s\n' "$*" >&2; exit 1; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

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

if [ "$(node_major)" -ge "$NODE_MAJOR" ]; then
	log "node found: $(node --version)"
else
	missing+=(nodejs)
fi
# Debian's npm is a package of its own; NodeSource's nodejs carries npm (so with nodejs
# missing, npm is looked at again after it is installed).
if command -v npm >/dev/null 2>&1; then
	log "npm found: $(npm --version)"
elif [[ " ${missing[*]} " != *" nodejs "* ]]; then
	missing+=(npm)
fi

install() {
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
# apt_install installs packages, from the package lists this machine has first, refreshing
# them only when that fails.
apt_install() {
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || die "installing $* needs root (or sudo installed)"
		SUDO="sudo"
	fi
	log "installing $* (apt-get)"
	if ! install "$@" 2>/dev/null; then
		log "refreshing the package lists (apt-get update)"
		$SUDO apt-get update -qq >/dev/null
		install "$@" || die "apt-get install $* failed"
	fi
	log "installed $*"
}

if [ ${#missing[@]} -eq 0 ]; then
	log "no package to install"
else
	apt_install "${missing[@]}"
	php -r 'exit(extension_loaded("pdo_pgsql") ? 0 : 1);' || die "php-pgsql installed, but php has no pdo_pgsql"
	compgen -G '/usr/lib/*/faketime/libfaketime.so.1' >/dev/null || [ -e /usr/lib/faketime/libfaketime.so.1 ] ||
		die "faketime installed, but libfaketime.so.1 is not where the harness looks (/usr/lib/*/faketime/)"
	[ "$(node_major)" -ge "$NODE_MAJOR" ] ||
		die "nodejs installed, but node is $(node --version 2>/dev/null || echo missing); the Node example needs $NODE_MAJOR or newer (Debian 13's nodejs, or NodeSource's)"
	command -v npm >/dev/null 2>&1 || apt_install npm
fi

# The Node example's packages: npm ci (exactly package-lock.json, no install scripts), again
# only when the lock file changed since the last run.
stamp="$NODE_EXAMPLE/node_modules/.bookingharness-lock.sha256"
want=$(sha256sum "$NODE_EXAMPLE/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	log "the Node example's npm packages are installed"
else
	log "npm ci in examples/node-hardened-service"
	(cd "$NODE_EXAMPLE" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci in $NODE_EXAMPLE failed"
	echo "$want" >"$stamp"
	log "installed the Node example's npm packages"
fi
