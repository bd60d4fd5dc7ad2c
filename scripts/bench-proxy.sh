#!/usr/bin/env bash
# bench-proxy.sh: what the Postgres wire proxy (sim/pgproxy) costs, docs/targets.md (target: a
# pgbench run through the proxy reaches >= 85 % of the direct run's tps, i.e. costs <= 15 %).
#
# pgbench runs select-only (-S) and the default TPC-B-like script against one Postgres three
# ways: directly, through the standalone proxy (no rules armed), and through a bytes-only TCP
# relay (io.Copy, no protocol awareness: the floor any user-space hop costs, so pgproxy's own
# work can be told apart from the extra hop). BENCH_ROUNDS rounds (default 3), the order of
# the three rotating each round; every run is printed, then the medians and the ratios to
# direct. It also measures CPU time per transaction (pgbench via time(1), the server backends
# and the relays from /proc): on a machine shared with other work tps swings with the CPU
# share the scheduler hands each run, while the CPU a transaction costs end to end, direct
# versus through the proxy, still estimates the proxy's cost. It initialises its own database (BENCH_DB, default bench_proxy) and drops it, and
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
go build -o "$WORK/pgproxy" ./cmd/pgproxy

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

# ticks PID: user+system CPU clock ticks process PID has used (fails if it is gone). The
# process name field of a backend is "postgres", without spaces, so read splits it right.
ticks() { local f; { read -r -a f <"/proc/$1/stat"; } 2>/dev/null || return 1; echo $((f[13] + f[14])); }

# backend_ticks PID: the CPU ticks the server backends of $DB used while process PID (the
# pgbench run) lives, sampled every 0.25 s from /proc (a backend's last 0.25 s is missed).
backend_ticks() {
	local pids=() p t total=0
	declare -A first last
	for _ in $(seq 100); do
		mapfile -t pids < <(psql -d postgres -Atc "SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND backend_type = 'client backend'")
		[ "${#pids[@]}" -ge "$CLIENTS" ] && break
		sleep 0.05
	done
	for p in "${pids[@]}"; do t="$(ticks "$p")" && first[$p]=$t last[$p]=$t; done
	while kill -0 "$1" 2>/dev/null; do
		for p in "${!first[@]}"; do t="$(ticks "$p")" && last[$p]=$t; done
		sleep 0.25
	done
	for p in "${!first[@]}"; do total=$((total + last[$p] - first[$p])); done
	echo "$total"
}

# run MODE PORT [RELAY_PID]: one pgbench run. Prints its tps (excluding connection set-up)
# and the CPU microseconds per transaction used by pgbench plus the server backends, and by
# the relay (0 when direct).
run() {
	local flags=() before after server pgb
	[ "$1" = select-only ] && flags=(-S)
	before="$( [ -n "${3:-}" ] && ticks "$3" || echo 0)"
	/usr/bin/time -f '%U %S' -o "$WORK/time.out" \
		pgbench -n "${flags[@]}" -c "$CLIENTS" -j "$THREADS" -T "$SECONDS_PER_RUN" -p "$2" "$DB" >"$WORK/run.out" 2>&1 &
	pgb=$!
	server="$(backend_ticks "$pgb")"
	wait "$pgb" || { cat "$WORK/run.out" >&2; exit 1; }
	after="$( [ -n "${3:-}" ] && ticks "$3" || echo 0)"
	awk -v srv="$server" -v relay=$((after - before)) -v hz="$(getconf CLK_TCK)" -v usage="$(cat "$WORK/time.out")" '
		/^tps = .*without initial connection time/ {tps = $3}
		/^number of transactions actually processed:/ {n = $6}
		END {
			split(usage, u, " ")
			printf "%s %.1f %.1f\n", tps, ((u[1] + u[2]) * 1e6 + srv * 1e6 / hz) / n, relay * 1e6 / hz / n
		}' "$WORK/run.out"
}

echo "bench-proxy: $ROUNDS rounds of ${SECONDS_PER_RUN}s runs, -c $CLIENTS -j $THREADS"
orders=("direct proxy relay" "proxy relay direct" "relay direct proxy")
for r in $(seq "$ROUNDS"); do
	for mode in select-only tpcb; do
		for via in ${orders[$(((r - 1) % 3))]}; do
			port_var="PORT_$via" pid_var="PID_$via"
			read -r tps base relay < <(run "$mode" "${!port_var}" "${!pid_var:-}")
			echo "$tps" >>"$WORK/$mode.$via"
			echo "$base $relay" | awk '{print $1 + $2}' >>"$WORK/$mode.$via.cpu"
			echo "$relay" >>"$WORK/$mode.$via.relaycpu"
			printf '  round %d  %-11s %-6s %8.1f tps   CPU/tx: pgbench+server %6.1f us, relay %6.1f us\n' \
				"$r" "$mode" "$via" "$tps" "$base" "$relay"
		done
	done
done

echo "bench-proxy: medians of $ROUNDS rounds (ratios to direct), load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
status=0
for mode in select-only tpcb; do
	direct="$(median <"$WORK/$mode.direct")" proxy="$(median <"$WORK/$mode.proxy")" relay="$(median <"$WORK/$mode.relay")"
	tps_ratio="$(ratio "$proxy" "$direct")"
	verdict="ok"
	awk -v r="$tps_ratio" 'BEGIN {exit !(r >= 0.85)}' || { verdict="OVER TARGET"; status=1; }
	printf '  %-11s tps: direct %8.1f  pgproxy %8.1f (%s, cost %5.1f %%, target <= 15 %%: %s)  bytes-only relay %8.1f (%s)\n' \
		"$mode" "$direct" "$proxy" "$tps_ratio" "$(awk -v r="$tps_ratio" 'BEGIN {print (1 - r) * 100}')" "$verdict" \
		"$relay" "$(ratio "$relay" "$direct")"
	cd_="$(median <"$WORK/$mode.direct.cpu")" cp="$(median <"$WORK/$mode.proxy.cpu")" cr="$(median <"$WORK/$mode.relay.cpu")"
	printf '  %-11s CPU/tx: direct %6.1f us  pgproxy %6.1f us (relay itself %5.1f; direct/pgproxy %s)  bytes-only %6.1f us (relay itself %5.1f; direct/bytes-only %s)\n' \
		"$mode" "$cd_" "$cp" "$(median <"$WORK/$mode.proxy.relaycpu")" "$(ratio "$cd_" "$cp")" \
		"$cr" "$(median <"$WORK/$mode.relay.relaycpu")" "$(ratio "$cd_" "$cr")"
done
echo "  (direct/pgproxy CPU per transaction estimates the tps ratio on a dedicated saturated host)"
if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" 'BEGIN {exit !(l > n)}'; then
	echo "bench-proxy: WARNING: the machine is busy (load $(cut -d' ' -f1 /proc/loadavg) on $(nproc) CPUs): tps"
	echo "  ratios then follow the CPU share the scheduler gives each run (a relay's extra runnable"
	echo "  threads can even win it more than a direct run gets); trust the CPU/tx ratios instead."
fi
exit "$status"
