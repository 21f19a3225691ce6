#!/usr/bin/env bash
# FerretDB (SQLite backend) as the MongoDB-wire server of the tests.
#
#   ferretdb.sh build       compile e2e/ferretdb into .cache/ferretdb/ferretdb,
#                           only when its sources changed since the last build
#   ferretdb.sh start DIR   build if needed, start it on a free 127.0.0.1 port
#                           with its data in DIR, wait until it answers, print
#                             CHAT_TEST_MONGO_URI=mongodb://127.0.0.1:PORT/
#                             FERRETDB_PID=PID
#                           (eval-able); its log is DIR/ferretdb.log
#   ferretdb.sh stop DIR    stop the server started with that DIR
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SRC="$REPO/e2e/ferretdb"
OUT="$REPO/.cache/ferretdb"
BIN="$OUT/ferretdb"
START_TIMEOUT="${FERRETDB_START_TIMEOUT:-30}"

die() { echo "ferretdb.sh: $*" >&2; exit 1; }
source "$(dirname "${BASH_SOURCE[0]}")/pidfile.sh"

source_hash() {
  (cd "$SRC" && cat go.mod go.sum ./*.go) | sha256sum | cut -d' ' -f1
}

build() {
  local want
  want="$(source_hash)"
  if [[ -x "$BIN" && -f "$BIN.hash" && "$(cat "$BIN.hash")" == "$want" ]]; then
    return 0
  fi
  mkdir -p "$OUT"
  echo "ferretdb.sh: building FerretDB (a cold build takes a minute or two)" >&2
  local started=$SECONDS
  (cd "$SRC" && GOWORK=off go build -trimpath -o "$BIN.tmp" .)
  mv -f "$BIN.tmp" "$BIN"
  echo "$want" >"$BIN.hash"
  echo "ferretdb.sh: built $BIN in $((SECONDS - started)) s" >&2
}

# answers HOST PORT: true once something accepts TCP connections there.
answers() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

start() {
  local dir="${1:-}"
  [[ -n "$dir" ]] || die "usage: ferretdb.sh start DIR"
  build
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  [[ -f "$dir/ferretdb.pid" ]] && kill -0 "$(cat "$dir/ferretdb.pid")" 2>/dev/null &&
    die "already running in $dir (pid $(cat "$dir/ferretdb.pid"))"
  # The file exists before the server starts, so the loop below can read it
  # at once (the background process's own redirection may come later).
  : >"$dir/ferretdb.out"
  "$BIN" -dir "$dir/data" -listen 127.0.0.1:0 >"$dir/ferretdb.out" 2>"$dir/ferretdb.log" &
  local pid=$!
  echo "$pid" >"$dir/ferretdb.pid"

  local uri="" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || die "exited at start; see $dir/ferretdb.log: $(tail -n 5 "$dir/ferretdb.log")"
    uri="$(head -n 1 "$dir/ferretdb.out")"
    if [[ "$uri" =~ ^mongodb://([0-9.]+):([0-9]+)/$ ]] && answers "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"; then
      echo "CHAT_TEST_MONGO_URI=$uri"
      echo "FERRETDB_PID=$pid"
      return 0
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  die "no answer within ${START_TIMEOUT} s; see $dir/ferretdb.log"
}

stop() {
  local dir="${1:-}"
  [[ -n "$dir" ]] || die "usage: ferretdb.sh stop DIR"
  stop_pidfile "$dir/ferretdb.pid"
}

case "${1:-}" in
  build) build ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) die "usage: ferretdb.sh build | start DIR | stop DIR" ;;
esac
