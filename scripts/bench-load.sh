#!/usr/bin/env bash
# bench-load.sh: the load targets of DESIGN §9, each measured BENCH_ROUNDS (default 3) times,
# medians reported.
#   (a) end-to-end `bookingharness load` throughput, hardened, all layers, distinct slots,
#       against pgbench running the equivalent select+insert transaction on the SAME Postgres
#       container at the same client concurrency (target: load/pgbench >= 0.5);
#   (b) peak RSS of a 100 000-attempt load (/usr/bin/time -v; target <= 300 MB);
#   (c) the invariant checker on a 100 000-attempt history (sim/check BenchmarkCheck100k;
#       target <= 2 s).
# It starts one Postgres container (bound to 127.0.0.1) and removes it on exit; it removes
# nothing it did not start.
# Knobs: BENCH_ROUNDS, BENCH_CONCURRENCY (16), BENCH_LOAD_CALLS (20000), BENCH_PGBENCH_SECONDS
# (10), BENCH_RSS_CALLS (100000), HARNESS_PG_IMAGE (bookingharness/postgres:15).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${BENCH_ROUNDS:-3}" CONC="${BENCH_CONCURRENCY:-16}" CALLS="${BENCH_LOAD_CALLS:-20000}"
PGB_SECONDS="${BENCH_PGBENCH_SECONDS:-10}" RSS_CALLS="${BENCH_RSS_CALLS:-100000}"
IMAGE="${HARNESS_PG_IMAGE:-bookingharness/postgres:15}"
for tool in docker pgbench psql jq /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench-load: $tool not found" >&2; exit 2; }
done

WORK="$(mktemp -d)"
CID=""
cleanup() {
	if [ -n "$CID" ]; then docker rm -f "$CID" >/dev/null 2>&1 || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

echo "bench-load: building"
go build -o "$WORK/bookingharness" ./cmd/bookingharness

echo "bench-load: starting $IMAGE on 127.0.0.1"
CID="$(docker run -d -p 127.0.0.1::5432 -e POSTGRES_USER=harness -e POSTGRES_PASSWORD=harness -e POSTGRES_DB=harness \
	"$IMAGE" postgres -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300)"
PORT="$(docker port "$CID" 5432/tcp | head -1 | sed 's/.*://')"
export PGHOST=127.0.0.1 PGPORT="$PORT" PGUSER=harness PGPASSWORD=harness
DSN="postgres://harness:harness@127.0.0.1:$PORT/harness?sslmode=disable"
for _ in $(seq 300); do psql -d harness -qAtc 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
psql -d harness -qAtc 'select 1' >/dev/null

# pgbench's database: the reference core's schema with every layer (the Up halves of the
# embedded goose migrations) and one customer, service and staff row.
psql -d harness -qc 'CREATE DATABASE pgbench_load'
for f in core/store/migrations/*.sql; do
	awk '/^-- \+goose Up/{up=1; next} /^-- \+goose Down/{up=0} up' "$f"
done | psql -d pgbench_load -q -v ON_ERROR_STOP=1
psql -d pgbench_load -q -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO customers (id, name) VALUES (1, 'bench');
INSERT INTO services (id, name, calcom_event_type_id, duration_minutes) VALUES (1, 'bench', 1, 45);
INSERT INTO staff (id, name, calcom_user_id) VALUES (1, 'bench', 1);
INSERT INTO service_staff VALUES (1, 1);
SQL
# The equivalent of one booking's database work on distinct slots: look the booking uid up,
# then insert the appointment (ON CONFLICT DO NOTHING: the rare random collision is not an
# error). Random ids in a range large enough that slots do not repeat.
cat >"$WORK/booking.sql" <<'SQL'
\set n random(1, 5000000000)
BEGIN;
SELECT id, call_id FROM appointments WHERE calcom_v2_booking_id = 'uid' || :n AND deleted_at IS NULL;
INSERT INTO appointments (customer_id, service_id, staff_id, starts_at, ends_at, calcom_v2_booking_id, calcom_booking_id, status, source)
  VALUES (1, 1, 1, timestamptz '2030-01-01 00:00:00+00' + :n * interval '1 minute',
          timestamptz '2030-01-01 00:00:00+00' + :n * interval '1 minute' + interval '45 seconds',
          'uid' || :n, :n, 'scheduled', 'phone')
  ON CONFLICT DO NOTHING;
COMMIT;
SQL

echo "bench-load: (a) throughput, $ROUNDS rounds, concurrency $CONC"
: >"$WORK/load.tps"; : >"$WORK/pgbench.tps"
for r in $(seq "$ROUNDS"); do
	"$WORK/bookingharness" load --pg-dsn "$DSN" --no-progress --policy hardened --layers all \
		--calls "$CALLS" --slots "$CALLS" --concurrency "$CONC" --seed "$r" --json "$WORK/load-$r.json" >"$WORK/load-$r.out"
	jq -r .throughput_per_second "$WORK/load-$r.json" >>"$WORK/load.tps"
	pgbench -n -d pgbench_load -f "$WORK/booking.sql" -c "$CONC" -j 2 -T "$PGB_SECONDS" >"$WORK/pgbench-$r.out" 2>&1
	grep -E '^tps = ' "$WORK/pgbench-$r.out" | head -1 | sed -E 's/^tps = ([0-9.]+).*/\1/' >>"$WORK/pgbench.tps"
	printf '  round %d: load %.1f attempts/s, pgbench %.1f tx/s\n' "$r" "$(tail -1 "$WORK/load.tps")" "$(tail -1 "$WORK/pgbench.tps")"
done
LOAD_TPS="$(median <"$WORK/load.tps")" PGB_TPS="$(median <"$WORK/pgbench.tps")"
RATIO="$(awk -v a="$LOAD_TPS" -v b="$PGB_TPS" 'BEGIN {printf "%.2f", a / b}')"

echo "bench-load: (b) peak RSS of a $RSS_CALLS-attempt load, $ROUNDS rounds"
: >"$WORK/rss.kb"
for r in $(seq "$ROUNDS"); do
	/usr/bin/time -v "$WORK/bookingharness" load --pg-dsn "$DSN" --no-progress --policy hardened \
		--calls "$RSS_CALLS" --slots "$RSS_CALLS" --concurrency "$CONC" --seed "$r" >"$WORK/rss-$r.out" 2>"$WORK/rss-$r.err"
	grep 'Maximum resident set size' "$WORK/rss-$r.err" | awk '{print $NF}' >>"$WORK/rss.kb"
	printf '  round %d: %d MB\n' "$r" "$(( $(tail -1 "$WORK/rss.kb") / 1024 ))"
done
RSS_MB="$(( $(median <"$WORK/rss.kb" | cut -d. -f1) / 1024 ))"

echo "bench-load: (c) checker on a 100 000-attempt history, $ROUNDS rounds"
go test -run '^$' -bench 'BenchmarkCheck100k$' -benchtime 1x -count "$ROUNDS" ./sim/check | tee "$WORK/check.out" | grep -E '^Benchmark' || true
CHECK_S="$(grep -E '^BenchmarkCheck100k' "$WORK/check.out" | awk '{print $3 / 1e9}' | median)"

echo
echo "bench-load: medians of $ROUNDS rounds"
printf '  load (hardened, all layers, distinct slots, %d workers): %.1f attempts/s\n' "$CONC" "$LOAD_TPS"
printf '  pgbench (select+insert, same container, %d clients):      %.1f tx/s\n' "$CONC" "$PGB_TPS"
printf '  ratio load/pgbench: %s (target >= 0.5)\n' "$RATIO"
printf '  peak RSS, %d attempts: %d MB (target <= 300 MB)\n' "$RSS_CALLS" "$RSS_MB"
printf '  checker, 100 000 attempts: %.3f s (target <= 2 s)\n' "$CHECK_S"
FAIL=0
awk -v r="$RATIO" 'BEGIN {exit !(r >= 0.5)}' || { echo "bench-load: MISSED throughput ratio target" >&2; FAIL=1; }
[ "$RSS_MB" -le 300 ] || { echo "bench-load: MISSED RSS target" >&2; FAIL=1; }
awk -v s="$CHECK_S" 'BEGIN {exit !(s <= 2)}' || { echo "bench-load: MISSED checker target" >&2; FAIL=1; }
exit "$FAIL"
