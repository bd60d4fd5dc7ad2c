#!/usr/bin/env bash
# bench-proxy.sh: what the Postgres wire proxy (sim/pgproxy) costs, DESIGN §9 (target: a
# pgbench run through the proxy reaches >= 85 % of the direct run's tps, i.e. costs <= 15 %).
#
# pgbench runs select-only (-S) and the default TPC-B-like script against one Postgres three
# ways: directly, through the standalone proxy (no rules armed), and through a bytes-only TCP
# relay (io.Copy, no protocol awareness: the floor any user-space hop costs, so pgproxy's own
# work can be told apart from the extra hop). BENCH_ROUNDS rounds (default 3), the order of
# the three rotating each round; every run is printed, then the medians and the ratios to
# direct. For the two relays it also prints the CPU time they used per transaction (from
# /proc), a figure less at the mercy of other load on the machine than tps. It initialises its own database (BENCH_DB, default bench_proxy) and drops it, and
# stops the processes it started, on exit.
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
PIDS=()
DB_CREATED=""
cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
	if [ -n "$DB_CREATED" ]; then psql -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

echo "bench-proxy: building the standalone proxy"
go build -o "$WORK/pgproxy" ./sim/pgproxy/internal/cmd/pgproxy

echo "bench-proxy: pgbench -i -s $SCALE into $DB on $PGHOST:$PGPORT"
psql -d postgres -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" 2>/dev/null
psql -d postgres -qc "CREATE DATABASE \"$DB\""
DB_CREATED=1
pgbench -i -q -s "$SCALE" "$DB" >"$WORK/init.out" 2>&1 || { cat "$WORK/init.out" >&2; exit 1; }

# start NAME ARGS…: starts the standalone binary and sets PORT_<NAME> to its port.
start() {
	local name="$1"; shift
	"$WORK/pgproxy" -upstream "$PGHOST:$PGPORT" "$@" >"$WORK/$name.out" &
	PIDS+=($!)
	for _ in $(seq 100); do grep -q '^listening on ' "$WORK/$name.out" && break; sleep 0.1; done
	local port
	port="$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$WORK/$name.out")"
	[ -n "$port" ] || { echo "bench-proxy: $name did not start" >&2; exit 1; }
	printf -v "PORT_$name" '%s' "$port"
	printf -v "PID_$name" '%s' "${PIDS[-1]}"
	echo "bench-proxy: $name on 127.0.0.1:$port"
}
start proxy
start relay -bytes-only
PORT_direct="$PGPORT" PID_direct=""

# cpu_ticks PID: user+system CPU clock ticks a process has used (0 for none).
cpu_ticks() { if [ -n "$1" ]; then awk '{print $14 + $15}' "/proc/$1/stat"; else echo 0; fi; }

# run MODE PORT PID: one pgbench run; prints its tps (excluding connection set-up) and the
# CPU microseconds per transaction the process PID (the relay, if any) used.
run() {
	local flags=() before after
	[ "$1" = select-only ] && flags=(-S)
	before="$(cpu_ticks "$3")"
	pgbench -n "${flags[@]}" -c "$CLIENTS" -j "$THREADS" -T "$SECONDS_PER_RUN" -p "$2" "$DB" >"$WORK/run.out" 2>&1 \
		|| { cat "$WORK/run.out" >&2; exit 1; }
	after="$(cpu_ticks "$3")"
	awk -v b="$before" -v a="$after" -v hz="$(getconf CLK_TCK)" '
		/^tps = .*without initial connection time/ {tps = $3}
		/^number of transactions actually processed:/ {n = $6}
		END {printf "%s %.1f\n", tps, (a - b) * 1e6 / hz / n}' "$WORK/run.out"
}

echo "bench-proxy: $ROUNDS rounds of ${SECONDS_PER_RUN}s runs, -c $CLIENTS -j $THREADS"
orders=("direct proxy relay" "proxy relay direct" "relay direct proxy")
for r in $(seq "$ROUNDS"); do
	for mode in select-only tpcb; do
		for via in ${orders[$(((r - 1) % 3))]}; do
			port_var="PORT_$via" pid_var="PID_$via"
			read -r tps cpu < <(run "$mode" "${!port_var}" "${!pid_var:-}")
			echo "$tps" >>"$WORK/$mode.$via"
			echo "$cpu" >>"$WORK/$mode.$via.cpu"
			printf '  round %d  %-11s %-6s %10.1f tps' "$r" "$mode" "$via" "$tps"
			[ "$via" = direct ] && echo || printf '   relay CPU %6.1f us/tx\n' "$cpu"
		done
	done
done

echo "bench-proxy: medians of $ROUNDS rounds (ratios to direct)"
status=0
for mode in select-only tpcb; do
	direct="$(median <"$WORK/$mode.direct")" proxy="$(median <"$WORK/$mode.proxy")" relay="$(median <"$WORK/$mode.relay")"
	ratio="$(awk -v p="$proxy" -v d="$direct" 'BEGIN {printf "%.3f", p / d}')"
	floor="$(awk -v p="$relay" -v d="$direct" 'BEGIN {printf "%.3f", p / d}')"
	verdict="ok"
	awk -v r="$ratio" 'BEGIN {exit !(r >= 0.85)}' || { verdict="OVER TARGET"; status=1; }
	printf '  %-11s direct %9.1f  pgproxy %9.1f (%s, cost %4.1f %%: %s)  bytes-only relay %9.1f (%s)\n' \
		"$mode" "$direct" "$proxy" "$ratio" "$(awk -v r="$ratio" 'BEGIN {print (1 - r) * 100}')" "$verdict" "$relay" "$floor"
	printf '  %-11s CPU per transaction: pgproxy %.1f us, bytes-only relay %.1f us\n' \
		"$mode" "$(median <"$WORK/$mode.proxy.cpu")" "$(median <"$WORK/$mode.relay.cpu")"
done
exit "$status"
