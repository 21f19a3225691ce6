# Sourced by the scripts that start a test server in the background.
#
# stop_pidfile PIDFILE: stop the process whose pid PIDFILE holds, politely
# (SIGTERM, up to 5 s), then for good; remove PIDFILE. Nothing to do when
# the file is missing.
stop_pidfile() {
  local pidfile=$1
  [[ -f "$pidfile" ]] || return 0
  local pid
  pid="$(cat "$pidfile")"
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
