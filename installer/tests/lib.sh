# installer/tests/lib.sh: what the appliance tests share (sourced, not run): pass/fail
# bookkeeping, a fresh Debian 12 "VPS" (a container running systemd with its own Docker engine),
# the release bundle they install, and clean-up.
#
# A test script sets nothing before sourcing; it calls onebox_test_setup (engine, stand-in
# images, bundle in $WORK/dist), start_vps (once per fresh machine; the last one started is
# the one `vps` talks to) and ends with onebox_test_summary.
# Knobs: ONEBOX_TEST_PREBUILT_JAR=1 (bundle app/target/onebox.jar instead of building the jar
# with Maven in Docker), ONEBOX_TEST_KEEP=1 (leave the VPS containers and files for a look),
# ONEBOX_TEST_WORK (work directory, default a new one under /var/tmp).
# shellcheck shell=bash
PASSED=0
FAILED=0
FAILURES=()
VPS=""
VPS_ALL=()
VPS_IMAGE=""
WORK=""
HOST_PORT=""
T0=$SECONDS

log() { printf '[test %3ds] %s\n' "$((SECONDS - T0))" "$*"; }

pass() {
  PASSED=$((PASSED + 1))
  printf 'ok   - %s\n' "$1"
}

fail() {
  FAILED=$((FAILED + 1))
  FAILURES+=("$1")
  printf 'FAIL - %s%s\n' "$1" "${2:+: $2}"
}

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
  local name="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    pass "$name"
  else
    fail "$name" "$(printf '%s' "$out" | tail -n 5 | tr '\n' ' ')"
  fi
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
  if [[ "$2" == "$3" ]]; then
    pass "$1"
  else
    fail "$1" "expected '$2', got '$3'"
  fi
}

# expect_empty NAME COMMAND...: passes when COMMAND succeeds and prints nothing (stdout or
# stderr). A command that fails, such as a docker exec into a container that died, fails the
# check instead of passing for its silence.
expect_empty() {
  local name="$1" out rc=0
  shift
  out="$("$@" 2>&1)" || rc=$?
  if ((rc != 0)); then
    fail "$name" "its command failed (exit $rc): $(printf '%s' "$out" | tail -n 5 | tr '\n' ' ')"
  elif [[ -n "$out" ]]; then
    fail "$name" "expected no output, got '$(printf '%s' "$out" | head -c 300)'"
  else
    pass "$name"
  fi
}

# expect_match NAME REGEX ACTUAL
expect_match() {
  if [[ "$3" =~ $2 ]]; then
    pass "$1"
  else
    fail "$1" "'$(printf '%s' "$3" | head -c 300)' does not match /$2/"
  fi
}

vps() { docker exec "$VPS" "$@"; }
vps_sh() { docker exec "$VPS" bash -c "$1"; }

# HTTP from the host through the VPS's published port 80 (nginx). Prints the status code.
http_code() {
  curl -s -o /dev/null -m 10 -w '%{http_code}' "$@" || true
}
url() { printf 'http://127.0.0.1:%s%s' "$HOST_PORT" "$1"; }

refresh_port() {
  HOST_PORT="$(docker port "$VPS" 80/tcp | head -n 1 | sed 's/.*://')"
}

wait_until() {
  local seconds="$1" deadline
  shift
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

health_200() { [[ "$(http_code "$(url /health)")" == 200 ]]; }
systemd_up() {
  local state
  state="$(vps systemctl is-system-running 2>/dev/null || true)"
  [[ "$state" == running || "$state" == degraded ]]
}

cleanup() {
  local rc=$?
  if ((${#VPS_ALL[@]})); then
    if [[ "${ONEBOX_TEST_KEEP:-}" == 1 ]]; then
      log "kept the VPS containers ${VPS_ALL[*]} and $WORK (ONEBOX_TEST_KEEP=1)"
    else
      docker rm -f "${VPS_ALL[@]}" >/dev/null 2>&1 || true
    fi
  fi
  if [[ -n "$WORK" && "${ONEBOX_TEST_KEEP:-}" != 1 ]]; then
    rm -rf --one-file-system "$WORK"
    # The app image the bundle built on the host engine (its layers stay cached).
    [[ -n "${VERSION:-}" ]] && docker rmi "onebox/app:$VERSION" >/dev/null 2>&1
  fi
  return "$rc"
}

# Builds the VPS image (tagged by the hash of its Dockerfile); sets VPS_IMAGE.
build_vps_image() {
  local ctx
  ctx="$(mktemp -d)"
  cat >"$ctx/shared-mounts.service" <<'EOF'
# On a VM, systemd makes every mount shared at boot; in a container it leaves that to the
# container manager, and Docker makes them private. systemd's credentials (LoadCredential=,
# used by onebox-tunnel.service) are set up in a helper mount namespace and only reach the
# service through shared propagation, so restore the VM behaviour first thing.
[Unit]
Description=Make all mounts shared, as on a VM
DefaultDependencies=no
Before=sysinit.target local-fs.target

[Service]
Type=oneshot
ExecStart=/bin/mount --make-rshared /

[Install]
WantedBy=sysinit.target
EOF
  cat >"$ctx/Dockerfile" <<'EOF'
FROM debian:bookworm-slim
LABEL dev.onebox.ci=1 dev.onebox.ci.vps=bookworm
# A fresh Debian VPS: systemd as PID 1, nothing else. The stand-in debian image forbids service
# starts in package scripts (policy-rc.d, as in the official image); a VPS does not.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      systemd systemd-sysv dbus ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d \
 && systemctl mask systemd-firstboot.service systemd-udevd.service systemd-modules-load.service \
      getty.target console-getty.service \
 && printf 'onebox-vps\n' >/etc/hostname
COPY shared-mounts.service /etc/systemd/system/shared-mounts.service
RUN systemctl enable shared-mounts.service
STOPSIGNAL SIGRTMIN+3
CMD ["/lib/systemd/systemd"]
EOF
  VPS_IMAGE="onebox-test/vps:bookworm-$(cat "$ctx/Dockerfile" "$ctx/shared-mounts.service" | sha256sum | cut -c1-12)"
  if ! docker image inspect "$VPS_IMAGE" >/dev/null 2>&1; then
    log "building the VPS image $VPS_IMAGE"
    DOCKER_BUILDKIT=0 docker build -q -t "$VPS_IMAGE" "$ctx" >/dev/null
  fi
  rm -rf "$ctx"
}

# start_vps [NAME [DOCKER RUN ARGS...]]: boots a fresh VPS container and makes it the one
# `vps` talks to (VPS, HOST_PORT). Each has its own inner engine directory.
start_vps() {
  VPS="${1:-onebox-test-$$}"
  shift || true
  mkdir -p "$WORK/docker-$VPS"
  VPS_ALL+=("$VPS")
  # SYS_PTRACE besides the systemd flags: the inner engine's `docker exec` (and so every
  # container health check) must open /proc/<pid>/ns/* of the container's processes.
  docker run -d --name "$VPS" --hostname onebox-vps --label dev.onebox.ci=1 \
    --cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
    -v "$WORK/docker-$VPS:/var/lib/docker" \
    -v "$WORK/dist:/bundle:ro" \
    -p 127.0.0.1::80 "$@" \
    "$VPS_IMAGE" >/dev/null
  wait_until 60 systemd_up || {
    vps systemctl --failed --no-pager || true
    return 1
  }
  refresh_port
  log "VPS $VPS is up (systemd $(vps systemctl is-system-running || true)); nginx will be at 127.0.0.1:$HOST_PORT"
}

install_in_vps() {
  # shellcheck disable=SC2016 # expanded inside the VPS
  vps bash -c 'bash /bundle/install.sh "$@"' install.sh "$@"
}


# Engine, stand-in images and the release bundle $WORK/dist/$BUNDLE_NAME (+ install.sh and
# SHA256SUMS beside it, as a release serves them). Sets WORK, VERSION, BUNDLE_NAME; installs
# the EXIT trap that cleans up.
onebox_test_setup() {
  local repo sha
  repo="$(onebox_repo)"
  [[ "$(id -u)" -eq 0 ]] || { echo "run as root (it starts a Docker engine and systemd containers)" >&2; exit 2; }
  WORK="${ONEBOX_TEST_WORK:-$(mktemp -d /var/tmp/onebox-test.XXXXXX)}"
  mkdir -p "$WORK/dist"
  trap cleanup EXIT

  log "engine and stand-in images"
  # shellcheck source=installer/tests/images.sh
  source "$repo/installer/tests/images.sh"
  onebox_test_images >/dev/null

  sha="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo local)"
  VERSION="0.0.0-test.$sha.$$"
  BUNDLE_NAME="onebox-$VERSION-linux-amd64.tar.gz"
  local bundle_args=(--version "$VERSION" --out "$WORK/dist")
  [[ "${ONEBOX_TEST_PREBUILT_JAR:-}" == 1 ]] && bundle_args+=(--prebuilt-jar)
  log "bundle $BUNDLE_NAME (app image built with compose/Dockerfile)"
  ONEBOX_BUNDLE_IMAGES="valkey/valkey:8 node:22-bookworm-slim" "$repo/installer/bundle.sh" "${bundle_args[@]}" >/dev/null
  cp "$repo/installer/install.sh" "$WORK/dist/install.sh"
  check "bundle and SHA256SUMS are there and match" bash -c "cd '$WORK/dist' && sha256sum -c --quiet SHA256SUMS"
  build_vps_image
}

# Through nginx with $ADMIN_TOKEN: stores the secret HELLO_SECRET and deploys the script
# `hello`, which answers "hi from <path> (secret ok)" when it can read it.
deploy_hello_with_secret() {
  local body code
  expect_match "a secret is stored (PUT /api/v1/secrets/HELLO_SECRET)" '^20[01]$' \
    "$(http_code -X PUT -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
      -d '{"value":"s3cret"}' "$(url /api/v1/secrets/HELLO_SECRET)")"
  body='{"name":"hello","source":"export default { async fetch(request, env) { return new Response(\"hi from \" + new URL(request.url).pathname + (env.HELLO_SECRET === \"s3cret\" ? \" (secret ok)\" : \" (no secret)\")); } };"}'
  code="$(curl -s -o "$WORK/deploy.json" -w '%{http_code}' -m 300 -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' -d "$body" "$(url '/api/v1/scripts?wait=true')" || true)"
  expect_eq "a script deploys through nginx (POST /api/v1/scripts?wait=true)" 201 "$code"
  [[ "$code" == 201 ]] || sed 's/^/    | /' "$WORK/deploy.json" | head -c 2000
}

# Prints a cloudflared test double (Cloudflare cannot be reached from here): it records how it
# was started and whether it could read the token file, then stays up like the real one.
cloudflared_double() {
  cat <<'EOF'
#!/bin/sh
# cloudflared test double: records its arguments and whether the token file is readable.
echo "cloudflared-double args: $*"
prev="" file=""
for a in "$@"; do
  [ "$prev" = "--token-file" ] && file="$a"
  prev="$a"
done
if [ -r "$file" ]; then
  echo "cloudflared-double token sha256 $(sha256sum <"$file" | cut -d' ' -f1)"
else
  echo "cloudflared-double cannot read the token file '$file'"
fi
echo "cloudflared-double uid $(id -u)"
exec sleep infinity
EOF
}

onebox_repo() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }

# The last line is "N passed, N failed"; returns non-zero when anything failed.
onebox_test_summary() {
  log "done in $((SECONDS - T0))s"
  if ((FAILED)); then
    printf 'failed: %s\n' "${FAILURES[@]}"
  fi
  printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
  ((FAILED == 0))
}
