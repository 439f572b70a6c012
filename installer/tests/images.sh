#!/usr/bin/env bash
# installer/tests/images.sh: local stand-ins for the upstream images that compose/Dockerfile
# and compose/docker-compose.yml name, on a machine where no registry is reachable.
#
#   maven:3.9-eclipse-temurin-17   debian:bookworm-slim + Debian's maven + openjdk-17-jdk-headless
#   eclipse-temurin:17-jre         debian:bookworm-slim + openjdk-17-jre-headless (+ curl, as upstream)
#   valkey/valkey:8                debian:bookworm-slim + redis-server 7.0, started as `valkey-server`
#
# The names are the upstream ones, so the Dockerfile and the compose file stay unchanged. Each
# image carries the label dev.onebox.ci=1; an existing one is kept (remove it with `docker rmi`
# to rebuild, or set ONEBOX_IMAGES_REBUILD=1). The engine comes from .ci/docker-engine.sh
# (it also builds debian:bookworm-slim and node:22-bookworm-slim).
#
# Usage: installer/tests/images.sh            (prints DOCKER_HOST=... on its last line)
#        source installer/tests/images.sh && onebox_test_images
set -euo pipefail

_images_log() { printf '[images] %s\n' "$*" >&2; }

# Builds image $1 from a Dockerfile given on stdin, unless it exists; $2 (optional) is a
# function that writes more files into the build context directory it is given.
_images_build() {
  local tag="$1" files="${2:-}" ctx dockerfile
  dockerfile="$(cat)"
  if [[ -z "${ONEBOX_IMAGES_REBUILD:-}" ]] && docker image inspect "$tag" >/dev/null 2>&1; then
    _images_log "$tag present"
    return 0
  fi
  ctx="$(mktemp -d)"
  printf '%s\n' "$dockerfile" >"$ctx/Dockerfile"
  if [[ -n "$files" ]]; then
    "$files" "$ctx"
  fi
  _images_log "building $tag"
  if ! DOCKER_BUILDKIT=0 docker build --quiet -t "$tag" "$ctx" >"$ctx/build.log" 2>&1; then
    _images_log "docker build $tag failed:"
    tail -n 30 "$ctx/build.log" >&2
    rm -rf "$ctx"
    return 1
  fi
  rm -rf "$ctx"
  _images_log "built $tag"
}

onebox_test_images() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  # shellcheck source=.ci/docker-engine.sh
  source "$root/.ci/docker-engine.sh"
  onebox_docker_up

  _images_build maven:3.9-eclipse-temurin-17 <<'DOCKERFILE'
FROM debian:bookworm-slim
LABEL dev.onebox.ci=1 dev.onebox.ci.standin=maven:3.9-eclipse-temurin-17
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jdk-headless maven ca-certificates ca-certificates-java curl \
 && rm -rf /var/lib/apt/lists/*
ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 MAVEN_HOME=/usr/share/maven
CMD ["mvn"]
DOCKERFILE

  _images_build eclipse-temurin:17-jre <<'DOCKERFILE'
FROM debian:bookworm-slim
LABEL dev.onebox.ci=1 dev.onebox.ci.standin=eclipse-temurin:17-jre
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jre-headless ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
CMD ["jshell"]
DOCKERFILE

  # Valkey speaks the Redis protocol; Debian 12 ships redis-server 7.0. Like the upstream
  # image's entrypoint: an option or a .conf as first argument runs valkey-server, which gets
  # `--protected-mode no` unless configured otherwise, and drops root.
  _images_files() {
    cat >"$1/docker-entrypoint.sh" <<'SH'
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- valkey-server "$@"
fi
if [ "$1" = valkey-server ]; then
  case " $* " in
    *" --protected-mode "* | *".conf "*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
  if [ "$(id -u)" = 0 ]; then
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
SH
    chmod 0755 "$1/docker-entrypoint.sh"
  }
  _images_build valkey/valkey:8 _images_files <<'DOCKERFILE'
FROM debian:bookworm-slim
LABEL dev.onebox.ci=1 dev.onebox.ci.standin=valkey/valkey:8
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/bin/redis-server /usr/local/bin/valkey-server \
 && ln -s /usr/bin/redis-cli /usr/local/bin/valkey-cli \
 && mkdir -p /data && chown redis:redis /data
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["valkey-server"]
DOCKERFILE
  printf 'DOCKER_HOST=%s\n' "$DOCKER_HOST"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  onebox_test_images "$@"
fi
