#!/usr/bin/env bash
# Installs what the build and tests need when it is missing, so `npm start` and `npm test` work on
# a fresh Debian machine. Safe to run again: it only installs what `command -v` cannot find.
set -euo pipefail

missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need cmake cmake
need gcc gcc
need make make
need valgrind valgrind
# The sanitizer runtimes ship with gcc on Debian (libasan, libubsan, libtsan).

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
