# Shared setup for scripts/serve and scripts/test: installs what the project needs, pinned and
# idempotently (a second run only checks). Sourced, not executed.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLCHAIN="1.95.0"
CARGO_LEPTOS_VERSION="0.3.7"
PG_ROLE="closeloop"
PG_PASSWORD="closeloop"

export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"

say() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root for: $*"
  fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 || {
    as_root apt-get update >/dev/null
    as_root apt-get install -y --no-install-recommends "$@" >/dev/null
  }
}

# The first build of the whole test run needs about NEED_GIB GiB under target/ (debug, release and
# WASM). Say so plainly up front instead of failing later inside the linker.
ensure_disk_space() {
  local need_gib=${1:-20} avail_kib
  avail_kib=$(df -Pk "$ROOT" | awk 'NR==2 {print $4}')
  say "free disk space: $((avail_kib / 1048576)) GiB (a cold run needs about ${need_gib} GiB)"
  [ "$avail_kib" -ge $((need_gib * 1048576)) ] \
    || say "warning: less than ${need_gib} GiB free; the build may fail with 'No space left on device'"
}

ensure_toolchain() {
  command -v rustup >/dev/null || die "rustup is required (https://rustup.rs)"
  if ! rustup target list --installed --toolchain "$TOOLCHAIN" 2>/dev/null | grep -q wasm32-unknown-unknown \
    || ! rustup component list --installed --toolchain "$TOOLCHAIN" 2>/dev/null | grep -q '^clippy' \
    || ! rustup component list --installed --toolchain "$TOOLCHAIN" 2>/dev/null | grep -q '^rustfmt'; then
    say "installing Rust $TOOLCHAIN with the wasm32 target"
    rustup toolchain install "$TOOLCHAIN" --profile minimal \
      --component rustfmt --component clippy --target wasm32-unknown-unknown
  fi
}

ensure_cargo_leptos() {
  if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes ~16 min on 2 cores, once)"
    # no_downloads: use the wasm-bindgen and wasm-opt installed here, never fetch binaries.
    # Its own release profile asks for fat LTO in one codegen unit; plain release builds it
    # ~3 min faster on 2 cores (23 instead of 26 min measured here) and it runs no differently.
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo +"$TOOLCHAIN" install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
}

ensure_wasm_bindgen() {
  local want
  want="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' "$ROOT/Cargo.lock")"
  [ -n "$want" ] || die "no wasm-bindgen in Cargo.lock"
  if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $want" ]; then
    say "installing wasm-bindgen-cli $want (matches Cargo.lock)"
    # Not --locked: one of its locked dependencies is no longer in the registry.
    cargo +"$TOOLCHAIN" install wasm-bindgen-cli --version "$want" --force
  fi
}

# npm packages of end2end/: Playwright (driving Debian's Chromium) and binaryen's wasm-opt.
ensure_node_packages() {
  command -v npm >/dev/null || die "Node.js and npm are required"
  local stamp="$ROOT/end2end/node_modules/.closeloop-lock"
  local want
  want="$(sha256sum "$ROOT/end2end/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    say "installing end2end npm packages (npm ci)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund >/dev/null)
    echo "$want" >"$stamp"
  fi
  command -v wasm-opt >/dev/null || die "wasm-opt missing after npm ci"
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium"
    apt_install chromium
  fi
}

# Sets CLOSELOOP_TEST_PG_URL to an admin URL of a running PostgreSQL, installing and starting
# Debian's server when none is named.
ensure_postgres() {
  if [ -n "${CLOSELOOP_TEST_PG_URL:-}" ]; then
    say "using PostgreSQL at CLOSELOOP_TEST_PG_URL"
    return
  fi
  if ! command -v pg_lsclusters >/dev/null || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    say "installing PostgreSQL"
    apt_install postgresql
  fi
  local version cluster port status
  read -r version cluster port status _ < <(pg_lsclusters -h | head -n1)
  if [ "$status" != "online" ]; then
    say "starting PostgreSQL $version/$cluster"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
  fi
  as_root su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" >/dev/null <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
    CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END
\$\$;
SQL
  export CLOSELOOP_TEST_PG_URL="postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$port/postgres"
  # Databases left by failed earlier runs.
  local stale
  stale="$(as_root su postgres -c "psql -p $port -Atc \"SELECT datname FROM pg_database WHERE datname LIKE 'closeloop_test_%'\"")"
  for db in $stale; do
    as_root su postgres -c "psql -q -p $port -c 'DROP DATABASE IF EXISTS $db WITH (FORCE)'" >/dev/null
  done
  # Tablespaces the full-disk test made on a tmpfs, if a failed run left one.
  stale="$(as_root su postgres -c "psql -p $port -Atc \"SELECT spcname FROM pg_tablespace WHERE spcname LIKE 'closeloop_test_%'\"")"
  for space in $stale; do
    as_root su postgres -c "psql -q -p $port -c 'DROP TABLESPACE IF EXISTS $space'" >/dev/null || true
  done
}

# `cargo leptos build --release`, skipped when no input changed since the last successful build
# (cargo-leptos itself always re-runs wasm-bindgen and the ~30 s wasm-opt pass).
build_site() {
  local stamp="$ROOT/target/.site-build-stamp"
  local inputs=(app server frontend style public migrations Cargo.toml Cargo.lock rust-toolchain.toml)
  if [ -f "$stamp" ] && [ -x "$ROOT/target/release/closeloop" ] && [ -f "$ROOT/target/site/pkg/closeloop.wasm" ] \
    && [ -z "$(cd "$ROOT" && find "${inputs[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    say "site is up to date"
    return
  fi
  # Stamped with the time the build started, so an edit made during the build still counts.
  touch "$stamp.next"
  # --split: pages other than the board become separate WASM chunks (app/src/pages/lazy.rs).
  (cd "$ROOT" && cargo leptos build --release --split)
  mv "$stamp.next" "$stamp"
}

# Times each step for the summary at the end.
STEP_LOG=()
step() {
  local name="$1"; shift
  local t0=$SECONDS
  say "$name"
  "$@"
  STEP_LOG+=("$(printf '%5ss  %s' $((SECONDS - t0)) "$name")")
}
print_steps() {
  say "timings"
  printf '%s\n' "${STEP_LOG[@]}"
}
