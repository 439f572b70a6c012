#!/usr/bin/env bash
# Benchmarks the queues on this machine, on 127.0.0.1 only: messages per second from send to
# consumer ack with 1 and with 4 concurrent consumer batches (max_concurrency) for a backlog sent
# at once, the end-to-end delay of undelayed messages sent at a steady 200 a second (p50/p99, from
# the producer's send to the consumer's handler), and the CPU time per message of the backlog
# (the app and its sandboxes). Batches of 10, max_batch_timeout 0.
#
#   bench/queues.sh [--build]
#
#   --build   rebuild app/target/onebox.jar first (default: build only when missing)
#
# Environment: BENCH_MESSAGES (20000 per run), BENCH_PRODUCERS (4 concurrent producer calls),
# BENCH_JVM_OPTS, BENCH_RUNTIME (auto; process runs scripts as plain node processes),
# BENCH_KEEP (0; 1 = keep the temp dir with the app's log).
#
# Exit status: 0 when both runs were measured; 1 when the app or a run failed.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly TARGET_RATE=2000  # messages/s
readonly TARGET_P50_MS=50
readonly TOKEN="bench-queues-token-0123456789abcdef"
# shellcheck disable=SC2016 # JavaScript, not shell: its ${...} are template literals
readonly WORKER_SOURCE='export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const queue = url.searchParams.get("q");
    const binding = env[queue === "one" ? "ONE" : "FOUR"];
    if (url.pathname === "/send") {
      const n = Number(url.searchParams.get("n"));
      for (let sent = 0; sent < n; sent += 100) {
        const size = Math.min(100, n - sent);
        await binding.sendBatch(Array.from({ length: size }, (_, i) => ({ body: { i }, contentType: "json" })));
      }
      return new Response("sent");
    }
    if (url.pathname === "/paced") {
      const rounds = Number(url.searchParams.get("rounds"));
      for (let r = 0; r < rounds; r++) {
        const sentAt = Date.now();
        await binding.sendBatch(Array.from({ length: 10 }, (_, i) => ({ body: { sentAt, i }, contentType: "json" })));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return new Response("sent");
    }
    if (url.pathname === "/stats") {
      const delays = [];
      let cursor;
      do {
        const page = await env.KV.list({ prefix: `d/${queue}/`, cursor });
        for (const key of page.keys) delays.push(...JSON.parse(await env.KV.get(key.name)));
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      return Response.json(delays);
    }
    return new Response("not found", { status: 404 });
  },
  async queue(batch, env) {
    const now = Date.now();
    if (batch.messages[0].body.sentAt === undefined) return; // throughput: ack only
    await env.KV.put(`d/${batch.queue}/${now}/${batch.messages[0].id}`, JSON.stringify(batch.messages.map((m) => now - m.body.sentAt)));
  },
};'

FORCE_BUILD=0
APP_PORT=""
APP_PID=""
APP_LOG=""
RESULTS=()

parse_args() {
    while (($#)); do
        case $1 in
            --build) FORCE_BUILD=1 ;;
            -h | --help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
            *) bench_die "unknown argument: $1" ;;
        esac
        shift
    done
}

api() {
    local method=$1 path=$2 body=${3:-}
    curl -fsS -X "$method" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        ${body:+--data-binary "$body"} "http://$BENCH_HOST:$APP_PORT$path"
}

start_app() {
    local data
    bench_new_dir data data
    bench_reserve_port APP_PORT
    APP_LOG="$BENCH_WORK/app.log"
    export ONEBOX_ADMIN_TOKEN=$TOKEN ONEBOX_RUNTIME=${BENCH_RUNTIME:-auto} ONEBOX_QUEUES_MAX_BACKLOG=1000000
    bench_start_app "$APP_PORT" "$data" "" "$APP_LOG"
    APP_PID=$BENCH_LAST_PID
}

deploy() {
    local body
    # shellcheck disable=SC2016 # JavaScript in single quotes
    body=$(node -e 'process.stdout.write(JSON.stringify({name: "qbench", source: process.argv[1],
        limits: {timeoutMs: 60000},
        queues: {producers: [{queue: "one", binding: "ONE"}, {queue: "four", binding: "FOUR"}],
                 consumers: [{queue: "one", max_batch_size: 10, max_batch_timeout: 0, max_concurrency: 1},
                             {queue: "four", max_batch_size: 10, max_batch_timeout: 0, max_concurrency: 4}]}}))' "$WORKER_SOURCE")
    api POST '/api/v1/scripts?wait=true' "$body" >/dev/null || bench_die "deploy failed (see $APP_LOG)"
}

queue_total() {
    # shellcheck disable=SC2016 # JavaScript in single quotes
    api GET /api/v1/queues | node -e 'let s = ""; process.stdin.on("data", (d) => s += d).on("end", () => {
        const q = (JSON.parse(s).queues || []).find((x) => x.name === process.argv[1]); process.stdout.write(String(q ? q.messages : -1)); })' "$1"
}

# run QUEUE — throughput: sends BENCH_MESSAGES from BENCH_PRODUCERS concurrent calls and waits
# until all are acked; then latency: 10 messages every 50 ms for 5 s (200 a second), each timed
# from its send to the consumer's handler.
run() {
    local name=$1 total=${BENCH_MESSAGES:-20000} producers=${BENCH_PRODUCERS:-4} per t0 t1 c0 c1 hz i pids=() stats
    per=$((total / producers))
    total=$((per * producers))
    hz=$(getconf CLK_TCK)
    c0=$(bench_tree_cpu_ticks "$APP_PID")
    t0=$(date +%s%N)
    for ((i = 0; i < producers; i++)); do
        curl -fsS -o /dev/null "http://$BENCH_HOST:$APP_PORT/run/qbench/send?q=$name&n=$per" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || bench_die "a producer call failed"; done
    for ((i = 0; i < 1200; i++)); do
        [[ "$(queue_total "$name")" == 0 ]] && break
        sleep 0.05
    done
    [[ "$(queue_total "$name")" == 0 ]] || bench_die "queue $name did not drain within a minute"
    t1=$(date +%s%N)
    c1=$(bench_tree_cpu_ticks "$APP_PID")
    curl -fsS -o /dev/null "http://$BENCH_HOST:$APP_PORT/run/qbench/paced?q=$name&rounds=100" || bench_die "the paced producer failed"
    for ((i = 0; i < 200; i++)); do
        [[ "$(queue_total "$name")" == 0 ]] && break
        sleep 0.05
    done
    # shellcheck disable=SC2016 # JavaScript in single quotes
    stats=$(curl -fsS "http://$BENCH_HOST:$APP_PORT/run/qbench/stats?q=$name" | node -e 'let s = "";
        process.stdin.on("data", (d) => s += d).on("end", () => { const d = JSON.parse(s).sort((a, b) => a - b);
        const at = (p) => d[Math.min(d.length - 1, Math.floor(p * d.length))];
        process.stdout.write(`${d.length} ${at(0.5)} ${at(0.99)}`); })')
    read -r delivered p50 p99 <<<"$stats"
    local ms=$(((t1 - t0) / 1000000))
    RESULTS+=("$name $total $delivered $ms $p50 $p99 $(((c1 - c0) * 1000000 / hz / total))")
}

report() {
    local line name total delivered ms p50 p99 cpu_us rate verdict
    printf '\n%-22s %9s %9s %10s %8s %8s %12s\n' "consumers" "messages" "timed" "msgs/s" "p50 ms" "p99 ms" "CPU/msg us"
    for line in "${RESULTS[@]}"; do
        read -r name total delivered ms p50 p99 cpu_us <<<"$line"
        rate=$((total * 1000 / (ms > 0 ? ms : 1)))
        verdict="ok"
        ((rate >= TARGET_RATE && p50 < TARGET_P50_MS)) || verdict="below target (>= $TARGET_RATE msgs/s, p50 < $TARGET_P50_MS ms)"
        printf '%-22s %9s %9s %10s %8s %8s %12s  %s\n' "max_concurrency $([[ $name == one ]] && echo 1 || echo 4)" \
            "$total" "$delivered" "$rate" "$p50" "$p99" "$cpu_us" "$verdict"
    done
}

main() {
    parse_args "$@"
    bench_need curl:curl pgrep:procps node:nodejs
    bench_init
    if ((FORCE_BUILD)); then bench_ensure_jar force; else bench_ensure_jar; fi
    start_app
    deploy
    run one
    run four
    report
}

main "$@"
