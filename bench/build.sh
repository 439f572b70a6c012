#!/usr/bin/env bash
# Measures "time to ready" of deploys through the real API, on 127.0.0.1 only: each deploy is one
# request with ?wait=true (the answer comes once the version serves), timed end to end by curl;
# then one GET /run/{name}/ checks that the script answers with the new code.
#
#   (a) code-only create        POST a script without dependencies              target <= 1.0 s
#   (b) first deploy with hono  POST a Hono app, "dependencies": {"hono": "^4"},
#                               dependency cache cold (see below)                no target, reported
#   (c) code change, warm cache PUT a new version of the (b) script: same dependencies, new code
#                                                                                target <= 1.0 s
#       and its build log must show that npm did not run ("reusing the cached image", no
#       "resolving dependencies").
#   (d) TypeScript project,     POST /api/v1/deploy of a .tar.gz (wrangler.toml, package.json
#       code change, warm cache with hono, src/index.ts importing src/message.ts): one untimed
#                               first deploy, then new versions that change only message.ts,
#                               bundled by esbuild with the dependency image cached
#                                                                                target <= 2.0 s
#
# "Cold" for (b): before each try the cached dependency images are removed from the Docker engine
# (docker images --filter reference='onebox-deps:*' -q | xargs -r docker rmi -f), so onebox
# resolves the dependencies with npm and installs them with npm ci again. HTTP caching by the
# npm registry itself, or by anything between this machine and it, still applies. The engine is
# shared: a dependency image that other scripts' images build on cannot be deleted, only untagged,
# and then Docker's build cache may still skip npm ci; each (b) try reports what really ran.
#
#   bench/build.sh [--build]
#
#   --build   rebuild app/target/onebox.jar first (default: build only when missing)
#
# Environment: BENCH_BUILD_TRIES (5 tries per case, each with fresh script names), BENCH_BUILD_HONO
# (^4: the version range of hono for (b) and (c); another equivalent range, e.g. ">=4 <5", gives
# another package.json and so dodges Docker build-cache layers that other images on a shared
# engine keep alive), BENCH_JVM_OPTS, BENCH_KEEP (0; 1 = keep the temp dir with the app log,
# answers and build logs), BENCH_BUILD_CASES (abcd: the cases to run, e.g. "d" for the project case only).
#
# Exit status: 0 when the benchmark ran, targets met or not; 1 when something failed to start.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly TARGET_A_S=1.0
readonly TARGET_C_S=1.0
readonly TARGET_D_S=2.0

FORCE_BUILD=0
TRIES=5
CASES=abcd
DEPS_JSON=""     # {"hono": BENCH_BUILD_HONO}
RUN_ID=""
APP_URL=""
APP_PID=""
APP_LOG=""
APP_TOKEN=""
OURS=()          # scripts this run created (deleted at the end)
A_SECS=()        # deploy times of the tries that answered ready
B_SECS=()
C_SECS=()
D_SECS_ALL=()    # (d) code changes of a TypeScript project
A_NOTE=""        # what went wrong, per case (empty: nothing)
B_NOTE=""
C_NOTE=""
D_NOTE=""
D_NPM=()
B_COLD=""        # "cold" facts of the (b) tries, for the summary
C_NPM=()         # "no" / "YES" / "?" per (c) try
PINNED=0         # dependency images that could only be untagged (other images build on them)

# Filled by deploy / probe / fetch_log:
D_CODE=""
D_SECS=""
D_STATUS=""
D_VERSION=""
D_BODY=""
P_CODE=""
P_MS=""
P_BODY=""

parse_args() {
    bench_build_flag_only "$@"
    TRIES=${BENCH_BUILD_TRIES:-5}
    CASES=${BENCH_BUILD_CASES:-abcd}
    [[ "$CASES" =~ ^[abcd]+$ ]] || bench_die "BENCH_BUILD_CASES is letters of abcd, not '$CASES'"
    [[ "$TRIES" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_BUILD_TRIES must be a positive integer, not '$TRIES'"
}

# --- setup ------------------------------------------------------------------------------------

setup() {
    local port data
    bench_need curl:curl jq:jq java:default-jre-headless
    DEPS_JSON=$(jq -cn --arg range "${BENCH_BUILD_HONO:-^4}" '{hono: $range}')
    bench_docker_up || bench_die "no Docker engine (onebox_docker_up failed)"
    command -v docker >/dev/null 2>&1 || bench_die "docker CLI not found after onebox_docker_up"
    if ((FORCE_BUILD)); then bench_ensure_jar force; else bench_ensure_jar; fi
    # Run a copy: a rebuild of app/target/onebox.jar during the run must not pull classes out
    # from under the running JVM.
    cp -p "$BENCH_JAR" "$BENCH_WORK/onebox.jar"
    BENCH_JAR="$BENCH_WORK/onebox.jar"

    RUN_ID=$(od -An -tx1 -N3 /dev/urandom | tr -d ' \n')
    APP_TOKEN="bench-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
    bench_reserve_port port
    bench_new_dir data data
    APP_URL="http://$BENCH_HOST:$port"
    APP_LOG="$BENCH_WORK/app.log"
    bench_log "starting $BENCH_JAR ($(date -r "$BENCH_JAR" '+built %F %T')) on $BENCH_HOST:$port, docker $ONEBOX_DOCKER_HOST"
    ONEBOX_ADMIN_TOKEN=$APP_TOKEN bench_start_app "$port" "$data" "" "$APP_LOG"
    APP_PID=$BENCH_LAST_PID
    bench_log "app ready (pid $APP_PID)"
}

# --- API calls --------------------------------------------------------------------------------

# deploy METHOD PATH NAME SOURCE DEPS_JSON OUT — one ?wait=true deploy, timed by curl. Sets D_CODE,
# D_SECS, D_STATUS (the answer's "status"), D_VERSION (its latestVersion) and D_BODY (one line).
deploy() {
    local method=$1 path=$2 name=$3 source=$4 deps=$5 out=$6 res
    jq -n --arg name "$name" --arg source "$source" --argjson deps "$deps" \
        '{name: $name, source: $source} + (if $deps == {} then {} else {dependencies: $deps} end)' >"$out.req.json"
    res=$(curl -sS -o "$out.json" -w '%{http_code} %{time_total}' --max-time 900 -X "$method" \
        "$APP_URL$path?wait=true" -H "Authorization: Bearer $APP_TOKEN" \
        -H 'Content-Type: application/json' --data-binary "@$out.req.json" 2>"$out.err") || true
    D_CODE=${res%% *}
    D_SECS=${res#* }
    [[ "$D_SECS" =~ ^[0-9.]+$ ]] || D_SECS=0
    D_STATUS=$(jq -r '.status // empty' "$out.json" 2>/dev/null || true)
    D_VERSION=$(jq -r '.latestVersion // empty' "$out.json" 2>/dev/null || true)
    D_BODY=$(one_line "$out.json" "$out.err")
}

# deploy_project DIR OUT — one ?wait=true project deploy of DIR packed with tar, timed by curl
# (packing included). Sets the same D_* variables as deploy.
deploy_project() {
    local dir=$1 out=$2 res started ended
    started=$(date +%s.%N)
    tar -C "$dir" -czf "$out.tgz" .
    res=$(curl -sS -o "$out.json" -w '%{http_code} %{time_total}' --max-time 900 -X POST \
        "$APP_URL/api/v1/deploy?wait=true" -H "Authorization: Bearer $APP_TOKEN" \
        -H 'Content-Type: application/gzip' --data-binary "@$out.tgz" 2>"$out.err") || true
    ended=$(date +%s.%N)
    D_CODE=${res%% *}
    D_SECS=$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.3f", b - a }')
    D_STATUS=$(jq -r '.status // empty' "$out.json" 2>/dev/null || true)
    D_VERSION=$(jq -r '.latestVersion // empty' "$out.json" 2>/dev/null || true)
    D_BODY=$(one_line "$out.json" "$out.err")
}

# deploy_ok EXPECTED_HTTP — whether the last deploy answered EXPECTED_HTTP with "status":"ready".
deploy_ok() {
    [[ "$D_CODE" == "$1" && "$D_STATUS" == ready ]]
}

# probe NAME OUT — GET /run/NAME/ once. Sets P_CODE, P_MS and P_BODY (one line).
probe() {
    local name=$1 out=$2 res
    res=$(curl -sS -o "$out.run.txt" -w '%{http_code} %{time_total}' --max-time 60 \
        "$APP_URL/run/$name/" 2>"$out.run.err") || true
    P_CODE=${res%% *}
    P_MS=$(awk -v s="${res#* }" 'BEGIN { printf "%.0f", s * 1000 }')
    P_BODY=$(one_line "$out.run.txt" "$out.run.err")
}

# fetch_log NAME VERSION FILE — the version's build log (the data: lines of its event stream).
fetch_log() {
    local name=$1 version=$2 file=$3
    curl -sS -N --max-time 30 -H "Authorization: Bearer $APP_TOKEN" -H 'Accept: text/event-stream' \
        "$APP_URL/api/v1/scripts/$name/versions/$version/log" 2>"$file.err" \
        | sed -n 's/^data: \{0,1\}//p' >"$file" || true
}

delete_script() {
    curl -sS -o /dev/null -w '%{http_code}' --max-time 120 -X DELETE \
        -H "Authorization: Bearer $APP_TOKEN" "$APP_URL/api/v1/scripts/$1" 2>/dev/null || true
}

# one_line FILE... — the files' text on one line, cut to 200 characters.
one_line() {
    cat "$@" 2>/dev/null | tr '\r\n' '  ' | cut -c1-200
}

# --- dependency cache -----------------------------------------------------------------------

# Removes every onebox-deps:* image from the engine. Images that other images still build on
# cannot be deleted (docker: "image has dependent child images"); those are untagged instead,
# which is enough for onebox not to find them (it looks them up by tag). The engine may be
# shared: what another client builds meanwhile is only reported (each (b) try's build log shows
# whether npm ci really ran).
clear_deps_cache() {
    local tags=() left
    docker images --filter reference='onebox-deps:*' -q | sort -u | xargs -r docker rmi -f \
        >>"$BENCH_WORK/rmi.log" 2>&1 || true
    mapfile -t tags < <(docker images --filter reference='onebox-deps:*' --format '{{.Repository}}:{{.Tag}}')
    if ((${#tags[@]})); then
        PINNED=$((PINNED + ${#tags[@]}))
        docker rmi "${tags[@]}" >>"$BENCH_WORK/rmi.log" 2>&1 || true
    fi
    left=$(docker images --filter reference='onebox-deps:*' --format '{{.Repository}}:{{.Tag}}' | tr '\n' ' ')
    [[ -z "${left// /}" ]] || bench_log "still on the engine after removal (built meanwhile by another client?): $left"
}

# deps_facts LOG — what the (b) build did about dependencies, one short phrase.
deps_facts() {
    local log=$1 resolved=no ci
    [[ -s "$log" ]] || { printf 'build log unavailable'; return 0; }
    grep -q 'resolving dependencies' "$log" && resolved=yes
    if grep -q 'reusing the cached image' "$log"; then
        ci="cached image reused (NOT cold)"
    elif grep -q 'installing with npm ci' "$log"; then
        # Classic docker build: "Step n/n : RUN npm ci ..." then " ---> Using cache" on a cache hit.
        if awk '/RUN npm ci/ { s = 1; next } s && NF { if (/Using cache/) hit = 1; s = 0 } END { exit !hit }' "$log"; then
            ci="npm ci skipped by docker build cache (NOT cold)"
        else
            ci="npm ci ran"
        fi
    else
        ci="no dependency step in the log"
    fi
    printf 'npm resolve: %s, %s' "$resolved" "$ci"
}

# npm_ran LOG — "no" when the log reuses the cached image and resolves nothing, "YES" otherwise,
# "?" when there is no log.
npm_ran() {
    local log=$1
    [[ -s "$log" ]] || { printf '?'; return 0; }
    if grep -q 'reusing the cached image' "$log" && ! grep -q 'resolving dependencies' "$log"; then
        printf 'no'
    else
        printf 'YES'
    fi
}

# --- the cases --------------------------------------------------------------------------------

# probe_line NAME OUT EXPECTED — probes and prints the check; returns 1 when the answer is wrong.
probe_line() {
    local name=$1 out=$2 expected=$3
    probe "$name" "$out"
    if [[ "$P_CODE" == 200 && "$P_BODY" == "$expected" ]]; then
        printf 'GET: 200 "%s" in %s ms' "$P_BODY" "$P_MS"
        return 0
    fi
    printf 'GET: HTTP %s "%s" in %s ms -- expected 200 "%s"' "$P_CODE" "$P_BODY" "$P_MS" "$expected"
    return 1
}

run_case_a() {
    local i name out check
    printf '\n(a) code-only script, create (POST ?wait=true):\n'
    for ((i = 1; i <= TRIES; i++)); do
        name="bb-a-$RUN_ID-$i"
        out="$BENCH_WORK/a$i"
        deploy POST /api/v1/scripts "$name" "export default { fetch() { return new Response(\"a-$i\") } }" '{}' "$out"
        OURS+=("$name")
        if ! deploy_ok 201; then
            printf '  try %d  %-20s %7.3f s  HTTP %s NOT READY: %s\n' "$i" "$name" "$D_SECS" "$D_CODE" "$D_BODY"
            A_NOTE+=" try $i not ready (HTTP $D_CODE);"
            continue
        fi
        A_SECS+=("$D_SECS")
        check=$(probe_line "$name" "$out" "a-$i") || A_NOTE+=" try $i answered wrong;"
        printf '  try %d  %-20s %7.3f s  HTTP %s ready  %s\n' "$i" "$name" "$D_SECS" "$D_CODE" "$check"
    done
}

hono_source() {
    printf 'import { Hono } from "hono"; const app = new Hono(); app.get("/", c => c.text("%s")); export default app;' "$1"
}

run_cases_bc() {
    local i name out check prev="" facts npm code
    printf '\n(b) first deploy with "dependencies": %s, cold, then (c) a code change of it, warm.\n' "$DEPS_JSON"
    printf '    cold = all onebox-deps:* images removed from the engine before the try (npm registry HTTP caching still applies)\n'
    for ((i = 1; i <= TRIES; i++)); do
        # The previous try's script builds on the dependency image: delete it, so the image can go.
        if [[ -n "$prev" ]]; then
            code=$(delete_script "$prev")
            [[ "$code" == 204 ]] || bench_log "DELETE $prev answered HTTP $code"
        fi
        clear_deps_cache
        name="bb-b-$RUN_ID-$i"
        prev=$name
        out="$BENCH_WORK/b$i"
        deploy POST /api/v1/scripts "$name" "$(hono_source b)" "$DEPS_JSON" "$out"
        OURS+=("$name")
        if ! deploy_ok 201; then
            printf '  (b) try %d  %-20s %7.3f s  HTTP %s NOT READY: %s\n' "$i" "$name" "$D_SECS" "$D_CODE" "$D_BODY"
            B_NOTE+=" try $i not ready (HTTP $D_CODE);"
            printf '  (c) try %d  skipped: no ready (b) version\n' "$i"
            C_NOTE+=" try $i skipped;"
            continue
        fi
        B_SECS+=("$D_SECS")
        fetch_log "$name" "$D_VERSION" "$out.log"
        facts=$(deps_facts "$out.log")
        [[ "$facts" == *"NOT cold"* ]] && B_COLD+=" try $i NOT cold;"
        check=$(probe_line "$name" "$out" b) || B_NOTE+=" try $i answered wrong;"
        printf '  (b) try %d  %-20s %7.3f s  HTTP %s ready  %s  [%s]\n' "$i" "$name" "$D_SECS" "$D_CODE" "$check" "$facts"

        out="$BENCH_WORK/c$i"
        deploy PUT "/api/v1/scripts/$name" "$name" "$(hono_source "c-$i")" "$DEPS_JSON" "$out"
        if ! deploy_ok 200; then
            printf '  (c) try %d  %-20s %7.3f s  HTTP %s NOT READY: %s\n' "$i" "$name" "$D_SECS" "$D_CODE" "$D_BODY"
            C_NOTE+=" try $i not ready (HTTP $D_CODE);"
            continue
        fi
        C_SECS+=("$D_SECS")
        fetch_log "$name" "$D_VERSION" "$out.log"
        npm=$(npm_ran "$out.log")
        C_NPM+=("$npm")
        [[ "$npm" == no ]] || C_NOTE+=" try $i npm ran: $npm;"
        check=$(probe_line "$name" "$out" "c-$i") || C_NOTE+=" try $i answered wrong;"
        printf '  (c) try %d  %-20s %7.3f s  HTTP %s ready v%s  %s  npm ran: %s\n' \
            "$i" "$name" "$D_SECS" "$D_CODE" "$D_VERSION" "$check" "$npm"
    done
}

# write_project DIR NAME MESSAGE — a small TypeScript Workers project with hono.
write_project() {
    local dir=$1 name=$2 message=$3
    mkdir -p "$dir/src"
    printf 'name = "%s"\nmain = "src/index.ts"\ncompatibility_date = "2024-09-23"\ncompatibility_flags = ["nodejs_compat"]\n' \
        "$name" >"$dir/wrangler.toml"
    jq -n --argjson deps "$DEPS_JSON" '{name: "bench", private: true, dependencies: $deps}' >"$dir/package.json"
    cat >"$dir/src/index.ts" <<'TS'
import { Hono } from 'hono';
import { message } from './message';

const app = new Hono();
app.get('/', (c) => c.text(message()));
export default app;
TS
    printf 'export function message(): string {\n  return "%s";\n}\n' "$message" >"$dir/src/message.ts"
}

run_case_d() {
    local i name dir out check npm
    name="bb-d-$RUN_ID"
    dir="$BENCH_WORK/project-d"
    printf '\n(d) TypeScript project (POST /api/v1/deploy, .tar.gz packed by tar), code-only changes, warm cache:\n'
    write_project "$dir" "$name" d-0
    deploy_project "$dir" "$BENCH_WORK/d0"
    OURS+=("$name")
    if ! deploy_ok 201; then
        printf '  first deploy %-20s %7.3f s  HTTP %s NOT READY: %s\n' "$name" "$D_SECS" "$D_CODE" "$D_BODY"
        D_NOTE+=" first deploy not ready (HTTP $D_CODE);"
        return 0
    fi
    printf '  first deploy %-20s %7.3f s  HTTP %s ready (untimed: may install esbuild and hono)\n' "$name" "$D_SECS" "$D_CODE"
    for ((i = 1; i <= TRIES; i++)); do
        out="$BENCH_WORK/d$i"
        write_project "$dir" "$name" "d-$i"
        deploy_project "$dir" "$out"
        if ! deploy_ok 200; then
            printf '  try %d  %-20s %7.3f s  HTTP %s NOT READY: %s\n' "$i" "$name" "$D_SECS" "$D_CODE" "$D_BODY"
            D_NOTE+=" try $i not ready (HTTP $D_CODE);"
            continue
        fi
        D_SECS_ALL+=("$D_SECS")
        fetch_log "$name" "$D_VERSION" "$out.log"
        npm=$(npm_ran "$out.log")
        D_NPM+=("$npm")
        [[ "$npm" == no ]] || D_NOTE+=" try $i npm ran: $npm;"
        check=$(probe_line "$name" "$out" "d-$i") || D_NOTE+=" try $i answered wrong;"
        printf '  try %d  %-20s %7.3f s  HTTP %s ready v%s  %s  npm ran: %s\n' "$i" "$name" "$D_SECS" "$D_CODE" "$D_VERSION" "$check" "$npm"
    done
}

# --- report -----------------------------------------------------------------------------------

# row LABEL TARGET NOTE TIMES... — one table row; TARGET "-" means report only.
row() {
    local label=$1 target=$2 note=$3 med min max verdict
    shift 3
    med=nan min=nan max=nan
    (($#)) && read -r med min max <<<"$(printf '%s\n' "$@" | bench_stats %.3f)"
    if [[ "$target" == - ]]; then
        verdict="report only"
    elif (($# == 0)); then
        verdict="MISS (no ready try)"
    else
        verdict=$(awk -v m="$med" -v t="$target" 'BEGIN { print (m + 0 <= t + 0 ? "PASS" : "MISS") }')
        [[ -n "$note" ]] && verdict="MISS"
    fi
    printf '%-34s %5s %9s %8s %8s %8s   %s\n' "$label" "$#/$TRIES" "$med" "$min" "$max" \
        "$([[ "$target" == - ]] && printf -- '-' || printf '<= %s' "$target")" "$verdict"
}

print_table() {
    local n_no=0 n=${#C_NPM[@]} v
    printf '\ntime to ready (curl time_total of one ?wait=true request, seconds; %s tries per case):\n' "$TRIES"
    printf '%-34s %5s %9s %8s %8s %8s   %s\n' case ready 'median s' min max target verdict
    row '(a) code-only create' "$TARGET_A_S" "$A_NOTE" "${A_SECS[@]}"
    row '(b) first deploy, hono, cold' - "$B_NOTE" "${B_SECS[@]}"
    row '(c) code change, hono, warm' "$TARGET_C_S" "$C_NOTE" "${C_SECS[@]}"
    row '(d) TS project change, warm' "$TARGET_D_S" "$D_NOTE" "${D_SECS_ALL[@]}"
    for v in "${C_NPM[@]}"; do [[ "$v" == no ]] && n_no=$((n_no + 1)); done
    if ((n > 0 && n_no == n)); then
        printf '(c) npm ran: no (all %d ready tries: "reusing the cached image", no "resolving dependencies")\n' "$n"
    elif ((n > 0)); then
        printf '(c) npm ran: YES on %d of %d ready tries (per try: %s)\n' "$((n - n_no))" "$n" "${C_NPM[*]}"
    else
        printf '(c) npm ran: unknown (no ready try)\n'
    fi
    [[ -n "$A_NOTE" ]] && printf '(a) problems:%s\n' "${A_NOTE%;}"
    [[ -n "$B_NOTE" ]] && printf '(b) problems:%s\n' "${B_NOTE%;}"
    [[ -n "$C_NOTE" ]] && printf '(c) problems:%s\n' "${C_NOTE%;}"
    [[ -n "$D_NOTE" ]] && printf '(d) problems:%s\n' "${D_NOTE%;}"
    if [[ -n "$B_COLD" ]]; then
        printf '(b) was not really cold:%s\n' "${B_COLD%;}"
    fi
    if ((PINNED > 0)); then
        printf '(b) note: %d dependency image(s) were only untagged, not deleted (other images on the engine build on them)\n' "$PINNED"
    fi
    printf '(cold = onebox-deps:* images removed before each (b) try; the npm registry'"'"'s own HTTP caching still applies;\n'
    printf ' %s cores, load average at start/end: %s / %s)\n' "$(nproc)" "$LOAD_START" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

report_logs() {
    local errors warns
    [[ -f "$APP_LOG" ]] || return 0
    errors=$(grep -c -E ' ERROR |Exception' "$APP_LOG" || true)
    warns=$(grep -c ' WARN ' "$APP_LOG" || true)
    printf 'app log: %s ERROR/Exception lines, %s WARN lines\n' "$errors" "$warns"
    grep -E ' (ERROR|WARN) |Exception' "$APP_LOG" | head -n 5 | cut -c1-240 || true
}

# Deletes this run's scripts (the app removes their images). Not timed.
delete_ours() {
    local name code failed=""
    bench_log "deleting the ${#OURS[@]} scripts of this run"
    for name in "${OURS[@]}"; do
        code=$(delete_script "$name")
        [[ "$code" == 204 || "$code" == 404 ]] || failed+=" $name:$code"
    done
    [[ -z "$failed" ]] || bench_log "DELETE failed for:$failed"
}

# EXIT trap: deletes this run's scripts when it ends early, then the usual cleanup.
build_cleanup() {
    local rc=$?
    if ((${#OURS[@]})) && [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; then
        delete_ours
    fi
    (exit "$rc")
    bench_cleanup
}

LOAD_START=""

main() {
    local started=$SECONDS
    parse_args "$@"
    bench_init
    trap build_cleanup EXIT
    LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
    setup
    [[ "$CASES" == *a* ]] && run_case_a
    [[ "$CASES" == *[bc]* ]] && run_cases_bc
    [[ "$CASES" == *d* ]] && run_case_d
    delete_ours
    OURS=()
    print_table
    report_logs
    printf 'total time: %ss (before cleanup)\n' "$((SECONDS - started))"
}

main "$@"
