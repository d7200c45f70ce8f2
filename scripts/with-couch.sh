#!/usr/bin/env bash
# Runs a command with npm's pouchdb-server (a CouchDB-protocol server, in memory) on
# 127.0.0.1:5988, its URL in COUCHDB_TEST_URL, and stops it after. With COUCHDB_TEST_URL
# already set (a real CouchDB 3, with admin credentials), runs the command against that.
set -uo pipefail
if [ -n "${COUCHDB_TEST_URL:-}" ]; then exec "$@"; fi
dir=$(mktemp -d)
# In a folder of its own: it writes config.json and log.txt where it runs.
(cd "$dir" && exec "$OLDPWD/node_modules/.bin/pouchdb-server" --in-memory --host 127.0.0.1 --port 5988) >"$dir/out.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do
  node -e "fetch('http://127.0.0.1:5988/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break
  sleep 0.1
done
export COUCHDB_TEST_URL=http://127.0.0.1:5988
"$@"
