#!/usr/bin/env bash
# Installs what the build and tests need when it is missing, so `npm start` and `npm test` work on
# a fresh Debian machine. Run it for the base tools, or source it and call
#   ensure_packages COMMAND:PACKAGE ...
# which installs each PACKAGE whose COMMAND (or, for a path, file) is missing, or
#   install_packages PACKAGE ...
# when the caller has its own test, or ensure_npm_packages NAME ... for the npm devDependencies. Only what is missing is installed: running again costs nothing.

# Install Debian packages by name (apt-get update first, once per call).
install_packages() {
  [ $# -eq 0 ] && return 0
  echo "setup: installing $*"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

ensure_packages() {
  local missing=() entry probe package
  for entry in "$@"; do
    probe=${entry%%:*}
    package=${entry#*:}
    if [[ $probe == /* ]]; then
      [ -e "$probe" ] || missing+=("$package")
    else
      command -v "$probe" >/dev/null 2>&1 || missing+=("$package")
    fi
  done
  install_packages "${missing[@]}"
}

# Install the locked npm devDependencies (npm ci) when any of the named packages cannot be
# resolved: ensure_npm_packages NAME ...
ensure_npm_packages() {
  local name
  for name in "$@"; do
    if ! node -e "require.resolve('$name')" >/dev/null 2>&1; then
      echo "setup: installing the locked devDependencies (npm ci): $name is missing"
      npm ci --no-audit --no-fund >/dev/null
      return
    fi
  done
}

# What every headless-Chromium test needs: Debian's chromium, playwright-core (pinned in
# package-lock.json; it drives the browser over CDP and downloads nothing) and the wasm modules
# brought up to date (scripts/js-module.sh).
ensure_chromium_and_modules() {
  ensure_packages /usr/bin/chromium:chromium
  ensure_npm_packages playwright-core
  bash scripts/js-module.sh
}

# The base set: native builds, tests and valgrind. The sanitizer runtimes ship with gcc on Debian.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  ensure_packages cmake:cmake gcc:gcc make:make valgrind:valgrind
fi
