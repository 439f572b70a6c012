#!/usr/bin/env bash
# Benchmarks one trivial fetch handler served three ways, on 127.0.0.1 only:
#   workerd  Cloudflare's runtime (npm package "workerd", cached), the yardstick
#   node     a bare node:http server calling the same module's fetch(request, env, ctx)
#   onebox   the app jar running the module in a Docker container (deploy + GET /run/bench)
# then the cold start of onebox (from no container) and its resume (from the script's paused
# sandbox) against its warm latency. The app runs with a 1 s idle timeout and a 2 s paused
# timeout: each cold try waits until the script has no container, each resume try until its only
# container is paused.
#
#   bench/invoke.sh [--build] [--no-onebox]
#
#   --build      rebuild app/target/onebox.jar first (default: build only when missing)
#   --no-onebox  measure workerd and node only (no Docker engine, no app)
#
# Each target is warmed up until it runs steady (bench_warm_up in lib.sh: 5 s rounds for at least
# 60 s and until three in a row agree within 5 %, at most 120 s; each round's req/s is logged),
# then measured.
#
# Environment: BENCH_DURATION (15s), BENCH_WARMUP (unset: warm up until steady; a wrk duration
# such as 5s: one fixed round instead), BENCH_WARMUP_ROUND (5s), BENCH_WARMUP_MIN (60, s), BENCH_WARMUP_TOLERANCE (5, %),
# BENCH_WARMUP_MAX (120, s), BENCH_THREADS (2), BENCH_CONNECTIONS (16),
# BENCH_CACHE (/var/cache/onebox-bench; workerd is installed under it), BENCH_WORKERD_VERSION
# (latest; used on the first install only), BENCH_NODE (/usr/bin/node, else node on PATH),
# BENCH_COLD_TRIES (10, for the cold start and the resume each), BENCH_JVM_OPTS,
# BENCH_KEEP (0; 1 = keep the temp dir with logs and wrk output).
#
# Exit status: 0 when the benchmark ran (targets met or not, onebox measured or not); 1 when
# workerd or node failed to start, or a measurement of them failed.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Targets, against the yardsticks measured in the same run.
readonly TARGET_WORKERD_RATIO=0.5    # onebox req/s >= 0.5x workerd's
readonly TARGET_NODE_RATIO=0.8       # onebox req/s >= 0.8x bare node's
readonly TARGET_P50_OVER_NODE_MS=0.5 # onebox p50 - node p50 <= 0.5 ms
readonly TARGET_COLD_P50_MS=100      # onebox cold start p50 <= 100 ms
readonly TARGET_RESUME_P50_MS=30     # stretch: onebox p50 <= 30 ms from a paused sandbox
# and the JVM's CPU time per request <= the containers' (the app costs no more than the script)
readonly COMPAT_DATE="2024-09-23"
readonly WORKER_SOURCE='export default { async fetch(request, env, ctx) { return new Response("ok"); } };'

FORCE_BUILD=0
WANT_ONEBOX=1
NODE_BIN=""
WORKERD_BIN=""
WORKERD_VERSION=""
WORKERD_PID=""
WORKERD_PORT=""
NODE_PID=""
NODE_PORT=""
WORKER_JS=""
APP_PID=""
APP_PORT=""
APP_DATA=""
APP_LOG=""
APP_TOKEN=""
ONEBOX_SKIP="" # why onebox was not measured; empty when it was
TARGETS=()
COLD_MS=()
COLD_NOTE=""
RESUME_MS=()
RESUME_NOTE=""

usage() {
    bench_usage
}

parse_args() {
    while (($#)); do
        case $1 in
            --build) FORCE_BUILD=1 ;;
            --no-onebox) WANT_ONEBOX=0 ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; bench_die "unknown argument: $1" ;;
        esac
        shift
    done
}

# --- tools ------------------------------------------------------------------------------------

install_tools() {
    bench_need wrk:wrk curl:curl pgrep:procps
    NODE_BIN=${BENCH_NODE:-}
    if [[ -z "$NODE_BIN" ]]; then
        if [[ -x /usr/bin/node ]]; then NODE_BIN=/usr/bin/node; else NODE_BIN=$(command -v node || true); fi
    fi
    [[ -n "$NODE_BIN" && -x "$NODE_BIN" ]] || bench_die "node not found (set BENCH_NODE)"
    "$NODE_BIN" -e 'new Request("http://x/"); new Response("ok")' 2>/dev/null \
        || bench_die "$NODE_BIN ($("$NODE_BIN" --version 2>&1)) has no global Request/Response (need Node 18+)"
    install_workerd
}

# Installs workerd from the npm registry into the cache (once) and sets WORKERD_BIN.
install_workerd() {
    local cache=${BENCH_CACHE:-/var/cache/onebox-bench} dir arch_pkg
    if ! mkdir -p "$cache/workerd" 2>/dev/null || [[ ! -w "$cache/workerd" ]]; then
        cache="${XDG_CACHE_HOME:-$HOME/.cache}/onebox-bench"
        mkdir -p "$cache/workerd" || bench_die "cannot create a cache dir for workerd"
    fi
    dir="$cache/workerd"
    case $(uname -m) in
        x86_64) arch_pkg=workerd-linux-64 ;;
        aarch64 | arm64) arch_pkg=workerd-linux-arm64 ;;
        *) bench_die "no workerd package for $(uname -m)" ;;
    esac
    if ! find_workerd "$dir" "$arch_pkg"; then
        bench_need npm:npm
        bench_log "npm install workerd@${BENCH_WORKERD_VERSION:-latest} into $dir"
        (cd "$dir" && npm install --no-audit --no-fund --loglevel=error --prefix "$dir" \
            "workerd@${BENCH_WORKERD_VERSION:-latest}") >&2 || bench_die "npm install workerd failed"
        find_workerd "$dir" "$arch_pkg" || bench_die "workerd installed in $dir but does not run"
    fi
    bench_log "workerd: $WORKERD_BIN ($WORKERD_VERSION)"
}

# find_workerd DIR ARCH_PKG — sets WORKERD_BIN/WORKERD_VERSION if an installed binary runs.
find_workerd() {
    local dir=$1 arch_pkg=$2 bin version
    for bin in "$dir/node_modules/@cloudflare/$arch_pkg/bin/workerd" "$dir/node_modules/workerd/bin/workerd"; do
        [[ -x "$bin" ]] || continue
        version=$("$bin" --version 2>/dev/null) || continue
        [[ "$version" == workerd\ * ]] || continue
        WORKERD_BIN=$bin
        WORKERD_VERSION=$version
        return 0
    done
    return 1
}

# --- the three servers ------------------------------------------------------------------------

write_worker() {
    local dir
    bench_new_dir dir worker
    WORKER_JS="$dir/worker.js"
    printf '%s\n' "$WORKER_SOURCE" >"$WORKER_JS"
}

start_workerd() {
    local dir=${WORKER_JS%/*} date=${WORKERD_VERSION#workerd } log
    # The compatibility date must not be later than the runtime's own date.
    [[ "$date" < "$COMPAT_DATE" ]] && bench_die "$WORKERD_VERSION is older than compatibilityDate $COMPAT_DATE"
    bench_reserve_port WORKERD_PORT
    cat >"$dir/config.capnp" <<EOF
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .mainWorker) ],
  sockets = [ (name = "http", address = "$BENCH_HOST:$WORKERD_PORT", http = (), service = "main") ],
);

const mainWorker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "$COMPAT_DATE",
);
EOF
    log="$BENCH_WORK/workerd.log"
    (cd "$dir" && exec "$WORKERD_BIN" serve config.capnp) >"$log" 2>&1 &
    WORKERD_PID=$!
    bench_track_pid "$WORKERD_PID" workerd
    bench_wait_http "http://$BENCH_HOST:$WORKERD_PORT/" "$WORKERD_PID" workerd 30 "$log"
    bench_log "workerd on $BENCH_HOST:$WORKERD_PORT (pid $WORKERD_PID)"
}

start_node() {
    local dir log
    bench_new_dir dir node
    bench_reserve_port NODE_PORT
    # The same module, behind node:http: Request in, worker.fetch(request, env, ctx), Response out.
    cat >"$dir/server.mjs" <<'EOF'
import http from "node:http";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";

const [modulePath, host, port] = process.argv.slice(2);
const worker = (await import(pathToFileURL(modulePath).href)).default;
const env = {};

async function handle(req, res) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const init = { method: req.method, headers };
  if (req.method !== "GET" && req.method !== "HEAD") {
    init.body = Readable.toWeb(req);
    init.duplex = "half";
  }
  const request = new Request(`http://${req.headers.host ?? `${host}:${port}`}${req.url}`, init);
  const pending = [];
  const ctx = { waitUntil(p) { pending.push(p); }, passThroughOnException() {} };
  const response = await worker.fetch(request, env, ctx);
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) res.appendHeader(name, value);
  if (response.body && req.method !== "HEAD") {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  }
  res.end();
  for (const r of await Promise.allSettled(pending)) {
    if (r.status === "rejected") console.error("waitUntil:", r.reason);
  }
}

http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end("internal error");
  });
}).listen(Number(port), host);
EOF
    log="$BENCH_WORK/node.log"
    "$NODE_BIN" "$dir/server.mjs" "$WORKER_JS" "$BENCH_HOST" "$NODE_PORT" >"$log" 2>&1 &
    NODE_PID=$!
    bench_track_pid "$NODE_PID" node
    bench_wait_http "http://$BENCH_HOST:$NODE_PORT/" "$NODE_PID" "node server" 30 "$log"
    bench_log "node $("$NODE_BIN" --version) on $BENCH_HOST:$NODE_PORT (pid $NODE_PID)"
}

# Sets ONEBOX_SKIP (and returns 1) instead of dying: onebox is work in progress.
start_onebox() {
    local token_bytes
    if ! onebox_engine_up; then
        ONEBOX_SKIP="no Docker engine (onebox_docker_up failed)"
        return 1
    fi
    if ((FORCE_BUILD)); then
        (bench_ensure_jar force) || { ONEBOX_SKIP="the jar did not build"; return 1; }
    else
        (bench_ensure_jar) || { ONEBOX_SKIP="the jar did not build"; return 1; }
    fi
    bench_reserve_port APP_PORT
    bench_new_dir APP_DATA data
    APP_LOG="$BENCH_WORK/app.log"
    token_bytes=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
    APP_TOKEN="bench-$token_bytes"
    bench_log "starting $BENCH_JAR ($(date -r "$BENCH_JAR" '+built %F %T')) on $BENCH_HOST:$APP_PORT, docker $ONEBOX_DOCKER_HOST"
    ONEBOX_ADMIN_TOKEN=$APP_TOKEN ONEBOX_POOL_IDLE_TIMEOUT=1s ONEBOX_POOL_PAUSED_TIMEOUT=2s ONEBOX_POOL_REAP_EVERY=200ms \
        bench_launch_app "$APP_PORT" "$APP_DATA" "" "$APP_LOG"
    APP_PID=$BENCH_LAST_PID
    # In a subshell: bench_wait_http exits on failure, which must not end this script.
    if ! (bench_wait_http "http://$BENCH_HOST:$APP_PORT/health" "$APP_PID" "onebox app" 90 "$APP_LOG"); then
        ONEBOX_SKIP="the app did not become healthy; see the lines above"
        return 1
    fi
    bench_log "app ready (pid $APP_PID)"
    deploy_worker
}

onebox_engine_up() {
    # shellcheck source=.ci/docker-engine.sh disable=SC1091 # followed only with shellcheck -x
    source "$BENCH_REPO/.ci/docker-engine.sh" || return 1
    onebox_docker_up
}

deploy_worker() {
    local app="http://$BENCH_HOST:$APP_PORT" payload status body warm
    payload=$("$NODE_BIN" -e 'process.stdout.write(JSON.stringify({ name: "bench", source: require("fs").readFileSync(process.argv[1], "utf8") }))' "$WORKER_JS")
    bench_log "onebox: deploying the worker (POST /api/v1/scripts?wait=true)"
    status=$(curl -sS -o "$BENCH_WORK/deploy.json" -w '%{http_code}' --max-time 600 -X POST \
        "$app/api/v1/scripts?wait=true" -H "Authorization: Bearer $APP_TOKEN" \
        -H 'Content-Type: application/json' -d "$payload" 2>"$BENCH_WORK/deploy.err") || true
    body=$(one_line "$BENCH_WORK/deploy.json" "$BENCH_WORK/deploy.err")
    if [[ "$status" != 201 && "$status" != 200 ]]; then
        ONEBOX_SKIP="deploy answered $status: $body"
        return 1
    fi
    bench_log "onebox: deploy answered $status: $body"
    warm=$(curl -sS -o "$BENCH_WORK/warm.txt" -w '%{http_code} %{time_total}' --max-time 120 \
        "$app/run/bench" 2>"$BENCH_WORK/warm.err") || true
    if [[ "${warm%% *}" != 2* ]]; then
        ONEBOX_SKIP="GET /run/bench answered ${warm%% *}: $(one_line "$BENCH_WORK/warm.txt" "$BENCH_WORK/warm.err")"
        return 1
    fi
    bench_log "onebox: first GET /run/bench answered ${warm%% *} in $(secs_to_ms "${warm#* }") ms: $(one_line "$BENCH_WORK/warm.txt")"
}

# one_line FILE... — the files' text on one line, cut to 300 characters.
one_line() {
    cat "$@" 2>/dev/null | tr '\r\n' '  ' | cut -c1-300
}

secs_to_ms() {
    awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'
}

# --- measuring --------------------------------------------------------------------------------

# measure NAME URL PROCS — warm-up, then the measured run into $BENCH_WORK/NAME.res and NAME.grp
# (PROCS: the server's process groups, see bench_wrk), plus NAME.cpu: the whole machine's busy
# CPU over the run, wrk included, in % of one core.
measure() {
    local name=$1 url=$2 procs=$3 hz h0 h1 wall
    TARGETS+=("$name")
    hz=$(getconf CLK_TCK)
    bench_log "$name: warm-up"
    bench_warm_up "$BENCH_WORK/$name-warmup" "$procs" "$url"
    bench_log "$name: measuring ${BENCH_DURATION:-15s}"
    h0=$(bench_host_busy_ticks)
    bench_wrk "$BENCH_WORK/$name" "$procs" "${BENCH_DURATION:-15s}" "$url"
    h1=$(bench_host_busy_ticks)
    read -r _ _ wall <<<"$(tail -n 1 "$BENCH_WORK/$name.time")"
    awk -v h="$((h1 - h0))" -v hz="$hz" -v w="$wall" \
        'BEGIN { w = (w > 0 ? w : 1); printf "%.0f\n", 100 * h / hz / w }' >"$BENCH_WORK/$name.cpu"
}

# The main PIDs of this app's containers (the engine may run other apps' containers too): the
# engine labels each with the app's instance id, which the app keeps in its data directory.
onebox_container_pids() {
    local instance id
    instance=$(cat "$APP_DATA/instance-id" 2>/dev/null) || return 0
    for id in $(timeout 10 docker ps -q --filter "label=dev.onebox.instance=$instance" 2>/dev/null); do
        timeout 10 docker inspect -f '{{.State.Pid}}' "$id" 2>/dev/null || true
    done | awk '$1 > 0'
}

run_throughput() {
    measure workerd "http://$BENCH_HOST:$WORKERD_PORT/" "workerd:$WORKERD_PID"
    measure node "http://$BENCH_HOST:$NODE_PORT/" "node:$NODE_PID"
    if [[ -z "$ONEBOX_SKIP" ]]; then
        measure onebox "http://$BENCH_HOST:$APP_PORT/run/bench" "jvm:$APP_PID containers:@onebox_container_pids"
    fi
}

# p50 of the numbers on stdin (the mean of the two middle ones for an even count).
median() {
    sort -n | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        printf "%.1f\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# single_ms URL — "HTTP_CODE MS" of one request on a new connection.
single_ms() {
    local out
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 30 "$1") || true
    printf '%s %s\n' "${out%% *}" "$(secs_to_ms "${out#* }")"
}

# warm_p50 URL — 1 priming request, then 10 back-to-back ones; prints "p50_ms codes".
warm_p50() {
    local url=$1 i code ms all=() codes=""
    single_ms "$url" >/dev/null
    for ((i = 0; i < 10; i++)); do
        read -r code ms <<<"$(single_ms "$url")"
        all+=("$ms")
        [[ " $codes " == *" $code "* ]] || codes+=" $code"
    done
    printf '%s%s\n' "$(printf '%s\n' "${all[@]}" | median)" "$codes"
}

# onebox_container_states — the engine's state of each container of this app, one per line.
onebox_container_states() {
    local instance
    instance=$(cat "$APP_DATA/instance-id" 2>/dev/null) || return 0
    timeout 10 docker ps -a --filter "label=dev.onebox.instance=$instance" --format '{{.State}}' 2>/dev/null || true
}

# wait_for_containers STATES — until the states of this app's containers, space-separated,
# equal STATES ("" for none, "paused" for one paused), for at most 30 s; false when they never did.
wait_for_containers() {
    local want=$1 deadline=$((SECONDS + 30)) now
    while ((SECONDS < deadline)); do
        now=$(onebox_container_states | sort | paste -sd ' ' -)
        [[ "$now" == "$want" ]] && return 0
        sleep 0.05
    done
    return 1
}

# run_starts KIND STATES — one GET /run/bench per try once this app's containers are in STATES;
# appends the times to KIND's list (cold or resume).
run_starts() {
    local kind=$1 want=$2 url="http://$BENCH_HOST:$APP_PORT/run/bench" tries=${BENCH_COLD_TRIES:-10}
    local i code ms note="" times=()
    bench_log "onebox: $kind, $tries tries, each once the script's containers are: ${want:-none}"
    printf '\nonebox %s (each call once the containers of this app are: %s; ONEBOX_POOL_IDLE_TIMEOUT=1s, ONEBOX_POOL_PAUSED_TIMEOUT=2s):\n' \
        "$kind" "${want:-none}"
    for ((i = 1; i <= tries; i++)); do
        wait_for_containers "$want" || note+=" try $i found containers '$(onebox_container_states | paste -sd ' ' -)';"
        read -r code ms <<<"$(single_ms "$url")"
        times+=("$ms")
        printf '  try %2d: %8s ms  HTTP %s\n' "$i" "$ms" "$code"
        [[ "$code" == 2* ]] || note+=" try $i answered HTTP $code;"
    done
    printf '  p50: %s ms\n' "$(printf '%s\n' "${times[@]}" | median)"
    if [[ "$kind" == cold* ]]; then
        COLD_MS=("${times[@]}") COLD_NOTE=$note
    else
        RESUME_MS=("${times[@]}") RESUME_NOTE=$note
    fi
}

print_single_latency() {
    local name url
    printf '\nwarm single-request latency (curl, new connection each, p50 of 10 after 1 priming call):\n'
    for name in "${TARGETS[@]}"; do
        case $name in
            workerd) url="http://$BENCH_HOST:$WORKERD_PORT/" ;;
            node) url="http://$BENCH_HOST:$NODE_PORT/" ;;
            onebox) url="http://$BENCH_HOST:$APP_PORT/run/bench" ;;
        esac
        read -r ms codes <<<"$(warm_p50 "$url")"
        printf '  %-8s %8s ms  (HTTP %s)\n' "$name" "$ms" "$codes"
    done
}

# --- report -----------------------------------------------------------------------------------

# .res columns (see bench_wrk): rps p50 p99 non2xx sockerr reqs srvcpu wrkcpu; .grp: one line per
# process group, then "total": name cpu% cpu_ms/req ctxsw/req.
print_table() {
    local base name rps p50 p99 non2xx sock reqs hcpu ratio group gcpu gms gcs
    read -r base _ <"$BENCH_WORK/workerd.res"
    printf '\n%-8s %10s %9s %9s %10s %10s %7s %8s %11s %9s %9s\n' \
        target 'req/s' 'p50 ms' 'p99 ms' 'vs workerd' requests errors 'srv cpu' 'cpu ms/req' 'csw/req' 'host cpu'
    for name in "${TARGETS[@]}"; do
        read -r rps p50 p99 non2xx sock reqs _ <"$BENCH_WORK/$name.res"
        read -r hcpu <"$BENCH_WORK/$name.cpu"
        read -r _ gcpu gms gcs < <(grep '^total ' "$BENCH_WORK/$name.grp")
        ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
        printf '%-8s %10.0f %9.2f %9.2f %10s %10d %7d %7s%% %11s %9s %8s%%\n' \
            "$name" "$rps" "$p50" "$p99" "$ratio" "$reqs" "$((non2xx + sock))" "$gcpu" "$gms" "$gcs" "$hcpu"
        if (($(wc -l <"$BENCH_WORK/$name.grp") > 2)); then
            while read -r group gcpu gms gcs; do
                [[ "$group" == total ]] && continue
                printf '  %-10s %59s %7s%% %11s %9s\n' "$group" '' "$gcpu" "$gms" "$gcs"
            done <"$BENCH_WORK/$name.grp"
        fi
    done
    printf '(duration %s after %s warm-up, wrk -t%s -c%s, %s cores; errors = non-2xx/3xx + socket errors;\n' \
        "${BENCH_DURATION:-15s}" "${BENCH_WARMUP:-a steady}" "${BENCH_THREADS:-2}" "${BENCH_CONNECTIONS:-16}" "$(nproc)"
    printf ' srv = the server process tree'
    [[ -z "$ONEBOX_SKIP" ]] && printf ' (onebox: its JVM + its containers, split below it)'
    printf '; cpu in %% of one core; cpu ms/req = its CPU time\n'
    printf ' per request; csw/req = its context switches (voluntary + nonvoluntary, all threads) per request;\n'
    printf ' host = whole machine incl. wrk)\n'
    printf '%s, %s (%s), Node %s\n' "$WORKERD_VERSION" "compatibilityDate $COMPAT_DATE" "$WORKERD_BIN" "$("$NODE_BIN" --version)"
    [[ -n "$ONEBOX_SKIP" ]] && printf 'onebox: not measured (%s)\n' "$ONEBOX_SKIP"
    return 0
}

# group_ms NAME GROUP — CPU ms per request of one process group of a target (0 when absent).
group_ms() {
    awk -v g="$2" '$1 == g { v = $3 } END { print v + 0 }' "$BENCH_WORK/$1.grp"
}

print_verdicts() {
    local w_rps n_rps n_p50 o_rps o_p50 o_non2xx o_sock line cold resume
    printf '\n'
    if [[ -n "$ONEBOX_SKIP" ]]; then
        printf 'verdict throughput   NOT MEASURED (onebox)\n'
        printf 'verdict overhead     NOT MEASURED (onebox)\n'
        printf 'verdict cpu/request  NOT MEASURED (onebox)\n'
        printf 'verdict cold start   NOT MEASURED (onebox)\n'
        printf 'verdict resume       NOT MEASURED (onebox)\n'
        return 0
    fi
    read -r w_rps _ <"$BENCH_WORK/workerd.res"
    read -r n_rps n_p50 _ <"$BENCH_WORK/node.res"
    read -r o_rps o_p50 _ o_non2xx o_sock _ <"$BENCH_WORK/onebox.res"
    local errors=""
    ((o_non2xx + o_sock > 0)) && errors=" -- but $o_non2xx non-2xx/3xx and $o_sock socket errors"
    line=$(awk -v o="$o_rps" -v w="$w_rps" -v n="$n_rps" -v tw="$TARGET_WORKERD_RATIO" -v tn="$TARGET_NODE_RATIO" 'BEGIN {
        rw = (w > 0 ? o / w : 0); rn = (n > 0 ? o / n : 0)
        printf "%s (onebox %.0f req/s = %.3fx workerd %.0f, target >= %.2fx; = %.3fx node %.0f, target >= %.2fx)",
            (rw >= tw && rn >= tn ? "PASS" : "MISS"), o, rw, w, tw, rn, n, tn }')
    [[ -n "$errors" ]] && line="MISS${line#PASS}$errors"
    printf 'verdict throughput   %s\n' "$line"
    line=$(awk -v o="$o_p50" -v n="$n_p50" -v t="$TARGET_P50_OVER_NODE_MS" 'BEGIN {
        d = o - n
        printf "%s (onebox p50 %.2f ms - node p50 %.2f ms = %.2f ms; target <= %.1f ms)", (d <= t ? "PASS" : "MISS"), o, n, d, t }')
    [[ -n "$errors" ]] && line="MISS${line#PASS}$errors"
    printf 'verdict overhead     %s\n' "$line"
    line=$(awk -v j="$(group_ms onebox jvm)" -v c="$(group_ms onebox containers)" 'BEGIN {
        printf "%s (JVM %.3f ms CPU per request, containers %.3f; target: JVM <= containers)", (j <= c && c > 0 ? "PASS" : "MISS"), j, c }')
    printf 'verdict cpu/request  %s\n' "$line"
    cold=$(printf '%s\n' "${COLD_MS[@]}" | median)
    line=$(awk -v c="$cold" -v t="$TARGET_COLD_P50_MS" 'BEGIN {
        printf "%s (p50 %.1f ms; target <= %d ms)", (c + 0 <= t ? "PASS" : "MISS"), c, t }')
    [[ -n "$COLD_NOTE" ]] && line="MISS${line#PASS} --${COLD_NOTE%;}"
    printf 'verdict cold start   %s\n' "$line"
    resume=$(printf '%s\n' "${RESUME_MS[@]}" | median)
    line=$(awk -v c="$resume" -v t="$TARGET_RESUME_P50_MS" 'BEGIN {
        printf "%s (p50 %.1f ms from a paused sandbox; stretch target <= %d ms)", (c + 0 <= t ? "PASS" : "MISS"), c, t }')
    [[ -n "$RESUME_NOTE" ]] && line="MISS${line#PASS} --${RESUME_NOTE%;}"
    printf 'verdict resume       %s\n' "$line"
}

report_logs() {
    local errors warns
    if [[ -n "$APP_LOG" && -f "$APP_LOG" ]]; then
        errors=$(grep -c -E ' ERROR |Exception' "$APP_LOG" || true)
        warns=$(grep -c ' WARN ' "$APP_LOG" || true)
        printf 'app log: %s ERROR/Exception lines, %s WARN lines\n' "$errors" "$warns"
        grep -E ' (ERROR|WARN) |Exception' "$APP_LOG" | head -n 5 | cut -c1-240 || true
    fi
    for errors in workerd node; do
        [[ -s "$BENCH_WORK/$errors.log" ]] || continue
        printf '%s log (last lines):\n' "$errors"
        tail -n 3 "$BENCH_WORK/$errors.log" | cut -c1-240
    done
}

main() {
    local started=$SECONDS
    parse_args "$@"
    bench_init
    install_tools
    write_worker
    start_workerd
    start_node
    if ((WANT_ONEBOX)); then
        start_onebox || bench_log "onebox: not measured ($ONEBOX_SKIP)"
    else
        ONEBOX_SKIP="--no-onebox"
    fi
    run_throughput
    print_table
    print_single_latency
    if [[ -z "$ONEBOX_SKIP" ]]; then
        run_starts "cold start" ""
        run_starts "resume" "paused"
    fi
    print_verdicts
    report_logs
    printf 'total time: %ss (before cleanup)\n' "$((SECONDS - started))"
}

main "$@"
