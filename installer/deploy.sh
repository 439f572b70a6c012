#!/usr/bin/env bash
# installer/deploy.sh: deploys a release bundle to a onebox host over SSH (what the GitHub
# deploy workflow runs; works the same from a laptop).
#
#   installer/deploy.sh --host vps.example.com --user deploy --key-file ~/.ssh/onebox_deploy \
#       --known-hosts ./known_hosts --bundle dist/onebox-0.2.0-linux-amd64.tar.gz
#
# Options (each also an environment variable, for CI):
#   --host NAME             ONEBOX_DEPLOY_HOST          host name or address
#   --port N                ONEBOX_DEPLOY_PORT          SSH port (22)
#   --user NAME             ONEBOX_DEPLOY_USER          SSH user: root, or a user with passwordless sudo
#   --key-file FILE         ONEBOX_DEPLOY_KEY_FILE      private key (mode 0600); no agent, no other key
#   --known-hosts FILE      ONEBOX_DEPLOY_KNOWN_HOSTS   the host's pinned public key, one known_hosts
#                                                       line: "HOST KEY" (port 22) or "[HOST]:PORT KEY"
#   --bundle FILE           ONEBOX_DEPLOY_BUNDLE        onebox-<version>-linux-<arch>.tar.gz, with the
#                                                       release's SHA256SUMS beside it
#   --sums FILE             ONEBOX_DEPLOY_SUMS          SHA256SUMS elsewhere than beside the bundle
#   --install-args "ARGS"   ONEBOX_DEPLOY_INSTALL_ARGS  install.sh options for a FIRST install, e.g.
#                                                       "--no-tunnel" or "--domain d --tunnel-token-file
#                                                       /root/tunnel-token" (a file on the host)
#   --health-timeout S      ONEBOX_DEPLOY_HEALTH_TIMEOUT  how long the installer waits for /health (300)
#   -h, --help
#
# What it does, in order; it stops at the first step that fails:
#   1. checks the bundle against SHA256SUMS here, and that its VERSION matches its name;
#   2. connects with the pinned host key only (StrictHostKeyChecking=yes, that known_hosts file
#      and nothing else, no ssh config, no agent): an unknown or changed key ends the deploy
#      before anything is sent. Never fill the known_hosts file with ssh-keyscan: take the key
#      from the host itself (its console: cat /etc/ssh/ssh_host_ed25519_key.pub);
#   3. copies the bundle, the bundle's own install.sh and SHA256SUMS into a fresh staging
#      directory on the host (mktemp under /var/tmp) and checks the checksums there;
#   4. onebox installed (/opt/onebox/current): `install.sh --upgrade` (backup, switch, health
#      gate, automatic rollback). Not installed: a first install with --install-args, and only
#      then (without them the deploy refuses: a first install needs choices only a person makes).
#      The installer runs in its own session with its output streamed here, so a dropped
#      connection does not kill it half way;
#   5. asks the host what serves now: the `current` release, the image the app container runs,
#      and /health through nginx (127.0.0.1:8081, where the tunnel also connects);
#   6. removes the staging directory and prints one summary line.
# Exit status: 0 when the new release is current and healthy; otherwise non-zero (the
# installer's own status when it failed, e.g. after it rolled back to the previous release).
set -euo pipefail

log() { printf '[deploy] %s\n' "$*" >&2; }
die() {
  printf '[deploy] error: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

parse_args() {
  HOST="${ONEBOX_DEPLOY_HOST:-}"
  PORT="${ONEBOX_DEPLOY_PORT:-22}"
  SSH_USER="${ONEBOX_DEPLOY_USER:-}"
  KEY_FILE="${ONEBOX_DEPLOY_KEY_FILE:-}"
  KNOWN_HOSTS="${ONEBOX_DEPLOY_KNOWN_HOSTS:-}"
  BUNDLE="${ONEBOX_DEPLOY_BUNDLE:-}"
  SUMS="${ONEBOX_DEPLOY_SUMS:-}"
  INSTALL_ARGS="${ONEBOX_DEPLOY_INSTALL_ARGS:-}"
  HEALTH_TIMEOUT="${ONEBOX_DEPLOY_HEALTH_TIMEOUT:-}"
  while (($#)); do
    case "$1" in
      --host) HOST="${2:?--host needs a value}"; shift 2 ;;
      --port) PORT="${2:?--port needs a value}"; shift 2 ;;
      --user) SSH_USER="${2:?--user needs a value}"; shift 2 ;;
      --key-file) KEY_FILE="${2:?--key-file needs a value}"; shift 2 ;;
      --known-hosts) KNOWN_HOSTS="${2:?--known-hosts needs a value}"; shift 2 ;;
      --bundle) BUNDLE="${2:?--bundle needs a value}"; shift 2 ;;
      --sums) SUMS="${2:?--sums needs a value}"; shift 2 ;;
      --install-args) INSTALL_ARGS="${2?--install-args needs a value}"; shift 2 ;;
      --health-timeout) HEALTH_TIMEOUT="${2:?--health-timeout needs a value}"; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown option: $1 (see --help)" ;;
    esac
  done
  [[ -n "$HOST" ]] || die "--host (ONEBOX_DEPLOY_HOST) is required"
  [[ -n "$SSH_USER" ]] || die "--user (ONEBOX_DEPLOY_USER) is required"
  [[ -n "$KEY_FILE" ]] || die "--key-file (ONEBOX_DEPLOY_KEY_FILE) is required"
  [[ -n "$KNOWN_HOSTS" ]] || die "--known-hosts (ONEBOX_DEPLOY_KNOWN_HOSTS) is required"
  [[ -n "$BUNDLE" ]] || die "--bundle (ONEBOX_DEPLOY_BUNDLE) is required"
  [[ "$HOST" =~ ^[A-Za-z0-9.:-]+$ && "$HOST" != -* ]] || die "--host: '$HOST' is not a host name or address"
  if ! [[ "$PORT" =~ ^[0-9]{1,5}$ ]] || ((10#$PORT < 1 || 10#$PORT > 65535)); then
    die "--port: '$PORT' is not a port"
  fi
  PORT=$((10#$PORT))
  [[ "$SSH_USER" =~ ^[a-z_][a-z0-9_.-]*$ ]] || die "--user: '$SSH_USER' is not a user name"
  [[ -z "$HEALTH_TIMEOUT" || "$HEALTH_TIMEOUT" =~ ^[0-9]+$ ]] || die "--health-timeout: '$HEALTH_TIMEOUT' is not a number of seconds"
  # Split on blanks; each word ends up on the host's command line, so only plain words pass.
  read -r -a INSTALL_WORDS <<<"$INSTALL_ARGS"
  local w
  for w in "${INSTALL_WORDS[@]}"; do
    [[ "$w" =~ ^[A-Za-z0-9._/=:@+,-]+$ ]] || die "--install-args: '$w' has characters that are not allowed here"
    case "$w" in
      --upgrade | --uninstall | --purge | --bundle* | --version* | --dry-run)
        die "--install-args: $w is chosen by deploy.sh, not passed through" ;;
    esac
  done
}

# ---------------------------------------------------------------------------------------------
# step 1: the bundle, here

verify_local() {
  local name line
  [[ -f "$BUNDLE" ]] || die "bundle $BUNDLE not found"
  name="$(basename "$BUNDLE")"
  [[ "$name" =~ ^onebox-([0-9A-Za-z][0-9A-Za-z._+-]*)-linux-(amd64|arm64)\.tar\.gz$ ]] ||
    die "$name is not named like a release bundle (onebox-<version>-linux-<arch>.tar.gz)"
  VERSION="${BASH_REMATCH[1]}"
  ARCH="${BASH_REMATCH[2]}"
  BUNDLE_NAME="$name"
  SUMS="${SUMS:-$(dirname "$BUNDLE")/SHA256SUMS}"
  [[ -f "$SUMS" ]] || die "no SHA256SUMS at $SUMS: a bundle is deployed only with its checksum"
  line="$(grep -E "^[0-9a-f]{64}  \*?$(printf '%s' "$name" | sed 's/[.+]/\\&/g')\$" "$SUMS" | head -n 1 || true)"
  [[ -n "$line" ]] || die "$SUMS has no line for $name"
  if ! (cd "$(dirname "$BUNDLE")" && sha256sum -c --quiet --strict - <<<"${line/ \*/  }") >/dev/null 2>&1; then
    die "$name does not match its SHA256SUMS: refusing to deploy it"
  fi
  log "checksum of $name: ok"

  # The installer that runs is the bundle's own: it is covered by the checksum just checked.
  if ! tar -xzf "$BUNDLE" -C "$LOCAL_TMP" "onebox-$VERSION/VERSION" "onebox-$VERSION/install.sh" 2>"$LOCAL_TMP/tar.err"; then
    cat "$LOCAL_TMP/tar.err" >&2
    die "$name holds no onebox-$VERSION/VERSION and install.sh"
  fi
  [[ "$(head -n 1 "$LOCAL_TMP/onebox-$VERSION/VERSION")" == "$VERSION" ]] ||
    die "$name says version $(head -n 1 "$LOCAL_TMP/onebox-$VERSION/VERSION"), not $VERSION"
  mkdir -p "$LOCAL_TMP/send"
  cp "$LOCAL_TMP/onebox-$VERSION/install.sh" "$LOCAL_TMP/send/install.sh"
  {
    printf '%s\n' "${line/ \*/  }"
    (cd "$LOCAL_TMP/send" && sha256sum install.sh)
  } >"$LOCAL_TMP/send/SHA256SUMS"
}

# ---------------------------------------------------------------------------------------------
# SSH

check_ssh_files() {
  local lookup mode
  [[ -f "$KEY_FILE" ]] || die "key file $KEY_FILE not found"
  mode="$(stat -c '%a' "$KEY_FILE")"
  [[ "$mode" =~ ^[46]00$ ]] || die "key file $KEY_FILE is mode $mode: make it 0600 (chmod 600)"
  [[ -s "$KNOWN_HOSTS" ]] || die "known_hosts file $KNOWN_HOSTS is missing or empty"
  lookup="$HOST"
  ((PORT == 22)) || lookup="[$HOST]:$PORT"
  if ! ssh-keygen -F "$lookup" -f "$KNOWN_HOSTS" >/dev/null 2>&1; then
    die "$KNOWN_HOSTS pins no key for $lookup. Add the line '$lookup <key type> <key>', with the key read on the host itself (cat /etc/ssh/ssh_host_ed25519_key.pub), not from ssh-keyscan"
  fi
}

# SSH with the pinned host key and the given key only: no config files, no agent, no prompts,
# and never a write to the known_hosts file.
ssh_setup() {
  SSH_OPTS=(-F none -p "$PORT" -l "$SSH_USER"
    -o BatchMode=yes
    -o IdentitiesOnly=yes -o "IdentityFile=$KEY_FILE" -o IdentityAgent=none
    -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$KNOWN_HOSTS" -o GlobalKnownHostsFile=/dev/null
    -o UpdateHostKeys=no -o CheckHostIP=no
    -o ConnectTimeout=20 -o ServerAliveInterval=15 -o ServerAliveCountMax=4
    -o LogLevel=ERROR
    -o "ControlPath=$LOCAL_TMP/c")
}

# One connection for the whole deploy. Its first handshake is the host key check: when that
# fails, nothing else runs.
connect() {
  log "connecting to $SSH_USER@$HOST:$PORT (pinned host key from $KNOWN_HOSTS)"
  if ! ssh "${SSH_OPTS[@]}" -o ControlMaster=yes -o ControlPersist=120 -fN "$HOST" \
    </dev/null >/dev/null 2>"$LOCAL_TMP/connect.err"; then
    sed 's/^/    /' "$LOCAL_TMP/connect.err" >&2
    die "cannot connect to $SSH_USER@$HOST:$PORT with the pinned host key; nothing was sent"
  fi
  CONNECTED=1
}

disconnect() {
  [[ "$CONNECTED" == 1 ]] || return 0
  ssh "${SSH_OPTS[@]}" -O exit "$HOST" >/dev/null 2>&1 || true
  CONNECTED=0
}

# remote COMMAND-STRING: runs it on the host through the open connection (stdin passes on).
remote() {
  ssh "${SSH_OPTS[@]}" -o ControlMaster=no "$HOST" "$1"
}

# remote_bash [--root] SCRIPT [ARG...]: runs bash SCRIPT on the host with plain-word arguments,
# as root (sudo -n when the SSH user is not root) with --root.
remote_bash() {
  local prefix="" script arg args=""
  if [[ "$1" == --root ]]; then
    prefix="$SUDO"
    shift
  fi
  script="$1"
  shift
  for arg in "$@"; do
    [[ "$arg" =~ ^[A-Za-z0-9._/=:@+,-]*$ ]] || die "internal: '$arg' is not a plain word"
    args+=" '$arg'"
  done
  remote "${prefix}bash -s --$args" <<<"$script"
}

# ---------------------------------------------------------------------------------------------
# steps 2-6: on the host

# Sets REMOTE_ROOT (root, sudo), REMOTE_ARCH, CURRENT_BEFORE (version or empty).
probe() {
  local out key value
  # shellcheck disable=SC2016 # expanded on the host
  out="$(remote_bash '
    if [ "$(id -u)" -eq 0 ]; then echo root=root
    elif sudo -n true 2>/dev/null; then echo root=sudo
    else echo root=none; fi
    echo arch="$(uname -m)"
    if [ -L /opt/onebox/current ]; then echo current="$(basename "$(readlink -f /opt/onebox/current)")"; fi
    for tool in tar sha256sum mktemp tail setsid; do command -v "$tool" >/dev/null || echo missing="$tool"; done
  ')" || die "the host did not answer the first questions (see above)"
  REMOTE_ROOT="" REMOTE_ARCH="" CURRENT_BEFORE=""
  while IFS='=' read -r key value; do
    case "$key" in
      root) REMOTE_ROOT="$value" ;;
      arch) REMOTE_ARCH="$value" ;;
      current) CURRENT_BEFORE="$value" ;;
      missing) die "the host lacks $value" ;;
    esac
  done <<<"$out"
  case "$REMOTE_ROOT" in
    root) SUDO="" ;;
    sudo) SUDO="sudo -n " ;;
    *) die "$SSH_USER on $HOST is neither root nor allowed passwordless sudo (add '$SSH_USER ALL=(ALL) NOPASSWD:ALL' in /etc/sudoers.d/)" ;;
  esac
  case "$REMOTE_ARCH:$ARCH" in
    x86_64:amd64 | amd64:amd64 | aarch64:arm64 | arm64:arm64) ;;
    *) die "$HOST is $REMOTE_ARCH; $BUNDLE_NAME is for linux-$ARCH" ;;
  esac
  if [[ -n "$CURRENT_BEFORE" ]]; then
    MODE=upgrade
    log "$HOST runs onebox $CURRENT_BEFORE: upgrading to $VERSION"
    ((${#INSTALL_WORDS[@]} == 0)) || log "--install-args are for a first install; an upgrade keeps the host's choices"
  else
    ((${#INSTALL_WORDS[@]})) ||
      die "onebox is not installed on $HOST. A first install needs your choices: pass --install-args \"--no-tunnel\" or \"--domain NAME --tunnel-token-file /root/tunnel-token\" (ONEBOX_DEPLOY_INSTALL_ARGS)"
    MODE=install
    log "onebox is not installed on $HOST: first install of $VERSION with: ${INSTALL_WORDS[*]}"
  fi
}

stage() {
  local f
  STAGE_DIR="$(remote 'mktemp -d /var/tmp/onebox-deploy.XXXXXXXXXX' </dev/null)" || die "cannot create a staging directory on $HOST"
  [[ "$STAGE_DIR" =~ ^/var/tmp/onebox-deploy\.[A-Za-z0-9]{10}$ ]] || die "unexpected staging directory '$STAGE_DIR'"
  log "copying $BUNDLE_NAME ($(du -h "$BUNDLE" | cut -f1)), install.sh and SHA256SUMS to $HOST:$STAGE_DIR"
  remote "cat > '$STAGE_DIR/$BUNDLE_NAME'" <"$BUNDLE" || die "copying $BUNDLE_NAME failed"
  for f in install.sh SHA256SUMS; do
    remote "cat > '$STAGE_DIR/$f'" <"$LOCAL_TMP/send/$f" || die "copying $f failed"
  done
  remote "cd '$STAGE_DIR' && sha256sum -c --strict SHA256SUMS" </dev/null 2>&1 | sed 's/^/    /' >&2 ||
    die "the copies on $HOST do not match SHA256SUMS"
}

# Runs the installer as root on the host, in a session of its own (a dropped SSH connection
# must not kill an upgrade half way), and streams its log. Returns the installer's status.
run_installer() {
  local args=() rc=0
  if [[ "$MODE" == upgrade ]]; then
    args=(--upgrade)
  else
    args=("${INSTALL_WORDS[@]}")
  fi
  args+=(--version "$VERSION" --bundle "$STAGE_DIR/$BUNDLE_NAME")
  log "running: ${SUDO}bash install.sh ${args[*]}"
  # shellcheck disable=SC2016 # expanded on the host
  remote_bash --root '
    set -u
    stage="$1" timeout="$2"
    shift 2
    log="$stage/install.log"
    : >"$log"
    if [ -n "$timeout" ]; then export ONEBOX_HEALTH_TIMEOUT="$timeout"; fi
    setsid bash "$stage/install.sh" "$@" </dev/null >"$log" 2>&1 &
    pid=$!
    tail -n +1 -f --pid="$pid" "$log" </dev/null
    wait "$pid"
  ' "$STAGE_DIR" "$HEALTH_TIMEOUT" "${args[@]}" || rc=$?
  INSTALL_DONE=1
  return "$rc"
}

# Sets SERVING (version of `current`), HEALTH (HTTP status of /health through nginx),
# APP_IMAGE and WANT_IMAGE (the image the app container runs, and the one `current` names).
confirm() {
  local out key value
  SERVING="" HEALTH="" APP_IMAGE="" WANT_IMAGE=""
  # shellcheck disable=SC2016 # expanded on the host
  out="$(remote_bash --root '
    if [ -L /opt/onebox/current ]; then
      echo serving="$(basename "$(readlink -f /opt/onebox/current)")"
      echo want_image="$(head -n 1 /opt/onebox/current/IMAGE 2>/dev/null)"
      id="$(/opt/onebox/current/bin/onebox-compose ps -q app 2>/dev/null | head -n 1)"
      [ -n "$id" ] && echo app_image="$(docker inspect -f "{{.Config.Image}}" "$id" 2>/dev/null)"
    fi
    echo health="$(curl -s -o /dev/null -m 10 -w "%{http_code}" http://127.0.0.1:8081/health 2>/dev/null)"
  ' 2>/dev/null)" || true
  while IFS='=' read -r key value; do
    case "$key" in
      serving) SERVING="$value" ;;
      health) HEALTH="$value" ;;
      app_image) APP_IMAGE="$value" ;;
      want_image) WANT_IMAGE="$value" ;;
    esac
  done <<<"$out"
}

cleanup_remote() {
  [[ "$CONNECTED" == 1 && -n "$STAGE_DIR" ]] || return 0
  if [[ "$INSTALL_DONE" != 1 && "$INSTALL_STARTED" == 1 ]]; then
    # The installer may still be running from it (the connection broke): leave it.
    log "left $HOST:$STAGE_DIR in place (the installer may still be using it; its log is install.log there)"
    return 0
  fi
  remote "rm -rf -- '$STAGE_DIR'" </dev/null >/dev/null 2>&1 ||
    remote "${SUDO}rm -rf -- '$STAGE_DIR'" </dev/null >/dev/null 2>&1 ||
    log "could not remove $HOST:$STAGE_DIR"
  STAGE_DIR=""
}

on_exit() {
  local rc=$?
  cleanup_remote || true
  disconnect || true
  [[ -n "$LOCAL_TMP" ]] && rm -rf -- "$LOCAL_TMP"
  return "$rc"
}

main() {
  local rc=0 started=$SECONDS what
  CONNECTED=0 STAGE_DIR="" INSTALL_STARTED=0 INSTALL_DONE=0 SUDO="" LOCAL_TMP=""
  parse_args "$@"
  command -v ssh >/dev/null 2>&1 || die "ssh (OpenSSH client) is not installed"
  LOCAL_TMP="$(mktemp -d /tmp/onebox-deploy.XXXXXX)"
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  verify_local
  check_ssh_files
  ssh_setup
  connect
  probe
  stage
  INSTALL_STARTED=1
  run_installer || rc=$?
  confirm
  cleanup_remote
  case "$MODE:$CURRENT_BEFORE" in
    "upgrade:$VERSION") what="was current already" ;;
    upgrade:*) what="upgrade from $CURRENT_BEFORE" ;;
    *) what="first install" ;;
  esac
  if ((rc != 0)); then
    log "the installer failed (exit status $rc)"
    printf 'onebox %s: deploy to %s FAILED (%s); %s serves now (/health %s), after %ss\n' \
      "$VERSION" "$HOST" "$what" "${SERVING:-nothing}" "${HEALTH:-unknown}" "$((SECONDS - started))"
    exit "$rc"
  fi
  if [[ "$SERVING" != "$VERSION" || "$HEALTH" != 200 || -z "$APP_IMAGE" || "$APP_IMAGE" != "$WANT_IMAGE" ]]; then
    printf 'onebox %s: deploy to %s FAILED (%s): the installer succeeded but %s is current, the app runs %s (want %s), /health %s\n' \
      "$VERSION" "$HOST" "$what" "${SERVING:-nothing}" "${APP_IMAGE:-nothing}" "${WANT_IMAGE:-?}" "${HEALTH:-unknown}"
    exit 1
  fi
  printf 'onebox %s: deployed to %s@%s (%s); current=%s, app image %s, /health 200, in %ss\n' \
    "$VERSION" "$SSH_USER" "$HOST" "$what" "$SERVING" "$APP_IMAGE" "$((SECONDS - started))"
}

main "$@"
