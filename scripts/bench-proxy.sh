#!/usr/bin/env bash
# bench-proxy.sh: what the Postgres wire proxy (sim/pgproxy) costs, DESIGN §9 (target: a
# pgbench run through the proxy reaches >= 85 % of the direct run's tps, i.e. costs <= 15 %).
#
# pgbench runs select-only (-S) and the default TPC-B-like script against the same Postgres,
# directly and through a standalone proxy (no rules armed), BENCH_ROUNDS times (default 3),
# alternating which goes first in each round; it prints every run, the medians and the ratio
# proxy/direct. It initialises its own database (BENCH_DB, default bench_proxy) and drops it,
# and stops the proxy it started, on exit.
#
# Knobs: PGHOST (127.0.0.1), PGPORT (55432), PGUSER (postgres), BENCH_DB, BENCH_ROUNDS,
# BENCH_SECONDS (10), BENCH_CLIENTS (8), BENCH_THREADS (2), BENCH_SCALE (4).
set -euo pipefail
cd "$(dirname "$0")/.."
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-55432}" PGUSER="${PGUSER:-postgres}"
DB="${BENCH_DB:-bench_proxy}" ROUNDS="${BENCH_ROUNDS:-3}" SECONDS_PER_RUN="${BENCH_SECONDS:-10}"
CLIENTS="${BENCH_CLIENTS:-8}" THREADS="${BENCH_THREADS:-2}" SCALE="${BENCH_SCALE:-4}"
for tool in pgbench psql go; do
	command -v "$tool" >/dev/null || { echo "bench-proxy: $tool not found" >&2; exit 2; }
done
case "$PGHOST" in 127.*|localhost) ;; *) echo "bench-proxy: PGHOST must be a loopback address" >&2; exit 2 ;; esac

WORK="$(mktemp -d)"
PROXY_PID=""
DB_CREATED=""
cleanup() {
	if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; fi
	if [ -n "$DB_CREATED" ]; then psql -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

echo "bench-proxy: building the standalone proxy"
go build -o "$WORK/pgproxy" ./sim/pgproxy/internal/cmd/pgproxy

echo "bench-proxy: pgbench -i -s $SCALE into $DB on $PGHOST:$PGPORT"
psql -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
psql -d postgres -qc "CREATE DATABASE \"$DB\""
DB_CREATED=1
pgbench -i -q -s "$SCALE" "$DB" >"$WORK/init.out" 2>&1 || { cat "$WORK/init.out" >&2; exit 1; }

"$WORK/pgproxy" -upstream "$PGHOST:$PGPORT" >"$WORK/proxy.out" &
PROXY_PID=$!
for _ in $(seq 100); do grep -q '^listening on ' "$WORK/proxy.out" && break; sleep 0.1; done
PROXY_PORT="$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$WORK/proxy.out")"
[ -n "$PROXY_PORT" ] || { echo "bench-proxy: the proxy did not start" >&2; exit 1; }
echo "bench-proxy: proxy on 127.0.0.1:$PROXY_PORT"

# run MODE PORT: one pgbench run, prints its tps (excluding connection set-up).
run() {
	local flags=()
	[ "$1" = select-only ] && flags=(-S)
	pgbench -n "${flags[@]}" -c "$CLIENTS" -j "$THREADS" -T "$SECONDS_PER_RUN" -p "$2" "$DB" >"$WORK/run.out" 2>&1 \
		|| { cat "$WORK/run.out" >&2; exit 1; }
	sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p' "$WORK/run.out"
}

echo "bench-proxy: $ROUNDS rounds of ${SECONDS_PER_RUN}s runs, -c $CLIENTS -j $THREADS"
for r in $(seq "$ROUNDS"); do
	for mode in select-only tpcb; do
		if [ $((r % 2)) -eq 1 ]; then order="direct proxy"; else order="proxy direct"; fi
		for via in $order; do
			port="$PGPORT"; [ "$via" = proxy ] && port="$PROXY_PORT"
			tps="$(run "$mode" "$port")"
			echo "$tps" >>"$WORK/$mode.$via"
			printf '  round %d  %-11s %-6s %10.1f tps\n' "$r" "$mode" "$via" "$tps"
		done
	done
done

echo "bench-proxy: medians of $ROUNDS rounds"
status=0
for mode in select-only tpcb; do
	direct="$(median <"$WORK/$mode.direct")" proxy="$(median <"$WORK/$mode.proxy")"
	ratio="$(awk -v p="$proxy" -v d="$direct" 'BEGIN {printf "%.3f", p / d}')"
	verdict="ok"
	awk -v r="$ratio" 'BEGIN {exit !(r >= 0.85)}' || { verdict="OVER TARGET"; status=1; }
	printf '  %-11s direct %10.1f tps  proxy %10.1f tps  proxy/direct %s  (cost %.1f %%, target <= 15 %%: %s)\n' \
		"$mode" "$direct" "$proxy" "$ratio" "$(awk -v r="$ratio" 'BEGIN {print (1 - r) * 100}')" "$verdict"
done
exit "$status"
