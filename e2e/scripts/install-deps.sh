#!/usr/bin/env bash
# Installs what the tests need and is quick when it is all there already:
# Debian's redis-server, chromium and haproxy (the balancer of e2e/lb/), only
# those missing; the npm packages of e2e/, static/, static/client/ and admin/ui/, when node_modules
# is missing or older than the lock file; and the FerretDB test binary.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

log() { printf 'install-deps: %s\n' "$*" >&2; }

have() {
	command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

install_debian_packages() {
	local missing=()
	have redis-server || missing+=(redis-server)
	have chromium || missing+=(chromium)
	have haproxy || missing+=(haproxy)
	have curl || missing+=(curl) # the README's walkthrough uses it
	if [ ${#missing[@]} -eq 0 ]; then
		return
	fi
	log "apt-get install ${missing[*]}"
	# Keep the packages' own services from starting on their default ports:
	# the tests start their own, on loopback and ephemeral ports.
	local policy=/usr/sbin/policy-rc.d added_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
		as_root chmod 755 "$policy"
		added_policy=1
	fi
	local rc=0
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || rc=$?
	if [ $rc -eq 0 ]; then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
	fi
	if [ $added_policy -eq 1 ]; then
		as_root rm -f "$policy"
	fi
	return $rc
}

# npm_ci DIR runs `npm ci` in DIR unless its node_modules is newer than its
# lock file.
npm_ci() {
	local dir=$1
	if [ ! -f "$dir/package-lock.json" ]; then
		log "skip $dir: no package-lock.json"
		return
	fi
	local stamp="$dir/node_modules/.package-lock.json"
	if [ -f "$stamp" ] && [ ! "$dir/package-lock.json" -nt "$stamp" ]; then
		return
	fi
	log "npm ci in ${dir#"$root"/}"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

build_ferretdb() {
	local script="$root/e2e/scripts/ferretdb.sh"
	if [ ! -f "$script" ]; then
		log "warning: $script is missing; MongoDB-backed tests will be skipped"
		return
	fi
	bash "$script" build
}

install_debian_packages
npm_ci "$root/e2e"
npm_ci "$root/static"
npm_ci "$root/static/client"
npm_ci "$root/admin/ui"
build_ferretdb
