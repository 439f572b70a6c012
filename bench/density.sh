#!/usr/bin/env bash
# Density: what 100 deployed scripts cost in memory when none is warm, and when 50 of them are,
# on 127.0.0.1 only. Prints the app's RSS with 100 idle scripts, then with 50 warm: the app's RSS,
# the containers' processes (the script's node and anything it started) and the containerd shims
# (one per container, outside it), as RSS and as PSS (shared pages split between the processes
# that map them: the fairer sum, since every container maps the same node binary), and the total.
# A deploy leaves its script warm, so the app is restarted on its data after the deploys: it
# removes its leftover containers, and the idle figure is a fresh app with 100 scripts.
#
#   bench/density.sh [--build]
#
#   --build  rebuild app/target/onebox.jar first (default: build only when missing)
#
# Memory is read from /proc (smaps_rollup), not docker stats, which reads 0 B where the engine
# cannot see its cgroups' memory (a nested engine, cgroup v1).
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

parse_args() {
    bench_build_flag_only "$@"
    SCRIPTS=${BENCH_DENSITY_SCRIPTS:-100}
    WARM=${BENCH_DENSITY_WARM:-50}
    [[ "$SCRIPTS" =~ ^[1-9][0-9]*$ && "$WARM" =~ ^[0-9]+$ ]] || bench_die "BENCH_DENSITY_SCRIPTS and _WARM must be numbers"
    ((WARM <= SCRIPTS)) || bench_die "BENCH_DENSITY_WARM ($WARM) is more than BENCH_DENSITY_SCRIPTS ($SCRIPTS)"
}

APP_PORT=""

setup_app() {
    bench_docker_up >&2 || bench_die "no Docker engine (onebox_docker_up failed)"
    if ((FORCE_BUILD)); then bench_ensure_jar force; else bench_ensure_jar; fi
    bench_reserve_port APP_PORT
    bench_new_dir APP_DATA data
    APP_URL="http://$BENCH_HOST:$APP_PORT"
    APP_TOKEN="bench-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
}

# start_app LOG_NAME — the app on APP_DATA (again, after a restart).
start_app() {
    APP_LOG="$BENCH_WORK/$1.log"
    bench_log "starting $BENCH_JAR on $APP_URL"
    ONEBOX_ADMIN_TOKEN=$APP_TOKEN ONEBOX_POOL_IDLE_TIMEOUT=1h ONEBOX_BUILDS_CONCURRENCY=${BENCH_DENSITY_BUILDS:-2} \
        bench_start_app "$APP_PORT" "$APP_DATA" "" "$APP_LOG"
    APP_PID=$BENCH_LAST_PID
    bench_log "app ready (pid $APP_PID)"
}

# Stops the app and starts it again: the new app removes the containers the deploys left.
restart_app() {
    local deadline
    bench_log "restarting the app, so that no script is warm"
    bench_stop_pid "$APP_PID" 30
    start_app app-restarted
    deadline=$((SECONDS + 120))
    while [[ -n "$(app_containers)" ]] && ((SECONDS < deadline)); do
        sleep 2
    done
    [[ -z "$(app_containers)" ]] || bench_log "note: $(app_containers | wc -l) containers of the app still run after the restart"
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

# mem_mb TREE PID... — prints "RSS PSS" in MiB summed over the PIDs (TREE=1: and all their
# descendants), from /proc/PID/smaps_rollup.
mem_mb() {
    local tree=$1 queue=("${@:2}") kids=() p
    while ((${#queue[@]})); do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        cat "/proc/$p/smaps_rollup" 2>/dev/null || true
        if ((tree)); then
            mapfile -t kids < <(pgrep -P "$p" 2>/dev/null || true)
            ((${#kids[@]})) && queue+=("${kids[@]}")
        fi
    done | awk '$1 == "Rss:" { r += $2 } $1 == "Pss:" { p += $2 } END { printf "%.1f %.1f\n", r / 1024, p / 1024 }'
}

# The first process of each of these containers.
container_pids() {
    (($#)) || return 0
    docker inspect -f '{{.State.Pid}}' "$@"
}

# The containerd shims of these containers (found by their -id argument), each once.
shim_pids() {
    local id
    for id in "$@"; do
        pgrep -f -- "containerd-shim.* -id $id" || true
    done | sort -u
}

main() {
    local started=$SECONDS idle_rss warm_rss ids=() pids=() shims=() c_rss c_pss s_rss s_pss
    parse_args "$@"
    bench_init
    bench_need curl:curl jq:jq pgrep:procps
    setup_app
    start_app app
    deploy_all
    restart_app
    idle_rss=$(rss_mb "$APP_PID")
    warm_up
    mapfile -t ids < <(app_containers)
    mapfile -t pids < <(container_pids "${ids[@]}")
    mapfile -t shims < <(shim_pids "${ids[@]}")
    warm_rss=$(rss_mb "$APP_PID")
    read -r c_rss c_pss <<<"$(mem_mb 1 "${pids[@]}")"
    read -r s_rss s_pss <<<"$(mem_mb 0 "${shims[@]}")"
    printf '\n%d scripts deployed, %d called once (ONEBOX_POOL_IDLE_TIMEOUT=1h)   RSS MiB   PSS MiB\n' "$SCRIPTS" "$WARM"
    printf '  app, %3d idle scripts, no container:     %8.1f\n' "$SCRIPTS" "$idle_rss"
    printf '  app, %3d of them warm:                   %8.1f\n' "$WARM" "$warm_rss"
    printf '  containers (%3d, their processes):       %8.1f  %8.1f\n' "${#ids[@]}" "$c_rss" "$c_pss"
    printf '  containerd shims (%3d):                  %8.1f  %8.1f\n' "${#shims[@]}" "$s_rss" "$s_pss"
    awk -v a="$warm_rss" -v cr="$c_rss" -v cp="$c_pss" -v sr="$s_rss" -v sp="$s_pss" -v n="${#ids[@]}" 'BEGIN {
        n = (n > 0 ? n : 1)
        printf "  total app + containers + shims:          %8.1f  %8.1f (app RSS + PSS of the rest)\n", a + cr + sr, a + cp + sp
        printf "  per warm container, with its shim:       %8.1f  %8.1f\n", (cr + sr) / n, (cp + sp) / n }'
    ((${#ids[@]} == WARM)) || printf '  note: %d containers for %d warm scripts\n' "${#ids[@]}" "$WARM"
    printf 'total time: %ss (before cleanup)\n' "$((SECONDS - started))"
}

main "$@"
