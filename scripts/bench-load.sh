#!/usr/bin/env bash
# bench-load.sh: the load targets of docs/targets.md, in ONE run on ONE Postgres server, each
# measured BENCH_ROUNDS (default 3) times, medians reported, every round printed.
#   (a) end-to-end `bookingharness load` throughput, all layers, distinct slots, against
#       pgbench running the equivalent database work on the same server at the same client
#       count: seed against its statements (ensure the call, look the uid up, insert) and
#       hardened against its claim and settle transactions (target: >= 0.8 each);
#   (b) hardened / seed throughput with --calcom-latency 100ms on distinct slots (target
#       >= 0.9) and on contended slots (target > 1.0: hardened's losers stop at the claim,
#       before Cal.com; seed's wait for Cal.com's refusal);
#   (c) peak RSS of a 100 000-attempt load (/usr/bin/time -v; target <= 300 MB);
#   (d) the invariant checker on a 100 000-attempt history (sim/check BenchmarkCheck100k;
#       target <= 2 s);
#   (e) the Postgres wire proxy's cost against direct pgbench (scripts/bench-proxy.sh on the
#       same server; target <= 15 %). Its CPU-per-transaction columns count the server's
#       backends only on a server running on this host (a container's backend pids are not
#       this host's), so set PGPORT for those; its tps ratios hold either way.
# The server: PGHOST/PGPORT/PGUSER/PGPASSWORD when PGPORT is set (loopback only), otherwise a
# container of HARNESS_PG_IMAGE bound to 127.0.0.1 that it removes on exit. It removes
# nothing it did not start, and drops the databases it created.
# Knobs: BENCH_ROUNDS, BENCH_CONCURRENCY (16), BENCH_LOAD_CALLS (20000), BENCH_PGBENCH_SECONDS
# (10), BENCH_LATENCY_CALLS (1600), BENCH_CONTENDED_SLOTS (4), BENCH_RSS_CALLS (100000),
# BENCH_SKIP_PROXY (set: skip (e)), HARNESS_PG_IMAGE (bookingharness/postgres:15).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${BENCH_ROUNDS:-3}" CONC="${BENCH_CONCURRENCY:-16}" CALLS="${BENCH_LOAD_CALLS:-20000}"
PGB_SECONDS="${BENCH_PGBENCH_SECONDS:-10}" RSS_CALLS="${BENCH_RSS_CALLS:-100000}"
LAT_CALLS="${BENCH_LATENCY_CALLS:-1600}" CONTENDED="${BENCH_CONTENDED_SLOTS:-4}"
IMAGE="${HARNESS_PG_IMAGE:-bookingharness/postgres:15}"
for tool in pgbench psql jq /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench-load: $tool not found" >&2; exit 2; }
done

WORK="$(mktemp -d)"
CID="" DB_CREATED=""
cleanup() {
	if [ -n "$DB_CREATED" ]; then psql -d postgres -qc 'DROP DATABASE IF EXISTS pgbench_load WITH (FORCE)' >/dev/null 2>&1 || true; fi
	if [ -n "$CID" ]; then docker rm -f "$CID" >/dev/null 2>&1 || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo "bench-load: building"
go build -o "$WORK/bookingharness" ./cmd/bookingharness

if [ -n "${PGPORT:-}" ]; then
	export PGHOST="${PGHOST:-127.0.0.1}" PGUSER="${PGUSER:-postgres}"
	case "$PGHOST" in 127.*|localhost) ;; *) echo "bench-load: PGHOST must be a loopback address" >&2; exit 2 ;; esac
	echo "bench-load: using the server on $PGHOST:$PGPORT"
else
	command -v docker >/dev/null || { echo "bench-load: docker not found (or set PGPORT to use a running server)" >&2; exit 2; }
	echo "bench-load: starting $IMAGE on 127.0.0.1"
	CID="$(docker run -d -p 127.0.0.1::5432 -e POSTGRES_USER=harness -e POSTGRES_PASSWORD=harness -e POSTGRES_DB=harness \
		"$IMAGE" postgres -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300)"
	export PGHOST=127.0.0.1 PGPORT="$(docker port "$CID" 5432/tcp | head -1 | sed 's/.*://')" PGUSER=harness PGPASSWORD=harness
	for _ in $(seq 300); do psql -d postgres -qAtc 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
fi
psql -d postgres -qAtc 'select 1' >/dev/null
DSN="postgres://$PGUSER${PGPASSWORD:+:$PGPASSWORD}@$PGHOST:$PGPORT/postgres?sslmode=disable"

# pgbench's database: the reference core's schema with every layer (the Up halves of the
# embedded goose migrations), one customer and service, and four staff members (the load
# spreads its slots over four hosts; pgbench picks one per transaction, as the load's
# slots do, so the per-staff slot locks contend alike).
psql -d postgres -qc 'DROP DATABASE IF EXISTS pgbench_load WITH (FORCE)'
psql -d postgres -qc 'CREATE DATABASE pgbench_load'
DB_CREATED=1
for f in core/store/migrations/*.sql; do
	awk '/^-- \+goose Up/{up=1; next} /^-- \+goose Down/{up=0} up' "$f"
done | psql -d pgbench_load -q -v ON_ERROR_STOP=1
psql -d pgbench_load -q -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO customers (id, name) VALUES (1, 'bench');
INSERT INTO services (id, name, calcom_event_type_id, duration_minutes) VALUES (1, 'bench', 1, 45);
INSERT INTO staff (id, name, calcom_user_id) SELECT i, 'bench' || i, i FROM generate_series(1, 4) i;
INSERT INTO service_staff SELECT 1, i FROM generate_series(1, 4) i;
SQL
# Seed's database work for one booking on a distinct slot: ensure the call's row, look the
# booking uid up, insert the appointment — three autocommit statements, as the seed core
# issues them. Slots start on one of 10^9 minutes, so two rows rarely overlap, and when they
# do ON CONFLICT DO NOTHING (unique index and exclusion constraint alike) keeps pgbench going.
cat >"$WORK/seed.sql" <<'SQL'
\set n random(1, 1000000000)
\set staff 1 + :n % 4
INSERT INTO calls (retell_call_id) VALUES ('c' || :n) ON CONFLICT (retell_call_id) DO NOTHING;
SELECT id, call_id FROM appointments WHERE calcom_v2_booking_id = 'uid' || :n AND deleted_at IS NULL;
INSERT INTO appointments (call_id, customer_id, service_id, staff_id, starts_at, ends_at, calcom_v2_booking_id, calcom_booking_id, status, source)
  SELECT id, 1, 1, :staff, timestamptz '2030-01-01 00:00:00+00' + :n * interval '1 minute',
         timestamptz '2030-01-01 00:00:00+00' + :n * interval '1 minute' + interval '45 minutes',
         'uid' || :n, :n, 'scheduled', 'phone' FROM calls WHERE retell_call_id = 'c' || :n
  ON CONFLICT DO NOTHING;
SQL
# Hardened's: the claim (one statement: the call's row, the staff lock, the pending row),
# then the settle transaction (the booking uid's lock, the holders' read, the guarded
# update) — the statements of core/store's InsertClaim and SettleClaimIfUnheld. The lock
# namespaces are core/store's (25203 staff, 25205 booking uid).
cat >"$WORK/hardened.sql" <<'SQL'
\set n random(1, 1000000000)
\set staff 1 + :n % 4
WITH call AS (INSERT INTO calls (retell_call_id) VALUES ('c' || :n)
              ON CONFLICT (retell_call_id) DO UPDATE SET retell_call_id = EXCLUDED.retell_call_id RETURNING id),
     staff_lock AS (SELECT pg_advisory_xact_lock(25203, hashtext(:staff::text)) FROM call),
     claim AS (INSERT INTO appointments (call_id, customer_id, service_id, staff_id, starts_at, ends_at, status, claim_expires_at, source)
               SELECT call.id, 1, 1, :staff, timestamptz '2030-01-01 00:00:00+00' + :n * interval '1 minute',
                      timestamptz '2030-01-01 00:00:00+00' + :n * interval '1 minute' + interval '45 minutes',
                      'pending', now() + interval '1 minute', 'phone' FROM call, staff_lock
               ON CONFLICT DO NOTHING RETURNING id)
SELECT COALESCE((SELECT id FROM claim), 0) AS claim_id \gset
BEGIN;
SELECT pg_advisory_xact_lock(25205, hashtext('uid' || :n));
SELECT id, call_id FROM appointments WHERE calcom_v2_booking_id = 'uid' || :n;
WITH staff_lock AS (SELECT pg_advisory_xact_lock(25203, hashtext(:staff::text)))
UPDATE appointments a SET status = 'scheduled', claim_expires_at = NULL, calcom_v2_booking_id = 'uid' || :n, calcom_booking_id = :n
  FROM staff_lock WHERE a.id = :claim_id AND a.status = 'pending'
  AND NOT EXISTS (SELECT 1 FROM appointments h WHERE h.calcom_v2_booking_id = 'uid' || :n);
COMMIT;
SQL

# load OUT ARGS…: one bookingharness load; prints its attempts/s. Seed's known violations
# are expected (exit 0); any other exit but 1 (an unexpected violation: reported, counted)
# stops the benchmark.
load() {
	local out="$1" rc=0; shift
	"$WORK/bookingharness" load --pg-dsn "$DSN" --no-progress --concurrency "$CONC" --json "$out.json" "$@" >"$out.out" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then cat "$out.out" >&2; exit 1; fi
	[ "$rc" -eq 0 ] || echo "  (unexpected violations in $(basename "$out"): $(jq -c .unexpected_violations "$out.json" 2>/dev/null))" >&2
	jq -r .throughput_per_second "$out.json"
}
# pgb SCRIPT: one pgbench run of SCRIPT on pgbench_load; prints its tps.
pgb() {
	pgbench -n -M prepared -d pgbench_load -f "$1" -c "$CONC" -j 2 -T "$PGB_SECONDS" >"$WORK/pgbench.out" 2>&1 ||
		{ cat "$WORK/pgbench.out" >&2; exit 1; }
	sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p' "$WORK/pgbench.out"
}
# measure NAME COMMAND…: runs COMMAND, appends its figure to $WORK/NAME and prints it.
measure() { local name="$1" v; shift; v="$("$@")"; echo "$v" >>"$WORK/$name"; printf ' %s %.1f' "$name" "$v"; }

echo "bench-load: $ROUNDS rounds, $CONC workers/clients; the order of runs rotates each round"
for r in $(seq "$ROUNDS"); do
	printf '  round %d:' "$r"
	runs=(seed hardened pgb_seed pgb_hardened lat_seed lat_hardened cont_seed cont_hardened)
	for i in "${!runs[@]}"; do
		name="${runs[$(( (i + r - 1) % ${#runs[@]} ))]}"
		case "$name" in
		seed|hardened) measure "$name" load "$WORK/$name-$r" --policy "$name" --layers all --calls "$CALLS" --slots "$CALLS" --seed "$r" ;;
		pgb_seed) measure "$name" pgb "$WORK/seed.sql" ;;
		pgb_hardened) measure "$name" pgb "$WORK/hardened.sql" ;;
		lat_*) measure "$name" load "$WORK/$name-$r" --policy "${name#lat_}" --layers all --calcom-latency 100ms \
			--calls "$LAT_CALLS" --slots "$LAT_CALLS" --seed "$r" ;;
		cont_*) measure "$name" load "$WORK/$name-$r" --policy "${name#cont_}" --layers all --calcom-latency 100ms \
			--calls "$LAT_CALLS" --slots "$CONTENDED" --roll-every 20 --seed "$r" ;;
		esac
	done
	echo
done
m() { median <"$WORK/$1"; }

echo "bench-load: (c) peak RSS of a $RSS_CALLS-attempt hardened load, $ROUNDS rounds"
: >"$WORK/rss.kb"
for r in $(seq "$ROUNDS"); do
	/usr/bin/time -v "$WORK/bookingharness" load --pg-dsn "$DSN" --no-progress --policy hardened \
		--calls "$RSS_CALLS" --slots "$RSS_CALLS" --concurrency "$CONC" --seed "$r" >"$WORK/rss-$r.out" 2>"$WORK/rss-$r.err"
	grep 'Maximum resident set size' "$WORK/rss-$r.err" | awk '{print $NF}' >>"$WORK/rss.kb"
	printf '  round %d: %d MB\n' "$r" "$(( $(tail -1 "$WORK/rss.kb") / 1024 ))"
done
RSS_MB="$(( $(median <"$WORK/rss.kb" | cut -d. -f1) / 1024 ))"

echo "bench-load: (d) checker on a 100 000-attempt history, $ROUNDS rounds"
go test -run '^$' -bench 'BenchmarkCheck100k$' -benchtime 1x -count "$ROUNDS" ./sim/check | tee "$WORK/check.out" | grep -E '^Benchmark' || true
CHECK_S="$(grep -E '^BenchmarkCheck100k' "$WORK/check.out" | awk '{print $3 / 1e9}' | median)"

PROXY_STATUS=0
if [ -z "${BENCH_SKIP_PROXY:-}" ]; then
	echo "bench-load: (e) the wire proxy's cost (scripts/bench-proxy.sh on the same server)"
	BENCH_ROUNDS="$ROUNDS" bash scripts/bench-proxy.sh || PROXY_STATUS=$?
fi

E2E_SEED="$(ratio "$(m seed)" "$(m pgb_seed)")" E2E_HARD="$(ratio "$(m hardened)" "$(m pgb_hardened)")"
LAT="$(ratio "$(m lat_hardened)" "$(m lat_seed)")" CONT="$(ratio "$(m cont_hardened)" "$(m cont_seed)")"
echo
echo "bench-load: medians of $ROUNDS rounds, load average now $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  (a) distinct slots, all layers:  seed %.1f/s vs pgbench %.1f tx/s = %s;  hardened %.1f/s vs pgbench %.1f tx/s = %s  (target >= 0.8)\n' \
	"$(m seed)" "$(m pgb_seed)" "$E2E_SEED" "$(m hardened)" "$(m pgb_hardened)" "$E2E_HARD"
printf '  (b) Cal.com latency 100ms:  distinct slots hardened %.1f/s / seed %.1f/s = %s (target >= 0.9);  %d contended slots hardened %.1f/s / seed %.1f/s = %s (target > 1.0)\n' \
	"$(m lat_hardened)" "$(m lat_seed)" "$LAT" "$CONTENDED" "$(m cont_hardened)" "$(m cont_seed)" "$CONT"
printf '  (c) peak RSS, %d attempts: %d MB (target <= 300 MB)\n' "$RSS_CALLS" "$RSS_MB"
printf '  (d) checker, 100 000 attempts: %.3f s (target <= 2 s)\n' "$CHECK_S"
FAIL=0
miss() { echo "bench-load: MISSED $1" >&2; FAIL=1; }
awk -v r="$E2E_SEED" 'BEGIN {exit !(r >= 0.8)}' || miss "seed end-to-end/pgbench target"
awk -v r="$E2E_HARD" 'BEGIN {exit !(r >= 0.8)}' || miss "hardened end-to-end/pgbench target"
awk -v r="$LAT" 'BEGIN {exit !(r >= 0.9)}' || miss "hardened/seed with latency target"
awk -v r="$CONT" 'BEGIN {exit !(r > 1.0)}' || miss "hardened/seed contended target"
[ "$RSS_MB" -le 300 ] || miss "RSS target"
awk -v s="$CHECK_S" 'BEGIN {exit !(s <= 2)}' || miss "checker target"
[ "$PROXY_STATUS" -eq 0 ] || miss "proxy cost target (see (e) above)"
exit "$FAIL"
