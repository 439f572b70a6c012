# shellcheck shell=bash
# Shared helpers for the onebox benchmarks (bench/greeting.sh, bench/invoke.sh, ...).
#
# Source it from a script that runs with `set -euo pipefail`, then call bench_init once: it
# creates a work directory and installs an EXIT trap that stops every process started through
# these helpers and removes every temporary directory. Everything listens on 127.0.0.1 only.
#
# Functions that start a process set BENCH_LAST_PID (they cannot return it through $(...),
# since the process must be a child of the calling shell to be waited for and cleaned up).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_REPO=$(cd "$BENCH_DIR/.." && pwd)
# BENCH_JAR may name another build (e.g. a copy, so that a rebuild cannot change the jar under a run).
BENCH_JAR=${BENCH_JAR:-"$BENCH_REPO/app/target/onebox.jar"}
BENCH_HOST=127.0.0.1

BENCH_WORK=""          # temp dir of this run (set by bench_init)
BENCH_LAST_PID=""      # pid of the process most recently started by a bench_start_* function
BENCH_PIDS=()          # processes to stop on exit, in start order (stopped in reverse)
BENCH_PID_NAMES=()     # their names, for messages
BENCH_TMP_DIRS=()      # directories to remove on exit
BENCH_PORTS_TAKEN=()   # ports handed out by bench_free_port in this run
BENCH_APT_UPDATED=0

bench_log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# bench_usage [FILE] — prints the header comment of FILE (default: the calling script) after the
# shebang, up to the first line that is not a comment, so a script's help is its header and
# cannot drift from it.
bench_usage() {
    awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "${1:-${BASH_SOURCE[1]}}"
}

# bench_build_flag_only ARG... — the arguments of a script whose one flag is --build (sets
# FORCE_BUILD=1); -h/--help prints the script's header and exits, anything else is refused.
# shellcheck disable=SC2034 # FORCE_BUILD is the calling script's variable
bench_build_flag_only() {
    local script=${BASH_SOURCE[1]:-$0}
    while (($#)); do
        case $1 in
            --build) FORCE_BUILD=1 ;;
            -h | --help) bench_usage "$script"; exit 0 ;;
            *) bench_usage "$script" >&2; bench_die "unknown argument: $1" ;;
        esac
        shift
    done
}

bench_die() {
    printf '[bench] FAILED: %s\n' "$*" >&2
    exit 1
}

# --- setup and cleanup --------------------------------------------------------------------

bench_init() {
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/onebox-bench.XXXXXX")
    BENCH_TMP_DIRS+=("$BENCH_WORK")
}

# Registers a process to be stopped on exit.
bench_track_pid() {
    BENCH_PIDS+=("$1")
    BENCH_PID_NAMES+=("$2")
}

# Stops one process: TERM, then KILL after $2 seconds (default 10). Safe if already gone.
bench_stop_pid() {
    local pid=$1 grace=${2:-10} i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        bench_log "pid $pid did not stop within ${grace}s, killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
    local rc=$? i
    trap - EXIT INT TERM
    set +e
    for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
        # The app has a 20 s graceful shutdown; give it a little more before KILL.
        bench_stop_pid "${BENCH_PIDS[i]}" 25
    done
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
        ((${#BENCH_TMP_DIRS[@]})) && printf '[bench] kept (BENCH_KEEP=1): %s\n' "${BENCH_TMP_DIRS[*]}" >&2
    else
        for i in "${BENCH_TMP_DIRS[@]}"; do
            [[ -n "$i" && -d "$i" ]] && rm -rf -- "$i"
        done
    fi
    exit "$rc"
}

# --- tools ----------------------------------------------------------------------------------

bench_as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        bench_die "need root (or sudo) to run: $*"
    fi
}

# bench_need CMD:PACKAGE ... — installs the Debian packages of the missing commands.
bench_need() {
    local spec cmd pkg missing=()
    for spec in "$@"; do
        cmd=${spec%%:*}
        pkg=${spec#*:}
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    command -v apt-get >/dev/null 2>&1 || bench_die "missing ${missing[*]} and no apt-get to install them"
    if ((BENCH_APT_UPDATED == 0)); then
        bench_log "apt-get update"
        bench_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || bench_die "apt-get update failed"
        BENCH_APT_UPDATED=1
    fi
    bench_log "installing ${missing[*]}"
    bench_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
        || bench_die "apt-get install ${missing[*]} failed"
    for spec in "$@"; do
        command -v "${spec%%:*}" >/dev/null 2>&1 || bench_die "${spec%%:*} still missing after installing ${spec#*:}"
    done
}

# Builds app/target/onebox.jar if it is missing (or always, with "force").
bench_ensure_jar() {
    if [[ "${1:-}" == force || ! -f "$BENCH_JAR" ]]; then
        command -v mvn >/dev/null 2>&1 || bench_die "mvn not found; cannot build $BENCH_JAR"
        bench_log "building $BENCH_JAR (mvn -B -q package -DskipTests)"
        (cd "$BENCH_REPO" && mvn -B -q package -DskipTests) >&2 || bench_die "maven build failed"
    fi
    [[ -f "$BENCH_JAR" ]] || bench_die "$BENCH_JAR not found after the build"
}

# --- ports, processes, readiness ----------------------------------------------------------

# Prints a 127.0.0.1 TCP port nothing listens on and that this run has not handed out yet.
bench_free_port() {
    local port taken tries
    for ((tries = 0; tries < 200; tries++)); do
        port=$((20000 + RANDOM % 40000))
        for taken in "${BENCH_PORTS_TAKEN[@]}"; do
            [[ "$taken" == "$port" ]] && continue 2
        done
        # A refused connection means no listener on the port.
        if ! (exec 3<>"/dev/tcp/$BENCH_HOST/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    bench_die "no free port found"
}

# bench_reserve_port VAR — sets VAR to a free port and remembers it (no subshell, so it sticks).
bench_reserve_port() {
    local _port
    _port=$(bench_free_port)
    BENCH_PORTS_TAKEN+=("$_port")
    printf -v "$1" '%s' "$_port"
}

# bench_new_dir VAR NAME — creates $BENCH_WORK/NAME and sets VAR to its path.
bench_new_dir() {
    local _dir="$BENCH_WORK/$2"
    mkdir -p "$_dir"
    printf -v "$1" '%s' "$_dir"
}

# bench_wait_http URL PID NAME [TIMEOUT_S] [LOG] — waits for a 2xx from URL while PID lives.
bench_wait_http() {
    local url=$1 pid=$2 name=$3 timeout=${4:-60} log=${5:-} i
    for ((i = 0; i < timeout * 5; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            [[ -n "$log" && -f "$log" ]] && tail -n 40 "$log" >&2
            bench_die "$name exited before it was ready"
        fi
        if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    [[ -n "$log" && -f "$log" ]] && tail -n 40 "$log" >&2
    bench_die "$name not ready at $url after ${timeout}s"
}

# bench_start_nginx PORT — a throwaway nginx answering 200 "ok" on 127.0.0.1:PORT.
bench_start_nginx() {
    local port=$1 prefix
    bench_new_dir prefix nginx
    mkdir -p "$prefix/tmp"
    cat >"$prefix/nginx.conf" <<EOF
worker_processes auto;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    # wrk keeps its connections open; don't make nginx close them every 1000 requests.
    keepalive_requests 1000000;
    client_body_temp_path $prefix/tmp/body;
    proxy_temp_path $prefix/tmp/proxy;
    fastcgi_temp_path $prefix/tmp/fastcgi;
    uwsgi_temp_path $prefix/tmp/uwsgi;
    scgi_temp_path $prefix/tmp/scgi;
    server {
        listen $BENCH_HOST:$port;
        location / {
            default_type text/plain;
            return 200 "ok";
        }
    }
}
EOF
    nginx -t -q -p "$prefix" -e "$prefix/error.log" -c "$prefix/nginx.conf" \
        || bench_die "nginx rejected $prefix/nginx.conf"
    nginx -p "$prefix" -e "$prefix/error.log" -c "$prefix/nginx.conf" -g 'daemon off;' \
        >"$prefix/stdout.log" 2>&1 &
    BENCH_LAST_PID=$!
    bench_track_pid "$BENCH_LAST_PID" nginx
    bench_wait_http "http://$BENCH_HOST:$port/" "$BENCH_LAST_PID" nginx 15 "$prefix/error.log"
}

# bench_start_redis PORT — a throwaway redis-server on 127.0.0.1:PORT, no persistence.
bench_start_redis() {
    local port=$1 dir i
    bench_new_dir dir redis
    redis-server --port "$port" --bind "$BENCH_HOST" --save '' --appendonly no --daemonize no \
        --dir "$dir" --logfile "$dir/redis.log" >/dev/null 2>&1 &
    BENCH_LAST_PID=$!
    bench_track_pid "$BENCH_LAST_PID" redis
    for ((i = 0; i < 50; i++)); do
        kill -0 "$BENCH_LAST_PID" 2>/dev/null || { tail -n 20 "$dir/redis.log" >&2; bench_die "redis-server exited"; }
        [[ $(redis-cli -h "$BENCH_HOST" -p "$port" ping 2>/dev/null) == PONG ]] && return 0
        sleep 0.2
    done
    bench_die "redis-server not answering on port $port"
}

# bench_start_app PORT DATA_DIR REDIS_URL LOG — the onebox jar; an empty REDIS_URL means the
# in-process cache. Extra JVM flags come from BENCH_JVM_OPTS (default: none).
bench_start_app() {
    bench_launch_app "$@"
    bench_wait_http "http://$BENCH_HOST:$1/health" "$BENCH_LAST_PID" "onebox app" 90 "$4"
}

# bench_launch_app PORT DATA_DIR REDIS_URL LOG — starts the jar as bench_start_app does and
# sets BENCH_LAST_PID, but does not wait for /health (for callers that must not die on failure).
bench_launch_app() {
    local port=$1 data=$2 redis_url=$3 log=$4 jvm_opts=()
    read -ra jvm_opts <<<"${BENCH_JVM_OPTS:-}"
    local env_args=(env -u ONEBOX_REDIS_URL "ONEBOX_PORT=$port" "ONEBOX_DATA_DIR=$data")
    [[ -n "$redis_url" ]] && env_args+=("ONEBOX_REDIS_URL=$redis_url")
    mkdir -p "$data"
    "${env_args[@]}" java "${jvm_opts[@]}" -jar "$BENCH_JAR" >"$log" 2>&1 &
    BENCH_LAST_PID=$!
    bench_track_pid "$BENCH_LAST_PID" onebox
}

# --- measuring ----------------------------------------------------------------------------

# bench_tree_cpu_ticks PID... — CPU time (clock ticks, user+system) of the PIDs and all their
# descendants, recursively (e.g. a container's processes below its containerd-shim).
bench_tree_cpu_ticks() {
    local queue=("$@") kids=() p stat fields total=0
    while ((${#queue[@]})); do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        read -ra fields <<<"${stat##*) }"
        total=$((total + fields[11] + fields[12]))
        mapfile -t kids < <(pgrep -P "$p" 2>/dev/null || true)
        ((${#kids[@]})) && queue+=("${kids[@]}")
    done
    printf '%s\n' "$total"
}

# Prints the busy CPU time of the whole machine, all cores (clock ticks, from /proc/stat:
# user + nice + system + irq + softirq + steal).
bench_host_busy_ticks() {
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# --- per-request counters -----------------------------------------------------------------
#
# Req/s moves with the host; CPU time and context switches per request move much less, so every
# target is also judged by them. A "group" is a named set of process trees, given as NAME:ROOTS
# where ROOTS is a comma-separated list of PIDs or @FUNCTION (a function printing root PIDs, asked
# afresh at each snapshot, e.g. for the containers of an app). All descendants of a root count.

# bench_tree_pids PID... — the PIDs and all their descendants, one per line.
bench_tree_pids() {
    local queue=("$@") kids=() p
    while ((${#queue[@]})); do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        [[ -d "/proc/$p" ]] || continue
        printf '%s\n' "$p"
        mapfile -t kids < <(pgrep -P "$p" 2>/dev/null || true)
        ((${#kids[@]})) && queue+=("${kids[@]}")
    done
}

# bench_group_roots ROOTS — the root PIDs of a group's ROOTS spec (see above), one per line.
bench_group_roots() {
    local spec item
    IFS=, read -ra spec <<<"$1"
    for item in "${spec[@]}"; do
        if [[ "$item" == @* ]]; then
            "${item#@}" || true
        elif [[ -n "$item" ]]; then
            printf '%s\n' "$item"
        fi
    done
}

# bench_proc_line PID — "PID TICKS CTXSW": CPU clock ticks (user+system, /proc/PID/stat, which
# also holds the time of threads that have exited) and context switches (voluntary +
# nonvoluntary over every live thread, /proc/PID/task/*/status). Prints nothing for a gone PID.
bench_proc_line() {
    local p=$1 stat fields cs
    stat=$(cat "/proc/$p/stat" 2>/dev/null) || return 0
    # Fields after "(comm) ": state is [0], utime is [11], stime is [12].
    read -ra fields <<<"${stat##*) }"
    cs=$(cat "/proc/$p"/task/*/status 2>/dev/null \
        | awk '/^(non)?voluntary_ctxt_switches:/ { s += $2 } END { print s + 0 }')
    printf '%s %s %s\n' "$p" "$((fields[11] + fields[12]))" "$cs"
}

# bench_snapshot FILE GROUP... — writes "GROUP PID TICKS CTXSW" for every process of each group.
bench_snapshot() {
    local file=$1 group name p roots=()
    shift
    for group in "$@"; do
        name=${group%%:*}
        mapfile -t roots < <(bench_group_roots "${group#*:}")
        ((${#roots[@]})) || continue
        while read -r p; do
            [[ -n "$p" ]] || continue
            printf '%s %s\n' "$name" "$(bench_proc_line "$p")"
        done < <(bench_tree_pids "${roots[@]}")
    done | awk 'NF == 4' >"$file"
}

# bench_snapshot_delta BEFORE AFTER — "GROUP TICKS CTXSW" per group (in the order of AFTER),
# counting for each process what it used between the snapshots (all of it for a process that
# started in between). AFTER may hold several samples of a process: the last (highest) counts,
# so a process that ended in between counts up to its last sample.
bench_snapshot_delta() {
    awk 'FNR == NR { if (NF == 4) { t[$1 " " $2] = $3; c[$1 " " $2] = $4 }; next }
        NF == 4 {
            k = $1 " " $2
            if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
            if (!(k in mt)) { keys[$1] = keys[$1] " " k }
            if ($3 > mt[k]) mt[k] = $3
            if ($4 > mc[k]) mc[k] = $4
        }
        END {
            for (i = 1; i <= n; i++) {
                g = order[i]; dt = 0; dc = 0
                m = split(keys[g], ks, " ")
                for (j = 1; j <= m; j += 2) {
                    k = ks[j] " " ks[j + 1]
                    dt += mt[k] - (k in t ? t[k] : 0)
                    dc += mc[k] - (k in c ? c[k] : 0)
                }
                print g, dt, dc
            }
        }' "$1" "$2"
}

# bench_sample_loop FILE GROUP... — appends a snapshot of the groups to FILE every half second
# until killed (for groups whose processes may come and go during a run, e.g. pooled containers).
bench_sample_loop() {
    local file=$1
    shift
    while :; do
        bench_snapshot "$file.one" "$@"
        cat "$file.one" >>"$file"
        sleep 0.5
    done
}

# bench_wrk OUT_PREFIX SERVER DURATION URL [LUA_SCRIPT]
# SERVER is a PID (one group, "srv") or a space-separated list of groups NAME:ROOTS (see above).
# Runs wrk -t$BENCH_THREADS -c$BENCH_CONNECTIONS --latency against URL and writes:
#   OUT_PREFIX.txt  wrk's own output
#   OUT_PREFIX.res  one line: rps p50_ms p99_ms non2xx socket_errors requests server_cpu% wrk_cpu%
#   OUT_PREFIX.grp  one line per group, then "total": NAME cpu% cpu_ms_per_request ctxsw_per_request
# (CPU in percent of one core over the run; server = all groups.)
bench_wrk() {
    local out=$1 server=$2 duration=$3 url=$4 lua=${5:-} args hz times groups=() wall reqs total
    args=(-t"${BENCH_THREADS:-2}" -c"${BENCH_CONNECTIONS:-16}" -d"$duration" --latency)
    [[ -n "$lua" ]] && args+=(-s "$lua")
    if [[ "$server" =~ ^[0-9]+$ ]]; then groups=("srv:$server"); else read -ra groups <<<"$server"; fi
    hz=$(getconf CLK_TCK)
    bench_snapshot "$out.before" "${groups[@]}"
    : >"$out.samples"
    local sampler=""
    if [[ "$server" == *@* ]]; then
        bench_sample_loop "$out.samples" "${groups[@]}" &
        sampler=$!
    fi
    local TIMEFORMAT='%3U %3S %3R'
    { time wrk "${args[@]}" "$url" >"$out.txt" 2>&1; } 2>"$out.time" \
        || { cat "$out.txt" >&2; bench_die "wrk failed against $url"; }
    if [[ -n "$sampler" ]]; then
        kill "$sampler" 2>/dev/null || true
        wait "$sampler" 2>/dev/null || true
    fi
    bench_snapshot "$out.after" "${groups[@]}"
    cat "$out.after" >>"$out.samples"
    times=$(tail -n 1 "$out.time")
    bench_snapshot_delta "$out.before" "$out.samples" >"$out.delta"
    total=$(awk '{ s += $2 } END { print s + 0 }' "$out.delta")
    bench_parse_wrk "$out.txt" "$total" "$hz" "$times" >"$out.res"
    read -r _ _ wall <<<"$times"
    read -r _ _ _ _ _ reqs _ <"$out.res"
    bench_per_request "$out.delta" "$hz" "$wall" "$reqs" >"$out.grp"
}

# bench_warm_up OUT SERVER URL [LUA] — loads URL until the server runs steady, so a measured run
# sees compiled code: a JVM's JIT keeps compiling for tens of seconds of load (on 2 cores, a JVM
# served a third of its steady rate 10 s in), while node and native servers are steady within a
# round. Rounds of BENCH_WARMUP_ROUND (5s) go on for at least BENCH_WARMUP_MIN seconds (60: on a
# saturated 2-core machine the JIT's compiler threads get little CPU, and a JVM can sit on a
# plateau for 15 s before the next compiled methods lift it) and until the last three agree on
# req/s within BENCH_WARMUP_TOLERANCE (5 %) of the last, for at most BENCH_WARMUP_MAX seconds
# (120); every target gets the same rule. BENCH_WARMUP (a wrk duration) instead runs one round
# of that length, as before. Writes
# OUT.res with the warm-up's total requests in column 6 (as bench_wrk's) and logs each round.
bench_warm_up() {
    local out=$1 server=$2 url=$3 lua=${4:-} round=${BENCH_WARMUP_ROUND:-5s} max=${BENCH_WARMUP_MAX:-120} min=${BENCH_WARMUP_MIN:-60}
    local tolerance=${BENCH_WARMUP_TOLERANCE:-5} i=0 elapsed=0 secs rps total=0 reqs trail="" steady=0 rounds=()
    if [[ -n "${BENCH_WARMUP:-}" ]]; then
        bench_wrk "$out" "$server" "$BENCH_WARMUP" "$url" "$lua"
        return
    fi
    secs=${round%s}
    while ((elapsed < max)); do
        i=$((i + 1))
        bench_wrk "$out-$i" "$server" "$round" "$url" "$lua"
        read -r rps _ _ _ _ reqs _ <"$out-$i.res"
        total=$((total + reqs))
        elapsed=$((elapsed + secs))
        trail+="${trail:+ }${rps%.*}"
        rounds+=("$rps")
        if ((i >= 3 && elapsed >= min)) && awk -v t="$tolerance" -v a="${rounds[i - 1]}" -v b="${rounds[i - 2]}" -v c="${rounds[i - 3]}" '
            function off(x) { return (x > a ? x - a : a - x) * 100 > t * a }
            BEGIN { exit !(a > 0 && !off(b) && !off(c)) }'; then
            steady=1
            break
        fi
    done
    printf '0 0 0 0 0 %s 0 0\n' "$total" >"$out.res"
    if ((steady)); then
        bench_log "warm-up: ${elapsed}s, req/s per ${round} round: $trail (steady within ${tolerance}%)"
    else
        bench_log "warm-up: ${elapsed}s, req/s per ${round} round: $trail (NOT steady within ${tolerance}% by ${max}s)"
    fi
}

# bench_per_request DELTA HZ WALL_S REQUESTS — the .grp lines (see bench_wrk) from a delta file.
bench_per_request() {
    awk -v hz="$2" -v wall="$3" -v reqs="$4" '
        function line(name, ticks, cs) {
            printf "%s %.0f %.4f %.2f\n", name, 100 * ticks / hz / w, 1000 * ticks / hz / r, cs / r
        }
        BEGIN { w = (wall > 0 ? wall : 1); r = (reqs > 0 ? reqs : 1) }
        { line($1, $2, $3); t += $2; c += $3 }
        END { line("total", t, c) }' "$1"
}

# bench_parse_wrk FILE SERVER_TICKS HZ "WRK_USER WRK_SYS WALL" — see bench_wrk for the output.
bench_parse_wrk() {
    awk -v ticks="$2" -v hz="$3" -v times="$4" '
        function ms(v,   n) {
            n = v + 0
            if (v ~ /us$/) return n / 1000
            if (v ~ /ms$/) return n
            if (v ~ /m$/) return n * 60000
            if (v ~ /s$/) return n * 1000
            return n
        }
        /^Requests\/sec:/ { rps = $2 }
        /^[ \t]+50%/ { p50 = ms($2) }
        /^[ \t]+99%/ { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { non2xx = $NF }
        /Socket errors:/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) sock += $i + 0
        }
        / requests in / { reqs = $1 }
        END {
            split(times, t, " ")
            wall = t[3] > 0 ? t[3] : 1
            printf "%s %.3f %.3f %d %d %d %.0f %.0f\n", rps + 0, p50, p99, non2xx, sock, reqs,
                100 * ticks / hz / wall, 100 * (t[1] + t[2]) / wall
        }' "$1"
}

# --- Docker engine, statistics ----------------------------------------------------------

# Brings up the Docker engine and base images with .ci/docker-engine.sh (exports DOCKER_HOST and
# ONEBOX_DOCKER_HOST). Returns non-zero instead of exiting when that fails. The engine is left
# running on exit.
bench_docker_up() {
    # shellcheck source=.ci/docker-engine.sh disable=SC1091 # followed only with shellcheck -x
    source "$BENCH_REPO/.ci/docker-engine.sh" || return 1
    onebox_docker_up
}

# Prints "median min max" of the numbers on stdin with printf format $1 (default %.3f; the
# median of an even count is the mean of the two middle ones), or "nan nan nan" without numbers.
bench_stats() {
    local fmt=${1:-%.3f}
    sort -g | awk -v f="$fmt" '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan nan nan"; exit }
        m = (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)
        printf f " " f " " f "\n", m, v[1], v[NR] }'
}
