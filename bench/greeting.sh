#!/usr/bin/env bash
# Benchmarks the greeting demo API against a throwaway nginx yardstick, on 127.0.0.1 only.
#
#   bench/greeting.sh [--no-redis] [--build]
#
#   --no-redis   run the app with its in-process cache instead of a throwaway redis-server
#   --build      rebuild app/target/onebox.jar first (default: build only when missing)
#
# Each target is warmed up until it runs steady (bench_warm_up in lib.sh: 5 s rounds for at least
# 60 s and until three in a row agree within 5 %, at most 120 s; each round's req/s is logged),
# then measured.
#
# Environment: BENCH_DURATION (15s), BENCH_WARMUP (unset: warm up until steady; a wrk duration
# such as 5s: one fixed round instead), BENCH_WARMUP_ROUND (5s), BENCH_WARMUP_MIN (60, s), BENCH_WARMUP_TOLERANCE (5, %),
# BENCH_WARMUP_MAX (120, s), BENCH_THREADS (2), BENCH_CONNECTIONS (16),
# BENCH_VARY_NAMES (0; 1 = a different name per greeting, via a wrk Lua script),
# BENCH_JVM_OPTS (none), BENCH_KEEP (0; 1 = keep the temp dir with logs and wrk output).
#
# Exit status: 0 when the benchmark ran, whether or not the targets were met; 1 when something
# failed to start or run; 3 when the greeting rows in SQLite and the count endpoint disagree.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Targets of the demo API, as ratios to the nginx yardstick measured in the same run.
readonly TARGET_COUNT_RATIO=0.3
readonly TARGET_GREETING_RATIO=0.1
readonly TARGET_P99_MS=10

USE_REDIS=1
FORCE_BUILD=0
APP_PORT=""
APP_DATA=""
APP_LOG=""
APP_PID=""
REDIS_PORT=""
NGINX_PID=""
NGINX_PORT=""
REDIS_PID=""
REDIS_NOTE=""

usage() {
    bench_usage
}

parse_args() {
    while (($#)); do
        case $1 in
            --no-redis) USE_REDIS=0 ;;
            --build) FORCE_BUILD=1 ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; bench_die "unknown argument: $1" ;;
        esac
        shift
    done
}

install_tools() {
    local needs=(wrk:wrk nginx:nginx sqlite3:sqlite3 curl:curl pgrep:procps java:default-jre-headless)
    ((USE_REDIS)) && needs+=(redis-server:redis-server redis-cli:redis-tools)
    bench_need "${needs[@]}"
    if ((FORCE_BUILD)); then bench_ensure_jar force; else bench_ensure_jar; fi
}

start_targets() {
    bench_reserve_port NGINX_PORT
    bench_start_nginx "$NGINX_PORT"
    NGINX_PID=$BENCH_LAST_PID
    bench_log "nginx yardstick on $BENCH_HOST:$NGINX_PORT (pid $NGINX_PID)"

    local redis_url=""
    if ((USE_REDIS)); then
        bench_reserve_port REDIS_PORT
        bench_start_redis "$REDIS_PORT"
        redis_url="redis://$BENCH_HOST:$REDIS_PORT"
        REDIS_PID=$BENCH_LAST_PID
        bench_log "redis-server on $BENCH_HOST:$REDIS_PORT (pid $REDIS_PID)"
    fi

    bench_reserve_port APP_PORT
    bench_new_dir APP_DATA data
    APP_LOG="$BENCH_WORK/app.log"
    bench_log "starting $BENCH_JAR ($(date -r "$BENCH_JAR" '+built %F %T')) on $BENCH_HOST:$APP_PORT, cache: ${redis_url:-in-process}"
    bench_start_app "$APP_PORT" "$APP_DATA" "$redis_url" "$APP_LOG"
    APP_PID=$BENCH_LAST_PID
    bench_log "app ready (pid $APP_PID): $(curl -sS --max-time 5 "http://$BENCH_HOST:$APP_PORT/health")"
}

redis_commands() {
    redis-cli -h "$BENCH_HOST" -p "$REDIS_PORT" info stats | awk -F: '/^total_commands_processed:/ { print $2 + 0 }'
}

# measure NAME PROCS URL [LUA] — warm-up run, then the measured run into $BENCH_WORK/NAME.res
# and NAME.grp (PROCS: the process groups of the server, see bench_wrk).
measure() {
    local name=$1 procs=$2 url=$3 lua=${4:-}
    bench_log "$name: warm-up"
    bench_warm_up "$BENCH_WORK/$name-warmup" "$procs" "$url" "$lua"
    bench_log "$name: measuring ${BENCH_DURATION:-15s}"
    bench_wrk "$BENCH_WORK/$name" "$procs" "${BENCH_DURATION:-15s}" "$url" "$lua"
}

run_benchmarks() {
    local app="http://$BENCH_HOST:$APP_PORT" lua="" before after count_groups="jvm:$APP_PID"
    measure nginx "nginx:$NGINX_PID" "http://$BENCH_HOST:$NGINX_PORT/"

    # One greeting first, so the count is a real number and (with Redis) the cache holds it.
    curl -fsS -o /dev/null --max-time 10 "$app/api/greeting?name=bench" || bench_die "first greeting failed"
    sleep 2
    ((USE_REDIS)) && before=$(redis_commands)
    # The count's work includes Redis's: its server is a group of its own.
    ((USE_REDIS)) && count_groups+=" redis:$REDIS_PID"
    measure count "$count_groups" "$app/api/greeting/count"
    if ((USE_REDIS)); then
        after=$(redis_commands)
        redis_note "$((after - before - 1))" # -1: the INFO that took the first reading
    fi

    if [[ "${BENCH_VARY_NAMES:-0}" == 1 ]]; then
        lua="$BENCH_WORK/names.lua"
        cat >"$lua" <<'EOF'
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/greeting?name=bench" .. n)
end
EOF
    fi
    measure greeting "jvm:$APP_PID" "$app/api/greeting?name=bench" "$lua"
}

# redis_note COMMANDS — says whether the count requests were really served from Redis.
redis_note() {
    local commands=$1 requests w r
    read -r _ _ _ _ _ w _ <"$BENCH_WORK/count-warmup.res"
    read -r _ _ _ _ _ r _ <"$BENCH_WORK/count.res"
    requests=$((w + r))
    REDIS_NOTE="redis: $commands commands from the app for $requests count requests (warm-up + run)"
    if ((commands * 2 < requests)); then
        REDIS_NOTE+=" -- WARNING: the count was mostly NOT served from Redis"
    fi
}

# The result columns of a .res file (see bench_wrk): rps p50 p99 non2xx sockerr reqs srvcpu wrkcpu;
# of a .grp file: one line per process group, then "total": name cpu% cpu_ms/req ctxsw/req.
print_table() {
    local base name rps p50 p99 non2xx sock reqs wcpu ratio group gcpu gms gcs cache=in-process
    ((USE_REDIS)) && cache="redis :$REDIS_PORT"
    read -r base _ <"$BENCH_WORK/nginx.res"
    printf '\n%-9s %10s %9s %9s %9s %10s %7s %8s %11s %9s %8s\n' \
        target 'req/s' 'p50 ms' 'p99 ms' 'vs nginx' requests errors 'srv cpu' 'cpu ms/req' 'csw/req' 'wrk cpu'
    for name in nginx count greeting; do
        read -r rps p50 p99 non2xx sock reqs _ wcpu <"$BENCH_WORK/$name.res"
        read -r _ gcpu gms gcs < <(grep '^total ' "$BENCH_WORK/$name.grp")
        ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
        printf '%-9s %10.0f %9.2f %9.2f %9s %10d %7d %7s%% %11s %9s %7s%%\n' \
            "$name" "$rps" "$p50" "$p99" "$ratio" "$reqs" "$((non2xx + sock))" "$gcpu" "$gms" "$gcs" "$wcpu"
        # The split by process group, when there is more than one.
        if (($(wc -l <"$BENCH_WORK/$name.grp") > 2)); then
            while read -r group gcpu gms gcs; do
                [[ "$group" == total ]] && continue
                printf '  %-7s %60s %7s%% %11s %9s\n' "$group" '' "$gcpu" "$gms" "$gcs"
            done <"$BENCH_WORK/$name.grp"
        fi
    done
    printf '(duration %s, wrk -t%s -c%s, %s cores, cache: %s; errors = non-2xx/3xx + socket errors;\n' \
        "${BENCH_DURATION:-15s}" "${BENCH_THREADS:-2}" "${BENCH_CONNECTIONS:-16}" "$(nproc)" "$cache"
    printf ' srv = the server process tree: nginx, or the JVM (+ redis-server for the count); cpu = %% of one core;\n'
    printf ' cpu ms/req = its CPU time per request; csw/req = its context switches (voluntary + nonvoluntary,\n'
    printf ' all threads) per request)\n'
    [[ -n "$REDIS_NOTE" ]] && printf '%s\n' "$REDIS_NOTE"
    return 0
}

print_verdicts() {
    local name target base rps p99 non2xx sock misses
    read -r base _ <"$BENCH_WORK/nginx.res"
    printf '\n'
    for name in count greeting; do
        target=$TARGET_COUNT_RATIO
        [[ $name == greeting ]] && target=$TARGET_GREETING_RATIO
        read -r rps _ p99 non2xx sock _ <"$BENCH_WORK/$name.res"
        misses=$(awk -v r="$rps" -v b="$base" -v t="$target" -v p="$p99" -v pt="$TARGET_P99_MS" 'BEGIN {
            m = ""
            if (b <= 0 || r / b < t) m = m sprintf(" req/s %.0f = %.3fx nginx < %.2fx;", r, (b > 0 ? r / b : 0), t)
            if (p >= pt) m = m sprintf(" p99 %.2f ms >= %d ms;", p, pt)
            print m }')
        ((non2xx + sock > 0)) && misses+=" $non2xx non-2xx/3xx and $sock socket errors;"
        if [[ -z "$misses" ]]; then
            printf 'verdict %-9s PASS (req/s %.0f = %.3fx nginx >= %.2fx, p99 %.2f ms < %d ms)\n' "$name" "$rps" \
                "$(awk -v r="$rps" -v b="$base" 'BEGIN { print r / b }')" "$target" "$p99" "$TARGET_P99_MS"
        else
            printf 'verdict %-9s MISS:%s\n' "$name" "${misses%;}"
        fi
    done
}

# Compares greeting rows in SQLite with the count endpoint, once the writes have settled.
check_rows() {
    local db="$APP_DATA/onebox.db" rows="" count="" i
    for ((i = 0; i < 20; i++)); do
        rows=$(sqlite3 "$db" 'SELECT count(*) FROM greeting;') || bench_die "cannot read $db"
        count=$(curl -fsS --max-time 5 "http://$BENCH_HOST:$APP_PORT/api/greeting/count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p' || true)
        [[ -n "$count" && "$rows" == "$count" ]] && break
        sleep 0.5
    done
    printf '\ngreeting rows in SQLite: %s, /api/greeting/count: %s -> %s\n' "$rows" "$count" \
        "$([[ "$rows" == "$count" ]] && echo EQUAL || echo MISMATCH)"
    [[ "$rows" == "$count" ]]
}

report_app_log() {
    local errors warns
    errors=$(grep -c -E ' ERROR |Exception' "$APP_LOG" || true)
    warns=$(grep -c ' WARN ' "$APP_LOG" || true)
    printf 'app log: %s ERROR/Exception lines, %s WARN lines\n' "$errors" "$warns"
    grep -E ' (ERROR|WARN) |Exception' "$APP_LOG" | head -n 5 | cut -c1-240 || true
}

main() {
    local started=$SECONDS rows_ok=0
    parse_args "$@"
    bench_init
    install_tools
    start_targets
    run_benchmarks
    print_table
    print_verdicts
    check_rows || rows_ok=$?
    report_app_log
    printf 'total time: %ss (before cleanup)\n' "$((SECONDS - started))"
    ((rows_ok == 0)) || exit 3
}

main "$@"
