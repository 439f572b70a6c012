#!/usr/bin/env bash
# Density: what 100 deployed scripts cost in memory when none is warm, and when 50 of them are,
# on 127.0.0.1 only. Prints the app's RSS with 100 idle scripts, then with 50 warm: the app's RSS,
# the containers' memory (docker stats: the script's node and everything in its cgroup) and the
# containerd shims' RSS (one per container, outside it), and their total.
#
#   bench/density.sh [--build]
#
#   --build  rebuild app/target/onebox.jar first (default: build only when missing)
#
# Pool settings (README): ONEBOX_POOL_MAX_CONTAINERS is per script version, so 50 warm scripts
# need no more than the default; ONEBOX_POOL_IDLE_TIMEOUT is set to an hour, so the first warm
# script is still warm when the last one is measured. Builds run BENCH_DENSITY_BUILDS at once.
#
# Environment: BENCH_DENSITY_SCRIPTS (100), BENCH_DENSITY_WARM (50), BENCH_DENSITY_BUILDS (2, as
# ONEBOX_BUILDS_CONCURRENCY), BENCH_JVM_OPTS, BENCH_KEEP (0; 1 = keep the temp dir and logs).
#
# Exit status: 0 when measured; 1 when the app, a deploy or a call failed.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCRIPTS=0
WARM=0
FORCE_BUILD=0
APP_PID=""
APP_URL=""
APP_LOG=""
APP_DATA=""
APP_TOKEN=""

usage() {
    sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

parse_args() {
    while (($#)); do
        case $1 in
            --build) FORCE_BUILD=1 ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; bench_die "unknown argument: $1" ;;
        esac
        shift
    done
    SCRIPTS=${BENCH_DENSITY_SCRIPTS:-100}
    WARM=${BENCH_DENSITY_WARM:-50}
    [[ "$SCRIPTS" =~ ^[1-9][0-9]*$ && "$WARM" =~ ^[0-9]+$ ]] || bench_die "BENCH_DENSITY_SCRIPTS and _WARM must be numbers"
    ((WARM <= SCRIPTS)) || bench_die "BENCH_DENSITY_WARM ($WARM) is more than BENCH_DENSITY_SCRIPTS ($SCRIPTS)"
}

start_app() {
    local port
    bench_docker_up >&2 || bench_die "no Docker engine (onebox_docker_up failed)"
    if ((FORCE_BUILD)); then bench_ensure_jar force; else bench_ensure_jar; fi
    bench_reserve_port port
    bench_new_dir APP_DATA data
    APP_URL="http://$BENCH_HOST:$port"
    APP_LOG="$BENCH_WORK/app.log"
    APP_TOKEN="bench-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
    bench_log "starting $BENCH_JAR on $APP_URL"
    ONEBOX_ADMIN_TOKEN=$APP_TOKEN ONEBOX_POOL_IDLE_TIMEOUT=1h ONEBOX_BUILDS_CONCURRENCY=${BENCH_DENSITY_BUILDS:-2} \
        bench_start_app "$port" "$APP_DATA" "" "$APP_LOG"
    APP_PID=$BENCH_LAST_PID
    bench_log "app ready (pid $APP_PID)"
}

script_name() {
    printf 'density-%03d\n' "$1"
}

# Deploys every script without waiting (the builds queue), then waits until all serve.
deploy_all() {
    local i name status ready=0 deadline
    bench_log "deploying $SCRIPTS scripts"
    for ((i = 1; i <= SCRIPTS; i++)); do
        name=$(script_name "$i")
        # Each its own source, so no two versions are the same image.
        status=$(jq -n --arg name "$name" --arg source "export default { async fetch() { return new Response(\"$name\"); } };" \
            '{name: $name, source: $source}' |
            curl -sS -o "$BENCH_WORK/deploy.json" -w '%{http_code}' --max-time 60 -X POST "$APP_URL/api/v1/scripts" \
                -H "Authorization: Bearer $APP_TOKEN" -H 'Content-Type: application/json' --data-binary @-) || true
        [[ "$status" == 20[12] ]] || bench_die "deploying $name answered $status: $(head -c 300 "$BENCH_WORK/deploy.json")"
    done
    deadline=$((SECONDS + 60 * 60))
    while ((SECONDS < deadline)); do
        ready=$(curl -sS --max-time 30 -H "Authorization: Bearer $APP_TOKEN" "$APP_URL/api/v1/scripts" |
            jq '[.[] | select((.name | startswith("density-")) and .currentVersion != null)] | length') || ready=0
        ((ready >= SCRIPTS)) && break
        bench_log "$ready of $SCRIPTS scripts serving"
        sleep 10
    done
    ((ready >= SCRIPTS)) || bench_die "only $ready of $SCRIPTS scripts serve after an hour"
    bench_log "all $SCRIPTS scripts serve"
}

# The app's containers: the engine may run others' too, so by the app's instance label.
app_containers() {
    docker ps -q --no-trunc --filter "label=dev.onebox.instance=$(cat "$APP_DATA/instance-id")"
}

rss_mb() {
    awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024; exit }' "/proc/$1/status" 2>/dev/null || echo 0
}

warm_up() {
    local i name body
    bench_log "calling $WARM scripts once each"
    for ((i = 1; i <= WARM; i++)); do
        name=$(script_name "$i")
        body=$(curl -sS --max-time 120 "$APP_URL/run/$name") || bench_die "GET /run/$name failed"
        [[ "$body" == "$name" ]] || bench_die "GET /run/$name answered: $(head -c 200 <<<"$body")"
    done
}

# Prints the containers' memory in MiB, summed over docker stats' MemUsage column.
containers_mb() {
    local ids=("$@")
    ((${#ids[@]})) || { echo 0; return; }
    docker stats --no-stream --format '{{.MemUsage}}' "${ids[@]}" | awk '{
        v = $1; n = v + 0
        if (v ~ /GiB$/) n *= 1024; else if (v ~ /KiB$/) n /= 1024; else if (v ~ /[0-9]B$/) n /= 1048576
        total += n } END { printf "%.1f\n", total }'
}

# Prints the RSS in MiB of the containerd shims of these containers (found by their -id argument).
shims_mb() {
    local id pid total_kb=0 kb
    for id in "$@"; do
        for pid in $(pgrep -f -- "containerd-shim.* -id $id" || true); do
            kb=$(awk '/^VmRSS:/ { print $2; exit }' "/proc/$pid/status" 2>/dev/null || echo 0)
            total_kb=$((total_kb + kb))
        done
    done
    awk -v k="$total_kb" 'BEGIN { printf "%.1f\n", k / 1024 }'
}

# One shim may serve several containers (containerd-shim-runc-v2 groups them): counts the distinct ones.
shim_count() {
    local id
    for id in "$@"; do
        pgrep -f -- "containerd-shim.* -id $id" || true
    done | sort -u | wc -l
}

main() {
    local started=$SECONDS idle_rss warm_rss ids=() c_mb s_mb shims
    parse_args "$@"
    bench_init
    bench_need curl:curl jq:jq pgrep:procps
    start_app
    deploy_all
    [[ -z "$(app_containers)" ]] || bench_log "note: containers of the app are running before any call"
    idle_rss=$(rss_mb "$APP_PID")
    warm_up
    mapfile -t ids < <(app_containers)
    warm_rss=$(rss_mb "$APP_PID")
    c_mb=$(containers_mb "${ids[@]}")
    s_mb=$(shims_mb "${ids[@]}")
    shims=$(shim_count "${ids[@]}")
    printf '\n%d scripts deployed, %d called once (ONEBOX_POOL_IDLE_TIMEOUT=1h)\n' "$SCRIPTS" "$WARM"
    printf '  app RSS, %d idle scripts, no container:   %8.1f MiB\n' "$SCRIPTS" "$idle_rss"
    printf '  app RSS, %d of them warm:                  %8.1f MiB\n' "$WARM" "$warm_rss"
    printf '  containers (%d, docker stats):           %8.1f MiB\n' "${#ids[@]}" "$c_mb"
    printf '  containerd shims (%d, RSS):              %8.1f MiB\n' "$shims" "$s_mb"
    awk -v a="$warm_rss" -v c="$c_mb" -v s="$s_mb" -v n="${#ids[@]}" 'BEGIN {
        printf "  total app + containers + shims:          %8.1f MiB (%.1f MiB per warm container beside the app)\n",
            a + c + s, (n > 0 ? (c + s) / n : 0) }'
    ((${#ids[@]} >= WARM)) || printf '  note: %d containers for %d warm scripts\n' "${#ids[@]}" "$WARM"
    printf 'total time: %ss (before cleanup)\n' "$((SECONDS - started))"
}

main "$@"
