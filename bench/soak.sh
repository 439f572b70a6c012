#!/usr/bin/env bash
# Soak: steady load for a long while on a script that does one env.KV.get and one env.KV.put per
# call, on 127.0.0.1 only, to see what drifts: latency, the app's memory, the runs table.
#
#   bench/soak.sh [--build]
#
#   --build  rebuild app/target/onebox.jar first (default: build only when missing)
#
# Each wrk run starts after a warm-up until steady (bench_warm_up in lib.sh), so the first fifth
# does not hold the JIT's compiling. The trivial script (new Response("ok")) is measured at the
# same load before and after, for the ratio (against the mean of the two, so that a burst of
# other work on the host during one of them counts less). In between the KV script runs for BENCH_SOAK_DURATION, in three wrk runs back
# to back: the first fifth, the middle three fifths, the last fifth (with the default ten
# minutes: the first two and the last two minutes), while a sampler records the app's RSS and the
# runs table every sixtieth of it. The load average before and after says how busy the host was.
#
# Targets (#15): the KV script's req/s >= 0.5x the trivial script's; p99 of the last fifth <=
# 1.5x the first fifth's; the runs table within 2x the keep limit all along; app RSS flat (the
# last sample <= 1.25x the one at the end of the first fifth).
#
# Environment: BENCH_SOAK_DURATION (10m; s/m suffix or seconds), BENCH_SOAK_KEEP (1000, set as
# ONEBOX_RUNS_KEEP_PER_SCRIPT), BENCH_THREADS (2), BENCH_CONNECTIONS (2), BENCH_JVM_OPTS,
# BENCH_KEEP (0; 1 = keep the temp dir with logs and wrk output).
#
# Exit status: 0 when the soak ran (targets met or not); 1 when the app, a deploy or wrk failed.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly TARGET_KV_RATIO=0.5
readonly TARGET_P99_GROWTH=1.5
readonly TARGET_RUNS_FACTOR=2
readonly TARGET_RSS_GROWTH=1.25
readonly TRIVIAL_SOURCE='export default { async fetch() { return new Response("ok"); } };'
# A thousand keys, so the KV table stays small and the soak measures the calls, not a growing store.
readonly KV_SOURCE='export default { async fetch(request, env) {
  const key = "k" + Math.floor(Math.random() * 1000);
  const n = Number((await env.KV.get(key)) ?? 0);
  await env.KV.put(key, String(n + 1));
  return new Response(String(n));
} };'

export BENCH_THREADS=${BENCH_THREADS:-2}
export BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-2}

FORCE_BUILD=0
DURATION_S=0
KEEP=0
APP_PID=""
APP_URL=""
APP_LOG=""
APP_DB=""
APP_TOKEN=""
SAMPLER_PID=""
LOAD_BEFORE=""
LOAD_AFTER=""

parse_args() {
    bench_build_flag_only "$@"
    DURATION_S=$(to_seconds "${BENCH_SOAK_DURATION:-10m}")
    ((DURATION_S >= 30)) || bench_die "BENCH_SOAK_DURATION must be at least 30s (got ${BENCH_SOAK_DURATION})"
    KEEP=${BENCH_SOAK_KEEP:-1000}
    [[ "$KEEP" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_SOAK_KEEP must be a positive number"
}

# to_seconds 10m|90s|90 — prints whole seconds.
to_seconds() {
    case $1 in
        *m) [[ "${1%m}" =~ ^[0-9]+$ ]] && printf '%s\n' "$((${1%m} * 60))" && return ;;
        *s) [[ "${1%s}" =~ ^[0-9]+$ ]] && printf '%s\n' "${1%s}" && return ;;
        *) [[ "$1" =~ ^[0-9]+$ ]] && printf '%s\n' "$1" && return ;;
    esac
    bench_die "not a duration: $1 (use 10m, 90s or 90)"
}

# --- the app and its scripts ----------------------------------------------------------------

start_app() {
    local port data
    bench_docker_up >&2 || bench_die "no Docker engine (onebox_docker_up failed)"
    if ((FORCE_BUILD)); then bench_ensure_jar force; else bench_ensure_jar; fi
    bench_reserve_port port
    bench_new_dir data data
    APP_URL="http://$BENCH_HOST:$port"
    APP_LOG="$BENCH_WORK/app.log"
    APP_DB="$data/onebox.db"
    APP_TOKEN="bench-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
    bench_log "starting $BENCH_JAR on $APP_URL (runs kept per script: $KEEP)"
    # Containers stay warm through the whole soak: a scale-down would show up as latency.
    ONEBOX_ADMIN_TOKEN=$APP_TOKEN ONEBOX_RUNS_KEEP_PER_SCRIPT=$KEEP ONEBOX_POOL_IDLE_TIMEOUT=1h \
        bench_start_app "$port" "$data" "" "$APP_LOG"
    APP_PID=$BENCH_LAST_PID
    bench_log "app ready (pid $APP_PID)"
}

# deploy NAME SOURCE — deploys and calls the script once, so the soak starts warm.
deploy() {
    local name=$1 source=$2 status
    status=$(jq -n --arg name "$name" --arg source "$source" '{name: $name, source: $source}' |
        curl -sS -o "$BENCH_WORK/deploy-$name.json" -w '%{http_code}' --max-time 600 -X POST \
            "$APP_URL/api/v1/scripts?wait=true" -H "Authorization: Bearer $APP_TOKEN" \
            -H 'Content-Type: application/json' --data-binary @-) || true
    [[ "$status" == 201 ]] || bench_die "deploying $name answered $status: $(head -c 300 "$BENCH_WORK/deploy-$name.json")"
    status=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 120 "$APP_URL/run/$name") || true
    [[ "$status" == 200 ]] || bench_die "the first GET /run/$name answered $status"
    bench_log "deployed $name"
}

# --- sampling -------------------------------------------------------------------------------

rss_kb() {
    awk '/^VmRSS:/ { print $2; exit }' "/proc/$1/status" 2>/dev/null || echo 0
}

# Context switches (voluntary + involuntary) of all threads of PID that are alive now.
ctx_switches() {
    cat "/proc/$1"/task/*/status 2>/dev/null |
        awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }'
}

runs_of() {
    sqlite3 -readonly -cmd '.timeout 5000' "$APP_DB" "SELECT COUNT(*) FROM run WHERE script_name = '$1'" 2>/dev/null || echo '?'
}

# Every INTERVAL seconds: "elapsed_s rss_kb kv_runs all_runs" into FILE, until killed.
sampler() {
    local interval=$1 file=$2 start=$SECONDS all
    while kill -0 "$APP_PID" 2>/dev/null; do
        all=$(sqlite3 -readonly -cmd '.timeout 5000' "$APP_DB" 'SELECT COUNT(*) FROM run' 2>/dev/null || echo '?')
        printf '%s %s %s %s\n' "$((SECONDS - start))" "$(rss_kb "$APP_PID")" "$(runs_of soak-kv)" "$all" >>"$file"
        sleep "$interval"
    done
}

start_sampler() {
    local interval=$((DURATION_S / 60))
    ((interval >= 2)) || interval=2
    : >"$BENCH_WORK/samples.txt"
    sampler "$interval" "$BENCH_WORK/samples.txt" &
    SAMPLER_PID=$!
    bench_track_pid "$SAMPLER_PID" sampler
}

# --- the soak -------------------------------------------------------------------------------

# run_baseline NAME — the trivial script at the soak's load, into NAME.res.
run_baseline() {
    local seconds=$((DURATION_S / 10))
    ((seconds >= 10)) || seconds=10
    bench_log "trivial script ($1): warm-up until steady, then ${seconds}s"
    bench_warm_up "$BENCH_WORK/$1-warmup" "$APP_PID" "$APP_URL/run/soak-trivial"
    bench_wrk "$BENCH_WORK/$1" "$APP_PID" "${seconds}s" "$APP_URL/run/soak-trivial"
}

run_soak() {
    local fifth=$((DURATION_S / 5)) middle hz t0 t1 c0 c1
    middle=$((DURATION_S - 2 * fifth))
    hz=$(getconf CLK_TCK)
    bench_log "KV script: warm-up until steady, then ${DURATION_S}s (first ${fifth}s, middle ${middle}s, last ${fifth}s)"
    bench_warm_up "$BENCH_WORK/kv-warmup" "$APP_PID" "$APP_URL/run/soak-kv"
    start_sampler
    t0=$(bench_tree_cpu_ticks "$APP_PID")
    c0=$(ctx_switches "$APP_PID")
    bench_wrk "$BENCH_WORK/kv-first" "$APP_PID" "${fifth}s" "$APP_URL/run/soak-kv"
    bench_log "first window done: $(cut -d' ' -f1,3 "$BENCH_WORK/kv-first.res" | awk '{ printf "%.0f req/s, p99 %.1f ms", $1, $2 }')"
    bench_wrk "$BENCH_WORK/kv-middle" "$APP_PID" "${middle}s" "$APP_URL/run/soak-kv"
    bench_log "middle window done: $(cut -d' ' -f1,3 "$BENCH_WORK/kv-middle.res" | awk '{ printf "%.0f req/s, p99 %.1f ms", $1, $2 }')"
    bench_wrk "$BENCH_WORK/kv-last" "$APP_PID" "${fifth}s" "$APP_URL/run/soak-kv"
    t1=$(bench_tree_cpu_ticks "$APP_PID")
    c1=$(ctx_switches "$APP_PID")
    bench_stop_pid "$SAMPLER_PID" 2
    printf '%s %s %s\n' "$((t1 - t0))" "$hz" "$((c1 - c0))" >"$BENCH_WORK/kv.cpu"
}

# --- report ---------------------------------------------------------------------------------

print_windows() {
    local name rps p50 p99 non2xx sock reqs scpu
    printf '\n%-14s %9s %9s %9s %10s %7s %8s %12s\n' window 'req/s' 'p50 ms' 'p99 ms' requests errors 'app cpu' 'app cpu/req'
    for name in trivial-before kv-first kv-middle kv-last trivial-after; do
        read -r rps p50 p99 non2xx sock reqs scpu _ <"$BENCH_WORK/$name.res"
        printf '%-14s %9.0f %9.2f %9.2f %10d %7d %7s%% %9s ms\n' "$name" "$rps" "$p50" "$p99" "$reqs" "$((non2xx + sock))" "$scpu" \
            "$(awk -v c="$scpu" -v r="$rps" 'BEGIN { printf "%.2f", (r > 0 ? 10 * c / r : 0) }')"
    done
    printf '(wrk -t%s -c%s; errors = non-2xx/3xx + socket errors; app cpu in %% of one core; cpu/req moves less with the host than req/s)\n' \
        "$BENCH_THREADS" "$BENCH_CONNECTIONS"
}

print_cost() {
    local ticks hz ctx reqs=0 name r
    read -r ticks hz ctx <"$BENCH_WORK/kv.cpu"
    for name in kv-first kv-middle kv-last; do
        read -r _ _ _ _ _ r _ <"$BENCH_WORK/$name.res"
        reqs=$((reqs + r))
    done
    awk -v t="$ticks" -v hz="$hz" -v c="$ctx" -v n="$reqs" 'BEGIN {
        n = (n > 0 ? n : 1)
        printf "KV script, whole soak: %d requests, app CPU %.3f ms per request, %.2f app context switches per request\n",
            n, 1000 * t / hz / n, c / n }'
}

# Prints about 20 of the samples, evenly spread, and the last.
print_samples() {
    local lines step
    lines=$(wc -l <"$BENCH_WORK/samples.txt")
    step=$(((lines + 19) / 20))
    ((step >= 1)) || step=1
    printf '\n%8s %10s %14s %10s\n' 'elapsed' 'app RSS MB' 'runs soak-kv' 'runs all'
    awk -v step="$step" -v last="$lines" '(NR - 1) % step == 0 || NR == last {
        printf "%7ds %10.0f %14s %10s\n", $1, $2 / 1024, $3, $4 }' "$BENCH_WORK/samples.txt"
    printf '(runs kept per script: %s, ONEBOX_RUNS_KEEP_PER_SCRIPT)\n' "$KEEP"
}

print_verdicts() {
    local t_rps k_rps p99_first p99_last errors=0 name n s max_runs rss_ref rss_last fifth
    t_rps=$(awk '{ s += $1 } END { printf "%.1f", s / 2 }' "$BENCH_WORK/trivial-before.res" "$BENCH_WORK/trivial-after.res")
    read -r _ _ p99_first _ <"$BENCH_WORK/kv-first.res"
    read -r _ _ p99_last _ <"$BENCH_WORK/kv-last.res"
    k_rps=$(awk '{ n += $6; s += $6 / ($1 > 0 ? $1 : 1) } END { printf "%.1f", (s > 0 ? n / s : 0) }' \
        "$BENCH_WORK/kv-first.res" "$BENCH_WORK/kv-middle.res" "$BENCH_WORK/kv-last.res")
    for name in trivial-before kv-first kv-middle kv-last trivial-after; do
        read -r _ _ _ n s _ <"$BENCH_WORK/$name.res"
        errors=$((errors + n + s))
    done
    max_runs=$(awk '$3 ~ /^[0-9]+$/ && $3 > m { m = $3 } END { print m + 0 }' "$BENCH_WORK/samples.txt")
    fifth=$((DURATION_S / 5))
    rss_ref=$(awk -v f="$fifth" '$1 <= f { r = $2 } END { print r + 0 }' "$BENCH_WORK/samples.txt")
    rss_last=$(awk 'END { print $2 + 0 }' "$BENCH_WORK/samples.txt")
    printf '\n'
    awk -v k="$k_rps" -v t="$t_rps" -v target="$TARGET_KV_RATIO" 'BEGIN { r = (t > 0 ? k / t : 0)
        printf "verdict kv/trivial   %s (KV %.0f req/s over the soak / trivial %.0f, before and after = %.2f; target >= %.1f)\n",
            (r >= target ? "PASS" : "MISS"), k, t, r, target }'
    awk -v f="$p99_first" -v l="$p99_last" -v target="$TARGET_P99_GROWTH" 'BEGIN { r = (f > 0 ? l / f : 0)
        printf "verdict p99 drift    %s (last fifth %.1f ms / first fifth %.1f ms = %.2f; target <= %.1f)\n",
            (r <= target ? "PASS" : "MISS"), l, f, r, target }'
    awk -v m="$max_runs" -v k="$KEEP" -v target="$TARGET_RUNS_FACTOR" 'BEGIN {
        printf "verdict runs table   %s (at most %d runs of the KV script sampled; keep %d; target <= %dx)\n",
            (m <= target * k ? "PASS" : "MISS"), m, k, target }'
    awk -v a="$rss_ref" -v b="$rss_last" -v target="$TARGET_RSS_GROWTH" 'BEGIN { r = (a > 0 ? b / a : 0)
        printf "verdict app RSS      %s (%.0f MB at the end of the first fifth, %.0f MB at the end; x%.2f, target <= %.2f)\n",
            (r <= target ? "PASS" : "MISS"), a / 1024, b / 1024, r, target }'
    printf 'errors               %s\n' "$errors"
    printf 'host load average    %s before, %s after (%s cores)\n' "$LOAD_BEFORE" "$LOAD_AFTER" "$(nproc)"
}

report_logs() {
    local errors warns
    errors=$(grep -c -E ' ERROR |Exception' "$APP_LOG" || true)
    warns=$(grep -c ' WARN ' "$APP_LOG" || true)
    printf 'app log: %s ERROR/Exception lines, %s WARN lines\n' "$errors" "$warns"
    grep -E ' (ERROR|WARN) |Exception' "$APP_LOG" | head -n 5 | cut -c1-240 || true
}

main() {
    local started=$SECONDS
    parse_args "$@"
    bench_init
    bench_need wrk:wrk curl:curl jq:jq sqlite3:sqlite3 pgrep:procps
    start_app
    deploy soak-trivial "$TRIVIAL_SOURCE"
    deploy soak-kv "$KV_SOURCE"
    LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
    run_baseline trivial-before
    run_soak
    run_baseline trivial-after
    LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
    print_windows
    print_cost
    print_samples
    print_verdicts
    report_logs
    printf 'total time: %ss (before cleanup)\n' "$((SECONDS - started))"
}

main "$@"
