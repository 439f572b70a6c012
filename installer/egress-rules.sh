#!/usr/bin/env bash
#
# egress-rules.sh: the firewall rules that keep onebox's egress sandboxes off the box.
#
# Scripts deployed with "egress": true run on their own Docker bridge (default interface
# name "onebox-egress"). These rules let that bridge reach the internet and nothing else:
#   - the host itself (any of its addresses, the bridge's gateway included): INPUT, rejected;
#   - Docker's other networks, link-local 169.254.0.0/16 (cloud metadata), private and
#     reserved ranges (10/8, 172.16/12, 192.168/16, 100.64/10, 0/8, 127/8, 224/4, 240/4):
#     FORWARD through Docker's DOCKER-USER chain, rejected;
#   - new connections into the bridge from anywhere: rejected;
#   - IPv6 from the bridge: rejected everywhere (the egress network has no IPv6 addresses).
# Exceptions: the host's DNS resolvers on port 53 (Docker's embedded DNS forwards a
# container's queries from inside the container's network namespace, so a resolver in a
# private range must stay reachable on port 53 alone), and the CIDRs in ONEBOX_EGRESS_ALLOW.
#
# Everything is rejected with ICMP "administratively prohibited" (not tcp-reset): probes fail
# at once, and a connect() that fails with EHOSTUNREACH is told apart from a port that is
# closed on the host (ECONNREFUSED). onebox checks the rules that way, from a probe container.
#
# Usage: egress-rules.sh install|remove|status|print
#   install  puts the rules in place (idempotent: rebuilt atomically; prints "unchanged" when
#            nothing differed)
#   remove   takes them out (idempotent)
#   status   exit 0 when every rule is in place, 1 otherwise (says what is missing)
#   print    the rules it would install (iptables-restore format)
# Settings (environment, or the file in ONEBOX_EGRESS_ENV_FILE, default /etc/onebox/onebox.env):
#   ONEBOX_EGRESS_BRIDGE  bridge interface of the egress network   (onebox-egress)
#   ONEBOX_EGRESS_ALLOW   CIDRs scripts may reach although private (comma or space separated)
#   ONEBOX_EGRESS_DNS     resolvers to keep reachable on port 53   (the host's resolv.conf)
set -euo pipefail

readonly CHAIN_FORWARD="ONEBOX-EGRESS"
readonly CHAIN_INPUT="ONEBOX-EGRESS-IN"
readonly BLOCKED_V4=(0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12
  192.0.0.0/24 192.168.0.0/16 198.18.0.0/15 224.0.0.0/4 240.0.0.0/4)
readonly REJECT_V4="REJECT --reject-with icmp-admin-prohibited"
readonly REJECT_V6="REJECT --reject-with adm-prohibited"

log() {
  printf 'egress-rules: %s\n' "$*" >&2
}

die() {
  log "$*"
  exit 2
}

# Reads one setting: the environment wins over the env file.
setting() {
  local name="$1" default="$2" file="${ONEBOX_EGRESS_ENV_FILE:-/etc/onebox/onebox.env}" value=""
  if [[ -n "${!name:-}" ]]; then
    printf '%s\n' "${!name}"
    return
  fi
  if [[ -r "$file" ]]; then
    value="$(sed -n "s/^${name}=//p" "$file" | tail -n 1)"
    value="${value%\"}"
    value="${value#\"}"
  fi
  printf '%s\n' "${value:-$default}"
}

bridge() {
  local name
  name="$(setting ONEBOX_EGRESS_BRIDGE onebox-egress)"
  [[ "$name" =~ ^[A-Za-z0-9_.-]{1,15}$ ]] || die "ONEBOX_EGRESS_BRIDGE '$name' is not an interface name"
  printf '%s\n' "$name"
}

# Splits a comma/space separated list and keeps IPv4 CIDRs (or addresses), refusing anything else.
cidrs() {
  local list="$1" item
  for item in ${list//,/ }; do
    [[ "$item" =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}(/[0-9]{1,2})?$ ]] || die "'$item' is not an IPv4 address or CIDR"
    printf '%s\n' "$item"
  done
}

# The host's IPv4 resolvers that Docker hands to containers (loopback ones are not used by Docker).
resolvers() {
  local configured file
  configured="$(setting ONEBOX_EGRESS_DNS "")"
  if [[ -n "$configured" ]]; then
    cidrs "$configured"
    return
  fi
  for file in /etc/resolv.conf /run/systemd/resolve/resolv.conf; do
    [[ -r "$file" ]] || continue
    awk '$1 == "nameserver" && $2 ~ /^[0-9.]+$/ && $2 !~ /^127\./ { print $2 }' "$file"
  done | sort -u
}

# The IPv4 rules as an iptables-restore fragment; declaring a chain flushes it, so applying
# this replaces both chains in one transaction.
rules_v4() {
  local ns cidr
  printf '*filter\n:%s - [0:0]\n:%s - [0:0]\n' "$CHAIN_FORWARD" "$CHAIN_INPUT"
  while read -r ns; do
    [[ -n "$ns" ]] || continue
    printf -- '-A %s -d %s -p udp --dport 53 -j RETURN\n' "$CHAIN_FORWARD" "$ns"
    printf -- '-A %s -d %s -p tcp --dport 53 -j RETURN\n' "$CHAIN_FORWARD" "$ns"
  done < <(resolvers)
  while read -r cidr; do
    [[ -n "$cidr" ]] || continue
    printf -- '-A %s -d %s -j RETURN\n' "$CHAIN_FORWARD" "$cidr"
  done < <(cidrs "$(setting ONEBOX_EGRESS_ALLOW "")")
  for cidr in "${BLOCKED_V4[@]}"; do
    printf -- '-A %s -d %s -j %s\n' "$CHAIN_FORWARD" "$cidr" "$REJECT_V4"
  done
  printf -- '-A %s -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n' "$CHAIN_INPUT"
  printf -- '-A %s -j %s\n' "$CHAIN_INPUT" "$REJECT_V4"
  printf 'COMMIT\n'
}

rules_v6() {
  printf '*filter\n:%s - [0:0]\n-A %s -j %s\nCOMMIT\n' "$CHAIN_FORWARD" "$CHAIN_FORWARD" "$REJECT_V6"
}

# The jumps that send the bridge's traffic into the chains, as "<tool> <chain> <rule...>".
jumps() {
  local br="$1"
  printf 'iptables DOCKER-USER -i %s -j %s\n' "$br" "$CHAIN_FORWARD"
  printf 'iptables DOCKER-USER -o %s -m conntrack --ctstate NEW -j %s\n' "$br" "$REJECT_V4"
  printf 'iptables INPUT -i %s -j %s\n' "$br" "$CHAIN_INPUT"
  if have_v6; then
    printf 'ip6tables FORWARD -i %s -j %s\n' "$br" "$CHAIN_FORWARD"
    printf 'ip6tables INPUT -i %s -j %s\n' "$br" "$CHAIN_FORWARD"
  fi
}

have_v6() {
  ip6tables -w -S INPUT >/dev/null 2>&1
}

snapshot() {
  {
    iptables -w -S "$CHAIN_FORWARD" 2>/dev/null || true
    iptables -w -S "$CHAIN_INPUT" 2>/dev/null || true
    iptables -w -S DOCKER-USER 2>/dev/null || true
    iptables -w -S INPUT 2>/dev/null || true
    if have_v6; then
      ip6tables -w -S "$CHAIN_FORWARD" 2>/dev/null || true
      ip6tables -w -S FORWARD 2>/dev/null || true
      ip6tables -w -S INPUT 2>/dev/null || true
    fi
  } | grep -F -e "$CHAIN_FORWARD" -e "$CHAIN_INPUT" -e "$(bridge)" || true
}

install_rules() {
  local br before tool chain rule
  br="$(bridge)"
  before="$(snapshot)"
  # Docker makes DOCKER-USER when it starts; at boot these rules may come first.
  iptables -w -N DOCKER-USER 2>/dev/null || true
  rules_v4 | iptables-restore -w --noflush
  if have_v6; then
    rules_v6 | ip6tables-restore -w --noflush
  else
    log "ip6tables is not usable here: no IPv6 rules (the egress network has no IPv6 anyway)"
  fi
  while read -r tool chain rule; do
    # shellcheck disable=SC2086 # the rule is words on purpose
    "$tool" -w -C "$chain" $rule 2>/dev/null || "$tool" -w -I "$chain" 1 $rule
  done < <(jumps "$br")
  if [[ "$(snapshot)" == "$before" ]]; then
    echo "unchanged"
  else
    echo "installed"
  fi
}

remove_rules() {
  local br tool chain rule removed=0
  br="$(bridge)"
  while read -r tool chain rule; do
    # shellcheck disable=SC2086
    while "$tool" -w -C "$chain" $rule 2>/dev/null; do
      "$tool" -w -D "$chain" $rule
      removed=1
    done
  done < <(jumps "$br")
  for chain in "$CHAIN_FORWARD" "$CHAIN_INPUT"; do
    if iptables -w -S "$chain" >/dev/null 2>&1; then
      iptables -w -F "$chain"
      iptables -w -X "$chain"
      removed=1
    fi
  done
  if have_v6 && ip6tables -w -S "$CHAIN_FORWARD" >/dev/null 2>&1; then
    ip6tables -w -F "$CHAIN_FORWARD"
    ip6tables -w -X "$CHAIN_FORWARD"
    removed=1
  fi
  if ((removed)); then echo "removed"; else echo "absent"; fi
}

# Compares what is loaded with what install would load: same jumps, same chain contents.
status_rules() {
  local br tool chain rule missing=0 expected actual
  br="$(bridge)"
  while read -r tool chain rule; do
    # shellcheck disable=SC2086
    if ! "$tool" -w -C "$chain" $rule 2>/dev/null; then
      log "missing: $tool $chain $rule"
      missing=1
    fi
  done < <(jumps "$br")
  expected="$(rules_v4 | grep -c '^-A')"
  actual="$( (iptables -w -S "$CHAIN_FORWARD" 2>/dev/null; iptables -w -S "$CHAIN_INPUT" 2>/dev/null) | grep -c '^-A' || true)"
  if [[ "$expected" != "$actual" ]]; then
    log "the chains hold $actual rules where $expected belong: run install"
    missing=1
  fi
  if ((missing)); then
    return 1
  fi
  echo "in place for bridge $br"
}

main() {
  case "${1:-}" in
    install) install_rules ;;
    remove) remove_rules ;;
    status) status_rules ;;
    print) rules_v4; have_v6 && rules_v6; jumps "$(bridge)" ;;
    *) die "usage: $0 install|remove|status|print" ;;
  esac
}

main "$@"
