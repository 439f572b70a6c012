#!/usr/bin/env bash
# installer/bundle.sh: builds the release bundle that install.sh installs, offline:
#
#   installer/dist/onebox-<version>-linux-<arch>.tar.gz    one top directory onebox-<version>/ holding
#       VERSION, IMAGE (app image name), IMAGE_ID, install.sh (= installer/install.sh),
#       bin/ (onebox, onebox-compose, onebox-backup, onebox-restore, cloudflared when given), compose/, nginx/,
#       lib/onebox-cli.jar (the API client `onebox deploy|tail|secret|d1|scripts|runs` runs),
#       systemd/, images/ (docker save tars + IMAGES: "<file> <image> <id>" per line)
#   installer/dist/SHA256SUMS                    sha256sum lines of the bundles in dist/
#
# The app image is built here (compose/Dockerfile) and carried as a `docker save` tar, so the
# VPS needs neither Maven nor a JDK nor a registry for it, and runs exactly the image built here.
#
# Usage: installer/bundle.sh [--version V] [--out DIR] [--prebuilt-jar]
#   --version V       release version (default: <pom version without -SNAPSHOT>-dev.<git sha>)
#   --out DIR         output directory (default: installer/dist/, git-ignored)
#   --prebuilt-jar    package app/target/onebox.jar and cli/target/onebox-cli.jar (built beforehand
#                     with `mvn -B -q package -DskipTests`) instead of building them
# Environment:
#   DOCKER_HOST                 the engine that builds and saves the images
#   ONEBOX_BUNDLE_CLOUDFLARED   path of a cloudflared binary to bundle (else the bundle installs
#                               only with --no-tunnel)
#   ONEBOX_BUNDLE_IMAGES        more images to carry for offline installs, space separated
#                               (e.g. "valkey/valkey:8 node:22-bookworm-slim"); default none:
#                               the VPS pulls them
#   ONEBOX_BUILD_EXTRA_CA       PEM file of CAs Maven must trust in the build (default: the
#                               host's /usr/local/share/ca-certificates/*.crt; "none" for none)
#   ONEBOX_BUNDLE_GZIP          gzip level (default 1: the images are most of the bytes)
set -euo pipefail

log() { printf '[bundle] %s\n' "$*" >&2; }
die() {
  printf '[bundle] error: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# Prints the extra CA certificates (PEM) the Maven build must trust.
extra_ca_pem() {
  local f
  case "${ONEBOX_BUILD_EXTRA_CA:-}" in
    none) return 0 ;;
    "") ;;
    *)
      cat -- "$ONEBOX_BUILD_EXTRA_CA"
      return 0
      ;;
  esac
  [[ -d /usr/local/share/ca-certificates ]] || return 0
  while IFS= read -r f; do
    cat -- "$f"
    printf '\n'
  done < <(find /usr/local/share/ca-certificates -name '*.crt' -type f | LC_ALL=C sort)
}

default_version() {
  local root="$1" pom sha
  pom="$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$root/pom.xml" | sed -n '2p')"
  pom="${pom%-SNAPSHOT}"
  sha="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo local)"
  printf '%s-dev.%s\n' "${pom:-0.0.0}" "$sha"
}

build_image() {
  local root="$1" image="$2" version="$3" prebuilt="$4" ctx target ca
  ctx="$(mktemp -d)"
  # A small context: the legacy builder sends all of it to the engine.
  mkdir -p "$ctx/app" "$ctx/cli" "$ctx/compose"
  cp "$root/pom.xml" "$ctx/"
  cp "$root/app/pom.xml" "$ctx/app/"
  cp "$root/cli/pom.xml" "$ctx/cli/"
  cp -r "$root/app/src" "$ctx/app/"
  cp "$root/compose/Dockerfile" "$ctx/compose/"
  target=runtime
  if [[ "$prebuilt" == 1 ]]; then
    [[ -s "$root/app/target/onebox.jar" ]] || die "no app/target/onebox.jar: run mvn -B -q package -DskipTests first"
    mkdir -p "$ctx/app/target"
    cp "$root/app/target/onebox.jar" "$ctx/app/target/"
    target=runtime-prebuilt
  fi
  ca="$(extra_ca_pem)"
  log "building $image (target $target)"
  if ! DOCKER_BUILDKIT=0 docker build -f "$ctx/compose/Dockerfile" --target "$target" \
    --build-arg "ONEBOX_VERSION=$version" --build-arg "EXTRA_CA_PEM=$ca" \
    --label "dev.onebox.version=$version" -t "$image" "$ctx" >"$ctx.log" 2>&1; then
    tail -n 40 "$ctx.log" >&2
    rm -rf "$ctx" "$ctx.log"
    die "docker build failed"
  fi
  rm -rf "$ctx" "$ctx.log"
  docker run --rm --entrypoint test "$image" -s /opt/onebox/onebox.jar ||
    die "$image has no /opt/onebox/onebox.jar"
}

# Puts the CLI jar into $2/lib: the one built beforehand with --prebuilt-jar (flag $3), else a
# fresh one (Maven on this machine).
bundle_cli() {
  local root="$1" top="$2" prebuilt="$3" jar="$1/cli/target/onebox-cli.jar"
  if [[ "$prebuilt" != 1 ]]; then
    command -v mvn >/dev/null 2>&1 || die "building the CLI needs mvn (or build it first and pass --prebuilt-jar)"
    log "building the CLI jar"
    (cd "$root" && mvn -B -q -ntp -pl cli package -DskipTests) >&2 || die "building the CLI failed"
  fi
  [[ -s "$jar" ]] || die "no $jar: run mvn -B -q package -DskipTests first"
  mkdir -p "$top/lib"
  install -m 0644 "$jar" "$top/lib/onebox-cli.jar"
}

# Saves image $2 into directory $1 and appends its line to $1/IMAGES.
save_image() {
  local dir="$1" image="$2" file id
  docker image inspect "$image" >/dev/null 2>&1 || die "image $image is not on the engine"
  id="$(docker image inspect -f '{{.Id}}' "$image")"
  file="$(printf '%s' "$image" | tr '/:@' '___').tar"
  log "saving $image"
  docker save -o "$dir/$file" "$image"
  printf '%s %s %s\n' "$file" "$image" "$id" >>"$dir/IMAGES"
}

main() {
  local root version out prebuilt arch image top name extra gz
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  version="${ONEBOX_VERSION:-}"
  out="$root/installer/dist"
  prebuilt=0
  while (($#)); do
    case "$1" in
      --version)
        version="${2:?--version needs a value}"
        shift 2
        ;;
      --out)
        out="${2:?--out needs a value}"
        shift 2
        ;;
      --prebuilt-jar)
        prebuilt=1
        shift
        ;;
      -h | --help)
        usage
        return 0
        ;;
      *) die "unknown argument: $1 (see --help)" ;;
    esac
  done
  version="${version:-$(default_version "$root")}"
  [[ "$version" =~ ^[0-9A-Za-z][0-9A-Za-z._+-]*$ ]] || die "bad version: $version"
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported architecture $(uname -m)" ;;
  esac
  command -v docker >/dev/null 2>&1 || die "docker is not installed"
  docker version >/dev/null 2>&1 || die "no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset})"

  image="onebox/app:$version"
  build_image "$root" "$image" "$version" "$prebuilt"

  STAGE="$(mktemp -d)"
  trap 'rm -rf "$STAGE"' EXIT
  top="$STAGE/onebox-$version"
  mkdir -p "$top/bin" "$top/images"
  printf '%s\n' "$version" >"$top/VERSION"
  printf '%s\n' "$image" >"$top/IMAGE"
  docker image inspect -f '{{.Id}}' "$image" >"$top/IMAGE_ID"
  cp "$root/installer/install.sh" "$top/install.sh"
  cp "$root/installer/bin/onebox-compose" "$root/installer/bin/onebox-backup" \
    "$root/installer/bin/onebox" "$root/installer/bin/onebox-restore" "$top/bin/"
  cp -r "$root/compose" "$root/nginx" "$root/systemd" "$top/"
  install -m 0755 "$root/installer/egress-rules.sh" "$top/bin/onebox-egress-rules"
  bundle_cli "$root" "$top" "$prebuilt"
  find "$top" -name .gitkeep -delete
  if [[ -n "${ONEBOX_BUNDLE_CLOUDFLARED:-}" ]]; then
    [[ -x "$ONEBOX_BUNDLE_CLOUDFLARED" ]] || die "ONEBOX_BUNDLE_CLOUDFLARED=$ONEBOX_BUNDLE_CLOUDFLARED is not an executable"
    install -m 0755 "$ONEBOX_BUNDLE_CLOUDFLARED" "$top/bin/cloudflared"
    log "bundling cloudflared from $ONEBOX_BUNDLE_CLOUDFLARED"
  else
    log "no cloudflared (ONEBOX_BUNDLE_CLOUDFLARED unset): this bundle installs with --no-tunnel only"
  fi
  chmod 0755 "$top/install.sh" "$top"/bin/*

  : >"$top/images/IMAGES"
  save_image "$top/images" "$image"
  for extra in ${ONEBOX_BUNDLE_IMAGES:-}; do
    save_image "$top/images" "$extra"
  done

  mkdir -p "$out"
  name="onebox-$version-linux-$arch.tar.gz"
  gz="${ONEBOX_BUNDLE_GZIP:-1}"
  log "writing $out/$name"
  tar -C "$STAGE" --owner=0 --group=0 --numeric-owner -cf - "onebox-$version" | gzip "-$gz" >"$out/$name.part"
  mv -f "$out/$name.part" "$out/$name"
  (
    cd "$out"
    touch SHA256SUMS
    grep -v "  $name\$" SHA256SUMS >SHA256SUMS.new || true
    sha256sum "$name" >>SHA256SUMS.new
    mv -f SHA256SUMS.new SHA256SUMS
  )
  log "done: $out/$name ($(du -h "$out/$name" | cut -f1)), $out/SHA256SUMS"
  printf '%s\n' "$out/$name"
}

main "$@"
