#!/usr/bin/env bash
# installer/tests/run.sh: installs onebox with installer/install.sh on a fresh Debian 12 "VPS"
# (a container running systemd) and checks the appliance from outside; at the end, restores a
# snapshot of it (`onebox backup --output -`, `onebox restore`) on a second fresh VPS.
#
#   installer/tests/run.sh        (root; about 4-6 minutes on 2 cores when the images are cached)
#
# How: the host's Docker engine (.ci/docker-engine.sh) builds the stand-in base images
# (installer/tests/images.sh), the release bundle (installer/bundle.sh, carrying the app image
# plus valkey/valkey:8 and node:22-bookworm-slim, since the VPS cannot reach a registry), and
# the VPS image (bookworm + systemd + dbus + ca-certificates + curl). The VPS runs its OWN
# Docker engine (docker-in-docker): install.sh installs Debian's docker.io and docker-compose
# there exactly as on a real VPS, and the app's script containers run on that inner engine, so
# /var/lib/onebox has the same path for the app and the engine, and the host engine is never
# touched by the app. The inner engine keeps its data in a host directory (overlay2 cannot sit
# on the container's own overlay root). No --privileged (it fails on this machine): the
# systemd flags of shared/STACK-NOTES.md plus SYS_PTRACE (for `docker exec` and health checks
# on the inner engine) are enough.
#
# Knobs: ONEBOX_TEST_COMPOSE=v2 (put the Compose v2 plugin, from Debian 13's docker-compose
# package, on the VPS before the install: the installer then uses it instead of installing
# Debian 12's docker-compose v1); the others are in lib.sh.
# The last line is "N passed, N failed"; the exit status is non-zero when anything failed.
set -euo pipefail

INSTALL_OUTPUT=""

# shellcheck source=installer/tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------------------------------------

test_dry_run_fresh() {
  local out rc=0
  log "install.sh --dry-run on the fresh VPS"
  out="$(install_in_vps --dry-run --no-tunnel --bundle "/bundle/$BUNDLE_NAME" 2>&1)" || rc=$?
  expect_eq "--dry-run on a fresh box exits 0" 0 "$rc"
  ((rc == 0)) || printf '%s\n' "$out" | sed 's/^/    | /' | tail -n 20
  expect_match "--dry-run says what it would install" "would apt-get install .*docker.io" "$out"
  check "--dry-run changed nothing (no /opt/onebox, /etc/onebox, docker, user onebox)" \
    vps_sh '! test -e /opt/onebox && ! test -e /etc/onebox && ! command -v docker && ! id onebox'
}

test_install() {
  local out rc=0
  log "install.sh --no-tunnel --bundle /bundle/$BUNDLE_NAME"
  out="$(install_in_vps --no-tunnel --bundle "/bundle/$BUNDLE_NAME" 2>&1)" || rc=$?
  printf '%s\n' "$out" | sed 's/^/    | /'
  INSTALL_OUTPUT="$out"
  expect_eq "install.sh exits 0" 0 "$rc"
  expect_match "install.sh prints the URL and where the admin token is" \
    "URL: +http://.*admin token: +ONEBOX_ADMIN_TOKEN in /etc/onebox/onebox.env" "$(printf '%s' "$out" | tr '\n' ' ')"
  ((rc == 0)) || return 1
}

test_running() {
  local body token
  expect_eq "GET /health through nginx answers 200" 200 "$(http_code "$(url /health)")"
  body="$(curl -s -m 10 "$(url '/api/greeting?name=Ada')")"
  expect_eq "GET /api/greeting?name=Ada through nginx" '{"message":"Hello, Ada!"}' "$body"
  body="$(curl -s -m 10 "$(url /api/greeting/count)")"
  expect_match "GET /api/greeting/count through nginx" '^\{"count":[1-9][0-9]*\}$' "$body"
  expect_eq "systemctl is-active onebox nginx docker onebox-backup.timer" "active active active active" \
    "$(vps systemctl is-active onebox nginx docker onebox-backup.timer | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "/etc/onebox/onebox.env is 0600 root:root" "600 root:root" "$(vps stat -c '%a %U:%G' /etc/onebox/onebox.env)"
  expect_eq "/var/lib/onebox is 0700 onebox:onebox" "700 onebox:onebox" "$(vps stat -c '%a %U:%G' /var/lib/onebox)"
  expect_eq "/etc/onebox/master.key is 0600 onebox (read-only in the app container)" "600 onebox" \
    "$(vps stat -c '%a %U' /etc/onebox/master.key)"
  check "the app uses /etc/onebox/master.key, not one of its own" vps_sh '! test -e /var/lib/onebox/master.key'
  expect_match "current -> releases/$VERSION" "^/opt/onebox/releases/$VERSION\$" "$(vps readlink -f /opt/onebox/current)"
  expect_eq "the database belongs to the onebox user" onebox "$(vps stat -c %U /var/lib/onebox/onebox.db)"
  token="$(vps sed -n 's/^ONEBOX_ADMIN_TOKEN=//p' /etc/onebox/onebox.env)"
  ADMIN_TOKEN="$token"
  expect_match "an admin token was generated" '^[0-9a-f]{64}$' "$token"
  expect_eq "the management API takes the admin token (through nginx)" 200 \
    "$(http_code -H "Authorization: Bearer $token" "$(url /api/v1/whoami)")"
  expect_eq "the management API refuses a request without a token" 401 "$(http_code "$(url /api/v1/whoami)")"
  expect_eq "the dashboard password the app generated is 0600 onebox" "600 onebox" \
    "$(vps stat -c '%a %U' /var/lib/onebox/admin-password)"
  expect_match "the install summary says where the dashboard password is" "/var/lib/onebox/admin-password" "$INSTALL_OUTPUT"
  local password cookie
  password="$(vps cat /var/lib/onebox/admin-password)"
  cookie="$(curl -s -m 10 -o /dev/null -D - --data-urlencode username=admin --data-urlencode "password=$password" \
    "$(url /ui/login)" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: onebox_session=\([^;]*\).*/\1/p')"
  expect_match "admin signs in to the dashboard through nginx with that password" '^[A-Za-z0-9_-]{40,}$' "$cookie"
  expect_match "the dashboard's home shows the system status through nginx" "System status" \
    "$(curl -s -m 10 -H "Cookie: onebox_session=$cookie" "$(url /ui)")"
  # Listening sockets on 8080/8081 (hex 1F90/1F91) from /proc: only 127.0.0.1 (0100007F).
  expect_eq "only 127.0.0.1 listens on 8080 (app) and 8081 (nginx for the tunnel)" "0100007F:1F90 0100007F:1F91" \
    "$(vps cat /proc/net/tcp /proc/net/tcp6 | awk '$4 == "0A" && $2 ~ /:1F9[01]$/ { print $2 }' | sort -u | tr '\n' ' ' | sed 's/ $//')"
  local headers
  headers="$(curl -s -D - -o /dev/null -m 10 "$(url /health)" | tr -d '\r')"
  expect_match "security headers are set" "X-Content-Type-Options: nosniff" "$headers"
  expect_match "nginx does not tell its version" "Server: nginx"$'\n' "$headers"
  local compose
  compose="$(vps /opt/onebox/current/bin/onebox-compose version 2>/dev/null | head -n 1 || true)"
  if [[ "$COMPOSE_MODE" == v2 ]]; then
    expect_match "the stack runs with Compose v2 (the plugin)" "Docker Compose version v?2\." "$compose"
  else
    expect_match "the stack runs with Debian 12's docker-compose v1" "docker-compose version 1\.29" "$compose"
  fi
  expect_empty "systemd-analyze verify of the installed units says nothing" \
    vps_sh 'cd /etc/systemd/system && systemd-analyze verify onebox.service onebox-backup.service onebox-backup.timer'
}

# Egress rules (README "Egress"): installed with their boot unit, checked by the app itself.
# shellcheck disable=SC2016 # expanded inside the VPS
test_egress() {
  expect_eq "onebox-egress.service is enabled and active" "enabled active" \
    "$(vps_sh 'systemctl is-enabled onebox-egress.service; systemctl is-active onebox-egress.service' | tr '\n' ' ' | sed 's/ $//')"
  check "onebox-egress-rules status: every rule in place" vps /opt/onebox/current/bin/onebox-egress-rules status
  check "DOCKER-USER sends the egress bridge to ONEBOX-EGRESS" \
    vps_sh 'iptables -S DOCKER-USER | grep -qx -- "-A DOCKER-USER -i onebox-egress -j ONEBOX-EGRESS"'
  check "ONEBOX-EGRESS rejects link-local (metadata) and private ranges" \
    vps_sh 'r="$(iptables -S ONEBOX-EGRESS)"; for c in 169.254.0.0/16 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10; do
      grep -q -- "-d $c -j REJECT --reject-with icmp-admin-prohibited" <<<"$r" || exit 1; done'
  check "the app's own check finds the rules (/health: egress ok)" wait_until 90 egress_health_ok
  expect_empty "systemd-analyze verify onebox-egress.service says nothing" \
    vps_sh 'cd /etc/systemd/system && systemd-analyze verify onebox-egress.service'
}

egress_health_ok() {
  curl -s -m 10 "$(url /health)" | grep -q '"egress":{"status":"UP","detail":"ok: '
}

# The onebox-egress lines of the VPS's filter tables. Fails when the rules cannot be read (a dead
# VPS, no iptables-save), so "no rules" is never the silence of a failed command.
# shellcheck disable=SC2016 # expanded inside the VPS
egress_rules() {
  vps_sh 'v4="$(iptables-save -t filter)" || exit 1; v6="$(ip6tables-save -t filter 2>/dev/null || true)"
    printf "%s\n%s\n" "$v4" "$v6" | grep -i onebox-egress || true'
}

# After the second install.sh (test_idempotent): the same rules, none twice.
test_egress_idempotent() {
  expect_eq "a second install.sh leaves the egress rules as they were" "$EGRESS_RULES" "$(egress_rules)"
  expect_eq "the egress rules script run again changes nothing" unchanged \
    "$(vps /opt/onebox/current/bin/onebox-egress-rules install 2>/dev/null)"
  expect_eq "DOCKER-USER jumps to ONEBOX-EGRESS once" 1 "$(vps_sh 'iptables -S DOCKER-USER | grep -c -- "-j ONEBOX-EGRESS$"')"
}

# shellcheck disable=SC2016 # expanded inside the VPS
test_egress_removed() {
  expect_empty "--uninstall removes the egress rules" egress_rules
  expect_empty "--uninstall removes the egress networks" vps docker network ls -q --filter label=dev.onebox.network
}

containers_healthy() {
  local id states
  states="$(for id in $(vps /opt/onebox/current/bin/onebox-compose ps -q); do
    vps docker inspect -f '{{.Name}}={{.State.Health.Status}}' "$id"
  done | sort | tr '\n' ' ')"
  [[ "$states" =~ app.*=healthy\ .*valkey.*=healthy ]]
}

test_idempotent() {
  local out rc=0 before after token_after
  before="$(vps docker ps -q --no-trunc | sort | tr '\n' ' ')"
  log "install.sh again (same flags)"
  out="$(install_in_vps --no-tunnel --bundle "/bundle/$BUNDLE_NAME" 2>&1)" || rc=$?
  expect_eq "second install.sh exits 0" 0 "$rc"
  expect_match "second install.sh changes nothing" "nothing changed: everything was in place" "$out"
  if ! [[ "$out" =~ "nothing changed" ]]; then
    printf '%s\n' "$out" | grep -E '^    ' | sed 's/^/    | /' | head -n 20
  fi
  after="$(vps docker ps -q --no-trunc | sort | tr '\n' ' ')"
  expect_eq "second install.sh keeps the same containers" "$before" "$after"
  token_after="$(vps sed -n 's/^ONEBOX_ADMIN_TOKEN=//p' /etc/onebox/onebox.env)"
  expect_eq "second install.sh keeps the admin token" "$ADMIN_TOKEN" "$token_after"
  out="$(install_in_vps --no-tunnel --bundle "/bundle/$BUNDLE_NAME" --dry-run 2>&1)" || rc=$?
  expect_match "--dry-run on an installed box would change nothing" "dry run: nothing was changed" "$out"
}

test_nginx_features() {
  if wait_until 60 containers_healthy; then
    pass "Docker reports the app and valkey containers healthy"
  else
    fail "Docker reports the app and valkey containers healthy" "$(vps docker ps --format '{{.Names}} {{.Status}}' | tr '\n' ';')"
  fi
  local status attempt got="" codes n429 n200
  for attempt in 1 2 3; do
    log "cache check, attempt $attempt"
    sleep 1.2
    curl -s -o /dev/null -m 10 "$(url /api/greeting/count)"
    got="$(curl -s -D - -o /dev/null -m 10 "$(url /api/greeting/count)" | tr -d '\r' | sed -n 's/^X-Cache-Status: //p')"
    [[ "$got" == HIT ]] && break
  done
  expect_eq "a repeated GET /api/greeting/count is a cache HIT" HIT "$got"
  sleep 2
  codes="$(seq 1 150 | xargs -P 50 -I{} curl -s -o /dev/null -m 10 -w '%{http_code}\n' "$(url /api/greeting/count)")"
  n429="$(grep -c '^429$' <<<"$codes" || true)"
  n200="$(grep -c '^200$' <<<"$codes" || true)"
  if ((n429 > 0 && n200 > 0)); then
    pass "a burst of 150 calls on /api/ gets 429s ($n429) besides 200s ($n200)"
  else
    fail "a burst of 150 calls on /api/ gets 429s besides 200s" "429: $n429, 200: $n200"
  fi
  status="$(curl -s -m 10 "$(url /api/greeting/count)")"
  sleep 2
  expect_match "after the burst the API answers again" '"count"' "$(curl -s -m 10 "$(url /api/greeting/count)") $status"
  # Real client address: CF-Connecting-IP counts only from 127.0.0.1 (cloudflared).
  vps curl -s -o /dev/null -H 'CF-Connecting-IP: 203.0.113.7' http://127.0.0.1:8081/health
  curl -s -o /dev/null -H 'CF-Connecting-IP: 198.51.100.9' "$(url /health)"
  sleep 0.5
  local logtail
  logtail="$(vps tail -n 50 /var/log/nginx/onebox.access.log)"
  if grep -q '^203\.0\.113\.7 ' <<<"$logtail"; then
    pass "CF-Connecting-IP from 127.0.0.1 becomes the client address"
  else
    fail "CF-Connecting-IP from 127.0.0.1 becomes the client address"
  fi
  if grep -q '^198\.51\.100\.9 ' <<<"$logtail"; then
    fail "CF-Connecting-IP from elsewhere is ignored"
  else
    pass "CF-Connecting-IP from elsewhere is ignored"
  fi
  expect_eq "a body over 11 MiB gets 413 from nginx" 413 \
    "$(head -c 12000000 /dev/zero | http_code -X POST --data-binary @- "$(url /run/nothing)")"
}

test_script_run() {
  deploy_hello_with_secret
  local headers run_id
  headers="$(curl -s -D - -o "$WORK/run.txt" -m 60 "$(url /run/hello/x)" | tr -d '\r')"
  expect_eq "the script runs in a sandbox on the VPS's engine and reads its secret: GET /run/hello/x" \
    "hi from /x (secret ok)" "$(cat "$WORK/run.txt")"
  run_id="$(sed -n 's/^X-Onebox-Run-Id: //Ip' <<<"$headers")"
  expect_match "the run id comes back (X-Onebox-Run-Id)" '^[A-Za-z0-9_-]+$' "$run_id"
  headers="$(curl -s -D - -o /dev/null -m 5 -H 'Accept-Encoding: gzip' -H "Authorization: Bearer $ADMIN_TOKEN" \
    "$(url "/api/v1/runs/$run_id/logs")" | tr -d '\r' || true)"
  expect_match "the run's log streams as server-sent events through nginx" "Content-Type: text/event-stream" "$headers"
  if grep -qi '^Content-Encoding: gzip' <<<"$headers"; then
    fail "server-sent events are not compressed"
  else
    pass "server-sent events are not compressed"
  fi
  headers="$(curl -s -D - -o /dev/null -m 10 -H 'Accept-Encoding: gzip' -H "Authorization: Bearer $ADMIN_TOKEN" \
    "$(url /metrics)" | tr -d '\r')"
  expect_match "a large answer (/metrics) is gzipped by nginx" "Content-Encoding: gzip" "$headers"
}

# The installed `onebox` command reaches the CLI jar of the release: the VPS has no Java, so
# the app image's Java runs it; as root it talks to the local app with the admin token.
test_cli() {
  local out rc=0
  out="$(vps onebox scripts list 2>&1)" || rc=$?
  expect_eq "onebox scripts list exits 0 on the box" 0 "$rc"
  expect_match "onebox scripts list shows the deployed script" $'(^|\n)hello +[0-9]+ +[0-9]+ +ready' "$out"
  rc=0
  out="$(printf 'from-stdin\n' | docker exec -i "$VPS" onebox secret put CLI_SECRET --script hello 2>&1)" || rc=$?
  expect_eq "onebox secret put reads the value from stdin and exits 0" 0 "$rc"
  expect_match "onebox secret put says what it stored, not the value" "stored secret CLI_SECRET for hello" "$out"
  [[ "$out" == *from-stdin* ]] && fail "onebox secret put printed the value"
  rc=0
  out="$(vps onebox runs hello 2>&1)" || rc=$?
  expect_match "onebox runs lists the script's run" "succeeded" "$out"
  # The later tests count the box's secrets: leave them as they were.
  check "onebox secret delete removes it again" vps onebox secret delete CLI_SECRET --script hello
}

# A second host name for script content (--run-domain): its own nginx server, ONEBOX_RUN_ORIGIN
# in onebox.env; there only /run/ answers, and on the main host script answers are sandboxed.
RUN_DOMAIN=run.onebox.test
test_run_origin() {
  local out rc=0 headers body
  log "install.sh --no-tunnel --run-domain $RUN_DOMAIN"
  out="$(install_in_vps --no-tunnel --run-domain "$RUN_DOMAIN" --bundle "/bundle/$BUNDLE_NAME" 2>&1)" || rc=$?
  expect_eq "install.sh --run-domain exits 0" 0 "$rc"
  ((rc == 0)) || printf '%s\n' "$out" | sed 's/^/    | /' | tail -n 30
  expect_match "the summary names the run origin" "run origin: +http://$RUN_DOMAIN/run/" "$out"
  expect_eq "onebox.env sets ONEBOX_RUN_ORIGIN" "http://$RUN_DOMAIN" "$(vps sed -n 's/^ONEBOX_RUN_ORIGIN=//p' /etc/onebox/onebox.env)"
  check "nginx has a server block for $RUN_DOMAIN" vps_sh "nginx -T 2>/dev/null | grep -q 'server_name $RUN_DOMAIN;'"
  if wait_until 120 run_origin_answers; then
    pass "the script answers on the run origin: GET http://$RUN_DOMAIN/run/hello/x"
  else
    fail "the script answers on the run origin: GET http://$RUN_DOMAIN/run/hello/x" \
      "$(curl -s -m 30 -H "Host: $RUN_DOMAIN" "$(url /run/hello/x)")"
  fi
  body="$(curl -s -m 10 -H "Host: $RUN_DOMAIN" "$(url /ui)")"
  expect_match "the run origin serves no dashboard (/ui is 404 JSON)" '"error":"not_found"' "$body"
  expect_eq "the run origin serves no API" 404 "$(http_code -H "Host: $RUN_DOMAIN" -H "Authorization: Bearer $ADMIN_TOKEN" "$(url /api/v1/scripts)")"
  headers="$(curl -s -D - -o /dev/null -m 30 "$(url /run/hello/x)" | tr -d '\r')"
  expect_match "on the main host a script answer is sandboxed (CSP sandbox)" \
    "Content-Security-Policy: sandbox allow-scripts allow-forms allow-popups allow-downloads" "$headers"
  headers="$(curl -s -D - -o /dev/null -m 10 "$(url /ui/login)" | tr -d '\r')"
  expect_match "the dashboard cannot be framed (frame-ancestors 'none')" "Content-Security-Policy: .*frame-ancestors 'none'" "$headers"

  log "install.sh again with the same run domain"
  out="$(install_in_vps --no-tunnel --run-domain "$RUN_DOMAIN" --bundle "/bundle/$BUNDLE_NAME" 2>&1)" || rc=$?
  expect_eq "second install.sh --run-domain exits 0" 0 "$rc"
  expect_match "second install.sh --run-domain changes nothing" "nothing changed: everything was in place" "$out"
  out="$(install_in_vps --no-tunnel --bundle "/bundle/$BUNDLE_NAME" 2>&1)" || rc=$?
  expect_match "without --run-domain the saved run domain stays (nothing changed)" "nothing changed: everything was in place" "$out"
}

run_origin_answers() {
  [[ "$(curl -s -m 30 -H "Host: $RUN_DOMAIN" "$(url /run/hello/x)")" == "hi from /x (secret ok)" ]]
}

# A single-file script with a D1 database declared in the deploy body (env.DB, database
# "notes"): GET /run/notes/x?add=X adds the row X; every call answers all rows, comma-separated.
NOTES_SOURCE="export default { async fetch(request, env) { await env.DB.exec('CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)'); const add = new URL(request.url).searchParams.get('add'); if (add !== null) { await env.DB.prepare('INSERT INTO note (body) VALUES (?)').bind(add).run(); } const { results } = await env.DB.prepare('SELECT body FROM note ORDER BY id').all(); return new Response(results.map((r) => r.body).join(',')); } };"

# deploy_notes TOKEN: deploys `notes` with the box's token TOKEN (POST ...?wait=true: it serves).
deploy_notes() {
  local code
  code="$(curl -s -o "$WORK/notes.json" -w '%{http_code}' -m 300 -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    -d "{\"name\":\"notes\",\"source\":\"$NOTES_SOURCE\",\"d1_databases\":[{\"binding\":\"DB\",\"database_name\":\"notes\"}]}" \
    "$(url '/api/v1/scripts?wait=true')" || true)"
  expect_eq "a script with a D1 database deploys (d1_databases in POST /api/v1/scripts)" 201 "$code"
  [[ "$code" == 201 ]] || sed 's/^/    | /' "$WORK/notes.json" | head -c 2000
}

# notes_add ROW: adds ROW through /run/notes and prints what the script answers (all rows).
notes_add() {
  curl -s -m 60 "$(url "/run/notes/x?add=$1")"
}

test_backup() {
  local snap
  check "onebox-backup.service runs" vps systemctl start onebox-backup.service
  snap="$(vps_sh 'ls -1d /var/lib/onebox/backups/onebox-* | tail -n 1')"
  check "the snapshot passes PRAGMA integrity_check" vps_sh "[ \"\$(sqlite3 '$snap/onebox.db' 'PRAGMA integrity_check')\" = ok ]"
  check "the snapshot holds the greetings" vps_sh "[ \"\$(sqlite3 '$snap/onebox.db' 'SELECT count(*) FROM greeting')\" -ge 1 ]"
  vps_sh 'for i in 1 2 3; do ONEBOX_BACKUP_KEEP=2 /opt/onebox/current/bin/onebox-backup >/dev/null || exit 1; done'
  expect_eq "backups are rotated (ONEBOX_BACKUP_KEEP=2 keeps 2)" 2 "$(vps_sh 'ls -1d /var/lib/onebox/backups/onebox-* | wc -l')"
  snap="$(vps_sh 'ls -1d /var/lib/onebox/backups/onebox-* | tail -n 1')"
  check "the snapshot keeps onebox.env and master.key, root only" \
    vps_sh "[ \"\$(stat -c '%a %U' '$snap' '$snap/etc-onebox.env' '$snap/etc-master.key' | tr '\n' ' ')\" = '700 root 600 root 600 root ' ]"
  check "the snapshot's master.key is the one in use" vps cmp -s "$snap/etc-master.key" /etc/onebox/master.key
}

# Data worth moving (three more greetings, a second version of `hello`, a user API token, a D1
# database with two rows), then a snapshot taken off the box as over ssh (`onebox backup
# --output -`), kept on the host for test_restore_elsewhere.
test_backup_export() {
  local body code n rc=0 listing
  for n in Grace Linus Barbara; do
    curl -s -o /dev/null -m 10 "$(url "/api/greeting?name=$n")"
  done
  # A version number a fresh deploy would not give.
  body='{"source":"export default { async fetch(request, env) { /* v2 */ return new Response(\"hi from \" + new URL(request.url).pathname + (env.HELLO_SECRET === \"s3cret\" ? \" (secret ok)\" : \" (no secret)\")); } };"}'
  code="$(curl -s -o "$WORK/deploy2.json" -w '%{http_code}' -m 300 -X PUT -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' -d "$body" "$(url '/api/v1/scripts/hello?wait=true')" || true)"
  expect_eq "a second version of hello deploys (PUT /api/v1/scripts/hello?wait=true)" 200 "$code"
  USER_TOKEN="$(curl -s -m 10 -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
    -d '{"name":"ci"}' "$(url /api/v1/tokens)" | sed -n 's/.*"secret":"\([^"]*\)".*/\1/p')"
  expect_eq "a user API token is issued and works" 200 "$(http_code -H "Authorization: Bearer $USER_TOKEN" "$(url /api/v1/whoami)")"
  deploy_notes "$ADMIN_TOKEN"
  notes_add alpha >/dev/null
  expect_eq "the D1 script writes rows through /run (alpha, beta)" "alpha,beta" "$(notes_add beta)"
  sleep 1.2
  SNAP_COUNT="$(curl -s -m 10 "$(url /api/greeting/count)")"
  SNAP_VERSION="$(curl -s -m 10 -H "Authorization: Bearer $ADMIN_TOKEN" "$(url /api/v1/scripts/hello)" | sed -n 's/.*"currentVersion":\([0-9]*\).*/\1/p')"
  expect_eq "hello serves version 2" 2 "$SNAP_VERSION"
  expect_match "onebox is on the PATH; onebox status says it is healthy" "health: +ok" "$(vps onebox status 2>&1 || true)"

  log "onebox backup --output - (the snapshot, off the box)"
  docker exec "$VPS" onebox backup --output - >"$WORK/snapshot.tar.gz" 2>"$WORK/backup.err" || rc=$?
  expect_eq "onebox backup --output - exits 0" 0 "$rc"
  ((rc == 0)) || sed 's/^/    | /' "$WORK/backup.err"
  listing="$(tar -tzf "$WORK/snapshot.tar.gz" 2>&1 | sed 's:^[^/]*/::' | LC_ALL=C sort | tr '\n' ' ')"
  expect_match "the exported snapshot holds the database, the D1 database, master.key, onebox.env, the dashboard password and checksums" \
    "SHA256SUMS SNAPSHOT d1-notes.sqlite data-admin-password etc-master.key etc-onebox.env onebox.db" "$listing"
  # Changed after the snapshot: the restore elsewhere must bring back the rows as they were.
  expect_eq "the D1 rows change after the snapshot" "alpha,beta,after-snapshot" "$(notes_add after-snapshot)"
  rc=0
  vps onebox backup --output /root/onebox-snapshot.tar.gz >/dev/null 2>&1 || rc=$?
  expect_eq "onebox backup --output FILE writes a root-only file" "0 600 root" \
    "$rc $(vps stat -c '%a %U' /root/onebox-snapshot.tar.gz 2>&1)"
}

# An upgrade to a new version (same image, new VERSION: an unpacked bundle directory), then one
# to a release whose app never gets healthy: it must roll back.
test_upgrade() {
  local out rc=0 v2="$VERSION-up" v3="$VERSION-broken"
  vps_sh "rm -rf /var/tmp/up /var/tmp/broken && mkdir -p /var/tmp/up && tar -xzf /bundle/$BUNDLE_NAME -C /var/tmp/up --strip-components=1 --exclude='*/images/*.tar' \
    && : > /var/tmp/up/images/IMAGES && echo $v2 > /var/tmp/up/VERSION && cp -a /var/tmp/up /var/tmp/broken && echo $v3 > /var/tmp/broken/VERSION \
    && echo onebox/app:broken > /var/tmp/broken/IMAGE \
    && printf 'FROM %s\nENTRYPOINT [\"sh\", \"-c\", \"echo broken on purpose; exit 1\"]\n' \"\$(cat /var/tmp/up/IMAGE)\" | docker build -q -t onebox/app:broken - >/dev/null"
  log "install.sh --upgrade to $v2"
  out="$(install_in_vps --upgrade --bundle /var/tmp/up 2>&1)" || rc=$?
  expect_eq "--upgrade exits 0" 0 "$rc"
  ((rc == 0)) || printf '%s\n' "$out" | sed 's/^/    | /' | tail -n 30
  expect_match "--upgrade switched current to $v2" "/releases/$v2\$" "$(vps readlink -f /opt/onebox/current)"
  expect_match "--upgrade kept the old release as previous" "/releases/$VERSION\$" "$(vps readlink -f /opt/onebox/previous)"
  check "--upgrade took a backup first" vps_sh "ls -d /var/lib/onebox/backups/onebox-*-pre-upgrade-$v2"
  expect_eq "healthy after the upgrade" 200 "$(http_code "$(url /health)")"

  log "install.sh --upgrade to $v3 (never healthy: must roll back)"
  rc=0
  out="$(vps env ONEBOX_HEALTH_TIMEOUT=25 bash /bundle/install.sh --upgrade --bundle /var/tmp/broken 2>&1)" || rc=$?
  if ((rc != 0)); then pass "--upgrade to an unhealthy release fails"; else fail "--upgrade to an unhealthy release fails"; fi
  expect_match "it says it rolled back" "rolled back to $v2" "$out"
  expect_match "current is $v2 again" "/releases/$v2\$" "$(vps readlink -f /opt/onebox/current)"
  expect_eq "healthy after the rollback" 200 "$(http_code "$(url /health)")"
  expect_eq "the app runs the image of $v2 again" "$(vps cat /var/tmp/up/IMAGE)" \
    "$(vps docker inspect -f '{{.Config.Image}}' "$(vps /opt/onebox/current/bin/onebox-compose ps -q app)")"
}

test_restart() {
  local before after
  before="$(curl -s -m 10 "$(url /api/greeting/count)")"
  log "restarting the VPS container"
  docker restart -t 30 "$VPS" >/dev/null
  wait_until 90 systemd_up || true
  refresh_port
  if wait_until 180 health_200; then
    pass "after a restart of the VPS, /health through nginx answers 200 again"
  else
    fail "after a restart of the VPS, /health through nginx answers 200 again"
    vps systemctl status onebox --no-pager | tail -n 20 || true
  fi
  expect_eq "after the restart: onebox and nginx are active" "active active" \
    "$(vps systemctl is-active onebox nginx | tr '\n' ' ' | sed 's/ $//')"
  sleep 1.2
  after="$(curl -s -m 10 "$(url /api/greeting/count)")"
  expect_eq "after the restart the greeting count is kept" "$before" "$after"
  # The app can come up twice after a boot (the engine restarts its container while the unit
  # brings the stack up), so the script gets a minute to answer; how often the app started is logged.
  script_answers() { [[ "$(curl -s -m 60 "$(url /run/hello/again)")" == "hi from /again (secret ok)" ]]; }
  check "after the restart scripts still run, with their secret" wait_until 60 script_answers
  log "after the reboot the app container started at $(vps docker inspect -f '{{.State.StartedAt}} (restarts: {{.RestartCount}})' \
    "$(vps /opt/onebox/current/bin/onebox-compose ps -q app)" 2>/dev/null || echo '?')"
}

# Switches the box to tunnel mode with a cloudflared test double (no real cloudflared can be
# fetched here): it only records how it was started and whether it could read the token.
test_tunnel() {
  local out rc=0 v4="$VERSION-tunnel" token sum journal
  token="tunnel-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  sum="$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"
  vps_sh "umask 077 && printf '%s' '$token' > /root/tunnel-token"
  docker exec -i "$VPS" bash -c "rm -rf /var/tmp/tun && cp -a /var/tmp/up /var/tmp/tun && echo $v4 > /var/tmp/tun/VERSION && cat > /var/tmp/tun/bin/cloudflared && chmod 0755 /var/tmp/tun/bin/cloudflared" < <(cloudflared_double)
  log "install.sh --upgrade --tunnel-token-file (to $v4, with a cloudflared test double)"
  out="$(install_in_vps --upgrade --tunnel-token-file /root/tunnel-token --bundle /var/tmp/tun 2>&1)" || rc=$?
  expect_eq "--upgrade --tunnel-token-file exits 0" 0 "$rc"
  ((rc == 0)) || printf '%s\n' "$out" | sed 's/^/    | /' | tail -n 30
  if [[ "$out" == *"$token"* ]]; then fail "the installer never prints the tunnel token"; else pass "the installer never prints the tunnel token"; fi
  expect_eq "/etc/onebox/tunnel-token is 0600 root:root" "600 root:root" "$(vps stat -c '%a %U:%G' /etc/onebox/tunnel-token)"
  expect_eq "onebox-tunnel.service is active" active "$(vps systemctl is-active onebox-tunnel.service || true)"
  sleep 1
  journal="$(vps journalctl -u onebox-tunnel.service --no-pager -o cat 2>/dev/null | grep cloudflared-double || true)"
  expect_match "cloudflared runs 'tunnel run --token-file <credential>'" \
    "args: --no-autoupdate tunnel run --token-file /run/credentials/onebox-tunnel.service/tunnel-token" "$journal"
  expect_match "cloudflared reads the token through the credential" "token sha256 $sum" "$journal"
  expect_match "cloudflared runs as a dynamic, unprivileged user" "uid [1-9][0-9]{2,}" "$journal"
  # The pattern comes from the file, so that grep's own command line does not hold it.
  if vps_sh "grep -qaFf /root/tunnel-token /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null"; then
    fail "the tunnel token is on no command line and in no environment"
  else
    pass "the tunnel token is on no command line and in no environment"
  fi
  check "tunnel mode: port 80 is no longer onebox's site" vps_sh '! test -e /etc/nginx/sites-enabled/onebox-public.conf'
  expect_eq "tunnel mode: /health through nginx on 127.0.0.1:8081" 200 \
    "$(vps curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8081/health)"
  expect_eq "tunnel mode: the run origin is served on 127.0.0.1:8081 for the tunnel (scripts only)" 404 \
    "$(vps curl -s -o /dev/null -w '%{http_code}' -H "Host: $RUN_DOMAIN" http://127.0.0.1:8081/health)"
  expect_eq "tunnel mode: ONEBOX_RUN_ORIGIN is https at Cloudflare's edge" "https://$RUN_DOMAIN" \
    "$(vps sed -n 's/^ONEBOX_RUN_ORIGIN=//p' /etc/onebox/onebox.env)"
  local sec
  sec="$(vps systemd-analyze security onebox-tunnel.service 2>/dev/null | tail -n 1 || true)"
  expect_match "systemd-analyze security rates onebox-tunnel.service OK" "exposure level for onebox-tunnel.service: [0-2]\.[0-9] OK" "$sec"
}

test_uninstall() {
  local out rc=0
  log "install.sh --uninstall"
  out="$(install_in_vps --uninstall 2>&1)" || rc=$?
  expect_eq "--uninstall exits 0" 0 "$rc"
  ((rc == 0)) || printf '%s\n' "$out" | sed 's/^/    | /' | tail -n 20
  expect_empty "--uninstall: no onebox unit left" \
    vps_sh 'systemctl list-unit-files "onebox*" --no-legend 2>/dev/null; ls /etc/systemd/system/onebox* 2>/dev/null || true'
  expect_empty "--uninstall: no onebox container left" vps docker ps -aq --filter label=com.docker.compose.project=onebox
  check "--uninstall: /opt/onebox is gone" vps_sh '! test -e /opt/onebox'
  check "--uninstall: nginx's onebox config is gone, nginx still runs" vps_sh '! test -e /etc/nginx/conf.d/onebox.conf && systemctl is-active --quiet nginx'
  check "--uninstall: the run origin's nginx site is gone" vps_sh '! test -e /etc/nginx/sites-enabled/onebox-run.conf && ! test -e /etc/nginx/sites-available/onebox-run.conf'
  check "--uninstall: /var/lib/onebox and its database are kept" vps test -s /var/lib/onebox/onebox.db
  check "--uninstall: /etc/onebox (admin token) is kept" vps test -s /etc/onebox/onebox.env
}

test_purge() {
  local out rc=0
  log "install.sh --uninstall --purge"
  out="$(install_in_vps --uninstall --purge 2>&1)" || rc=$?
  expect_eq "--uninstall --purge exits 0" 0 "$rc"
  ((rc == 0)) || printf '%s\n' "$out" | sed 's/^/    | /' | tail -n 20
  check "--purge removes /var/lib/onebox, /etc/onebox and the user onebox" \
    vps_sh '! test -e /var/lib/onebox && ! test -e /etc/onebox && ! id onebox'
}

# The issue's test: the snapshot of the first box, restored on a second, freshly installed one,
# brings back the same greetings, scripts (serving, with their secret), tokens and D1 rows (over
# the new box's own database of that name). Damaged or mismatched snapshots are refused and
# change nothing.
test_restore_elsewhere() {
  local out rc=0 body state_before state_after f
  start_vps "onebox-restore-test-$$"
  log "install.sh on a second fresh VPS ($VPS)"
  out="$(install_in_vps --no-tunnel --bundle "/bundle/$BUNDLE_NAME" 2>&1)" || rc=$?
  expect_eq "install.sh on a second fresh box exits 0" 0 "$rc"
  if ((rc != 0)); then
    printf '%s\n' "$out" | sed 's/^/    | /' | tail -n 30
    return 1
  fi
  expect_eq "the new box does not know the first box's admin token yet" 401 \
    "$(http_code -H "Authorization: Bearer $ADMIN_TOKEN" "$(url /api/v1/whoami)")"
  docker cp "$WORK/snapshot.tar.gz" "$VPS:/root/onebox-snapshot.tar.gz"
  # The new box has a D1 database of the same name with other rows: the restore must replace it.
  deploy_notes "$(vps sed -n 's/^ONEBOX_ADMIN_TOKEN=//p' /etc/onebox/onebox.env)"
  expect_eq "the new box's own D1 database holds other rows before the restore" "stale" "$(notes_add stale)"

  out="$(vps onebox restore --check /root/onebox-snapshot.tar.gz 2>&1)" || true
  expect_match "onebox restore --check says what the snapshot holds" \
    "holds: +2 scripts, 1 secrets, 2 API tokens, [0-9]+ greetings, [0-9]+ runs, 1 D1 databases" "$out"

  log "onebox restore /root/onebox-snapshot.tar.gz"
  rc=0
  out="$(vps onebox restore /root/onebox-snapshot.tar.gz 2>&1)" || rc=$?
  printf '%s\n' "$out" | sed 's/^/    | /'
  expect_eq "onebox restore exits 0" 0 "$rc"
  check "the restore kept a safety backup of the new box's data first" \
    vps_sh 'ls -d /var/lib/onebox/backups/onebox-*-pre-restore'
  expect_eq "after the restore /health through nginx answers 200" 200 "$(http_code "$(url /health)")"
  sleep 1.2
  expect_eq "after the restore: the same greeting count" "$SNAP_COUNT" "$(curl -s -m 10 "$(url /api/greeting/count)")"
  expect_eq "after the restore the first box's admin token works" 200 \
    "$(http_code -H "Authorization: Bearer $ADMIN_TOKEN" "$(url /api/v1/whoami)")"
  expect_eq "after the restore a user token made on the first box works" 200 \
    "$(http_code -H "Authorization: Bearer $USER_TOKEN" "$(url /api/v1/whoami)")"
  expect_eq "onebox.env holds the first box's admin token" "$ADMIN_TOKEN" \
    "$(vps sed -n 's/^ONEBOX_ADMIN_TOKEN=//p' /etc/onebox/onebox.env)"
  expect_eq "master.key is the first box's, 0600 onebox; onebox.env 0600 root; the database onebox's" \
    "$(tar -xzOf "$WORK/snapshot.tar.gz" --wildcards '*/etc-master.key' | sha256sum | cut -c1-64) 600 onebox 600 root onebox" \
    "$(vps_sh 'sha256sum < /etc/onebox/master.key | cut -c1-64; stat -c "%a %U" /etc/onebox/master.key /etc/onebox/onebox.env; stat -c %U /var/lib/onebox/onebox.db' | tr '\n' ' ' | sed 's/ $//')"
  body="$(curl -s -m 10 -H "Authorization: Bearer $ADMIN_TOKEN" "$(url /api/v1/scripts)")"
  expect_match "the script hello is listed with the same serving version" "\"name\":\"hello\",\"currentVersion\":$SNAP_VERSION," "$body"
  expect_match "the secret HELLO_SECRET is listed" '"HELLO_SECRET"' \
    "$(curl -s -m 10 -H "Authorization: Bearer $ADMIN_TOKEN" "$(url /api/v1/secrets)")"
  # Script images are not in snapshots: the script must serve again all the same.
  if wait_until 120 script_answers /run/hello/moved "hi from /moved (secret ok)"; then
    pass "the script serves again on the new box, its secret readable: GET /run/hello/moved"
  else
    fail "the script serves again on the new box, its secret readable: GET /run/hello/moved" \
      "$(curl -s -m 30 -w ' (HTTP %{http_code})' "$(url /run/hello/moved)")"
  fi
  if wait_until 120 script_answers /run/notes/x "alpha,beta"; then
    pass "the D1 rows are the snapshot's after the restore: GET /run/notes/x answers alpha,beta"
  else
    fail "the D1 rows are the snapshot's after the restore: GET /run/notes/x answers alpha,beta" \
      "$(curl -s -m 30 -w ' (HTTP %{http_code})' "$(url /run/notes/x)")"
  fi

  log "refused restores: a missing, a damaged, a corrupt and a mismatched snapshot"
  make_bad_snapshots
  for f in bad-archive bad-db bad-key; do
    docker cp "$WORK/$f.tar.gz" "$VPS:/root/$f.tar.gz"
  done
  state_before="$(box_state)"
  expect_refused "a snapshot that is not there" /root/nothing-here.tar.gz "no snapshot at"
  expect_refused "a damaged archive (cut in half)" /root/bad-archive.tar.gz "not a readable snapshot archive"
  expect_refused "a snapshot whose database is corrupt (checksums made to match)" /root/bad-db.tar.gz "integrity check"
  expect_refused "a snapshot whose master key is not its secrets' key" /root/bad-key.tar.gz "not the key its 1 secrets were encrypted with"
  state_after="$(box_state)"
  expect_eq "the refused restores changed nothing (app container, master.key, onebox.env, backups, greetings)" \
    "$state_before" "$state_after"
  test_restore_undone
}

# A snapshot that passes every check but with which the app does not start (a setting it
# refuses): the restore fails and puts the previous data back by itself.
test_restore_undone() {
  local out rc=0 before after
  make_bad_snapshots bad-env
  docker cp "$WORK/bad-env.tar.gz" "$VPS:/root/bad-env.tar.gz"
  expect_eq "a D1 row written before the failing restore" "alpha,beta,gamma" "$(notes_add gamma)"
  before="$(vps sha256sum /etc/onebox/onebox.env /etc/onebox/master.key | cut -c1-64 | tr '\n' ' ')"
  log "onebox restore of a snapshot the app does not start with (must undo itself)"
  out="$(vps env ONEBOX_HEALTH_TIMEOUT=25 onebox restore /root/bad-env.tar.gz 2>&1)" || rc=$?
  if ((rc != 0)) && [[ "$out" == *"the previous data is back and healthy"* ]]; then
    pass "a restore the app is not healthy with fails and says the previous data is back"
  else
    fail "a restore the app is not healthy with fails and says the previous data is back" \
      "exit $rc: $(printf '%s' "$out" | tail -n 4 | tr '\n' ' ')"
  fi
  after="$(vps sha256sum /etc/onebox/onebox.env /etc/onebox/master.key | cut -c1-64 | tr '\n' ' ')"
  expect_eq "after the undo: onebox.env and master.key are as before" "$before" "$after"
  expect_eq "after the undo: /health 200, the first box's admin token works" "200 200" \
    "$(http_code "$(url /health)") $(http_code -H "Authorization: Bearer $ADMIN_TOKEN" "$(url /api/v1/whoami)")"
  sleep 1.2
  expect_eq "after the undo: the same greeting count" "$SNAP_COUNT" "$(curl -s -m 10 "$(url /api/greeting/count)")"
  if wait_until 60 script_answers /run/hello/undone "hi from /undone (secret ok)"; then
    pass "after the undo the script serves, with its secret"
  else
    fail "after the undo the script serves, with its secret" "$(curl -s -m 30 "$(url /run/hello/undone)")"
  fi
  if wait_until 60 script_answers /run/notes/x "alpha,beta,gamma"; then
    pass "after the undo the D1 database is as before the failed restore (alpha,beta,gamma)"
  else
    fail "after the undo the D1 database is as before the failed restore (alpha,beta,gamma)" "$(curl -s -m 30 "$(url /run/notes/x)")"
  fi
}

# Succeeds when GET $1 answers exactly $2.
script_answers() {
  [[ "$(curl -s -m 30 "$(url "$1")")" == "$2" ]]
}

# make_bad_snapshots [KIND...]: damaged copies of the exported snapshot, as $WORK/KIND.tar.gz:
# bad-archive (the tar.gz cut in half), bad-db (a page of the database overwritten, SHA256SUMS
# recomputed so only PRAGMA integrity_check can tell), bad-key (another master key, checksums
# recomputed), bad-env (an admin token the app refuses, checksums recomputed).
make_bad_snapshots() {
  local size dir top f kinds=("$@")
  ((${#kinds[@]})) || kinds=(bad-archive bad-db bad-key)
  for f in "${kinds[@]}"; do
    if [[ "$f" == bad-archive ]]; then
      size="$(stat -c %s "$WORK/snapshot.tar.gz")"
      head -c $((size / 2)) "$WORK/snapshot.tar.gz" >"$WORK/bad-archive.tar.gz"
      continue
    fi
    dir="$WORK/$f"
    rm -rf "$dir" && mkdir -p "$dir"
    tar -xzf "$WORK/snapshot.tar.gz" -C "$dir"
    top="$(find "$dir" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
    case "$f" in
      bad-db) head -c 8192 /dev/urandom | dd of="$top/onebox.db" bs=4096 seek=2 conv=notrunc status=none ;;
      bad-key) head -c 32 /dev/urandom | base64 -w0 >"$top/etc-master.key" ;;
      bad-env) sed -i 's/^ONEBOX_ADMIN_TOKEN=.*/ONEBOX_ADMIN_TOKEN=too-short/' "$top/etc-onebox.env" ;;
    esac
    (cd "$top" && sha256sum -- onebox.db etc-* SNAPSHOT >SHA256SUMS)
    tar -C "$dir" -czf "$WORK/$f.tar.gz" "$(basename "$top")"
  done
}

# What a refused restore must leave as it was.
box_state() {
  vps_sh 'docker ps -q --no-trunc --filter label=com.docker.compose.project=onebox | sort | tr "\n" " "
    sha256sum /etc/onebox/master.key /etc/onebox/onebox.env | cut -c1-64 | tr "\n" " "
    ls -A /var/lib/onebox/backups | tr "\n" " "'
  sleep 1.2
  curl -s -m 10 "$(url /api/greeting/count)"
}

# expect_refused NAME SNAPSHOT MESSAGE: onebox restore fails, saying MESSAGE.
expect_refused() {
  local out rc=0
  out="$(vps onebox restore "$2" 2>&1)" || rc=$?
  if ((rc != 0)) && [[ "$out" == *"$3"* && "$out" == *"nothing was changed"* ]]; then
    pass "onebox restore refuses $1"
  else
    fail "onebox restore refuses $1" "exit $rc: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
  fi
}

# Compose v2 for ONEBOX_TEST_COMPOSE=v2: the plugin of Debian 13's docker-compose package
# (Debian 12 has only v1), fetched once with apt from Debian's archive and cached.
compose_v2_plugin() {
  local cache dir lists deb
  cache="${ONEBOX_CI_DOCKER_DIR:-/var/lib/onebox-ci/docker}/cache/docker-compose-v2"
  if [[ ! -x "$cache" ]]; then
    dir="$(mktemp -d)"
    lists="$dir/lists"
    mkdir -p "$lists/partial" "$dir/cache/archives/partial"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' \
      "${ONEBOX_CI_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$dir/sources.list"
    local apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$lists" -o "Dir::Cache=$dir/cache" -o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" update -qq >/dev/null
    (cd "$dir" && apt-get "${apt_opts[@]}" download docker-compose >/dev/null)
    deb="$(find "$dir" -maxdepth 1 -name 'docker-compose_*.deb' | head -n 1)"
    dpkg-deb -x "$deb" "$dir/x"
    install -D -m 0755 "$dir/x/usr/libexec/docker/cli-plugins/docker-compose" "$cache"
    rm -rf "$dir"
  fi
  printf '%s\n' "$cache"
}

main() {
  COMPOSE_MODE="${ONEBOX_TEST_COMPOSE:-v1}"
  [[ "$COMPOSE_MODE" == v1 || "$COMPOSE_MODE" == v2 ]] || { echo "ONEBOX_TEST_COMPOSE must be v1 or v2" >&2; exit 2; }
  onebox_test_setup
  start_vps "onebox-installer-test-$$"
  if [[ "$COMPOSE_MODE" == v2 ]]; then
    log "Compose v2: the docker compose plugin is on the VPS before the install"
    vps mkdir -p /usr/libexec/docker/cli-plugins
    docker cp "$(compose_v2_plugin)" "$VPS:/usr/libexec/docker/cli-plugins/docker-compose"
  fi
  test_dry_run_fresh

  if test_install; then
    test_running
    test_egress
    EGRESS_RULES="$(egress_rules)"
    test_idempotent
    test_egress_idempotent
    test_nginx_features
    test_script_run
    test_cli
    test_run_origin
    test_backup
    test_backup_export
    test_upgrade
    test_restart
    test_tunnel
    test_uninstall
    test_egress_removed
    test_purge
    test_restore_elsewhere
  else
    vps_sh 'journalctl -u onebox --no-pager | tail -n 30; /opt/onebox/current/bin/onebox-compose logs --tail 30 app' 2>&1 | sed 's/^/    | /' || true
  fi
  onebox_test_summary
}

main "$@"
