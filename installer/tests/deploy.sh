#!/usr/bin/env bash
# installer/tests/deploy.sh: deploys onebox with installer/deploy.sh over real SSH to a fresh
# Debian 12 "VPS" (a container running systemd and OpenSSH's sshd) and checks what a user sees.
#
#   installer/tests/deploy.sh        (root; about 5 minutes on 2 cores when the images are cached)
#
# The VPS gets openssh-server and sudo from Debian's archive, a `deploy` user with passwordless
# sudo and an ed25519 key made by this test (root takes the same key). The host key is pinned
# by reading it inside the VPS (docker exec), as an operator reads it on the provider's
# console; nothing here trusts a key on first use. Then:
#   - a deploy to a box without onebox and without --install-args is refused;
#   - a first install through deploy.sh, as root;
#   - an upgrade to a rebuilt bundle (new version, new app image), as `deploy` with sudo: the
#     new version serves through nginx and the data is kept;
#   - a deploy with a known_hosts that pins another key is refused before anything is copied;
#   - a deploy of a release whose app never gets healthy fails, and the previous one serves;
#   - a bundle that does not match SHA256SUMS is refused before connecting;
#   - deploying the current version again changes nothing.
# Knobs: those of lib.sh (ONEBOX_TEST_PREBUILT_JAR=1, ONEBOX_TEST_KEEP=1, ONEBOX_TEST_WORK).
# The last line is "N passed, N failed"; the exit status is non-zero when anything failed.
set -euo pipefail

# shellcheck source=installer/tests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SSH_PORT=""
KEY=""
KNOWN_HOSTS=""
WRONG_KNOWN_HOSTS=""
NEXT_VERSION=""
BROKEN_VERSION=""
DEPLOY_OUT=""
DEPLOY_RC=0
COUNT_BEFORE=""

deploy_test_cleanup() {
  local rc=$?
  if [[ "${ONEBOX_TEST_KEEP:-}" != 1 ]]; then
    [[ -z "$NEXT_VERSION" ]] || docker rmi "onebox/app:$NEXT_VERSION" >/dev/null 2>&1 || true
    [[ -z "$BROKEN_VERSION" ]] || docker rmi "onebox/app:$BROKEN_VERSION" >/dev/null 2>&1 || true
  fi
  (exit "$rc")
  cleanup
}

# run_deploy ARGS...: installer/deploy.sh against the VPS; sets DEPLOY_OUT and DEPLOY_RC.
run_deploy() {
  DEPLOY_RC=0
  DEPLOY_OUT="$("$(onebox_repo)/installer/deploy.sh" --host 127.0.0.1 --port "$SSH_PORT" \
    --key-file "$KEY" "$@" 2>&1)" || DEPLOY_RC=$?
}

show_deploy() {
  printf '%s\n' "$DEPLOY_OUT" | tail -n "${1:-40}" | sed 's/^/    | /'
}

last_line() { printf '%s\n' "$DEPLOY_OUT" | tail -n 1; }

# What the host's sshd and /var/tmp show: a successful SSH login and any directory made or
# removed in /var/tmp (where deploy.sh stages) change this.
host_traces() {
  # shellcheck disable=SC2016 # expanded in the VPS
  vps_sh 'printf "%s logins=%s\n" "$(stat -c %y /var/tmp)" "$(journalctl -u ssh.service --no-pager -o cat 2>/dev/null | grep -c "^Accepted publickey")"'
}

staging_dirs() { vps_sh 'ls -d /var/tmp/onebox-deploy.* 2>/dev/null | wc -l'; }
serving() { vps readlink -f /opt/onebox/current; }
app_image() { vps docker inspect -f '{{.Config.Image}}' "$(vps /opt/onebox/current/bin/onebox-compose ps -q app)"; }

count() {
  sleep 1.2 # nginx caches the count for 1 s
  curl -s -m 10 "$(url /api/greeting/count)"
}

# ---------------------------------------------------------------------------------------------

setup_ssh() {
  local ssh_dir="$WORK/ssh"
  mkdir -p "$ssh_dir"
  chmod 0700 "$ssh_dir"
  KEY="$ssh_dir/deploy_key"
  ssh-keygen -q -t ed25519 -N '' -C onebox-deploy-test -f "$KEY"
  ssh-keygen -q -t ed25519 -N '' -C another-host -f "$ssh_dir/another_host_key"

  log "openssh-server and sudo on the VPS; user deploy with passwordless sudo"
  vps_sh 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openssh-server sudo >/dev/null'
  docker exec -i "$VPS" bash -euc '
    useradd --create-home --shell /bin/bash deploy
    key="$(cat)"
    for home in /home/deploy /root; do
      install -d -m 0700 "$home/.ssh"
      printf "%s\n" "$key" >"$home/.ssh/authorized_keys"
      chmod 0600 "$home/.ssh/authorized_keys"
    done
    chown -R deploy:deploy /home/deploy/.ssh
    printf "deploy ALL=(ALL) NOPASSWD:ALL\n" >/etc/sudoers.d/deploy
    chmod 0440 /etc/sudoers.d/deploy
    visudo -cq
    systemctl enable --now ssh.service >/dev/null 2>&1
    systemctl is-active --quiet ssh.service' <"$KEY.pub"
  SSH_PORT="$(docker port "$VPS" 22/tcp | head -n 1 | sed 's/.*://')"

  # The pin: the VPS's own host key, read inside it, not what answers on the port.
  KNOWN_HOSTS="$ssh_dir/known_hosts"
  printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(vps cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)" >"$KNOWN_HOSTS"
  WRONG_KNOWN_HOSTS="$ssh_dir/known_hosts.wrong"
  printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$ssh_dir/another_host_key.pub")" >"$WRONG_KNOWN_HOSTS"
  wait_until 30 ssh -F none -p "$SSH_PORT" -i "$KEY" -o BatchMode=yes -o IdentitiesOnly=yes \
    -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$KNOWN_HOSTS" deploy@127.0.0.1 true ||
    { fail "sshd on the VPS takes the test key with the pinned host key"; return 1; }
  pass "sshd on the VPS answers on 127.0.0.1:$SSH_PORT with the pinned host key"
}

test_refuses_first_install_without_choices() {
  log "deploy.sh to a box without onebox and without --install-args"
  run_deploy --user deploy --known-hosts "$KNOWN_HOSTS" --bundle "$WORK/dist/$BUNDLE_NAME"
  if ((DEPLOY_RC != 0)); then pass "no onebox and no --install-args: deploy.sh exits non-zero"; else fail "no onebox and no --install-args: deploy.sh exits non-zero"; fi
  expect_match "it says a first install needs --install-args" "not installed on 127\.0\.0\.1.*--install-args" "$DEPLOY_OUT"
  check "nothing was installed and nothing staged" vps_sh '! test -e /opt/onebox && ! ls -d /var/tmp/onebox-deploy.* 2>/dev/null'
}

test_first_install() {
  log "deploy.sh first install as root (--install-args --no-tunnel)"
  run_deploy --user root --known-hosts "$KNOWN_HOSTS" --bundle "$WORK/dist/$BUNDLE_NAME" --install-args --no-tunnel
  expect_eq "first install through deploy.sh (as root) exits 0" 0 "$DEPLOY_RC"
  show_deploy "$( ((DEPLOY_RC == 0)) && echo 3 || echo 60)"
  expect_match "it streams the installer's output" "onebox $VERSION is running\." "$DEPLOY_OUT"
  expect_match "its summary names the version, the first install and /health" \
    "^onebox $VERSION: deployed to root@127\.0\.0\.1 \(first install\); current=$VERSION, app image onebox/app:$VERSION, /health 200" "$(last_line)"
  expect_eq "/health through nginx answers 200" 200 "$(http_code "$(url /health)")"
  ((DEPLOY_RC == 0))
}

# A rebuilt release: bundle.sh again with a new version (a new app image; valkey and node are
# on the VPS already).
build_next_bundle() {
  local args=(--version "$NEXT_VERSION" --out "$WORK/dist-next")
  [[ "${ONEBOX_TEST_PREBUILT_JAR:-}" == 1 ]] && args+=(--prebuilt-jar)
  log "bundle $NEXT_VERSION (rebuilt app image)"
  ONEBOX_BUNDLE_IMAGES="" "$(onebox_repo)/installer/bundle.sh" "${args[@]}" >/dev/null
}

test_upgrade() {
  local body
  body="$(curl -s -m 10 "$(url '/api/greeting?name=Deploy')")"
  expect_eq "a greeting is stored before the upgrade" '{"message":"Hello, Deploy!"}' "$body"
  COUNT_BEFORE="$(count)"
  build_next_bundle || { fail "the rebuilt bundle builds"; return 1; }
  log "deploy.sh upgrade to $NEXT_VERSION as deploy (sudo)"
  run_deploy --user deploy --known-hosts "$KNOWN_HOSTS" --bundle "$WORK/dist-next/onebox-$NEXT_VERSION-linux-amd64.tar.gz"
  expect_eq "upgrade through deploy.sh (as deploy, with sudo) exits 0" 0 "$DEPLOY_RC"
  show_deploy "$( ((DEPLOY_RC == 0)) && echo 3 || echo 60)"
  expect_match "the copies are checked on the host" "onebox-$NEXT_VERSION-linux-amd64\.tar\.gz: OK" "$DEPLOY_OUT"
  expect_match "its summary says deploy@ upgraded from $VERSION" \
    "^onebox $NEXT_VERSION: deployed to deploy@127\.0\.0\.1 \(upgrade from $VERSION\); current=$NEXT_VERSION, app image onebox/app:$NEXT_VERSION, /health 200" "$(last_line)"
  expect_eq "current is releases/$NEXT_VERSION" "/opt/onebox/releases/$NEXT_VERSION" "$(serving)"
  expect_eq "the app runs the new image" "onebox/app:$NEXT_VERSION" "$(app_image)"
  expect_eq "/health through nginx answers 200 after the upgrade" 200 "$(http_code "$(url /health)")"
  expect_eq "the greeting count is kept across the upgrade" "$COUNT_BEFORE" "$(count)"
  expect_eq "the staging directory on the host is gone" 0 "$(staging_dirs)"
  check "the installer took a backup before switching" vps_sh "ls -d /var/lib/onebox/backups/onebox-*-pre-upgrade-$NEXT_VERSION"
}

test_wrong_host_key() {
  local before
  before="$(host_traces)"
  log "deploy.sh with a known_hosts that pins another key"
  run_deploy --user deploy --known-hosts "$WRONG_KNOWN_HOSTS" --bundle "$WORK/dist-next/onebox-$NEXT_VERSION-linux-amd64.tar.gz"
  if ((DEPLOY_RC != 0)); then pass "another pinned host key: deploy.sh exits non-zero"; else fail "another pinned host key: deploy.sh exits non-zero"; fi
  expect_match "ssh says the host key does not match" "REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed" "$DEPLOY_OUT"
  expect_match "deploy.sh says nothing was sent" "nothing was sent" "$DEPLOY_OUT"
  expect_eq "no login and no staging directory on the host (sshd log, /var/tmp untouched)" "$before" "$(host_traces)"
  expect_eq "current is still $NEXT_VERSION" "/opt/onebox/releases/$NEXT_VERSION" "$(serving)"
}

# A release whose app never gets healthy: the same files with a new version and an app image
# that exits at once.
build_broken_bundle() {
  local dir="$WORK/broken" top
  top="$dir/onebox-$BROKEN_VERSION"
  rm -rf "$dir"
  mkdir -p "$top"
  tar -xzf "$WORK/dist-next/onebox-$NEXT_VERSION-linux-amd64.tar.gz" -C "$top" --strip-components=1 --exclude='*/images/*'
  # The classic builder warns on stderr that it is deprecated: keep that for a failure.
  if ! printf 'FROM onebox/app:%s\nENTRYPOINT ["sh", "-c", "echo broken on purpose; exit 1"]\n' "$NEXT_VERSION" |
    DOCKER_BUILDKIT=0 docker build -q -t "onebox/app:$BROKEN_VERSION" - >"$dir.build.log" 2>&1; then
    cat "$dir.build.log" >&2
    return 1
  fi
  printf '%s\n' "$BROKEN_VERSION" >"$top/VERSION"
  printf 'onebox/app:%s\n' "$BROKEN_VERSION" >"$top/IMAGE"
  docker image inspect -f '{{.Id}}' "onebox/app:$BROKEN_VERSION" >"$top/IMAGE_ID"
  mkdir -p "$top/images"
  docker save -o "$top/images/broken.tar" "onebox/app:$BROKEN_VERSION"
  printf 'broken.tar onebox/app:%s %s\n' "$BROKEN_VERSION" "$(cat "$top/IMAGE_ID")" >"$top/images/IMAGES"
  tar -C "$dir" --owner=0 --group=0 -cf - "onebox-$BROKEN_VERSION" | gzip -1 >"$dir/onebox-$BROKEN_VERSION-linux-amd64.tar.gz"
  rm -rf "$top"
  (cd "$dir" && sha256sum "onebox-$BROKEN_VERSION-linux-amd64.tar.gz" >SHA256SUMS)
}

test_broken_release() {
  build_broken_bundle || { fail "the broken bundle builds"; return 1; }
  log "deploy.sh of $BROKEN_VERSION (never healthy; the installer must roll back)"
  run_deploy --user deploy --known-hosts "$KNOWN_HOSTS" --health-timeout 25 \
    --bundle "$WORK/broken/onebox-$BROKEN_VERSION-linux-amd64.tar.gz"
  show_deploy 4
  if ((DEPLOY_RC != 0)); then pass "an unhealthy release: deploy.sh exits non-zero"; else fail "an unhealthy release: deploy.sh exits non-zero"; fi
  expect_match "the installer's rollback shows in the output" "rolled back to $NEXT_VERSION" "$DEPLOY_OUT"
  expect_match "the summary says FAILED and what serves" \
    "^onebox $BROKEN_VERSION: deploy to 127\.0\.0\.1 FAILED \(upgrade from $NEXT_VERSION\); $NEXT_VERSION serves now \(/health 200\)" "$(last_line)"
  expect_eq "current is $NEXT_VERSION again" "/opt/onebox/releases/$NEXT_VERSION" "$(serving)"
  expect_eq "the app runs the image of $NEXT_VERSION again" "onebox/app:$NEXT_VERSION" "$(app_image)"
  expect_eq "/health through nginx answers 200 after the rollback" 200 "$(http_code "$(url /health)")"
  expect_eq "the greeting count is kept" "$COUNT_BEFORE" "$(count)"
  expect_eq "the staging directory on the host is gone" 0 "$(staging_dirs)"
}

test_tampered_bundle() {
  local dir="$WORK/tampered" name="onebox-$NEXT_VERSION-linux-amd64.tar.gz" before
  mkdir -p "$dir"
  cp "$WORK/dist-next/$name" "$WORK/dist-next/SHA256SUMS" "$dir/"
  printf 'x' >>"$dir/$name"
  before="$(host_traces)"
  log "deploy.sh of a bundle that does not match SHA256SUMS"
  run_deploy --user deploy --known-hosts "$KNOWN_HOSTS" --bundle "$dir/$name"
  if ((DEPLOY_RC != 0)); then pass "a tampered bundle: deploy.sh exits non-zero"; else fail "a tampered bundle: deploy.sh exits non-zero"; fi
  expect_match "it says the bundle does not match SHA256SUMS" "$name does not match its SHA256SUMS" "$DEPLOY_OUT"
  expect_eq "it never connected (sshd log, /var/tmp untouched)" "$before" "$(host_traces)"
  expect_eq "current is still $NEXT_VERSION" "/opt/onebox/releases/$NEXT_VERSION" "$(serving)"
}

# The same deploy again (a re-run of the workflow): nothing to do, and it says so.
test_redeploy_same() {
  local before
  before="$(vps docker ps -q --no-trunc | sort | tr '\n' ' ')"
  log "deploy.sh of $NEXT_VERSION again"
  run_deploy --user deploy --known-hosts "$KNOWN_HOSTS" --bundle "$WORK/dist-next/onebox-$NEXT_VERSION-linux-amd64.tar.gz"
  expect_eq "deploying the current version again exits 0" 0 "$DEPLOY_RC"
  ((DEPLOY_RC == 0)) || show_deploy 30
  expect_match "its summary says it was current already" \
    "^onebox $NEXT_VERSION: deployed to deploy@127\.0\.0\.1 \(was current already\); current=$NEXT_VERSION, .*/health 200" "$(last_line)"
  expect_eq "the same containers run" "$before" "$(vps docker ps -q --no-trunc | sort | tr '\n' ' ')"
}

main() {
  onebox_test_setup
  trap deploy_test_cleanup EXIT
  NEXT_VERSION="$VERSION-next"
  BROKEN_VERSION="$VERSION-broken"
  start_vps "onebox-deploy-test-$$" -p 127.0.0.1::22
  if setup_ssh; then
    test_refuses_first_install_without_choices
    if test_first_install && test_upgrade; then
      test_wrong_host_key
      test_broken_release
      test_tampered_bundle
      test_redeploy_same
    fi
  fi
  onebox_test_summary
}

main "$@"
