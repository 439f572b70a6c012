#!/usr/bin/env bash
# installer/tests/ansible.sh: installs onebox with the Ansible role (ansible/site.yml) on a fresh
# Debian 12 "VPS" (a container running systemd, as in run.sh) and checks the appliance from
# outside: the same end state as install.sh (install.sh itself, run afterwards, finds nothing to
# change), a second run with changed=0 that keeps every secret, a script deployed and run
# through nginx, then a switch to a new release with a Cloudflare tunnel (a cloudflared test
# double: no real one can be fetched here) whose token never shows in Ansible's output, and a
# release whose nginx site fails `nginx -t` (refused, the old configuration kept).
#
#   installer/tests/ansible.sh     (root; about 5 minutes on 2 cores when the images are cached)
#
# Ansible is Debian's `ansible` package (7.x, with community.docker): it reaches the VPS with
# `ansible_connection=community.docker.docker` through the same engine (DOCKER_HOST) that runs
# the VPS container. `ansible-lint` (Debian's package) checks the role with the production
# profile first. The Ansible output of every run stays in $WORK (ONEBOX_TEST_KEEP=1 keeps it);
# the tail is printed when a run fails. Knobs: see lib.sh.
# The last line is "N passed, N failed"; the exit status is non-zero when anything failed.
set -euo pipefail

# shellcheck source=installer/tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ADMIN_TOKEN=""
RUN=0
RUN_LOG=""
RUN_SECONDS=0

# apt_get_install PACKAGE: Debian's package, with an apt-get update only when the install needs one.
apt_get_install() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' && return 0
  log "installing $1 (Debian's package)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >>"$WORK/apt.log" 2>&1 && return 0
  DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$WORK/apt.log" 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >>"$WORK/apt.log" 2>&1
}

# ansible is needed; ansible-lint only when Debian's package installs.
ensure_ansible() {
  if ! apt_get_install ansible; then
    tail -n 20 "$WORK/apt.log"
    return 1
  fi
  apt_get_install ansible-lint || log "ansible-lint does not install from Debian's packages: no lint"
}

write_inventory() {
  cat >"$WORK/inventory.ini" <<EOF
[onebox]
$VPS ansible_connection=community.docker.docker ansible_python_interpreter=/usr/bin/python3

[onebox:vars]
onebox_bundle=$WORK/dist/$BUNDLE_NAME
onebox_controller_cache=$WORK/ansible-cache
EOF
}

# run_playbook ARGS...: runs ansible/site.yml against the VPS; the output goes to
# $WORK/ansible-<n>.log (RUN_LOG). Returns ansible-playbook's exit status.
run_playbook() {
  local rc=0 repo start=$SECONDS
  repo="$(onebox_repo)"
  RUN=$((RUN + 1))
  RUN_LOG="$WORK/ansible-$RUN.log"
  mkdir -p "$WORK/ansible-tmp"
  ANSIBLE_NOCOLOR=1 ANSIBLE_PIPELINING=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
    ANSIBLE_LOCAL_TEMP="$WORK/ansible-tmp" ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks \
    ansible-playbook -i "$WORK/inventory.ini" "$repo/ansible/site.yml" "$@" >"$RUN_LOG" 2>&1 || rc=$?
  RUN_SECONDS=$((SECONDS - start))
  return "$rc"
}

show_run_tail() {
  log "the end of $RUN_LOG:"
  tail -n "${1:-40}" "$RUN_LOG" | sed 's/^/    | /'
}

# recap FIELD: that field of the VPS's line in the PLAY RECAP of the last run ("" without one).
recap() {
  sed -n '/^PLAY RECAP/,$p' "$RUN_LOG" | grep -E "^$VPS +:" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}

# task_results PREFIX: the results (ok, changed, skipping, fatal, ...) the last run printed for
# the tasks whose name starts with PREFIX, one per line.
task_results() {
  awk -v want="TASK [onebox : $1" '
    /^TASK \[/ { in_task = (index($0, want) == 1); next }
    in_task && /^(ok|changed|skipping|fatal|failed): / { sub(/:.*/, ""); print }
  ' "$RUN_LOG"
}

# The tasks of the last run that reported a change.
changed_tasks() {
  awk '/^TASK \[/ { task = $0 } /^changed: / { print "    " task }' "$RUN_LOG" | sort -u
}

# ---------------------------------------------------------------------------------------------

test_lint() {
  local repo rc=0
  repo="$(onebox_repo)"
  if ! command -v ansible-lint >/dev/null 2>&1; then
    log "ansible-lint is not installed (Debian's package did not install): not linting"
    return 0
  fi
  (cd "$repo/ansible" && ansible-lint --offline --nocolor --profile production site.yml roles/onebox) \
    >"$WORK/ansible-lint.log" 2>&1 || rc=$?
  expect_eq "ansible-lint --profile production passes on the role and site.yml" 0 "$rc"
  ((rc == 0)) || tail -n 30 "$WORK/ansible-lint.log" | sed 's/^/    | /'
}

# A bundle that does not match its SHA256SUMS is refused before anything of onebox is installed;
# the raw bootstrap has put Python on the fresh box by then.
test_bad_checksum() {
  local rc=0
  check "the fresh VPS has no python3 (the role must bootstrap it)" vps_sh '! command -v python3'
  mkdir -p "$WORK/bad"
  ln -f "$WORK/dist/$BUNDLE_NAME" "$WORK/bad/$BUNDLE_NAME"
  printf '%064d  %s\n' 0 "$BUNDLE_NAME" >"$WORK/bad/SHA256SUMS"
  log "ansible-playbook with a bundle that does not match its SHA256SUMS"
  run_playbook -e "onebox_bundle=$WORK/bad/$BUNDLE_NAME" || rc=$?
  if ((rc != 0)) && grep -q "does not match its SHA256SUMS" "$RUN_LOG"; then
    pass "a bundle that does not match its SHA256SUMS is refused"
  else
    fail "a bundle that does not match its SHA256SUMS is refused" "exit $rc"
    show_run_tail 20
  fi
  check "nothing of onebox was installed (no /opt/onebox, /etc/onebox, docker)" \
    vps_sh '! test -e /opt/onebox && ! test -e /etc/onebox && ! command -v docker'
  check "raw installed python3 on the fresh VPS" vps_sh 'command -v python3'
  expect_eq "the bootstrap task reported the change" changed "$(task_results 'Bootstrap | Install python3')"
}

test_first_run() {
  local rc=0
  log "ansible-playbook ansible/site.yml (first run, on the fresh VPS)"
  run_playbook || rc=$?
  expect_eq "the first run exits 0" 0 "$rc"
  expect_eq "the first run: failed=0 unreachable=0" "0 0" "$(recap failed) $(recap unreachable)"
  expect_match "the first run changed things" '^[1-9][0-9]*$' "$(recap changed)"
  expect_eq "the bootstrap task says ok once python3 is there" ok "$(task_results 'Bootstrap | Install python3')"
  if ((rc != 0)); then
    show_run_tail 40
    return 1
  fi
  log "first run (${RUN_SECONDS}s): $(grep -E "^$VPS +:" "$RUN_LOG" | tr -s ' ')"
}

greeting_count() {
  curl -s -m 10 "$(url /api/greeting/count)" | sed -n 's/.*"count":\([0-9]*\).*/\1/p'
}

count_is() {
  [[ "$(greeting_count)" == "$1" ]]
}

# Image tars left behind: on the VPS (the listing runs in the VPS, so a dead VPS fails the
# check) and in the controller's cache (none there when the cache was never made).
image_tars_left() {
  vps_sh 'ls -d /var/tmp/onebox-images.* 2>/dev/null || true' || return
  if [[ -d "$WORK/ansible-cache" ]]; then
    find "$WORK/ansible-cache" -name '*.tar'
  fi
}

test_running() {
  local body before after rows_before rows_after token
  expect_eq "GET /health through nginx answers 200" 200 "$(http_code "$(url /health)")"
  before="$(greeting_count)"
  rows_before="$(vps sqlite3 /var/lib/onebox/onebox.db 'SELECT count(*) FROM greeting')"
  body="$(curl -s -m 10 "$(url '/api/greeting?name=Ada')")"
  expect_eq "GET /api/greeting?name=Ada through nginx" '{"message":"Hello, Ada!"}' "$body"
  rows_after="$(vps sqlite3 /var/lib/onebox/onebox.db 'SELECT count(*) FROM greeting')"
  expect_eq "the greeting is stored: one more row in SQLite" "$((rows_before + 1))" "$rows_after"
  # nginx caches the count for 1 s, and the app raises its cached count after the commit.
  wait_until 10 count_is "$((${before:-0} + 1))" || true
  after="$(greeting_count)"
  expect_eq "GET /api/greeting/count goes up by one" "$((${before:-0} + 1))" "${after:-none}"
  expect_eq "systemctl is-active onebox nginx docker onebox-backup.timer" "active active active active" \
    "$(vps systemctl is-active onebox nginx docker onebox-backup.timer | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "systemctl is-enabled onebox nginx docker onebox-backup.timer" "enabled enabled enabled enabled" \
    "$(vps systemctl is-enabled onebox nginx docker onebox-backup.timer | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "modes and owners as install.sh makes them (/etc/onebox, onebox.env, master.key, installer.env, /var/lib/onebox)" \
    "700 root:root|600 root:root|600 onebox:onebox|600 root:root|700 onebox:onebox" \
    "$(vps stat -c '%a %U:%G' /etc/onebox /etc/onebox/onebox.env /etc/onebox/master.key /etc/onebox/installer.env /var/lib/onebox | paste -sd'|')"
  # shellcheck disable=SC2016 # expanded inside the VPS
  check "master.key is base64 of 32 bytes" vps_sh '[ "$(base64 -d /etc/onebox/master.key | wc -c)" = 32 ]'
  check "the app uses /etc/onebox/master.key, not one of its own" vps_sh '! test -e /var/lib/onebox/master.key'
  expect_eq "current -> releases/$VERSION" "/opt/onebox/releases/$VERSION" "$(vps readlink /opt/onebox/current)"
  expect_eq "the release holds the bundle without its images" \
    "IMAGE IMAGE_ID VERSION bin compose install.sh lib nginx systemd" "$(vps ls /opt/onebox/releases/"$VERSION" | sort | paste -sd' ')"
  expect_empty "the release is root's and nothing in it is group- or other-writable" \
    vps find /opt/onebox/releases -perm /022 -o ! -user root
  expect_eq "/usr/local/bin/onebox-compose -> current" /opt/onebox/current/bin/onebox-compose "$(vps readlink /usr/local/bin/onebox-compose)"
  expect_eq "the database belongs to the onebox user" onebox "$(vps stat -c %U /var/lib/onebox/onebox.db)"
  expect_eq "the app runs the bundle's image" "onebox/app:$VERSION" \
    "$(vps docker inspect -f '{{.Config.Image}}' "$(vps /opt/onebox/current/bin/onebox-compose ps -q app)")"
  expect_empty "no image tar is left on the VPS or in the controller's cache" image_tars_left
  check "Debian's default site is off, onebox's is on port 80" \
    vps_sh '! test -e /etc/nginx/sites-enabled/default && test -L /etc/nginx/sites-enabled/onebox-public.conf && test -e /etc/onebox/.nginx-default-site-disabled'
  token="$(vps sed -n 's/^ONEBOX_ADMIN_TOKEN=//p' /etc/onebox/onebox.env)"
  ADMIN_TOKEN="$token"
  expect_match "an admin token was generated (64 hex digits, as install.sh makes it)" '^[0-9a-f]{64}$' "$token"
  expect_eq "the management API takes the admin token (through nginx)" 200 \
    "$(http_code -H "Authorization: Bearer $token" "$(url /api/v1/whoami)")"
  expect_eq "the management API refuses a request without a token" 401 "$(http_code "$(url /api/v1/whoami)")"
  if grep -qF "$token" "$WORK"/ansible-*.log; then
    fail "the admin token is not in Ansible's output"
  else
    pass "the admin token is not in Ansible's output"
  fi
}

secrets_digest() {
  vps sha256sum /etc/onebox/master.key /etc/onebox/onebox.env | awk '{ print $1 }' | paste -sd' '
}

test_second_run() {
  local rc=0 before after containers_before containers_after
  before="$(secrets_digest)"
  containers_before="$(vps docker ps -q --no-trunc | sort | paste -sd' ')"
  log "ansible-playbook ansible/site.yml again (must change nothing)"
  run_playbook || rc=$?
  expect_eq "the second run exits 0" 0 "$rc"
  expect_eq "the second run: PLAY RECAP changed=0 failed=0" "changed=0 failed=0" "changed=$(recap changed) failed=$(recap failed)"
  if [[ "$(recap changed)" != 0 ]]; then
    changed_tasks
  fi
  ((rc == 0)) || show_run_tail 40
  after="$(secrets_digest)"
  expect_eq "master.key and onebox.env (admin token) are byte-identical after the second run" "$before" "$after"
  containers_after="$(vps docker ps -q --no-trunc | sort | paste -sd' ')"
  expect_eq "the second run keeps the same containers" "$containers_before" "$containers_after"
  log "second run (${RUN_SECONDS}s): $(grep -E "^$VPS +:" "$RUN_LOG" | tr -s ' ')"
}

# install.sh itself, on the box the role installed, finds every file, mode, unit, link and image
# as it would have made them.
test_installer_agrees() {
  local out rc=0
  log "install.sh --no-tunnel on the box the role installed"
  out="$(install_in_vps --no-tunnel --bundle "/bundle/$BUNDLE_NAME" 2>&1)" || rc=$?
  expect_eq "install.sh exits 0 on the Ansible-installed box" 0 "$rc"
  expect_match "install.sh finds nothing to change after the role" "nothing changed: everything was in place" "$out"
  if [[ "$out" != *"nothing changed"* ]]; then
    printf '%s\n' "$out" | grep -E '^    ' | sed 's/^/    | /' | head -n 20
  fi
}

test_script_run() {
  deploy_hello_with_secret
  expect_eq "the script answers through nginx and reads its secret: GET /run/hello/x" \
    "hi from /x (secret ok)" "$(curl -s -m 60 "$(url /run/hello/x)")"
}

# A new release with cloudflared (a test double that records its arguments and whether it can
# read the token) and a tunnel token file on the controller.
make_tunnel_bundle() {
  local v="$1" dir="$WORK/tun" top
  rm -rf "$dir" && mkdir -p "$dir/stage"
  tar -xzf "$WORK/dist/$BUNDLE_NAME" -C "$dir/stage" --exclude='*/images/*.tar'
  top="$dir/stage/onebox-$v"
  mv "$dir/stage/onebox-$VERSION" "$top"
  printf '%s\n' "$v" >"$top/VERSION"
  cloudflared_double >"$top/bin/cloudflared"
  chmod 0755 "$top/bin/cloudflared"
  tar -C "$dir/stage" --owner=0 --group=0 --numeric-owner -czf "$dir/onebox-$v-linux-amd64.tar.gz" "onebox-$v"
  (cd "$dir" && sha256sum "onebox-$v-linux-amd64.tar.gz" >SHA256SUMS)
  rm -rf "$dir/stage"
}

test_tunnel() {
  local rc=0 v="$VERSION-tunnel" token sum journal
  make_tunnel_bundle "$v"
  token="tunnel-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  sum="$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"
  (umask 077 && printf '%s' "$token" >"$WORK/tunnel-token")
  log "ansible-playbook -v with a new release and a tunnel token (to $v)"
  run_playbook -v -e "onebox_bundle=$WORK/tun/onebox-$v-linux-amd64.tar.gz" \
    -e "onebox_tunnel_token_file=$WORK/tunnel-token" -e onebox_domain=scripts.example.com -e onebox_run_domain=run.example.com || rc=$?
  expect_eq "the tunnel run exits 0" 0 "$rc"
  ((rc == 0)) || show_run_tail 40
  if grep -qF "$token" "$RUN_LOG"; then
    fail "the tunnel token is not in Ansible's output (-v)"
  else
    pass "the tunnel token is not in Ansible's output (-v)"
  fi
  if grep -qF "$ADMIN_TOKEN" "$RUN_LOG"; then
    fail "the admin token is not in Ansible's output (-v)"
  else
    pass "the admin token is not in Ansible's output (-v)"
  fi
  expect_eq "current -> releases/$v, previous -> releases/$VERSION" \
    "/opt/onebox/releases/$v /opt/onebox/releases/$VERSION" \
    "$(vps readlink /opt/onebox/current) $(vps readlink /opt/onebox/previous)"
  expect_eq "/etc/onebox/tunnel-token is 0600 root:root" "600 root:root" "$(vps stat -c '%a %U:%G' /etc/onebox/tunnel-token)"
  check "the token on the VPS is the controller's file" vps_sh "[ \"\$(sha256sum </etc/onebox/tunnel-token | cut -d' ' -f1)\" = $sum ]"
  expect_eq "onebox-tunnel.service is enabled and active" "enabled active" \
    "$(vps systemctl is-enabled onebox-tunnel.service || true) $(vps systemctl is-active onebox-tunnel.service || true)"
  sleep 1
  journal="$(vps journalctl -u onebox-tunnel.service --no-pager -o cat 2>/dev/null | grep cloudflared-double || true)"
  expect_match "cloudflared runs 'tunnel run --token-file <credential>'" \
    "args: --no-autoupdate tunnel run --token-file /run/credentials/onebox-tunnel.service/tunnel-token" "$journal"
  expect_match "cloudflared reads the token through the credential" "token sha256 $sum" "$journal"
  check "tunnel mode: port 80 is no longer onebox's site" vps_sh '! test -e /etc/nginx/sites-enabled/onebox-public.conf'
  expect_eq "tunnel mode: /health through nginx on 127.0.0.1:8081" 200 \
    "$(vps curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8081/health)"
  expect_eq "installer.env keeps the choices for install.sh" \
    "ONEBOX_DOMAIN=scripts.example.com ONEBOX_NO_TUNNEL= ONEBOX_RUN_DOMAIN=run.example.com" \
    "$(vps grep -v '^#' /etc/onebox/installer.env | paste -sd' ')"
  expect_eq "after the switch the script still runs, with its secret" "hi from /again (secret ok)" \
    "$(vps curl -s -m 60 http://127.0.0.1:8081/run/hello/again)"
  test_run_origin_tunnel

  local before
  before="$(vps sha256sum /etc/onebox/tunnel-token /etc/onebox/master.key /etc/onebox/onebox.env)"
  log "the same tunnel run again (must change nothing)"
  rc=0
  run_playbook -e "onebox_bundle=$WORK/tun/onebox-$v-linux-amd64.tar.gz" \
    -e "onebox_tunnel_token_file=$WORK/tunnel-token" -e onebox_domain=scripts.example.com -e onebox_run_domain=run.example.com || rc=$?
  expect_eq "tunnel mode, second run: exit 0, PLAY RECAP changed=0 failed=0" "0 changed=0 failed=0" \
    "$rc changed=$(recap changed) failed=$(recap failed)"
  [[ "$(recap changed)" == 0 ]] || changed_tasks
  ((rc == 0)) || show_run_tail 40
  expect_eq "tunnel mode, second run: the token and the secrets are byte-identical" "$before" \
    "$(vps sha256sum /etc/onebox/tunnel-token /etc/onebox/master.key /etc/onebox/onebox.env)"
}

# onebox_run_domain: the run origin's own nginx server on the tunnel's port and
# ONEBOX_RUN_ORIGIN in onebox.env; there only /run/ answers.
test_run_origin_tunnel() {
  expect_eq "onebox.env sets ONEBOX_RUN_ORIGIN (https at Cloudflare's edge)" "https://run.example.com" \
    "$(vps sed -n 's/^ONEBOX_RUN_ORIGIN=//p' /etc/onebox/onebox.env)"
  check "nginx has a server block for the run origin" vps_sh "nginx -T 2>/dev/null | grep -q 'server_name run.example.com;'"
  if wait_until 120 run_origin_answers; then
    pass "the script answers on the run origin (Host: run.example.com, through 127.0.0.1:8081)"
  else
    fail "the script answers on the run origin (Host: run.example.com, through 127.0.0.1:8081)" \
      "$(vps curl -s -m 30 -H 'Host: run.example.com' http://127.0.0.1:8081/run/hello/again)"
  fi
  expect_eq "the run origin serves no dashboard: /ui is 404" 404 \
    "$(vps curl -s -o /dev/null -w '%{http_code}' -H 'Host: run.example.com' http://127.0.0.1:8081/ui)"
}

run_origin_answers() {
  [[ "$(vps curl -s -m 30 -H 'Host: run.example.com' http://127.0.0.1:8081/run/hello/again)" == "hi from /again (secret ok)" ]]
}

# A release whose nginx site fails `nginx -t`: the run stops before any reload, and nginx keeps
# the configuration it had (files put back, no backup files left), still serving.
test_nginx_refused() {
  local rc=0 base="$VERSION-tunnel" v="$VERSION-badnginx" dir="$WORK/badnginx" before
  rm -rf "$dir" && mkdir -p "$dir/stage"
  tar -xzf "$WORK/tun/onebox-$base-linux-amd64.tar.gz" -C "$dir/stage"
  mv "$dir/stage/onebox-$base" "$dir/stage/onebox-$v"
  printf '%s\n' "$v" >"$dir/stage/onebox-$v/VERSION"
  printf 'this_is_not_an_nginx_directive on;\n' >>"$dir/stage/onebox-$v/nginx/onebox.conf"
  tar -C "$dir/stage" --owner=0 --group=0 --numeric-owner -czf "$dir/onebox-$v-linux-amd64.tar.gz" "onebox-$v"
  rm -rf "$dir/stage"
  before="$(vps sha256sum /etc/nginx/conf.d/onebox.conf /etc/nginx/snippets/onebox-locations.conf)"
  log "ansible-playbook with a release whose nginx site fails nginx -t (to $v)"
  run_playbook -e "onebox_bundle=$dir/onebox-$v-linux-amd64.tar.gz" -e "onebox_tunnel_token_file=$WORK/tunnel-token" || rc=$?
  if ((rc != 0)) && grep -q "nginx -t failed with onebox's site" "$RUN_LOG"; then
    pass "a site that fails nginx -t stops the run"
  else
    fail "a site that fails nginx -t stops the run" "exit $rc"
    show_run_tail 20
  fi
  expect_eq "the nginx files are the ones from before" "$before" \
    "$(vps sha256sum /etc/nginx/conf.d/onebox.conf /etc/nginx/snippets/onebox-locations.conf)"
  check "nginx -t passes on what is left" vps nginx -t -q
  expect_empty "no backup file is left in /etc/nginx" vps find /etc/nginx -name '*~'
  expect_eq "nginx still serves /health on 127.0.0.1:8081" 200 \
    "$(vps curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8081/health)"
}

main() {
  onebox_test_setup
  if ! ensure_ansible; then
    fail "Debian's ansible package installs"
    onebox_test_summary || exit 1
  fi
  start_vps "onebox-ansible-test-$$"
  write_inventory
  test_lint
  test_bad_checksum
  if test_first_run; then
    test_running
    test_second_run
    test_installer_agrees
    test_script_run
    test_tunnel
    test_nginx_refused
  else
    vps_sh 'journalctl -u onebox --no-pager | tail -n 30; /opt/onebox/current/bin/onebox-compose logs --tail 30 app' 2>&1 | sed 's/^/    | /' || true
  fi
  onebox_test_summary
}

main "$@"
