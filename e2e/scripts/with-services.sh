#!/usr/bin/env bash
# with-services.sh CMD... starts the services the tests use, runs CMD with
# their addresses in the environment, stops them again and exits with CMD's
# exit code:
#   FerretDB (e2e/scripts/ferretdb.sh)  CHAT_TEST_MONGO_URI, CHAT_TEST_REQUIRE_MONGO=1
#   redis-server on a free port         CHAT_TEST_REDIS_ADDR, CHAT_TEST_REDIS_URL, CHAT_TEST_REQUIRE_REDIS=1
# Their files live in e2e/.run/.
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
run="$root/e2e/.run"
ferretdb="$root/e2e/scripts/ferretdb.sh"
mkdir -p "$run"
ferret_dir=$(mktemp -d "$run/ferretdb.XXXXXX")
redis_dir=$(mktemp -d "$run/redis.XXXXXX")
redis_pidfile="$redis_dir/redis.pid"

log() { printf 'with-services: %s\n' "$*" >&2; }

free_port() {
	node -e 'const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

answers() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

stop_services() {
	if [ -f "$redis_pidfile" ]; then
		local pid
		pid=$(cat "$redis_pidfile")
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	if [ -f "$ferretdb" ]; then
		bash "$ferretdb" stop "$ferret_dir" || true
	fi
	rm -rf "$redis_dir" "$ferret_dir"
}
trap stop_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_ferretdb() {
	if [ ! -f "$ferretdb" ]; then
		log "warning: $ferretdb is missing; running without MongoDB"
		return
	fi
	local out uri
	out=$(bash "$ferretdb" start "$ferret_dir")
	uri=$(printf '%s\n' "$out" | sed -n 's/^CHAT_TEST_MONGO_URI=//p' | tail -n 1)
	if [ -z "$uri" ]; then
		log "ferretdb.sh start printed no CHAT_TEST_MONGO_URI"
		exit 1
	fi
	export CHAT_TEST_MONGO_URI="$uri" CHAT_TEST_REQUIRE_MONGO=1
	log "FerretDB at $uri"
}

start_redis() {
	local bin
	bin=$(command -v redis-server || true)
	[ -n "$bin" ] || bin=/usr/bin/redis-server
	if [ ! -x "$bin" ]; then
		log "redis-server is not installed; run e2e/scripts/install-deps.sh"
		exit 1
	fi
	local port
	for _ in 1 2 3; do
		port=$(free_port)
		"$bin" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
			--daemonize yes --pidfile "$redis_pidfile" --dir "$redis_dir" \
			--logfile "$redis_dir/redis.log" || continue
		for _ in $(seq 100); do
			if answers 127.0.0.1 "$port"; then
				export CHAT_TEST_REDIS_ADDR="127.0.0.1:$port" CHAT_TEST_REDIS_URL="redis://127.0.0.1:$port" CHAT_TEST_REQUIRE_REDIS=1
				log "redis-server at $CHAT_TEST_REDIS_ADDR"
				return
			fi
			sleep 0.05
		done
	done
	log "redis-server did not start; see $redis_dir/redis.log"
	exit 1
}

start_ferretdb
start_redis

# CMD runs in the background so that a signal to this script reaches it and
# the services are still stopped afterwards.
"$@" &
child=$!
trap 'kill -INT "$child" 2>/dev/null; wait "$child"; exit 130' INT
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM
set +e
wait "$child"
rc=$?
set -e
exit $rc
