#!/usr/bin/env bash
# Starts the release server for the browser tests on a fresh demo database.
set -euo pipefail
port="${1:-3100}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cd "$root"
if [ ! -x "$root/target/release/closeloop" ] || [ ! -f "$root/target/site/pkg/closeloop.wasm" ]; then
  echo "serve-e2e.sh: no release build in target/: run ./scripts/serve or ./scripts/test first" >&2
  exit 1
fi
export RUST_LOG="${RUST_LOG:-warn,server=info}"
# A sealing key for the shared mailbox's password, and a quick reader (mailbox.spec.ts).
CLOSELOOP_SECRET_KEY="$(head -c 32 /dev/urandom | base64)"
export CLOSELOOP_SECRET_KEY CLOSELOOP_MAIL_POLL_SECONDS=2
"$root/target/release/closeloop" --database-url "sqlite:$dir/e2e.db" \
  serve --demo --addr "127.0.0.1:$port" --site-root "$root/target/site" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
wait $pid
