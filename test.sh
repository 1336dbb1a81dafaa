#!/usr/bin/env bash
# Runs LivePoll's whole test suite. The integration tests start a real redis-server on a free loopback
# port, so this makes sure Debian's redis-server is installed first (as root it installs it; otherwise it
# says what to install). Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Polls").
set -euo pipefail
cd "$(dirname "$0")"

need_packages=()
command -v redis-server >/dev/null 2>&1 || need_packages+=(redis-server)

if ((${#need_packages[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${need_packages[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
    # The tests start their own redis-server on free ports; Debian's service on 6379 is not needed.
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
  else
    echo "test.sh: missing ${need_packages[*]}. Install it first, e.g.: sudo apt-get install ${need_packages[*]}" >&2
    exit 1
  fi
fi

dotnet test LivePoll.sln "$@"
