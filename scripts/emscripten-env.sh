#!/usr/bin/env bash
# Sourced by the scripts that run emcc: prepares Debian's Emscripten 3.1.6 for this repository.
#   emscripten_env [emcc flags to probe with...]
# - puts /usr/share/nodejs on NODE_PATH (Debian's emcc runs its JS optimizer with node, which finds
#   the acorn module only there; cmake/emscripten.cmake does the same for link steps);
# - Debian's system libraries are a prebuilt, root-owned cache: when a probe program cannot link
#   with the given flags (a library it needs is missing, and emcc cannot build it there), switches
#   to a writable copy in build/emscripten-cache that emcc may add to.
# Expects the repository root as the current directory.
emscripten_env() {
  if [ -d /usr/share/nodejs/acorn ]; then
    case ":${NODE_PATH:-}:" in
      *:/usr/share/nodejs:*) ;;
      *) export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH} ;;
    esac
  fi
  local dir=build/emscripten-probe flags
  mkdir -p "$dir"
  printf '#include <stdlib.h>\nint main(void) { free(malloc(1)); return 0; }\n' >"$dir/probe.c"
  probe() {
    for flags in "$@"; do
      # shellcheck disable=SC2086
      emcc "$dir/probe.c" -o "$dir/probe.js" $flags >/dev/null 2>&1 || return 1
    done
  }
  probe "$@" && return 0
  local system_cache
  system_cache=$(em-config CACHE 2>/dev/null || echo /usr/share/emscripten/cache)
  echo "emscripten: system library cache incomplete; using a writable copy in build/emscripten-cache"
  [ -d build/emscripten-cache ] || cp -r "$system_cache" build/emscripten-cache
  export EM_CACHE=$PWD/build/emscripten-cache
  export EM_FROZEN_CACHE=""
  probe "$@" || echo "emscripten: emcc still cannot link a probe program; the builds below will say why"
}
