#!/usr/bin/env bash
# What gVisor costs: one trivial fetch handler served by onebox with script containers under
# runc (Docker's default) and under runsc (gVisor, ONEBOX_SANDBOX_RUNTIME=runsc), in one run on
# 127.0.0.1, with the ratio runsc/runc of each figure:
#   container start  `docker run --rm --network none node -e 0` on the engine itself, p50
#   cold start       GET /run/bench after the warm pool scaled to zero (idle timeout 1 s), p50
#   warm req/s       wrk against /run/bench, and CPU per request (JVM + containerd-shim trees,
#                    which hold the containers and, under gVisor, its sandbox and gofer)
#
#   bench/sandbox.sh [--build]
#
#   --build  rebuild app/target/onebox.jar first (default: build only when missing)
#
# Needs the engine of .ci/docker-engine.sh with runsc and runsc-net registered (it does that).
# Environment: BENCH_DURATION (10s), BENCH_WARMUP (3s), BENCH_THREADS (2), BENCH_CONNECTIONS (16),
# BENCH_START_TRIES (8), BENCH_COLD_TRIES (8), BENCH_COLD_GAP (2.5 s idle before each cold call).
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly RUNTIMES=(runc runsc)
readonly WORKER='{"name":"bench","source":"export default { async fetch() { return new Response(\"ok\"); } };"}'
FORCE_BUILD=0
APP_PID=""
APP_PORT=""

parse_args() {
    while (($#)); do
        case $1 in
            --build) FORCE_BUILD=1 ;;
            -h | --help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
            *) bench_die "unknown argument: $1" ;;
        esac
        shift
    done
}

# p50 of the numbers on stdin.
median() {
    sort -n | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        printf "%.1f\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

now_ms() {
    date +%s%3N
}

# container_start RUNTIME — p50 ms of a node container started, run and removed by the engine.
container_start() {
    local runtime=$1 i t0 all=()
    docker run --rm --runtime "$runtime" --network none node:22-bookworm-slim node -e 0 >/dev/null # warm the page cache
    for ((i = 0; i < ${BENCH_START_TRIES:-8}; i++)); do
        t0=$(now_ms)
        docker run --rm --runtime "$runtime" --network none node:22-bookworm-slim node -e 0 >/dev/null ||
            bench_die "a node container does not run under $runtime"
        all+=("$(($(now_ms) - t0))")
    done
    printf '%s\n' "${all[@]}" | median
}

# start_app RUNTIME — the jar with script containers under RUNTIME; deploys the worker.
start_app() {
    local runtime=$1 data status
    bench_reserve_port APP_PORT
    bench_new_dir data "data-$runtime"
    ONEBOX_ADMIN_TOKEN=bench-token-0123456789abcdef ONEBOX_POOL_IDLE_TIMEOUT=1s ONEBOX_POOL_PAUSED_TIMEOUT=0s ONEBOX_RUNTIME=docker \
        ONEBOX_SANDBOX_RUNTIME="$runtime" bench_launch_app "$APP_PORT" "$data" "" "$BENCH_WORK/app-$runtime.log"
    APP_PID=$BENCH_LAST_PID
    bench_wait_http "http://$BENCH_HOST:$APP_PORT/health" "$APP_PID" "onebox app ($runtime)" 90 "$BENCH_WORK/app-$runtime.log"
    status=$(curl -sS -o "$BENCH_WORK/deploy-$runtime.json" -w '%{http_code}' --max-time 600 -X POST \
        "http://$BENCH_HOST:$APP_PORT/api/v1/scripts?wait=true" -H 'Authorization: Bearer bench-token-0123456789abcdef' \
        -H 'Content-Type: application/json' -d "$WORKER")
    [[ "$status" == 201 ]] || bench_die "deploy under $runtime answered $status: $(cat "$BENCH_WORK/deploy-$runtime.json")"
    bench_log "onebox with $runtime on $BENCH_HOST:$APP_PORT (pid $APP_PID): worker deployed"
}

# cold_start — p50 ms of GET /run/bench with the pool scaled to zero before each call.
cold_start() {
    local i out all=()
    for ((i = 0; i < ${BENCH_COLD_TRIES:-8}; i++)); do
        sleep "${BENCH_COLD_GAP:-2.5}"
        out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 30 "http://$BENCH_HOST:$APP_PORT/run/bench")
        [[ "${out%% *}" == 200 ]] || bench_die "a cold call answered ${out%% *}"
        all+=("$(awk -v s="${out#* }" 'BEGIN { printf "%.1f", s * 1000 }')")
    done
    printf '%s\n' "${all[@]}" | median
}

# warm RUNTIME — "req/s cpu_ms_per_request" of wrk against /run/bench.
warm() {
    local runtime=$1 url="http://$BENCH_HOST:$APP_PORT/run/bench" s0 s1 shims=() rps reqs
    bench_wrk "$BENCH_WORK/warmup-$runtime" "$APP_PID" "${BENCH_WARMUP:-3s}" "$url"
    mapfile -t shims < <(pgrep containerd-shim || true)
    s0=$(bench_tree_cpu_ticks "$APP_PID" "${shims[@]}")
    bench_wrk "$BENCH_WORK/warm-$runtime" "$APP_PID" "${BENCH_DURATION:-10s}" "$url"
    # again: containers the pool started during the run count from their start
    mapfile -t shims < <(pgrep containerd-shim || true)
    s1=$(bench_tree_cpu_ticks "$APP_PID" "${shims[@]}")
    read -r rps _ _ _ _ reqs _ <"$BENCH_WORK/warm-$runtime.res"
    awk -v r="$rps" -v n="$reqs" -v t="$((s1 - s0))" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.0f %.3f\n", r, (n > 0 ? 1000 * t / hz / n : 0) }'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}

main() {
    local runtime start cold rps cpu
    declare -A START COLD RPS CPU
    parse_args "$@"
    bench_init
    bench_need wrk:wrk curl:curl pgrep:procps
    bench_docker_up || bench_die "no Docker engine (.ci/docker-engine.sh)"
    docker info --format '{{json .Runtimes}}' | grep -q '"runsc-net"' ||
        bench_die "the engine has no runsc/runsc-net runtimes (.ci/docker-engine.sh registers them)"
    if ((FORCE_BUILD)); then bench_ensure_jar force; else bench_ensure_jar; fi
    for runtime in "${RUNTIMES[@]}"; do
        bench_log "$runtime: container start"
        START[$runtime]=$(container_start "$runtime")
        start_app "$runtime"
        bench_log "$runtime: warm throughput"
        read -r rps cpu <<<"$(warm "$runtime")"
        RPS[$runtime]=$rps
        CPU[$runtime]=$cpu
        bench_log "$runtime: cold start"
        COLD[$runtime]=$(cold_start)
        bench_stop_pid "$APP_PID" 30
    done
    printf '\n%-22s %10s %10s %14s\n' figure runc runsc 'runsc / runc'
    start=$(ratio "${START[runsc]}" "${START[runc]}")
    cold=$(ratio "${COLD[runsc]}" "${COLD[runc]}")
    rps=$(ratio "${RPS[runsc]}" "${RPS[runc]}")
    cpu=$(ratio "${CPU[runsc]}" "${CPU[runc]}")
    printf '%-22s %10s %10s %14s\n' 'container start ms' "${START[runc]}" "${START[runsc]}" "$start"
    printf '%-22s %10s %10s %14s\n' 'cold start ms (p50)' "${COLD[runc]}" "${COLD[runsc]}" "$cold"
    printf '%-22s %10s %10s %14s\n' 'warm req/s' "${RPS[runc]}" "${RPS[runsc]}" "$rps"
    printf '%-22s %10s %10s %14s\n' 'CPU ms per request' "${CPU[runc]}" "${CPU[runsc]}" "$cpu"
    printf '(wrk -t%s -c%s for %s after %s warm-up; %s cold calls, %s container starts; %s cores; runsc %s)\n' \
        "${BENCH_THREADS:-2}" "${BENCH_CONNECTIONS:-16}" "${BENCH_DURATION:-10s}" "${BENCH_WARMUP:-3s}" \
        "${BENCH_COLD_TRIES:-8}" "${BENCH_START_TRIES:-8}" "$(nproc)" "$(runsc --version 2>/dev/null | head -n 1 || echo '?')"
}

main "$@"
