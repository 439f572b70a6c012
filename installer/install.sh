#!/usr/bin/env bash
# onebox installer: turns a fresh Debian 12/13 or Ubuntu 22.04/24.04 VPS into a onebox
# appliance (Docker + compose stack of app and Valkey, nginx, systemd units, optionally a
# Cloudflare tunnel), or upgrades / removes one. Safe to run again: what is in place stays.
#
#   curl -fsSL <release-url>/install.sh | sudo bash -s -- --domain scripts.example.com \
#        --tunnel-token-file /root/tunnel-token
#   sudo ./install.sh --no-tunnel --bundle onebox-0.1.0-linux-amd64.tar.gz
#   sudo ./install.sh --upgrade --bundle onebox-0.2.0-linux-amd64.tar.gz
#   sudo ./install.sh --uninstall [--purge]
#
# Options (each also an environment variable):
#   --domain NAME              ONEBOX_DOMAIN             public host name (for the printed URL)
#   --run-domain NAME          ONEBOX_RUN_DOMAIN         second host name that serves script content
#                                                        only (/run/...), apart from the dashboard:
#                                                        sets ONEBOX_RUN_ORIGIN, adds its nginx server
#   --tunnel-token-file FILE   ONEBOX_TUNNEL_TOKEN_FILE  Cloudflare tunnel token, copied to
#                                                        /etc/onebox/tunnel-token (0600); never printed
#   --no-tunnel                ONEBOX_NO_TUNNEL=1        no cloudflared: nginx serves port 80 itself
#   --bundle FILE|DIR          ONEBOX_BUNDLE             release bundle (.tar.gz from installer/bundle.sh,
#                                                        or its unpacked directory); default: download
#   --version VERSION          ONEBOX_VERSION            release to download (default: the latest)
#   --upgrade                  ONEBOX_UPGRADE=1          back up, install the new release beside the
#                                                        old one, switch, health-gate, roll back if unhealthy
#   --uninstall [--purge]      ONEBOX_UNINSTALL=1        remove units, configs and releases; keep
#                              ONEBOX_PURGE=1            /var/lib/onebox and /etc/onebox unless --purge
#   --sandbox-runtime runc|runsc ONEBOX_SANDBOX_RUNTIME  runsc: script containers under gVisor (installs
#                                                        Debian's runsc, registers it with Docker)
#   --dry-run                  ONEBOX_DRY_RUN=1          check and say what would be done; change nothing
#   -h, --help
# More knobs: ONEBOX_RELEASES_URL (where bundles are downloaded from), ONEBOX_HEALTH_TIMEOUT
# (seconds, 300), ONEBOX_KEEP_RELEASES (3), ONEBOX_SKIP_CHECKS=os,memory,disk,ports.
#
# Layout: /opt/onebox/releases/<version> + current (and previous) symlinks, /etc/onebox/
# (onebox.env 0600, master.key 0600, tunnel-token 0600, installer.env), /var/lib/onebox/ (data,
# backups/).
set -euo pipefail

ONEBOX_OPT=/opt/onebox
ONEBOX_ETC=/etc/onebox
ONEBOX_DATA=/var/lib/onebox
ONEBOX_UNITS=(onebox.service onebox-tunnel.service onebox-backup.service onebox-backup.timer onebox-egress.service)
NGINX_DIR=/etc/nginx

# ---------------------------------------------------------------------------------------------
# output

C_BOLD="" C_RED="" C_YELLOW="" C_GREEN="" C_OFF=""
setup_colors() {
  if [[ -t 1 ]]; then
    C_BOLD=$'\e[1m' C_RED=$'\e[31m' C_YELLOW=$'\e[33m' C_GREEN=$'\e[32m' C_OFF=$'\e[0m'
  fi
}

say() { printf '%s==>%s %s\n' "$C_BOLD" "$C_OFF" "$*"; }
info() { printf '    %s\n' "$*"; }
warn() { printf '%swarning:%s %s\n' "$C_YELLOW" "$C_OFF" "$*" >&2; }
die() {
  printf '%serror:%s %s\n' "$C_RED" "$C_OFF" "$*" >&2
  exit 1
}
is_dry() { [[ "$DRY_RUN" == 1 ]]; }
# In a dry run, says what would be done and returns 0 (the caller skips the step).
would() {
  if is_dry; then
    printf '    [dry-run] would %s\n' "$*"
    return 0
  fi
  return 1
}
changed() {
  CHANGES=$((CHANGES + 1))
  info "$*"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]:-$0}" 2>/dev/null | sed -e '$d' -e 's/^# \{0,1\}//' ||
    printf 'usage: install.sh [--domain NAME] [--tunnel-token-file FILE | --no-tunnel] [--bundle FILE] [--upgrade | --uninstall [--purge]] [--dry-run]\n'
}

# ---------------------------------------------------------------------------------------------
# arguments

parse_args() {
  DOMAIN="${ONEBOX_DOMAIN:-}"
  RUN_DOMAIN="${ONEBOX_RUN_DOMAIN:-}"
  TUNNEL_TOKEN_FILE="${ONEBOX_TUNNEL_TOKEN_FILE:-}"
  NO_TUNNEL="${ONEBOX_NO_TUNNEL:-}"
  BUNDLE="${ONEBOX_BUNDLE:-}"
  VERSION="${ONEBOX_VERSION:-}"
  MODE=install
  [[ "${ONEBOX_UPGRADE:-}" == 1 ]] && MODE=upgrade
  [[ "${ONEBOX_UNINSTALL:-}" == 1 ]] && MODE=uninstall
  PURGE="${ONEBOX_PURGE:-0}"
  DRY_RUN="${ONEBOX_DRY_RUN:-0}"
  SANDBOX_RUNTIME="${ONEBOX_SANDBOX_RUNTIME:-}"
  while (($#)); do
    case "$1" in
      --domain) DOMAIN="${2:?--domain needs a value}"; shift 2 ;;
      --domain=*) DOMAIN="${1#*=}"; shift ;;
      --run-domain) RUN_DOMAIN="${2:?--run-domain needs a value}"; shift 2 ;;
      --run-domain=*) RUN_DOMAIN="${1#*=}"; shift ;;
      --tunnel-token-file) TUNNEL_TOKEN_FILE="${2:?--tunnel-token-file needs a value}"; shift 2 ;;
      --tunnel-token-file=*) TUNNEL_TOKEN_FILE="${1#*=}"; shift ;;
      --no-tunnel) NO_TUNNEL=1; shift ;;
      --bundle) BUNDLE="${2:?--bundle needs a value}"; shift 2 ;;
      --bundle=*) BUNDLE="${1#*=}"; shift ;;
      --version) VERSION="${2:?--version needs a value}"; shift 2 ;;
      --version=*) VERSION="${1#*=}"; shift ;;
      --upgrade) MODE=upgrade; shift ;;
      --uninstall) MODE=uninstall; shift ;;
      --purge) PURGE=1; shift ;;
      --sandbox-runtime) SANDBOX_RUNTIME="${2:?--sandbox-runtime needs a value}"; shift 2 ;;
      --sandbox-runtime=*) SANDBOX_RUNTIME="${1#*=}"; shift ;;
      --dry-run) DRY_RUN=1; shift ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown option: $1 (see --help)" ;;
    esac
  done
  if [[ "$PURGE" == 1 && "$MODE" != uninstall ]]; then
    die "--purge goes with --uninstall"
  fi
  if [[ -n "$TUNNEL_TOKEN_FILE" && "$NO_TUNNEL" == 1 ]]; then
    die "--tunnel-token-file and --no-tunnel exclude each other"
  fi
  if [[ -n "$DOMAIN" && ! "$DOMAIN" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$ ]]; then
    die "--domain: '$DOMAIN' is not a host name"
  fi
  check_run_domain
  if [[ -n "$VERSION" && ! "$VERSION" =~ ^v?[0-9A-Za-z][0-9A-Za-z._+-]*$ ]]; then
    die "--version: '$VERSION' is not a version"
  fi
  VERSION="${VERSION#v}"
  if [[ -n "$SANDBOX_RUNTIME" && "$SANDBOX_RUNTIME" != runc && "$SANDBOX_RUNTIME" != runsc ]]; then
    die "--sandbox-runtime: '$SANDBOX_RUNTIME' is not runc or runsc"
  fi
}

# Earlier choices (installer.env) are the defaults of a re-run or an upgrade.
load_saved_choices() {
  local f="$ONEBOX_ETC/installer.env" key value
  [[ -r "$f" ]] || return 0
  while IFS='=' read -r key value; do
    case "$key" in
      ONEBOX_DOMAIN) [[ -n "$DOMAIN" ]] || DOMAIN="$value" ;;
      ONEBOX_RUN_DOMAIN) [[ -n "$RUN_DOMAIN" ]] || RUN_DOMAIN="$value" ;;
      ONEBOX_NO_TUNNEL) [[ -n "$NO_TUNNEL" || -n "$TUNNEL_TOKEN_FILE" ]] || NO_TUNNEL="$value" ;;
    esac
  done <"$f"
}

# ---------------------------------------------------------------------------------------------
# checks

require_root() {
  if [[ "$(id -u)" -ne 0 ]]; then
    if is_dry; then
      warn "not root: a dry run can only guess at some steps"
    else
      die "run me as root (sudo bash install.sh ...)"
    fi
  fi
}

skip_check() { [[ ",${ONEBOX_SKIP_CHECKS:-}," == *",$1,"* ]]; }

# Prints field $1 of /etc/os-release, unquoted (read, not sourced).
os_release() {
  [[ -r /etc/os-release ]] || return 0
  sed -n "s/^$1=//p" /etc/os-release | head -n 1 | sed -e 's/^"//' -e 's/"$//' -e "s/^'//" -e "s/'\$//"
}

check_os() {
  local id version pretty
  id="$(os_release ID)"
  version="$(os_release VERSION_ID)"
  pretty="$(os_release PRETTY_NAME)"
  pretty="${pretty:-$id $version}"
  case "$id:$version" in
    debian:12 | debian:13 | ubuntu:22.04 | ubuntu:24.04) info "system: $pretty" ;;
    *)
      if skip_check os; then
        warn "unsupported system '${pretty:-unknown}'; going on (ONEBOX_SKIP_CHECKS=os)"
      else
        die "unsupported system '${pretty:-unknown}': onebox installs on Debian 12/13 or Ubuntu 22.04/24.04"
      fi
      ;;
  esac
  OS_ID="$id"
}

check_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) ARCH=amd64 ;;
    aarch64 | arm64) ARCH=arm64 ;;
    *) die "unsupported CPU architecture $(uname -m): onebox runs on amd64 and arm64" ;;
  esac
  info "architecture: $ARCH"
}

check_memory() {
  local kb mb
  kb="$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)"
  mb=$((kb / 1024))
  if ((mb < 900)); then
    skip_check memory || die "only ${mb} MiB of memory: onebox needs at least 1 GiB (2 GiB recommended)"
    warn "only ${mb} MiB of memory (ONEBOX_SKIP_CHECKS=memory)"
  elif ((mb < 1900)); then
    warn "${mb} MiB of memory: it runs, but 2 GiB or more is recommended"
  else
    info "memory: ${mb} MiB"
  fi
}

check_disk() {
  local dir=/var/lib free_mb
  free_mb="$(df -Pm "$dir" 2>/dev/null | awk 'NR == 2 { print $4 }')"
  free_mb="${free_mb:-0}"
  if ((free_mb < 4096)); then
    skip_check disk || die "only ${free_mb} MiB free on $dir: onebox needs at least 4 GiB (images, builds, data)"
    warn "only ${free_mb} MiB free on $dir (ONEBOX_SKIP_CHECKS=disk)"
  else
    info "disk: ${free_mb} MiB free on $dir"
  fi
}

# Prints the name of the process listening on TCP port $1, "?" when it is unknown, nothing
# when the port is free. Uses ss when present, else /proc.
port_owner() {
  local port="$1" hex inodes inode pid fd name
  if command -v ss >/dev/null 2>&1; then
    local line
    line="$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n 1)"
    [[ -n "$line" ]] || return 0
    name="$(printf '%s' "$line" | sed -n 's/.*users:(("\([^"]*\)".*/\1/p')"
    printf '%s\n' "${name:-?}"
    return 0
  fi
  hex="$(printf ':%04X' "$port")"
  inodes="$(awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u)"
  [[ -n "$inodes" ]] || return 0
  for inode in $inodes; do
    for fd in /proc/[0-9]*/fd/*; do
      if [[ "$(readlink "$fd" 2>/dev/null)" == "socket:[$inode]" ]]; then
        pid="${fd#/proc/}"
        pid="${pid%%/*}"
        cat "/proc/$pid/comm" 2>/dev/null || echo "?"
        return 0
      fi
    done
  done
  printf '?\n'
}

check_ports() {
  local port owner ports=(8080 8081)
  skip_check ports && return 0
  [[ "$NO_TUNNEL" == 1 ]] && ports+=(80)
  for port in "${ports[@]}"; do
    owner="$(port_owner "$port")"
    case "$port:$owner" in
      *:) info "port $port: free" ;;
      80:nginx | 8081:nginx) info "port $port: nginx (configured by this installer)" ;;
      8080:docker-proxy | 8080:dockerd)
        if [[ -e "$ONEBOX_OPT/current" ]]; then
          info "port 8080: onebox's app"
        else
          die "port 8080 is taken by a Docker container; onebox's app needs 127.0.0.1:8080"
        fi
        ;;
      *) die "port $port is in use by '$owner'; onebox needs it (80: public site without tunnel, 8080: app, 8081: nginx for the tunnel)" ;;
    esac
  done
}

# ---------------------------------------------------------------------------------------------
# packages and Docker

APT_UPDATED=0
apt_update() {
  local log
  [[ "$APT_UPDATED" == 1 ]] && return 0
  say "apt-get update"
  log="$(mktemp)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get update -q >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -f "$log"
    die "apt-get update failed"
  fi
  rm -f "$log"
  APT_UPDATED=1
}

# apt_install PACKAGE...: installs those not installed yet, in one apt-get call.
apt_install() {
  local missing=() pkg log
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  would "apt-get install ${missing[*]}" && return 0
  apt_update
  say "installing ${missing[*]}"
  log="$(mktemp)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    die "apt-get install ${missing[*]} failed"
  fi
  rm -f "$log"
  changed "installed ${missing[*]}"
}

# Whether the package archive offers package $1.
apt_has() {
  apt_update
  apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -qv '(none)'
}

compose_available() {
  local dir
  docker compose version >/dev/null 2>&1 && return 0
  command -v docker-compose >/dev/null 2>&1 && return 0
  # The v2 plugin, before the docker client that would run it is installed.
  for dir in /usr/libexec/docker/cli-plugins /usr/lib/docker/cli-plugins /usr/local/lib/docker/cli-plugins; do
    [[ -x "$dir/docker-compose" ]] && return 0
  done
  return 1
}

# Prints the Compose package to install: the v2 plugin where the archive has one (Docker's
# repository: docker-compose-plugin; Ubuntu: docker-compose-v2), else docker-compose (v2 on
# Debian 13, v1.29 on Debian 12).
compose_package() {
  local pkg
  for pkg in "$@"; do
    if apt_has "$pkg"; then
      printf '%s\n' "$pkg"
      return 0
    fi
  done
  printf 'docker-compose\n'
}

install_packages() {
  local pkgs=(ca-certificates curl nginx sqlite3 util-linux iproute2) engine=0
  say "packages"
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    engine=1
    info "Docker: using the engine that is running ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
    if ! compose_available; then
      if is_dry; then
        would "install Docker Compose (docker-compose-plugin, docker-compose-v2 or docker-compose)"
      else
        pkgs+=("$(compose_package docker-compose-plugin docker-compose-v2)")
      fi
    fi
  else
    # Debian's and Ubuntu's own packages.
    if ! command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1; then
      warn "a docker client without an engine is installed; installing Debian's docker.io beside it"
    fi
    pkgs+=(docker.io)
    if ! compose_available; then
      if is_dry; then
        would "install Docker Compose (docker-compose-v2 or docker-compose)"
      elif [[ "$OS_ID" == ubuntu ]]; then
        pkgs+=("$(compose_package docker-compose-v2)")
      else
        pkgs+=(docker-compose)
      fi
    fi
  fi
  apt_install "${pkgs[@]}"
  is_dry && return 0
  if ((engine == 0)); then
    systemctl enable --quiet docker.service >/dev/null 2>&1 || true
    systemctl is-active --quiet docker.service || systemctl start docker.service ||
      die "docker.service does not start (journalctl -u docker)"
  fi
  wait_for "the Docker engine" 60 docker info || die "the Docker engine does not answer (journalctl -u docker)"
  compose_available || die "Docker Compose is missing after the install"
  info "Compose: $(compose_version)"
}

compose_version() {
  if docker compose version >/dev/null 2>&1; then
    printf 'docker compose %s\n' "$(docker compose version --short 2>/dev/null || echo '?')"
  else
    printf 'docker-compose %s\n' "$(docker-compose version --short 2>/dev/null || echo '?')"
  fi
}

# wait_for DESCRIPTION SECONDS COMMAND...: retries COMMAND (quietly) until it succeeds.
wait_for() {
  local what="$1" seconds="$2" deadline
  shift 2
  deadline=$((SECONDS + seconds))
  while ! "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      warn "$what: not ready after ${seconds}s"
      return 1
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------
# egress rules and the sandbox runtime (README: "Egress" and "gVisor")

# The firewall rules of egress sandboxes (bin/onebox-egress-rules, from installer/egress-rules.sh)
# and the unit that puts them back at boot, before Docker; then the rules now.
install_egress() {
  local release="$1" out
  say "egress firewall rules"
  if install_file "$release/systemd/onebox-egress.service" /etc/systemd/system/onebox-egress.service 0644; then
    is_dry || systemctl daemon-reload
  fi
  enable_unit onebox-egress.service
  would "put the egress rules in place (onebox-egress-rules install)" && return 0
  out="$(ONEBOX_EGRESS_ENV_FILE="$ONEBOX_ETC/onebox.env" "$release/bin/onebox-egress-rules" install)" ||
    die "the egress rules could not be installed (iptables); scripts with egress would be refused"
  [[ "$out" == unchanged ]] || changed "egress rules $out"
  # The unit's own state: active once its ExecStart ran (it finds the rules in place).
  systemctl is-active --quiet onebox-egress.service || systemctl start onebox-egress.service ||
    warn "onebox-egress.service did not start (journalctl -u onebox-egress)"
}

# Removes the rules, their unit and the networks the app made for egress sandboxes.
remove_egress() {
  local rules="$ONEBOX_OPT/current/bin/onebox-egress-rules" out net
  if [[ -e /etc/systemd/system/onebox-egress.service ]]; then
    would "disable onebox-egress.service" || systemctl disable --quiet onebox-egress.service >/dev/null 2>&1 || true
  fi
  if [[ -x "$rules" ]]; then
    if ! would "remove the egress rules"; then
      out="$(ONEBOX_EGRESS_ENV_FILE="$ONEBOX_ETC/onebox.env" "$rules" remove)" || warn "the egress rules could not be removed"
      [[ "${out:-absent}" == absent ]] || changed "egress rules $out"
    fi
  fi
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    for net in $(docker network ls -q --filter label=dev.onebox.network); do
      would "remove the Docker network $net" || { docker network rm "$net" >/dev/null 2>&1 || true; }
    done
  fi
}

# ONEBOX_SANDBOX_RUNTIME in onebox.env ($1, a copy being edited): --sandbox-runtime sets it,
# otherwise an existing value stays and a new file gets runc.
env_sandbox_runtime() {
  local f="$1"
  if [[ -n "$SANDBOX_RUNTIME" ]] && grep -q '^ONEBOX_SANDBOX_RUNTIME=' "$f"; then
    sed -i "s/^ONEBOX_SANDBOX_RUNTIME=.*/ONEBOX_SANDBOX_RUNTIME=$SANDBOX_RUNTIME/" "$f"
  fi
  env_add "$f" ONEBOX_SANDBOX_RUNTIME "${SANDBOX_RUNTIME:-runc}"
}

# With ONEBOX_SANDBOX_RUNTIME=runsc: Debian's runsc, registered with Docker as "runsc"
# (--network=none: sandboxes without network) and "runsc-net" (--network=host: egress
# sandboxes, in their own network namespace; see SandboxPlacement.java), both with
# --host-uds=open for the app's channel socket; then Docker reloads (containers keep running).
readonly RUNSC_RUNTIMES='{"runsc":{"path":"/usr/bin/runsc","runtimeArgs":["--network=none","--host-uds=open"]},"runsc-net":{"path":"/usr/bin/runsc","runtimeArgs":["--network=host","--host-uds=open"]}}'
ensure_sandbox_runtime() {
  local want daemon=/etc/docker/daemon.json
  want="$(env_get ONEBOX_SANDBOX_RUNTIME)"
  [[ -n "$want" ]] || want="${SANDBOX_RUNTIME:-runc}"
  [[ "$want" == runsc ]] || return 0
  say "gVisor (runsc) for script containers"
  apt_install runsc
  is_dry && { would "register runsc and runsc-net in $daemon"; return 0; }
  if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -qF '"runsc-net":{"path":"/usr/bin/runsc","runtimeArgs":["--network=host","--host-uds=open"]}'; then
    info "runsc and runsc-net are registered with Docker"
    return 0
  fi
  if [[ -s "$daemon" ]]; then
    command -v python3 >/dev/null 2>&1 ||
      die "python3 is missing to merge the runsc runtimes into $daemon: add $RUNSC_RUNTIMES under \"runtimes\" yourself"
    python3 - "$daemon" "$RUNSC_RUNTIMES" <<'PY' || die "$daemon could not be merged (is it valid JSON?)"
import json, sys
path, runtimes = sys.argv[1], json.loads(sys.argv[2])
with open(path) as f:
    config = json.load(f)
config.setdefault("runtimes", {}).update(runtimes)
with open(path + ".onebox-new", "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
PY
    mv -f "$daemon.onebox-new" "$daemon"
  else
    mkdir -p /etc/docker
    printf '{\n  "runtimes": %s\n}\n' "$RUNSC_RUNTIMES" >"$daemon"
  fi
  changed "registered runsc and runsc-net in $daemon"
  systemctl reload docker.service || kill -HUP "$(cat /var/run/docker.pid)" || die "Docker did not reload $daemon"
  wait_for "Docker to list runsc-net" 30 bash -c "docker info --format '{{json .Runtimes}}' | grep -q runsc-net" ||
    die "Docker does not list the runsc runtimes after the reload (journalctl -u docker)"
}

# ---------------------------------------------------------------------------------------------
# files

# install_file SRC DEST MODE [OWNER]: copies when the content, mode or owner differs; returns 0
# when it changed something, 1 when DEST was already right.
install_file() {
  local src="$1" dest="$2" mode="$3" owner="${4:-root:root}"
  if [[ -f "$dest" ]] && cmp -s "$src" "$dest" &&
    [[ "$(stat -c '%a %U:%G' "$dest")" == "${mode#0} $owner" ]]; then
    return 1
  fi
  would "write $dest" && return 0
  install -D -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$src" "$dest.onebox-new"
  mv -f "$dest.onebox-new" "$dest"
  changed "wrote $dest"
  return 0
}

# Writes stdin to DEST (mode, owner) when it differs. Returns as install_file.
write_file() {
  local dest="$1" mode="$2" owner="${3:-root:root}" tmp rc=0
  tmp="$(mktemp)"
  cat >"$tmp"
  install_file "$tmp" "$dest" "$mode" "$owner" || rc=$?
  rm -f "$tmp"
  return "$rc"
}

ensure_dir() {
  local dir="$1" mode="$2" owner="${3:-root:root}"
  if [[ -d "$dir" && "$(stat -c '%a %U:%G' "$dir")" == "${mode#0} $owner" ]]; then
    return 0
  fi
  would "create $dir ($mode $owner)" && return 0
  install -d -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$dir"
  changed "directory $dir ($mode $owner)"
}

random_hex() {
  head -c "$1" /dev/urandom | od -An -v -tx1 | tr -d ' \n'
}

ensure_user() {
  if id onebox >/dev/null 2>&1; then
    return 0
  fi
  would "create the system user onebox" && return 0
  useradd --system --user-group --home-dir "$ONEBOX_DATA" --no-create-home \
    --shell /usr/sbin/nologin --comment "onebox" onebox
  changed "created the system user onebox"
}

ensure_layout() {
  say "layout"
  ensure_user
  ensure_dir "$ONEBOX_OPT" 0755
  ensure_dir "$ONEBOX_OPT/releases" 0755
  ensure_dir "$ONEBOX_ETC" 0700
  if is_dry && ! id onebox >/dev/null 2>&1; then
    would "create $ONEBOX_DATA (0700 onebox:onebox)"
  else
    ensure_dir "$ONEBOX_DATA" 0700 onebox:onebox
  fi
}

# /etc/onebox/onebox.env: merged, never overwritten. Existing keys keep their values (secrets
# above all); missing keys are added. Returns nothing; counts a change when it wrote.
ensure_env_file() {
  local f="$ONEBOX_ETC/onebox.env" tmp
  say "settings ($f)"
  tmp="$(mktemp)"
  if [[ -f "$f" ]]; then
    cat "$f" >"$tmp"
  else
    cat >"$tmp" <<'EOF'
# onebox settings and secrets (mode 0600). Read by the app container (compose env_file):
# plain KEY=value lines, no quotes. Every variable of the README's configuration table works
# here. The installer adds missing keys and never changes existing ones.
EOF
  fi
  env_add "$tmp" ONEBOX_ADMIN_TOKEN "$(random_hex 32)"
  env_add "$tmp" ONEBOX_LOG_LEVEL INFO
  env_add "$tmp" ONEBOX_RUNTIME_IMAGE node:22-bookworm-slim
  env_sandbox_runtime "$tmp"
  if install_file "$tmp" "$f" 0600; then :; fi
  rm -f "$tmp"
}

# /etc/onebox/master.key: the AES-256 key of the app's secrets (base64 of 32 bytes), mounted
# read-only into the app container. Never replaced: an existing one stays; a key the app made
# itself in the data directory (a manual run before) is adopted, so its secrets still open.
ensure_master_key() {
  local f="$ONEBOX_ETC/master.key" own="$ONEBOX_DATA/master.key" tmp
  if [[ ! -s "$f" ]]; then
    would "create $f (the secrets' master key)" && return 0
    tmp="$(mktemp)"
    if [[ -s "$own" ]]; then
      cat "$own" >"$tmp"
      info "adopting the app's own key $own"
    else
      head -c 32 /dev/urandom | base64 -w0 >"$tmp"
    fi
    install -m 0600 -o onebox -g onebox "$tmp" "$f"
    rm -f "$tmp"
    changed "created $f (0600 onebox; back it up with the database)"
    return 0
  fi
  if [[ "$(stat -c '%a %U' "$f")" != "600 onebox" ]]; then
    would "fix the mode of $f" && return 0
    chown onebox:onebox "$f"
    chmod 0600 "$f"
    changed "made $f 0600 onebox"
  fi
}

# env_add FILE KEY VALUE: appends KEY=VALUE unless KEY is set in FILE.
env_add() {
  if ! grep -q "^$2=" "$1"; then
    printf '%s=%s\n' "$2" "$3" >>"$1"
  fi
}

env_get() {
  local f="$ONEBOX_ETC/onebox.env"
  [[ -r "$f" ]] || return 0
  sed -n "s/^$1=//p" "$f" | tail -n 1
}

save_choices() {
  write_file "$ONEBOX_ETC/installer.env" 0600 <<EOF || true
# Choices of the last install.sh run (defaults of the next one).
ONEBOX_DOMAIN=$DOMAIN
ONEBOX_NO_TUNNEL=$NO_TUNNEL
ONEBOX_RUN_DOMAIN=$RUN_DOMAIN
EOF
}

ensure_tunnel_token() {
  local dest="$ONEBOX_ETC/tunnel-token"
  [[ "$NO_TUNNEL" == 1 ]] && return 0
  if [[ -n "$TUNNEL_TOKEN_FILE" ]]; then
    [[ -s "$TUNNEL_TOKEN_FILE" ]] || die "tunnel token file $TUNNEL_TOKEN_FILE is missing or empty"
    if ! install_file "$TUNNEL_TOKEN_FILE" "$dest" 0600; then :; fi
  elif [[ ! -s "$dest" ]]; then
    is_dry || die "no tunnel token: give --tunnel-token-file FILE (a Cloudflare tunnel token), or --no-tunnel"
  fi
}

# ---------------------------------------------------------------------------------------------
# the release

# Sets STAGED to the directory of the unpacked bundle (a temporary one for a .tar.gz).
stage_bundle() {
  local src="$BUNDLE" stage sums name dir
  if [[ -z "$src" ]]; then
    download_bundle
    src="$DOWNLOADED"
  fi
  if [[ -d "$src" ]]; then
    [[ -s "$src/VERSION" ]] || die "$src is not an unpacked onebox bundle (no VERSION)"
    STAGED="$(cd "$src" && pwd)"
    return 0
  fi
  [[ -f "$src" ]] || die "bundle $src not found"
  sums="$(dirname "$src")/SHA256SUMS"
  name="$(basename "$src")"
  if [[ -f "$sums" ]] && grep -q "  $name\$" "$sums"; then
    (cd "$(dirname "$src")" && grep "  $name\$" SHA256SUMS | sha256sum -c --quiet -) ||
      die "$name does not match its SHA256SUMS"
    info "checksum of $name: ok"
  else
    warn "no SHA256SUMS beside $src: its checksum is not checked"
  fi
  stage="$(mktemp -d /var/tmp/onebox-bundle.XXXXXX)"
  STAGE_DIRS+=("$stage")
  tar -xzf "$src" -C "$stage" || die "cannot unpack $src"
  dir="$(find "$stage" -mindepth 2 -maxdepth 2 -name VERSION -printf '%h\n' | head -n 1)"
  [[ -n "$dir" ]] || die "$src is not a onebox bundle (no VERSION inside)"
  STAGED="$dir"
}

# Downloads the bundle for this architecture (and SHA256SUMS) from ONEBOX_RELEASES_URL; sets
# DOWNLOADED to its path.
download_bundle() {
  local base="${ONEBOX_RELEASES_URL:-https://github.com/onebox-dev/onebox/releases}" url dir name
  if [[ -n "$VERSION" ]]; then
    url="$base/download/v$VERSION"
  else
    url="$base/latest/download"
  fi
  dir="$(mktemp -d /var/tmp/onebox-download.XXXXXX)"
  STAGE_DIRS+=("$dir")
  info "downloading $url/SHA256SUMS"
  curl -fsSL --retry 3 -o "$dir/SHA256SUMS" "$url/SHA256SUMS" ||
    die "cannot download $url/SHA256SUMS (give --bundle FILE for an offline install)"
  name="$(awk -v a="$ARCH" '$2 ~ ("^onebox-.*-linux-" a "\\.tar\\.gz$") { print $2; exit }' "$dir/SHA256SUMS")"
  [[ -n "$name" ]] || die "no bundle for linux-$ARCH in $url/SHA256SUMS"
  info "downloading $url/$name"
  curl -fsSL --retry 3 -o "$dir/$name" "$url/$name" || die "cannot download $url/$name"
  DOWNLOADED="$dir/$name"
}

# Loads the bundle's images the engine does not have yet (same name and id).
load_images() {
  local dir="$1" file image id have
  [[ -s "$dir/images/IMAGES" ]] || return 0
  while read -r file image id; do
    [[ -n "$file" ]] || continue
    have="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
    if [[ "$have" == "$id" ]]; then
      info "image $image: present"
      continue
    fi
    would "docker load $image" && continue
    say "loading image $image"
    docker load -q -i "$dir/images/$file" >/dev/null || die "docker load of $file failed"
    changed "loaded image $image"
  done <"$dir/images/IMAGES"
}

# Copies the staged bundle (without images/) to /opt/onebox/releases/<version>; sets
# RELEASE_DIR to it.
install_release() {
  local src="$1" version dest tmp
  version="$(head -n 1 "$src/VERSION")"
  [[ "$version" =~ ^[0-9A-Za-z][0-9A-Za-z._+-]*$ ]] || die "bad version '$version' in the bundle"
  dest="$ONEBOX_OPT/releases/$version"
  RELEASE_DIR="$dest"
  if [[ -d "$dest" ]] && diff -rq --exclude=images "$src" "$dest" >/dev/null 2>&1; then
    info "release $version: in place"
    return 0
  fi
  would "install release $version into $dest" && return 0
  if [[ "$(current_release)" == "$dest" ]]; then
    warn "release $version is current but differs from the bundle: replacing its files"
  fi
  tmp="$ONEBOX_OPT/releases/.$version.new"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  tar -C "$src" --exclude=./images -cf - . | tar -C "$tmp" -xf -
  chown -R root:root "$tmp"
  chmod -R go-w "$tmp"
  rm -rf "$dest"
  mv -T "$tmp" "$dest"
  changed "installed release $version into $dest"
}

current_release() {
  if [[ -L "$ONEBOX_OPT/current" ]]; then
    readlink -f "$ONEBOX_OPT/current" 2>/dev/null || true
  fi
}

# Points `current` at $1 (and `previous` at the one before), atomically.
switch_current() {
  local target="$1" before
  before="$(current_release)"
  [[ "$before" == "$target" ]] && return 0
  would "switch $ONEBOX_OPT/current to $target" && return 0
  if [[ -n "$before" && -d "$before" ]]; then
    ln -sfn "$before" "$ONEBOX_OPT/.previous.new"
    mv -T "$ONEBOX_OPT/.previous.new" "$ONEBOX_OPT/previous"
  fi
  ln -sfn "$target" "$ONEBOX_OPT/.current.new"
  mv -T "$ONEBOX_OPT/.current.new" "$ONEBOX_OPT/current"
  changed "current -> $target"
}

prune_releases() {
  local keep="${ONEBOX_KEEP_RELEASES:-3}" cur prev dir n=0
  [[ -d "$ONEBOX_OPT/releases" ]] || return 0
  cur="$(current_release)"
  prev=""
  [[ -L "$ONEBOX_OPT/previous" ]] && prev="$(readlink -f "$ONEBOX_OPT/previous" 2>/dev/null || true)"
  while read -r dir; do
    [[ -n "$dir" ]] || continue
    n=$((n + 1))
    ((n > keep)) || continue
    [[ "$dir" == "$cur" || "$dir" == "$prev" ]] && continue
    would "remove old release $dir" && continue
    rm -rf -- "$dir"
    changed "removed old release $dir"
  done < <(find "$ONEBOX_OPT/releases" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%T@ %p\n' |
    sort -rn | cut -d' ' -f2-)
}

ensure_runtime_image() {
  local image
  image="$(env_get ONEBOX_RUNTIME_IMAGE)"
  image="${image:-node:22-bookworm-slim}"
  docker image inspect "$image" >/dev/null 2>&1 && return 0
  would "docker pull $image (base of script images)" && return 0
  say "pulling $image (base of script images)"
  if docker pull -q "$image" >/dev/null 2>&1; then
    changed "pulled $image"
  else
    warn "could not pull $image: scripts cannot be deployed until it is on this engine (docker pull $image)"
  fi
}

# ---------------------------------------------------------------------------------------------
# the run origin: script content on a host name of its own (--run-domain)

check_run_domain() {
  [[ -n "$RUN_DOMAIN" ]] || return 0
  if [[ ! "$RUN_DOMAIN" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$ ]]; then
    die "--run-domain: '$RUN_DOMAIN' is not a host name"
  fi
  if [[ -n "$DOMAIN" && "${RUN_DOMAIN,,}" == "${DOMAIN,,}" ]]; then
    die "--run-domain must differ from --domain: scripts get a host name of their own"
  fi
}

# The scheme visitors use: https at Cloudflare's edge with a tunnel, plain http on port 80 without.
run_origin() {
  if [[ "$NO_TUNNEL" == 1 ]]; then
    printf 'http://%s' "$RUN_DOMAIN"
  else
    printf 'https://%s' "$RUN_DOMAIN"
  fi
}

ENV_CHANGED=0
# ONEBOX_RUN_ORIGIN in onebox.env follows --run-domain (a choice, not a secret: it is replaced
# when it differs). Without --run-domain the file is left as it is.
ensure_run_origin_env() {
  local f="$ONEBOX_ETC/onebox.env" want tmp
  [[ -n "$RUN_DOMAIN" ]] || return 0
  want="ONEBOX_RUN_ORIGIN=$(run_origin)"
  if [[ -f "$f" ]] && [[ "$(grep '^ONEBOX_RUN_ORIGIN=' "$f" || true)" == "$want" ]]; then
    return 0
  fi
  would "set $want in $f" && return 0
  tmp="$(mktemp)"
  grep -v '^ONEBOX_RUN_ORIGIN=' "$f" >"$tmp" || true
  printf '%s\n' "$want" >>"$tmp"
  if install_file "$tmp" "$f" 0600; then ENV_CHANGED=1; fi
  rm -f "$tmp"
}

# sites-available/onebox-run.conf: nginx's server for the run domain, on the tunnel's
# 127.0.0.1:8081 or on port 80 (beside the default server of the main site). $1: a scratch
# path prefix. Without a run domain, a site left from an earlier choice goes.
install_run_site() {
  local scratch="$1" site="$NGINX_DIR/sites-available/onebox-run.conf" link="$NGINX_DIR/sites-enabled/onebox-run.conf"
  if [[ -z "$RUN_DOMAIN" ]]; then
    if [[ -e "$site" || -L "$link" ]] && ! would "remove the nginx site onebox-run"; then
      rm -f "$link" "$site"
      NGINX_CHANGED=1
      changed "removed the nginx site onebox-run"
    fi
    return 0
  fi
  run_site_conf >"$scratch.run.conf"
  if install_file "$scratch.run.conf" "$site" 0644; then NGINX_CHANGED=1; fi
  rm -f "$scratch.run.conf"
  if [[ "$(readlink "$link" 2>/dev/null)" != "$site" ]] && ! would "enable the nginx site onebox-run ($RUN_DOMAIN)"; then
    ln -sfn "$site" "$link"
    NGINX_CHANGED=1
    changed "enabled the nginx site onebox-run ($RUN_DOMAIN)"
  fi
}

run_site_conf() {
  local listen proto
  if [[ "$NO_TUNNEL" == 1 ]]; then
    listen=$'    listen 80;\n'
    # Without IPv6 in the kernel (ipv6.disable=1), a [::] listen keeps nginx from starting.
    if [[ -e /proc/net/if_inet6 ]]; then listen+=$'    listen [::]:80;\n'; fi
    # shellcheck disable=SC2016 # an nginx variable
    proto='$scheme'
  else
    listen=$'    listen 127.0.0.1:8081;\n'
    # shellcheck disable=SC2016 # an nginx variable
    proto='$onebox_tunnel_proto'
  fi
  cat <<EOF
# onebox: the run origin $RUN_DOMAIN (ONEBOX_RUN_ORIGIN), script content only. Written by
# install.sh --run-domain; the locations are in snippets/onebox-run-locations.conf.
server {
${listen}    server_name $RUN_DOMAIN;

    # The visitor's address: CF-Connecting-IP, trusted only from this box's cloudflared.
    set_real_ip_from 127.0.0.1;
    real_ip_header CF-Connecting-IP;
    real_ip_recursive off;

    set \$onebox_proto $proto;

    access_log /var/log/nginx/onebox.access.log onebox;
    error_log  /var/log/nginx/onebox.error.log warn;

    include /etc/nginx/snippets/onebox-run-locations.conf;
}
EOF
}

run_origin_summary() {
  [[ -n "$RUN_DOMAIN" ]] || return 0
  printf '  run origin:   %s/run/<script> (scripts only; the dashboard is never served there)\n' "$(run_origin)"
  if [[ "$NO_TUNNEL" != 1 ]]; then
    printf '                in Cloudflare, route %s to http://127.0.0.1:8081 too (a second public hostname of the tunnel)\n' "$RUN_DOMAIN"
  else
    printf '                point DNS for %s at this server too\n' "$RUN_DOMAIN"
  fi
}

# ---------------------------------------------------------------------------------------------
# systemd, nginx

UNITS_CHANGED=0
install_units() {
  local release="$1" unit cmd
  say "systemd units"
  for unit in onebox.service onebox-backup.service onebox-backup.timer; do
    if install_file "$release/systemd/$unit" "/etc/systemd/system/$unit" 0644; then UNITS_CHANGED=1; fi
  done
  if [[ "$NO_TUNNEL" != 1 ]]; then
    [[ -x "$release/bin/cloudflared" ]] ||
      die "this bundle has no cloudflared: install with --no-tunnel, or use a bundle built with ONEBOX_BUNDLE_CLOUDFLARED"
    if install_file "$release/systemd/onebox-tunnel.service" /etc/systemd/system/onebox-tunnel.service 0644; then UNITS_CHANGED=1; fi
  elif [[ -e /etc/systemd/system/onebox-tunnel.service ]]; then
    if ! would "remove onebox-tunnel.service (--no-tunnel)"; then
      systemctl disable --now onebox-tunnel.service >/dev/null 2>&1 || true
      rm -f /etc/systemd/system/onebox-tunnel.service
      UNITS_CHANGED=1
      changed "removed onebox-tunnel.service (--no-tunnel)"
    fi
  fi
  if [[ "$UNITS_CHANGED" == 1 ]] && ! is_dry; then
    systemctl daemon-reload
  fi
  for cmd in onebox-compose onebox; do
    if [[ -e "$release/bin/$cmd" ]] && [[ "$(readlink "/usr/local/bin/$cmd" 2>/dev/null)" != "$ONEBOX_OPT/current/bin/$cmd" ]]; then
      if ! would "link /usr/local/bin/$cmd"; then
        ln -sfn "$ONEBOX_OPT/current/bin/$cmd" "/usr/local/bin/$cmd"
        changed "linked /usr/local/bin/$cmd"
      fi
    fi
  done
}

enable_unit() {
  systemctl is-enabled --quiet "$1" 2>/dev/null && return 0
  would "enable $1" && return 0
  systemctl enable --quiet "$1"
  changed "enabled $1"
}

NGINX_CHANGED=0
install_nginx() {
  local release="$1" f backup
  say "nginx"
  backup="$(mktemp -d)"
  STAGE_DIRS+=("$backup")
  # Keep what is there, to put it back when the new configuration does not pass nginx -t.
  cp -a "$NGINX_DIR/." "$backup/" 2>/dev/null || true
  ensure_dir /var/cache/nginx 0755
  for f in "$release"/nginx/snippets/*.conf; do
    if install_file "$f" "$NGINX_DIR/snippets/$(basename "$f")" 0644; then NGINX_CHANGED=1; fi
  done
  if install_file "$release/nginx/onebox.conf" "$NGINX_DIR/conf.d/onebox.conf" 0644; then NGINX_CHANGED=1; fi
  if [[ "$NO_TUNNEL" == 1 ]]; then
    # Without IPv6 in the kernel (ipv6.disable=1), a [::] listen keeps nginx from starting.
    local public="$release/nginx/onebox-public.conf"
    if [[ ! -e /proc/net/if_inet6 ]]; then
      public="$backup.public.conf"
      grep -v 'listen \[::\]' "$release/nginx/onebox-public.conf" >"$public"
    fi
    if install_file "$public" "$NGINX_DIR/sites-available/onebox-public.conf" 0644; then NGINX_CHANGED=1; fi
    if [[ "$(readlink "$NGINX_DIR/sites-enabled/onebox-public.conf" 2>/dev/null)" != "$NGINX_DIR/sites-available/onebox-public.conf" ]]; then
      if ! would "enable the nginx site onebox-public (port 80)"; then
        ln -sfn "$NGINX_DIR/sites-available/onebox-public.conf" "$NGINX_DIR/sites-enabled/onebox-public.conf"
        NGINX_CHANGED=1
        changed "enabled the nginx site onebox-public (port 80)"
      fi
    fi
    # Debian's default site also claims port 80 as default_server.
    if [[ -L "$NGINX_DIR/sites-enabled/default" ]]; then
      if ! would "disable nginx's default site"; then
        rm -f "$NGINX_DIR/sites-enabled/default"
        touch "$ONEBOX_ETC/.nginx-default-site-disabled"
        NGINX_CHANGED=1
        changed "disabled nginx's default site (it claims port 80)"
      fi
    fi
  elif [[ -e "$NGINX_DIR/sites-enabled/onebox-public.conf" ]]; then
    if ! would "disable the nginx site onebox-public (tunnel mode)"; then
      rm -f "$NGINX_DIR/sites-enabled/onebox-public.conf" "$NGINX_DIR/sites-available/onebox-public.conf"
      NGINX_CHANGED=1
      changed "disabled the nginx site onebox-public (tunnel mode)"
    fi
  fi
  install_run_site "$backup"
  is_dry && return 0
  if ! nginx -t -q 2>"$backup.err"; then
    cat "$backup.err" >&2
    warn "the new nginx configuration fails nginx -t; putting the previous one back"
    rm -rf "${NGINX_DIR:?}/conf.d/onebox.conf" "$NGINX_DIR/sites-enabled/onebox-public.conf" "$NGINX_DIR/sites-enabled/onebox-run.conf"
    cp -a "$backup/." "$NGINX_DIR/"
    rm -f "$backup.err"
    die "nginx -t failed (see above); nothing was reloaded"
  fi
  rm -f "$backup.err" "$backup.public.conf"
  enable_unit nginx.service
  if ! systemctl is-active --quiet nginx.service; then
    systemctl start nginx.service || die "nginx does not start (journalctl -u nginx)"
    changed "started nginx"
  elif [[ "$NGINX_CHANGED" == 1 ]]; then
    systemctl reload nginx.service || die "nginx reload failed (journalctl -u nginx)"
    changed "reloaded nginx"
  fi
}

# ---------------------------------------------------------------------------------------------
# start and health

http_status() {
  curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" 2>/dev/null || true
}

health_ok() {
  [[ "$(http_status http://127.0.0.1:8081/health)" == 200 ]]
}

# Waits until /health answers 200 through nginx; returns 1 after the timeout.
wait_healthy() {
  local timeout="${ONEBOX_HEALTH_TIMEOUT:-300}" deadline status=""
  is_dry && return 0
  say "waiting for /health through nginx (up to ${timeout}s)"
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    status="$(http_status http://127.0.0.1:8081/health)"
    if [[ "$status" == 200 ]]; then
      info "healthy after $((SECONDS - deadline + timeout))s"
      return 0
    fi
    sleep 2
  done
  warn "/health did not answer 200 within ${timeout}s (last status: ${status:-none})"
  return 1
}

diagnose() {
  warn "the stack as it is now:"
  "$ONEBOX_OPT/current/bin/onebox-compose" ps >&2 || true
  "$ONEBOX_OPT/current/bin/onebox-compose" logs --tail 40 app >&2 || true
}

start_stack() {
  say "starting onebox"
  enable_unit onebox.service
  enable_unit onebox-backup.timer
  if ! is_dry; then
    systemctl is-active --quiet onebox-backup.timer || systemctl start onebox-backup.timer
  fi
  if [[ "$NO_TUNNEL" != 1 ]]; then
    enable_unit onebox-tunnel.service
  fi
  would "start (or reconcile) onebox.service" && return 0
  if systemctl is-active --quiet onebox.service; then
    # `up -d` again: recreates only what changed (nothing, on a plain re-run).
    if [[ "$UNITS_CHANGED" == 1 || "$RELEASE_CHANGED" == 1 || "$ENV_CHANGED" == 1 ]]; then
      systemctl reload onebox.service || die "onebox.service reload failed (journalctl -u onebox)"
      changed "reloaded onebox.service"
    elif ! health_ok; then
      systemctl reload onebox.service || true
    fi
  else
    systemctl start onebox.service || { diagnose; die "onebox.service does not start (journalctl -u onebox)"; }
    changed "started onebox.service"
  fi
  if [[ "$NO_TUNNEL" != 1 ]]; then
    if [[ "$UNITS_CHANGED" == 1 || "$RELEASE_CHANGED" == 1 ]] || ! systemctl is-active --quiet onebox-tunnel.service; then
      systemctl restart onebox-tunnel.service || warn "onebox-tunnel.service does not start (journalctl -u onebox-tunnel)"
    fi
  fi
}

public_url() {
  local ip
  if [[ "$NO_TUNNEL" != 1 && -n "$DOMAIN" ]]; then
    printf 'https://%s\n' "$DOMAIN"
  elif [[ -n "$DOMAIN" ]]; then
    printf 'http://%s\n' "$DOMAIN"
  elif [[ "$NO_TUNNEL" == 1 ]]; then
    # The source address of the default route (hostname -I may list Docker's bridges first).
    ip="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -n 1)"
    [[ -n "$ip" ]] || ip="$(hostname -I 2>/dev/null | awk '{ print $1 }')"
    printf 'http://%s\n' "${ip:-<this server>}"
  else
    printf '%s\n' "https://<the public hostname of your tunnel>"
  fi
}

summary() {
  local version
  version="$(basename "$(current_release)")"
  printf '\n%sonebox %s is running.%s\n' "$C_GREEN" "$version" "$C_OFF"
  printf '  URL:          %s\n' "$(public_url)"
  if [[ "$NO_TUNNEL" == 1 ]]; then
    printf '  nginx:        port 80 (no tunnel; put TLS in front before real use)\n'
  else
    printf '  tunnel:       onebox-tunnel.service; in Cloudflare, route the public hostname to http://127.0.0.1:8081\n'
  fi
  run_origin_summary
  printf '  dashboard:    %s/ui, user admin; the password the app generated on its first start is in\n' "$(public_url)"
  printf '                %s/admin-password (root only): sudo cat %s/admin-password\n' "$ONEBOX_DATA" "$ONEBOX_DATA"
  printf '  admin token:  ONEBOX_ADMIN_TOKEN in %s/onebox.env (root only):\n' "$ONEBOX_ETC"
  printf '                sudo sed -n "s/^ONEBOX_ADMIN_TOKEN=//p" %s/onebox.env\n' "$ONEBOX_ETC"
  printf '  status:       systemctl status onebox nginx; onebox-compose ps; onebox-compose logs -f app\n'
  printf '  backups:      daily (onebox-backup.timer) into %s/backups, with %s/master.key and onebox.env\n' "$ONEBOX_DATA" "$ONEBOX_ETC"
  printf '  operate:      onebox status | onebox backup [--output FILE] | onebox restore SNAPSHOT\n'
  if ((CHANGES == 0)); then
    printf '  (nothing changed: everything was in place)\n'
  fi
}

# ---------------------------------------------------------------------------------------------
# modes

do_install() {
  local staged release
  say "checks"
  check_os
  check_arch
  check_memory
  check_disk
  check_ports
  install_packages
  ensure_layout
  stage_bundle
  staged="$STAGED"
  if [[ -n "$VERSION" && "$(head -n 1 "$staged/VERSION")" != "$VERSION" ]]; then
    die "the bundle is version $(head -n 1 "$staged/VERSION"), not $VERSION"
  fi
  if [[ "$NO_TUNNEL" != 1 && ! -x "$staged/bin/cloudflared" ]]; then
    die "this bundle has no cloudflared: install with --no-tunnel (or build the bundle with ONEBOX_BUNDLE_CLOUDFLARED)"
  fi
  say "release $(head -n 1 "$staged/VERSION")"
  is_dry || docker info >/dev/null 2>&1 || die "the Docker engine does not answer"
  load_images "$staged"
  install_release "$staged"
  release="$RELEASE_DIR"
  # A dry run installs nothing: read units and configs from the bundle itself.
  local files="$release"
  [[ -d "$files" ]] || files="$staged"
  local before
  before="$(current_release)"
  if [[ -n "$before" && "$before" != "$release" && "$MODE" == install ]]; then
    warn "release $(basename "$before") is installed; switching to $(basename "$release") (use --upgrade for a health-gated switch with rollback)"
  fi
  switch_current "$release"
  [[ "$before" != "$(current_release)" ]] && RELEASE_CHANGED=1
  ensure_env_file
  ensure_run_origin_env
  ensure_master_key
  ensure_tunnel_token
  save_choices
  if ! is_dry; then
    ensure_runtime_image
  fi
  install_units "$files"
  install_egress "$files"
  ensure_sandbox_runtime
  install_nginx "$files"
  start_stack
  if ! wait_healthy; then
    diagnose
    die "onebox did not become healthy; see above, and journalctl -u onebox"
  fi
  prune_releases
  is_dry && { say "dry run: nothing was changed"; return 0; }
  summary
}

# Whether the app container runs the image named in release directory $1.
app_runs_image_of() {
  local want have id
  is_dry && return 0
  want="$(head -n 1 "$1/IMAGE")"
  id="$("$ONEBOX_OPT/current/bin/onebox-compose" ps -q app 2>/dev/null | head -n 1)"
  have="$(docker inspect -f '{{.Config.Image}}' "$id" 2>/dev/null || true)"
  if [[ "$have" != "$want" ]]; then
    warn "the app container runs '${have:-nothing}', not $want"
    return 1
  fi
}

do_upgrade() {
  local staged old new new_version
  old="$(current_release)"
  [[ -n "$old" && -d "$old" ]] || die "onebox is not installed here (no $ONEBOX_OPT/current): run without --upgrade"
  say "checks"
  check_os
  check_arch
  check_disk
  stage_bundle
  staged="$STAGED"
  new_version="$(head -n 1 "$staged/VERSION")"
  if [[ -n "$VERSION" && "$new_version" != "$VERSION" ]]; then
    die "the bundle is version $new_version, not $VERSION"
  fi
  if [[ "$ONEBOX_OPT/releases/$new_version" == "$old" ]]; then
    say "onebox $new_version is installed already"
    is_dry && return 0
    wait_healthy || { diagnose; die "onebox $new_version is installed but not healthy"; }
    return 0
  fi
  if [[ "$NO_TUNNEL" != 1 && ! -x "$staged/bin/cloudflared" ]]; then
    die "this bundle has no cloudflared but onebox runs with a tunnel here"
  fi
  say "upgrading $(basename "$old") -> $new_version"
  install_packages
  ensure_layout
  ensure_tunnel_token
  save_choices
  if ! would "back up the database (onebox-backup pre-upgrade-$new_version)"; then
    say "backup before the upgrade"
    "$old/bin/onebox-backup" "pre-upgrade-$new_version" || die "the backup failed; nothing was changed"
  fi
  load_images "$staged"
  install_release "$staged"
  new="$RELEASE_DIR"
  local files="$new"
  [[ -d "$files" ]] || files="$staged"
  ensure_env_file
  ensure_run_origin_env
  ensure_master_key
  switch_current "$new"
  RELEASE_CHANGED=1
  install_units "$files"
  install_egress "$files"
  ensure_sandbox_runtime
  install_nginx "$files"
  start_stack
  if wait_healthy && app_runs_image_of "$files"; then
    prune_releases
    is_dry && { say "dry run: nothing was changed"; return 0; }
    summary
    return 0
  fi
  diagnose
  warn "onebox $new_version is not healthy: rolling back to $(basename "$old")"
  switch_current "$old"
  install_units "$old"
  install_nginx "$old"
  systemctl reload onebox.service || systemctl restart onebox.service || true
  if wait_healthy; then
    die "upgrade to $new_version failed; rolled back to $(basename "$old"), which is healthy (the pre-upgrade backup is in $ONEBOX_DATA/backups)"
  fi
  die "upgrade to $new_version failed, and $(basename "$old") is not healthy after the rollback either; see journalctl -u onebox (backup in $ONEBOX_DATA/backups)"
}

do_uninstall() {
  local unit
  if [[ "$PURGE" == 1 ]]; then
    say "uninstalling onebox (purge: data and secrets too)"
  else
    say "uninstalling onebox"
  fi
  for unit in onebox-tunnel.service onebox-backup.timer onebox-backup.service onebox.service; do
    if [[ -e "/etc/systemd/system/$unit" ]]; then
      if ! would "stop and disable $unit"; then
        systemctl disable --now "$unit" >/dev/null 2>&1 || true
      fi
    fi
  done
  if [[ -x "$ONEBOX_OPT/current/bin/onebox-compose" ]] && command -v docker >/dev/null 2>&1; then
    would "remove the compose stack" || "$ONEBOX_OPT/current/bin/onebox-compose" down --timeout 30 >/dev/null 2>&1 || true
  fi
  remove_egress
  for unit in "${ONEBOX_UNITS[@]}"; do
    if [[ -e "/etc/systemd/system/$unit" ]]; then
      would "remove /etc/systemd/system/$unit" || { rm -f "/etc/systemd/system/$unit"; changed "removed $unit"; }
    fi
  done
  is_dry || systemctl daemon-reload
  local f
  for f in "$NGINX_DIR/conf.d/onebox.conf" "$NGINX_DIR/sites-enabled/onebox-public.conf" \
    "$NGINX_DIR/sites-available/onebox-public.conf" "$NGINX_DIR/sites-enabled/onebox-run.conf" \
    "$NGINX_DIR/sites-available/onebox-run.conf" "$NGINX_DIR"/snippets/onebox-*.conf; do
    if [[ -e "$f" || -L "$f" ]]; then
      would "remove $f" || { rm -f "$f"; changed "removed $f"; }
    fi
  done
  if [[ -e "$ONEBOX_ETC/.nginx-default-site-disabled" && -e "$NGINX_DIR/sites-available/default" ]]; then
    if ! would "re-enable nginx's default site"; then
      ln -sfn "$NGINX_DIR/sites-available/default" "$NGINX_DIR/sites-enabled/default"
      rm -f "$ONEBOX_ETC/.nginx-default-site-disabled"
      changed "re-enabled nginx's default site"
    fi
  fi
  if ! is_dry && command -v nginx >/dev/null 2>&1 && systemctl is-active --quiet nginx.service; then
    if nginx -t -q 2>/dev/null; then
      systemctl reload nginx.service || true
    else
      warn "nginx -t fails after removing onebox's files; nginx was not reloaded"
    fi
  fi
  if [[ -e /var/cache/nginx/onebox ]]; then
    would "remove /var/cache/nginx/onebox" || rm -rf /var/cache/nginx/onebox
  fi
  for f in /usr/local/bin/onebox-compose /usr/local/bin/onebox; do
    if [[ -L "$f" ]]; then
      would "remove $f" || rm -f "$f"
    fi
  done
  if [[ -e "$ONEBOX_OPT" ]]; then
    would "remove $ONEBOX_OPT" || { rm -rf "$ONEBOX_OPT"; changed "removed $ONEBOX_OPT"; }
  fi
  if [[ "$PURGE" == 1 ]]; then
    if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
      local images
      images="$(docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^onebox/app:|^onebox-script/|^onebox-deps:' || true)"
      if [[ -n "$images" ]]; then
        # shellcheck disable=SC2086 # one image per word
        would "remove onebox's images" || { docker rmi -f $images >/dev/null 2>&1 || true; }
      fi
    fi
    for f in "$ONEBOX_DATA" "$ONEBOX_ETC"; do
      if [[ -e "$f" ]]; then
        would "remove $f (purge)" || { rm -rf "$f"; changed "removed $f"; }
      fi
    done
    if id onebox >/dev/null 2>&1; then
      would "remove the user onebox" || { userdel onebox >/dev/null 2>&1 || true; changed "removed the user onebox"; }
    fi
    say "onebox is gone (data purged). Docker, nginx and sqlite3 stay installed."
  else
    say "onebox is removed. Kept: $ONEBOX_DATA (data, backups) and $ONEBOX_ETC (token, keys): remove them with --uninstall --purge."
  fi
}

cleanup() {
  local d
  for d in "${STAGE_DIRS[@]}"; do
    [[ -n "$d" && "$d" == /var/tmp/onebox-* || "$d" == /tmp/* ]] && rm -rf -- "$d"
  done
  return 0
}

main() {
  setup_colors
  CHANGES=0
  RELEASE_CHANGED=0
  STAGE_DIRS=()
  STAGED=""
  DOWNLOADED=""
  RELEASE_DIR=""
  ARCH=amd64
  OS_ID=""
  parse_args "$@"
  require_root
  trap cleanup EXIT
  if ! is_dry; then
    exec 9>/run/onebox-install.lock
    flock -n 9 || die "another install.sh is running"
  fi
  load_saved_choices
  case "$MODE" in
    install) do_install ;;
    upgrade) do_upgrade ;;
    uninstall) do_uninstall ;;
  esac
}

main "$@"
