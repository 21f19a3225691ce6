#!/usr/bin/env bash
# The load balancer in front of chatd instances: HAProxy from Debian, with a
# configuration generated from haproxy.cfg.tmpl, on 127.0.0.1.
#
#   haproxy.sh start DIR HOST:PORT...   write DIR/haproxy.cfg for these
#                                       instances (named s1, s2, ... in that
#                                       order), start HAProxy on a free
#                                       127.0.0.1 port (LB_PORT to choose
#                                       one), wait until it answers, print
#                                         LB_URL=http://127.0.0.1:PORT
#                                         LB_PID=PID
#                                       (eval-able). Its log, one line per
#                                       request, is DIR/haproxy.log.
#   haproxy.sh stop DIR                 stop the balancer started with DIR
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
START_TIMEOUT="${LB_START_TIMEOUT:-10}"

die() { echo "haproxy.sh: $*" >&2; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/pidfile.sh"

haproxy_bin() {
  local bin
  bin="$(command -v haproxy || true)"
  [[ -n "$bin" ]] || bin=/usr/sbin/haproxy
  [[ -x "$bin" ]] || die "haproxy is not installed; run e2e/scripts/install-deps.sh (apt-get install haproxy)"
  echo "$bin"
}

free_port() {
  node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

answers() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# render DIR PORT HOST:PORT... writes DIR/haproxy.cfg.
render() {
  local dir=$1 port=$2
  shift 2
  local servers="" i=0 addr
  for addr in "$@"; do
    [[ "$addr" =~ ^[0-9A-Za-z.:-]+:[0-9]+$ ]] || die "not a HOST:PORT: $addr"
    i=$((i + 1))
    servers+="    server s$i $addr cookie s$i"$'\n'
  done
  # Two descriptors per connection, within this process's limit.
  local nofile maxconn
  nofile="$(ulimit -n)"
  [[ "$nofile" =~ ^[0-9]+$ ]] || nofile=20000
  maxconn=$(((nofile - 100) / 2))
  ((maxconn > 20000)) && maxconn=20000
  local line
  while IFS= read -r line || [[ -n "$line" ]]; do
    case "$line" in
      @SERVERS@) printf '%s' "$servers" ;;
      *)
        line="${line//@DIR@/$dir}"
        line="${line//@BIND@/127.0.0.1:$port}"
        line="${line//@MAXCONN@/$maxconn}"
        printf '%s\n' "$line"
        ;;
    esac
  done <"$HERE/haproxy.cfg.tmpl" >"$dir/haproxy.cfg"
}

start() {
  local dir="${1:-}"
  [[ -n "$dir" && $# -ge 2 ]] || die "usage: haproxy.sh start DIR HOST:PORT..."
  shift
  local bin
  bin="$(haproxy_bin)"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  [[ -f "$dir/haproxy.pid" ]] && kill -0 "$(cat "$dir/haproxy.pid")" 2>/dev/null &&
    die "already running in $dir (pid $(cat "$dir/haproxy.pid"))"

  local attempt port pid deadline
  for attempt in 1 2 3; do
    port="${LB_PORT:-$(free_port)}"
    render "$dir" "$port" "$@"
    "$bin" -c -q -f "$dir/haproxy.cfg" >/dev/null || die "invalid configuration $dir/haproxy.cfg"
    # -db: stay in the foreground, so that the log goes to our file and the
    # pid we hold is HAProxy's own.
    "$bin" -db -f "$dir/haproxy.cfg" >>"$dir/haproxy.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/haproxy.pid"
    deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null; do
      if answers 127.0.0.1 "$port"; then
        echo "LB_URL=http://127.0.0.1:$port"
        echo "LB_PID=$pid"
        return 0
      fi
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
    rm -f "$dir/haproxy.pid"
    [[ -n "${LB_PORT:-}" ]] && break
    echo "haproxy.sh: attempt $attempt failed; retrying on another port" >&2
  done
  die "HAProxy did not start; see $dir/haproxy.log: $(tail -n 5 "$dir/haproxy.log" 2>/dev/null)"
}

stop() {
  local dir="${1:-}"
  [[ -n "$dir" ]] || die "usage: haproxy.sh stop DIR"
  stop_pidfile "$dir/haproxy.pid"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop "${2:-}" ;;
  *) die "usage: haproxy.sh start DIR HOST:PORT... | stop DIR" ;;
esac
