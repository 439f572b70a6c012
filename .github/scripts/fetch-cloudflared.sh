#!/usr/bin/env bash
# .github/scripts/fetch-cloudflared.sh: downloads the pinned cloudflared release binary for one
# architecture from cloudflare/cloudflared's GitHub releases and checks its SHA-256 before
# anything uses it. The release and deploy workflows put it into the bundle through
# installer/bundle.sh's ONEBOX_BUNDLE_CLOUDFLARED.
#
#   .github/scripts/fetch-cloudflared.sh amd64|arm64 DEST
#
# The pin: PIN_VERSION and the SHA-256 of its cloudflared-linux-<arch> assets below (as the
# release's notes list them). To move it, change all three in one commit. Repository variables
# can move it without a commit: CLOUDFLARED_VERSION together with CLOUDFLARED_SHA256_AMD64 and
# CLOUDFLARED_SHA256_ARM64 (a version without the checksum of the asset is refused).
set -euo pipefail

PIN_VERSION=2026.9.3

pinned_sha256() {
  case "$1" in
    amd64) echo 77e26d8d900e0b8469f416239d14b5f296525fdf79fee6f511ef55609e3fbac2 ;;
    arm64) echo aaeb2d7d0da3614634c7e03ab13487a1522c2e79165ed2929cfe23d5e95b326d ;;
  esac
}

die() {
  printf '::error::%s\n' "$*" >&2
  exit 1
}

main() {
  local arch="${1:-}" dest="${2:-}" version want var got url
  [[ "$arch" == amd64 || "$arch" == arm64 ]] || die "usage: $0 amd64|arm64 DEST"
  [[ -n "$dest" ]] || die "usage: $0 amd64|arm64 DEST"
  var="CLOUDFLARED_SHA256_${arch^^}"
  if [[ -n "${CLOUDFLARED_VERSION:-}" ]]; then
    version="$CLOUDFLARED_VERSION"
    want="${!var:-}"
    [[ -n "$want" ]] || die "CLOUDFLARED_VERSION=$version is set but $var is not: no download without its checksum"
  else
    version="$PIN_VERSION"
    want="$(pinned_sha256 "$arch")"
  fi
  [[ "$version" =~ ^[0-9]{4}\.[0-9]+\.[0-9]+$ ]] || die "'$version' is not a cloudflared version"
  [[ "$want" =~ ^[0-9a-f]{64}$ ]] || die "'$want' is not a SHA-256"
  url="https://github.com/cloudflare/cloudflared/releases/download/$version/cloudflared-linux-$arch"
  printf 'downloading %s\n' "$url"
  mkdir -p "$(dirname "$dest")"
  curl -fsSL --proto '=https' --retry 3 -o "$dest.part" "$url"
  got="$(sha256sum "$dest.part" | cut -d' ' -f1)"
  if [[ "$got" != "$want" ]]; then
    rm -f "$dest.part"
    die "cloudflared-linux-$arch $version has SHA-256 $got, the pin says $want: not using it"
  fi
  chmod 0755 "$dest.part"
  mv -f "$dest.part" "$dest"
  printf 'cloudflared %s linux-%s: SHA-256 %s matches the pin\n' "$version" "$arch" "$got"
}

main "$@"
