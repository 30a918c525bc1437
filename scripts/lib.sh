# Shared setup for scripts/serve and scripts/test: installs what the project needs, pinned and
# idempotently (a second run only checks). Sourced, not executed.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLCHAIN="1.95.0"
PG_ROLE="closeloop"
PG_PASSWORD="closeloop"

export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
# Read by leptos at compile time (the file names HydrationScripts asks for). Set for every cargo
# command here, so the builds of the scripts never recompile leptos for a changed environment.
export LEPTOS_OUTPUT_NAME=closeloop

say() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root for: $*"
  fi
}

apt_install() {
  command -v apt-get >/dev/null \
    || die "apt-get is needed to install $* (Debian or Ubuntu); install them by hand, then run again"
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

# npm packages of end2end/: Playwright (driving Debian's Chromium), binaryen's wasm-opt and
# esbuild (minifies the site's JS and CSS).
ensure_node_packages() {
  command -v npm >/dev/null || die "Node.js and npm are required"
  local stamp="$ROOT/end2end/node_modules/.closeloop-lock"
  local want
  want="$(sha256sum "$ROOT/end2end/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    say "installing end2end npm packages (npm ci)"
    # --ignore-scripts: nothing here needs an install script (esbuild finds its binary in
    # its platform package), and npm 10 and 11 then behave alike.
    (cd "$ROOT/end2end" && npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
    echo "$want" >"$stamp"
  fi
  command -v wasm-opt >/dev/null || die "wasm-opt missing after npm ci (end2end/node_modules/.bin)"
  command -v esbuild >/dev/null || die "esbuild missing after npm ci (end2end/node_modules/.bin)"
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium"
    apt_install chromium
  fi
}

# Debian's Dovecot IMAP server, which the shared-mailbox tests start on loopback
# (scripts/imap-server); the package's own service is not started.
ensure_dovecot() {
  if [ ! -x /usr/sbin/dovecot ] || ! command -v openssl >/dev/null; then
    say "installing Debian's dovecot-imapd (and openssl, for its test certificates)"
    apt_install dovecot-imapd openssl
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

# The release site: the server binary in target/release and the browser files in target/site
# (what `cargo leptos build --release --split` makes, without cargo-leptos itself: installing it
# took ~19 of a new machine's first 45 minutes). Skipped when no input changed since the last
# successful build. The WASM and the server compile at the same time, in separate target
# directories: each ends in one long single-threaded step (the app crate, the WASM's fat LTO)
# that leaves the other core idle.
SITE_INPUTS=(app server frontend style public migrations Cargo.toml Cargo.lock rust-toolchain.toml)
SITE="$ROOT/target/site"
FRONT_TARGET="$ROOT/target/front"
FRONT_WASM="$FRONT_TARGET/wasm32-unknown-unknown/wasm-release/frontend.wasm"
# Browsers the CSS and JS are written down to (prefixes, syntax): about three years back.
BROWSERS="chrome109,edge109,firefox115,safari15.6,ios15.6"

site_is_current() {
  local stamp="$ROOT/target/.site-build-stamp"
  [ -f "$stamp" ] && [ -x "$ROOT/target/release/closeloop" ] && [ -f "$SITE/pkg/closeloop.wasm" ] \
    && [ -z "$(cd "$ROOT" && find "${SITE_INPUTS[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]
}

build_site() {
  if site_is_current; then
    say "site is up to date"
    return
  fi
  command -v wasm-bindgen >/dev/null || die "wasm-bindgen is missing: run ensure_wasm_bindgen (scripts/serve does)"
  command -v wasm-opt >/dev/null || die "wasm-opt is missing: run ensure_node_packages (scripts/serve does)"
  command -v esbuild >/dev/null || die "esbuild is missing: run ensure_node_packages (scripts/serve does)"
  mkdir -p "$ROOT/target" "$FRONT_TARGET"
  local stamp="$ROOT/target/.site-build-stamp"
  # Stamped with the time the build started, so an edit made during the build still counts.
  touch "$stamp.next"
  local front_log="$ROOT/target/front-build.log" front_pid front_status=0 t0=$SECONDS timings=()
  # CLOSELOOP_CARGO_TIMINGS=1: cargo's per-crate timing reports (target/*/cargo-timings/).
  [ -n "${CLOSELOOP_CARGO_TIMINGS:-}" ] && timings=(--timings)
  say "compiling the WASM (log: target/front-build.log) and the server at the same time"
  # --emit-relocs lets the splitter move functions into chunks (cargo-leptos's --split does the same).
  (cd "$ROOT" && RUSTFLAGS="-Clink-args=--emit-relocs" cargo build -p frontend --lib \
    --target wasm32-unknown-unknown --profile wasm-release --target-dir "$FRONT_TARGET" \
    --color never "${timings[@]}" >"$front_log" 2>&1) &
  front_pid=$!
  if ! (cd "$ROOT" && cargo build --release -p server --bin closeloop "${timings[@]}" && cargo build --release -p wasm-split); then
    kill "$front_pid" 2>/dev/null || true
    die "the server build failed"
  fi
  say "server built in $((SECONDS - t0)) s; waiting for the WASM"
  wait "$front_pid" || front_status=$?
  if [ "$front_status" != 0 ]; then
    tail -n 40 "$front_log" >&2
    die "the WASM build failed (whole log: target/front-build.log)"
  fi
  say "WASM built; both done after $((SECONDS - t0)) s"

  # A fresh pkg/: chunk names change between builds, and stale ones must not be served.
  local pkg="$SITE/pkg" split_main="$FRONT_TARGET/frontend_split.wasm"
  rm -rf "$SITE"
  mkdir -p "$pkg"
  "$ROOT/target/release/closeloop-wasm-split" "$FRONT_WASM" "$pkg" "$split_main" closeloop
  # --keep-lld-exports and --no-demangle keep the names the chunks link against.
  wasm-bindgen --target web --keep-lld-exports --no-demangle --no-typescript --out-name closeloop \
    --out-dir "$pkg" "$split_main"
  # HydrationScripts asks for <name>.wasm.
  mv "$pkg/closeloop_bg.wasm" "$pkg/closeloop.wasm"
  # -Oz on the main module and the chunks of 16 kB or more (~35 files), two at a time. The
  # ~580 smaller chunks are left as the splitter wrote them (names already stripped): wasm-opt
  # would take ~0.8 s each through binaryen's npm package, 3.5 min in all, to save ~600 kB
  # over all of them, of which a page loads a few.
  find "$pkg" -name '*.wasm' -size +16k -print0 \
    | xargs -0 -P 2 -I{} bash -c 'set -o pipefail
        wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$1" -o "$1" 2>&1 \
          | { grep -v "unknown name subsection" >&2 || true; }' _ {}
  # wasm-bindgen's glue repeats the split loader's key in one object literal (one import per
  # chunk function); that is how it is meant, so esbuild's warning about it is silenced.
  esbuild "$pkg/closeloop.js" --minify --format=esm --target="$BROWSERS" \
    --outfile="$pkg/closeloop.js" --allow-overwrite --log-level=warning \
    --log-override:duplicate-object-key=silent
  esbuild "$ROOT/style/main.css" --minify --target="$BROWSERS" \
    --outfile="$pkg/closeloop.css" --log-level=warning
  cp -R "$ROOT/public/." "$SITE/"
  mv "$stamp.next" "$stamp"
  say "site built in $((SECONDS - t0)) s: $(du -sh "$pkg" | cut -f1) in target/site/pkg"
}

# Times each step for the summary at the end.
STEP_LOG=()
step() {
  local name="$1"; shift
  local t0=$SECONDS status=0
  say "$name"
  "$@" || status=$?
  local failed=""
  [ "$status" = 0 ] || failed="  (failed, exit $status)"
  STEP_LOG+=("$(printf '%5ss  %s%s' $((SECONDS - t0)) "$name" "$failed")")
  return "$status"
}
print_steps() {
  say "timings"
  printf '%s\n' "${STEP_LOG[@]}"
}
