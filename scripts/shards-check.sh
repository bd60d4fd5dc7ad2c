#!/usr/bin/env bash
# shards-check.sh — the test of CI sharding (docs/ci.md): run the shards of the CI matrix as
# separate processes, each into a directory of its own as a CI job would (the suite, one per
# necessity layer, the self-test in SELFTEST_SHARDS shards, the black-box gates), join them
# with `bookingharness report --merge`, judge the result with the gate, and compare it with
# one run's report (OUT/report.json, left by make test): the same gate verdict and the same
# matrices, or it fails listing what differs (`bookingharness compare`).
#
# make shards-check runs it after make test. Environment: OUT (default reports/out),
# SELFTEST_SHARDS (default 3), MAKE (default make).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${OUT:-reports/out}
shards=${SELFTEST_SHARDS:-3}
make=${MAKE:-make}
bh=.bin/bookingharness
dir=$out/shards-check

log() { printf 'shards-check: %s\n' "$*"; }
die() { printf 'shards-check: ERROR: %s\n' "$*" >&2; exit 1; }

[ -s "$out/report.json" ] || die "$out/report.json missing: the shards are compared with one run's report (make test first)"
rm -rf "$dir" && mkdir -p "$dir"
cp "$out/report.json" "$dir/one-run.report.json"

started=$SECONDS
# shard NAME TARGET [VAR=value…]: one CI job, as a process of its own, into $dir/NAME.
shard() {
	local name=$1
	shift
	local t0=$SECONDS
	if ! $make --no-print-directory "$@" OUT="$dir/$name" >"$dir/$name.log" 2>&1; then
		tail -n 30 "$dir/$name.log" >&2
		die "shard $name failed (see $dir/$name.log)"
	fi
	log "shard $name: $((SECONDS - t0)) s"
}

shard suite shard-suite
for layer in $($make --no-print-directory -s print-necessity-layers); do
	shard "necessity-$layer" shard-necessity LAYER="$layer"
done
for k in $(seq 1 "$shards"); do
	shard "selftest-$k" shard-selftest SHARD="$k/$shards"
done
shard blackbox shard-blackbox

dirs=()
for d in "$dir"/*/; do dirs+=("${d%/}"); done
$bh report --merge --out "$dir/merged" "${dirs[@]}"
$bh gate --report "$dir/merged/report.json" || true
log "all shards in $((SECONDS - started)) s; comparing the merged report with one run's"
$bh compare "$dir/one-run.report.json" "$dir/merged/report.json"
