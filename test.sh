#!/usr/bin/env bash
# Runs LivePoll's whole test suite. The integration tests start a real redis-server (and a 6-process Redis
# Cluster) on free loopback ports,
# the scale-out tests Debian's nginx in front of two nodes, the browser tests Debian's Chromium, and the
# server's build needs Node.js and npm for the pages' packages; this makes sure all are installed first (as
# root it installs them; otherwise it says what to install). Extra arguments go to `dotnet test`
# (e.g. --filter "FullyQualifiedName~Polls").
set -euo pipefail
cd "$(dirname "$0")"

need_packages=()
command -v redis-server >/dev/null 2>&1 || need_packages+=(redis-server)
# redis-cli makes the Redis Cluster the cluster tests run on (redis-cli --cluster create).
command -v redis-cli >/dev/null 2>&1 || need_packages+=(redis-tools)
# docker-compose checks the compose files (docker-compose config); no Docker engine is needed or started.
command -v docker-compose >/dev/null 2>&1 || need_packages+=(docker-compose)
# Prometheus and promtool: the alert rules' unit tests and a real Prometheus scraping a node.
[[ -x /usr/bin/promtool ]] || need_packages+=(prometheus)
[[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null 2>&1 || need_packages+=(nginx)
# Chromium with fonts that cover Kazakh and Russian (Cyrillic), for readable screenshots.
[[ -x "${LIVEPOLL_CHROMIUM:-/usr/bin/chromium}" ]] || need_packages+=(chromium fonts-dejavu-core fonts-liberation)
command -v npm >/dev/null 2>&1 || need_packages+=(nodejs npm)
# Debian's Python with its Universal Feed Parser: the feeds are read as feed readers read them.
/usr/bin/python3 -c 'import feedparser' >/dev/null 2>&1 || need_packages+=(python3 python3-feedparser)
# exiftool reads the metadata of uploaded photos back, the way a photo desk's tools would
command -v exiftool >/dev/null 2>&1 || need_packages+=(libimage-exiftool-perl)
# A font with Kazakh letters for the server-drawn poll results images (/polls/{id}/results.png).
[[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || need_packages+=(fonts-dejavu-core)

if ((${#need_packages[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${need_packages[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
    # The tests start their own redis-server and nginx on free ports; Debian's services are not needed.
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now redis-server nginx prometheus >/dev/null 2>&1 || true; fi
  else
    echo "test.sh: missing ${need_packages[*]}. Install it first, e.g.: sudo apt-get install ${need_packages[*]}" >&2
    exit 1
  fi
fi

# Build once, then run the test projects one after another (-m:1): on a small machine the browser tests and the
# multi-process scale-out tests should not fight over the same cores.
dotnet build LivePoll.sln
dotnet test LivePoll.sln --no-build -m:1 "$@"
