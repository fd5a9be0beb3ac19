#!/usr/bin/env bash
# npm run test:programs: real C programs that nobody on this team wrote, run with gomem as their
# whole malloc and with the default malloc, natively and in WebAssembly; their output must be the
# same with every malloc (gomem's malloc must stand in for any C library's: docs/design.md, D12).
#
#   bash scripts/test-programs.sh [--quick] [--bench] [--runs N] [--only P,..] [--targets T,..]
#                                 [--default-only]
#
# Programs (tests/programs/README.md says more):
#   sqlite   the SQLite shell (shell.c + sqlite3.c, SQLite 3.52.0) from the amalgamation tarball
#            inside the npm package sqlite3@6.0.1; workload tests/programs/sqlite-workload.sql
#   zlib     zlib 1.2.13 from Debian's source package zlib: test/example, and test/minigzip round
#            trips of a generated file at several levels and strategies
#   lua      the Lua 5.4.4 interpreter from Debian's source package lua5.4 (Debian's patches
#            applied); workload tests/programs/lua-workload.lua
#   stress   tests/programs/malloc-stress.c (ours): random sizes 1 B..64 KiB, realloc up and down,
#            a pattern per block checked before every free
# Targets and mallocs:
#   native      gcc -O2; glibc malloc, gomem by LD_PRELOAD of libgomem_malloc.so into the glibc
#               build, gomem linked statically (libgomem_malloc.a before libc)
#   wasi        clang --target=wasm32-wasi -O2 + Debian's wasi-libc, run by
#               tests/programs/run-wasm.mjs under node:wasi; wasi-libc's malloc (dlmalloc), gomem
#   emscripten  emcc -O2 (3.1.6), run under node; dlmalloc (Emscripten's default), emmalloc (a
#               peer: compared and timed, its differences reported but not failures), gomem
#               (-sMALLOC=none)
# gomem's malloc comes from scripts/build-malloc.sh (build/malloc-native, build/malloc-wasi,
# build/malloc-emscripten; GOMEM_MALLOC_BUILD=DIR looks in DIR instead of build/). When it has not
# been built this script builds it (in build/; with GOMEM_MALLOC_BUILD it stops and says what is
# missing); --default-only runs the default mallocs alone.
#
# Sources are fetched at test time, never committed: npm pack (npm registry) and apt-get source
# (Debian's archive, through a private apt configuration under the cache: nothing in /etc changes),
# pinned by version and SHA-256, kept with every build output under ~/.cache/gomem-programs
# (GOMEM_PROGRAMS_CACHE=DIR moves it). Builds are keyed by source version, compiler and flags: a
# second run rebuilds nothing. A program whose registry cannot be reached is skipped with a
# message; any other fetch failure (a pin gone from the registry, a checksum mismatch) fails.
#
# Every run's output must equal the default malloc's on the same target (gomem rows fail
# otherwise), and the default malloc's output on a wasm target must equal the native one (zlib's
# example prints its compile flags, which differ by target and are masked). Prints a table:
# program x target x malloc -> time, peak memory, verdict, and closes with
# 'programs: N passed, N failed, N skipped' (a pass is one program x target x malloc run).
#   --quick          smaller workloads (the table's times are then single runs): npm test uses it
#   --bench          5 runs of each (--runs N to choose), medians; wasm under node --no-liftoff
#   --only P,..      only these programs (sqlite, zlib, lua, stress)
#   --targets T,..   only these targets (native, wasi, emscripten)
#   --default-only   the default mallocs only (for use before scripts/build-malloc.sh exists)
# Logs and each run's output: build/programs/ (results.tsv, table.txt, runs/).
set -eEuo pipefail
# set -e ends the script at a failing command: say which, rather than stopping silently.
trap 'echo "test-programs: stopped: \"$BASH_COMMAND\" failed (line $LINENO)" >&2' ERR
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

quick=false bench=false runs="" default_only=false
only="sqlite,zlib,lua,stress" targets="native,wasi,emscripten"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=true ;;
    --bench) bench=true ;;
    --runs) runs=$2; shift ;;
    --only) only=$2; shift ;;
    --targets) targets=$2; shift ;;
    --default-only) default_only=true ;;
    -h | --help) sed -n '2,50p' "$0" | sed -n '/^set -e/q;s/^# \{0,1\}//p'; exit 0 ;;
    *) echo "test-programs: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$runs" ] || { $bench && runs=5 || runs=1; }
selected() { [[ ",$1," == *",$2,"* ]]; }
for p in ${only//,/ }; do
  case $p in sqlite | zlib | lua | stress) ;; *) echo "test-programs: unknown program '$p'" >&2; exit 2 ;; esac
done
for t in ${targets//,/ }; do
  case $t in native | wasi | emscripten) ;; *) echo "test-programs: unknown target '$t'" >&2; exit 2 ;; esac
done

started=$SECONDS
jobs=$(nproc 2>/dev/null || echo 2)
cache=${GOMEM_PROGRAMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gomem-programs}
results=$root/build/programs
mkdir -p "$cache/downloads" "$cache/src" "$cache/obj" "$cache/bin" "$cache/inputs" "$results"
programs_dir=$root/tests/programs
runner=$programs_dir/run-wasm.mjs

# ---- gomem's malloc replacement (scripts/build-malloc.sh) ------------------------------------
malloc_build=${GOMEM_MALLOC_BUILD:-$root/build}
gomem_native_so=$malloc_build/malloc-native/libgomem_malloc.so
gomem_native_a=$malloc_build/malloc-native/libgomem_malloc.a
gomem_wasi_a=$malloc_build/malloc-wasi/libgomem_malloc.a
gomem_emscripten_a=$malloc_build/malloc-emscripten/libgomem_malloc.a
if ! $default_only; then
  missing=()
  if selected "$targets" native; then
    [ -f "$gomem_native_so" ] || missing+=("$gomem_native_so")
    [ -f "$gomem_native_a" ] || missing+=("$gomem_native_a")
  fi
  selected "$targets" wasi && { [ -f "$gomem_wasi_a" ] || missing+=("$gomem_wasi_a"); }
  selected "$targets" emscripten && { [ -f "$gomem_emscripten_a" ] || missing+=("$gomem_emscripten_a"); }
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== gomem's malloc replacement is not built (${#missing[@]} libraries missing):" \
         "scripts/build-malloc.sh"
    if [ -n "${GOMEM_MALLOC_BUILD:-}" ]; then
      echo "test-programs: GOMEM_MALLOC_BUILD=$GOMEM_MALLOC_BUILD lacks:" >&2
      printf '  %s\n' "${missing[@]}" >&2
      exit 1
    fi
    bash "$root/scripts/build-malloc.sh" || exit 1
  fi
fi

# The archive goes in whole, before the C library, so every function of the malloc family comes
# from gomem (a libc function that calls, say, memalign must not reach the libc's own malloc).
whole() { echo "-Wl,--whole-archive $1 -Wl,--no-whole-archive"; }

# mallocs of each target; the first is the reference (the target's default malloc)
mallocs_of() {
  local list
  case $1 in
    native) list="glibc gomem-preload gomem-static" ;;
    wasi) list="wasi-libc gomem" ;;
    emscripten) list="dlmalloc emmalloc gomem" ;;
  esac
  if $default_only; then
    case $1 in native) list="glibc" ;; wasi) list="wasi-libc" ;; emscripten) list="dlmalloc emmalloc" ;; esac
  fi
  echo "$list"
}
is_peer() { [ "$1" = emmalloc ]; } # compared and timed, not required to match

# ---- tools ---------------------------------------------------------------------------------
source scripts/setup.sh
tools=(gcc:gcc make:make node:nodejs npm:npm dpkg-source:dpkg-dev bzip2:bzip2 xz:xz-utils
       /usr/bin/time:time sha256sum:coreutils)
selected "$targets" wasi && tools+=(clang:clang wasm-ld-14:lld-14 llvm-ar-14:llvm-14
                                   /usr/lib/wasm32-wasi/libc.a:wasi-libc)
selected "$targets" emscripten && tools+=(emcc:emscripten)
ensure_packages "${tools[@]}"
if selected "$targets" wasi &&
   ! compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a" >/dev/null; then
  install_packages libclang-rt-14-dev-wasm32
fi
if selected "$targets" emscripten; then
  source scripts/emscripten-env.sh
  emscripten_env "-O2 -sMALLOC=emmalloc" "-O2 -sMALLOC=dlmalloc" >&2
fi

# ---- pinned sources ------------------------------------------------------------------------
# SQLite: the npm package sqlite3 (node-sqlite3, BSD-3-Clause) ships SQLite's own autoconf
# tarball, whose shell.c and sqlite3.c (public domain) are built here.
sqlite_npm=sqlite3@6.0.1
sqlite_tgz=sqlite3-6.0.1.tgz
sqlite_tgz_sha256=ab8d044a93e05bd031d7ea75547c7fa60387cdc259d27f93c0e3e2832c4b1df9
sqlite_inner=package/deps/sqlite-autoconf-3520000.tar.gz
sqlite_inner_sha256=f6b50b0c103392af32a8be15b2b9d25959de9a00a70c3979128aafeaa5338b3f
sqlite_dir=sqlite-autoconf-3520000
# zlib (zlib licence) and Lua (MIT) from Debian 12's source packages, Debian's patches applied.
zlib_deb="zlib 1:1.2.13.dfsg-1"
zlib_files="zlib_1.2.13.dfsg-1.dsc:3fa1e6b2fc525062aa88207dda52fed8e045373c809d362fe8a2bfbf7cf515a8
zlib_1.2.13.dfsg.orig.tar.bz2:71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1
zlib_1.2.13.dfsg-1.debian.tar.xz:f66cf3d4f2d7defcd4d1fd1fb0a11ee39f1e01b42ec7d059c9dc5c1695133c44"
zlib_dir=zlib-1.2.13.dfsg-1
lua_deb="lua5.4 5.4.4-3+deb12u1"
lua_files="lua5.4_5.4.4-3+deb12u1.dsc:d47c50154294a68c8a209c5d61bc09e5b22891c01b7c47501ac3f9725eb4a813
lua5.4_5.4.4.orig.tar.gz:164c7849653b80ae67bec4b7473b884bf5cc8d2dca05653475ec2ed27b9ebf61
lua5.4_5.4.4-3+deb12u1.debian.tar.xz:2d8e0e380722c648cfeffb8d58287865619b4d035544d93d7ef3a2eaf627abe6"
lua_dir=lua5.4-5.4.4-3+deb12u1

downloads=$cache/downloads
network_error='ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network|socket hang up|Temporary failure resolving|Could not resolve|Could not connect|Failed to fetch|Unable to connect|Connection failed|Connection timed out'

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
verify() { # verify FILE SHA256: fail on a mismatch
  local got
  got=$(sha256_of "$1")
  if [ "$got" != "$2" ]; then
    echo "test-programs: checksum mismatch for $1: expected $2, got $got (refusing to build it)" >&2
    return 1
  fi
}

# fetch_npm: the sqlite3 npm tarball into downloads/. Returns 2 when the registry is unreachable.
fetch_npm() {
  if [ -f "$downloads/$sqlite_tgz" ] && [ "$(sha256_of "$downloads/$sqlite_tgz")" = "$sqlite_tgz_sha256" ]; then
    return 0
  fi
  echo "== fetch $sqlite_npm (npm pack)"
  local log=$downloads/npm-pack.log
  if ! (cd "$downloads" && timeout 300 npm pack "$sqlite_npm" --loglevel=error --fetch-retries=2 \
        --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=10000) >"$log" 2>&1; then
    if grep -qE "$network_error" "$log"; then return 2; fi
    cat "$log" >&2
    echo "test-programs: npm pack $sqlite_npm failed (not a network error: is the pinned version gone?)" >&2
    return 1
  fi
  verify "$downloads/$sqlite_tgz" "$sqlite_tgz_sha256"
}

# Source packages come through a private apt configuration under the cache directory: deb-src
# entries derived from the system's Debian entries, their indexes in a lists directory of their
# own. Nothing under /etc or /var/lib/apt is written, so the machine is left as it was found.
apt_dir=$cache/apt
apt_private=(-o Dir::Etc::SourceList="$apt_dir/sources.list"
  -o Dir::Etc::SourceParts="$apt_dir/sources.list.d" -o Dir::State::Lists="$apt_dir/lists"
  -o Dir::Cache="$apt_dir/cache")
has_source() { # has_source PACKAGE VERSION: is that version in the private source index?
  local index # (not a pipe into grep -q: with pipefail, apt-cache's SIGPIPE would make it false)
  index=$(apt-cache "${apt_private[@]}" showsrc "$1" 2>/dev/null) || true
  grep -qxF "Version: $2" <<<"$index"
}
# ensure_deb_src PACKAGE VERSION: make 'apt-get source' of that version possible. Returns 2 when
# the archive is unreachable.
ensure_deb_src() {
  local package=$1 version=$2
  if has_source "$package" "$version"; then return 0; fi
  mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
  : >"$apt_dir/sources.list"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types:.*$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
      >"$apt_dir/sources.list.d/deb-src.sources"
  elif grep -qE '^deb ' /etc/apt/sources.list 2>/dev/null; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"$apt_dir/sources.list"
  else
    echo "test-programs: no Debian archive entry found in /etc/apt to derive a deb-src entry from" >&2
    return 1
  fi
  echo "== apt-get update of the source indexes (private: $apt_dir)"
  local log=$downloads/apt-update.log
  apt-get "${apt_private[@]}" update >"$log" 2>&1 || true
  if ! has_source "$package" "$version"; then
    if grep -qE "$network_error" "$log"; then return 2; fi
    cat "$log" >&2
    echo "test-programs: Debian's source index has no $package $version (pinned version gone?" \
         "update the pin in scripts/test-programs.sh)" >&2
    return 1
  fi
}

# fetch_deb "PACKAGE VERSION" FILES: the source package's files into downloads/, each checked.
fetch_deb() {
  local package=${1% *} version=${1#* } files=$2 entry all=true
  for entry in $files; do
    [ -f "$downloads/${entry%%:*}" ] && [ "$(sha256_of "$downloads/${entry%%:*}")" = "${entry#*:}" ] || all=false
  done
  $all && return 0
  local status=0
  ensure_deb_src "$package" "$version" || status=$?
  [ $status -eq 0 ] || return $status
  echo "== fetch $package $version (apt-get source --download-only)"
  local log=$downloads/apt-source-$package.log
  if ! (cd "$downloads" && timeout 300 apt-get "${apt_private[@]}" source --download-only \
        "$package=$version") >"$log" 2>&1; then
    if grep -qE "$network_error" "$log"; then return 2; fi
    cat "$log" >&2
    echo "test-programs: apt-get source $package=$version failed" >&2
    return 1
  fi
  for entry in $files; do verify "$downloads/${entry%%:*}" "${entry#*:}" || return 1; done
}

# unpack_deb "PACKAGE VERSION" DSC DIR: dpkg-source -x (applies Debian's patches) into src/DIR
unpack_deb() {
  local dsc=$2 dir=$3
  [ -f "$cache/src/$dir/.unpacked" ] && return 0
  rm -rf "${cache:?}/src/$dir"
  (cd "$cache/src" && dpkg-source -x "$downloads/$dsc" "$dir") >"$cache/src/$dir.log" 2>&1 ||
    { cat "$cache/src/$dir.log" >&2; return 1; }
  touch "$cache/src/$dir/.unpacked"
}

# prepare PROGRAM: fetch and unpack its source. Returns 2 when its registry is unreachable.
prepare() {
  local status=0
  case $1 in
    stress) return 0 ;;
    sqlite)
      fetch_npm || status=$?
      [ $status -eq 0 ] || return $status
      if [ ! -f "$cache/src/$sqlite_dir/.unpacked" ]; then
        rm -rf "${cache:?}/src/$sqlite_dir" "$cache/src/sqlite-inner.tar.gz"
        tar -xzf "$downloads/$sqlite_tgz" -O "$sqlite_inner" >"$cache/src/sqlite-inner.tar.gz"
        verify "$cache/src/sqlite-inner.tar.gz" "$sqlite_inner_sha256" || return 1
        tar -xzf "$cache/src/sqlite-inner.tar.gz" -C "$cache/src"
        rm -f "$cache/src/sqlite-inner.tar.gz"
        touch "$cache/src/$sqlite_dir/.unpacked"
      fi ;;
    zlib)
      fetch_deb "$zlib_deb" "$zlib_files" || status=$?
      [ $status -eq 0 ] || return $status
      unpack_deb "$zlib_deb" "${zlib_files%%:*}" "$zlib_dir" ;;
    lua)
      fetch_deb "$lua_deb" "$lua_files" || status=$?
      [ $status -eq 0 ] || return $status
      unpack_deb "$lua_deb" "${lua_files%%:*}" "$lua_dir" ;;
  esac
}

# ---- builds ----------------------------------------------------------------------------------
# Bump when the recipes below change in a way the keys do not see.
recipe_version=1
wasi_stack=1048576
em_link=(-sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1 -sENVIRONMENT=node -sNODERAWFS=1
         -sWASM_ASYNC_COMPILATION=0 -sTOTAL_STACK=1048576 -sINITIAL_MEMORY=4194304)
declare -A compiler_id=()
compiler_of() {
  case $1 in
    native) echo gcc ;;
    wasi) echo "clang --target=wasm32-wasi" ;;
    emscripten) echo emcc ;;
  esac
}
identify_compilers() {
  local t
  for t in ${targets//,/ }; do
    case $t in
      native) compiler_id[$t]="$(gcc --version | sed -n 1p) $(ldd --version 2>&1 | sed -n 1p)" ;;
      wasi) compiler_id[$t]="$(clang --version | sed -n 1p) wasi-libc $(dpkg-query -W -f '${Version}' wasi-libc 2>/dev/null)" ;;
      emscripten) compiler_id[$t]="$(emcc --version 2>/dev/null | sed -n 1p)" ;;
    esac
  done
}

# recipe PROGRAM TARGET: sets src_id, srcs (absolute paths), cflags, exes ("NAME:STEM": the
# executable NAME links the object STEM.o plus every object no other executable names, or every
# object when STEM is "all"), libs (link libraries), local_files (our files the build reads).
recipe() {
  local program=$1 target=$2 s
  srcs=() cflags=(-O2) libs=() exes=() local_files=()
  case $program in
    stress)
      src_id=ours
      srcs=("$programs_dir/malloc-stress.c")
      cflags+=(-std=c11)
      exes=("malloc-stress:malloc-stress")
      local_files+=("$programs_dir/malloc-stress.c") ;;
    zlib)
      src_id="$zlib_deb"
      s=$cache/src/$zlib_dir
      for f in adler32 crc32 deflate infback inffast inflate inftrees trees zutil compress uncompr \
               gzclose gzlib gzread gzwrite; do srcs+=("$s/$f.c"); done
      srcs+=("$s/test/example.c" "$s/test/minigzip.c")
      cflags+=(-I"$s" -DHAVE_UNISTD_H -DHAVE_STDARG_H -D_LARGEFILE64_SOURCE=1)
      exes=("example:example" "minigzip:minigzip") ;;
    sqlite)
      src_id="$sqlite_npm $sqlite_dir"
      s=$cache/src/$sqlite_dir
      srcs=("$s/sqlite3.c" "$s/shell.c")
      cflags+=(-I"$s" -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_ENABLE_FTS5
               -DSQLITE_ENABLE_MATH_FUNCTIONS)
      exes=("sqlite3:all")
      if [ "$target" = native ]; then libs+=(-lm); fi
      if [ "$target" = wasi ]; then
        cflags+=(-D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -D_WASI_EMULATED_MMAN
                 -D_WASI_EMULATED_GETPID)
      fi ;;
    lua)
      src_id="$lua_deb"
      s=$cache/src/$lua_dir/src
      for f in "$s"/*.c; do [ "$(basename "$f")" = luac.c ] || srcs+=("$f"); done
      # Debian's luaconf.h includes a header its build generates: the package search path's
      # multiarch triplet, written here per target (into the object directory, see build_objects).
      cflags+=(-DLUA_COMPAT_5_3 -I@OBJDIR@)
      exes=("lua:all")
      if [ "$target" = native ]; then libs+=(-lm); fi
      if [ "$target" = wasi ]; then
        cflags+=(-I"$programs_dir/wasi-include" -include lua-wasi.h -D_WASI_EMULATED_SIGNAL
                 -D_WASI_EMULATED_PROCESS_CLOCKS)
        local_files+=("$programs_dir/wasi-include/setjmp.h" "$programs_dir/wasi-include/lua-wasi.h")
      fi ;;
  esac
  if [ "$target" = wasi ] && [[ $program == sqlite || $program == lua ]]; then
    srcs+=("$programs_dir/wasi-stubs.c")
    local_files+=("$programs_dir/wasi-stubs.c")
    libs+=(-lwasi-emulated-signal -lwasi-emulated-process-clocks -lwasi-emulated-mman
           -lwasi-emulated-getpid)
  fi
}

hash_of() { sha256sum | cut -c1-16; }

# build_objects PROGRAM TARGET: compiles into $cache/obj/PROGRAM/TARGET-KEY (skipped when done);
# sets objdir.
build_objects() {
  local program=$1 target=$2 key cc f o
  key=$( { echo "$recipe_version $src_id ${compiler_id[$target]}"; echo "${cflags[*]}";
           printf '%s\n' "${srcs[@]}";
           if [ ${#local_files[@]} -gt 0 ]; then cat "${local_files[@]}"; fi; } | hash_of)
  objdir=$cache/obj/$program/$target-$key
  [ -f "$objdir/.done" ] && return 0
  # a new key replaces the old build of this program and target
  rm -rf "$cache/obj/$program/$target-"*
  mkdir -p "$objdir"
  if [ "$program" = lua ]; then
    local triplet
    case $target in
      native) triplet=$(gcc -dumpmachine) ;;
      wasi) triplet=wasm32-wasi ;;
      emscripten) triplet=wasm32-emscripten ;;
    esac
    echo "#define DEB_HOST_MULTIARCH \"$triplet\"" >"$objdir/lua5.4-deb-multiarch.h"
  fi
  cc=$(compiler_of "$target")
  local flags=("${cflags[@]//@OBJDIR@/$objdir}")
  echo "== build $program for $target: $cc ${flags[*]//$cache/\~cache} (${#srcs[@]} files)"
  local commands=$objdir/commands
  : >"$commands"
  for f in "${srcs[@]}"; do
    o=$objdir/$(basename "${f%.c}").o
    printf '%s\n' "$cc ${flags[*]} -c $f -o $o >$o.log 2>&1 || { cat $o.log >&2; exit 1; }" >>"$commands"
  done
  local t0=$SECONDS
  if ! xargs -d '\n' -P "$jobs" -n 1 bash -c <"$commands"; then
    echo "test-programs: compiling $program for $target failed" >&2
    return 1
  fi
  echo "   compiled in $((SECONDS - t0)) s"
  touch "$objdir/.done"
}

# link_exes PROGRAM TARGET MALLOC: links every exe of the program with that malloc into
# $cache/bin/PROGRAM/TARGET-MALLOC-KEY (skipped when done); sets bindir.
link_exes() {
  local program=$1 target=$2 malloc=$3 key malloc_flags=() archive="" cc
  case $target/$malloc in
    native/gomem-static) archive=$gomem_native_a ;;
    wasi/gomem) archive=$gomem_wasi_a ;;
    emscripten/gomem) archive=$gomem_emscripten_a; malloc_flags=(-sMALLOC=none) ;;
    emscripten/*) malloc_flags=(-sMALLOC="$malloc") ;;
  esac
  if [ -n "$archive" ]; then
    read -r -a archive_flags <<<"$(whole "$archive")"
    malloc_flags+=("${archive_flags[@]}")
  fi
  local link_flags=("${malloc_flags[@]}" "${libs[@]}")
  case $target in
    wasi) link_flags+=("-Wl,-z,stack-size=$wasi_stack") ;;
    emscripten) link_flags+=(-O2 "${em_link[@]}") ;;
  esac
  key=$( { basename "$objdir"; echo "${link_flags[*]}"; if [ -n "$archive" ]; then sha256_of "$archive"; fi; } | hash_of)
  bindir=$cache/bin/$program/$target-$malloc-$key
  [ -f "$bindir/.done" ] && return 0
  rm -rf "$cache/bin/$program/$target-$malloc-"*
  mkdir -p "$bindir"
  cc=$(compiler_of "$target")
  local entry name stem objs o suffix
  case $target in native) suffix="" ;; wasi) suffix=.wasm ;; emscripten) suffix=.js ;; esac
  for entry in "${exes[@]}"; do
    name=${entry%%:*}
    stem=${entry#*:}
    objs=()
    for o in "$objdir"/*.o; do
      local base
      base=$(basename "${o%.o}")
      if [ "$stem" = all ] || [ "$base" = "$stem" ]; then
        objs+=("$o")
      else # objects that belong to no exe are shared (zlib's library)
        local other=false e
        for e in "${exes[@]}"; do
          if [ "${e#*:}" = "$base" ]; then other=true; fi
        done
        $other || objs+=("$o")
      fi
    done
    if ! $cc "${objs[@]}" "${link_flags[@]}" -o "$bindir/$name$suffix" >"$bindir/$name.log" 2>&1; then
      cat "$bindir/$name.log" >&2
      echo "test-programs: linking $program ($name) for $target with $malloc failed" >&2
      return 1
    fi
  done
  touch "$bindir/.done"
}

# ---- runs ------------------------------------------------------------------------------------
node_flags=()
$bench && node_flags=(--no-liftoff)
now_ns() { date +%s%N; }

# exec_program EXE ARGS... (stdin/stdout/stderr as redirected by the caller): runs one process of
# the current variant ($target, $malloc; its programs staged in $stage), adds its times
# (microseconds) to run_us and proc_us and raises peak (bytes) to its peak memory. Returns the
# program's exit code.
exec_program() {
  local exe=$1 status=0 t0 t1 report=$PWD/.report bindir=$stage
  shift
  rm -f "$report"
  t0=$(now_ns)
  case $target in
    native)
      if [ "$malloc" = gomem-preload ]; then
        /usr/bin/time -f '%M' -o "$report" env LD_PRELOAD="$gomem_native_so" "$bindir/$exe" "$@" || status=$?
      else
        /usr/bin/time -f '%M' -o "$report" "$bindir/$exe" "$@" || status=$?
      fi ;;
    wasi) node "${node_flags[@]}" "$runner" --report "$report" "$bindir/$exe.wasm" "$@" || status=$? ;;
    emscripten) node "${node_flags[@]}" "$runner" --report "$report" "$bindir/$exe.js" "$@" || status=$? ;;
  esac
  t1=$(now_ns)
  local proc=$(( (t1 - t0) / 1000 )) run bytes=0
  case $target in
    native)
      run=$proc
      bytes=$(( $(grep -E '^[0-9]+$' "$report" | tail -1 || echo 0) * 1024 )) ;;
    *)
      if [ -f "$report" ]; then
        run=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(String(Math.round((r.runMs??0)*1000))+" "+String(r.memoryBytes??0))' "$report")
        bytes=${run#* }
        run=${run% *}
      else
        run=$proc
      fi ;;
  esac
  run_us=$((run_us + run))
  proc_us=$((proc_us + proc))
  [ "$bytes" -gt "$peak" ] && peak=$bytes
  return $status
}

# workload PROGRAM: runs the program's workload in $rundir (the current directory), writing what
# is compared to $rundir/output. Returns non-zero when a process fails.
if $quick; then
  stress_ops=100000 sqlite_rows=5000 lua_scale=1 zlib_bytes=$((2 << 20))
  zlib_modes=("-1" "-6 -r" "-9")
else
  stress_ops=400000 sqlite_rows=40000 lua_scale=6 zlib_bytes=$((8 << 20))
  zlib_modes=("-1" "-6" "-9" "-9 -f" "-6 -h" "-6 -r")
fi
workload_args() {
  case $1 in
    stress) echo "$stress_ops operations" ;;
    sqlite) echo "$sqlite_rows rows" ;;
    lua) echo "scale $lua_scale" ;;
    zlib) echo "example; minigzip ${#zlib_modes[@]} modes x $((zlib_bytes >> 20)) MiB" ;;
  esac
}
zlib_input() {
  local file
  file=$cache/inputs/zlib-$zlib_bytes-$(hash_of <"$programs_dir/make-input.mjs").bin
  [ -f "$file" ] || node "$programs_dir/make-input.mjs" "$zlib_bytes" "$file"
  echo "$file"
}
workload() {
  case $1 in
    stress)
      exec_program malloc-stress "$stress_ops" 1 >output 2>stderr ;;
    sqlite)
      { echo "CREATE TABLE params AS SELECT $sqlite_rows AS n;"; cat "$programs_dir/sqlite-workload.sql"; } >workload.sql
      exec_program sqlite3 -batch :memory: <workload.sql >output 2>stderr ;;
    lua)
      cp "$programs_dir/lua-workload.lua" .
      exec_program lua lua-workload.lua "$lua_scale" >output 2>stderr ;;
    zlib)
      local input mode size
      input=$(zlib_input)
      size=$(stat -c %s "$input")
      exec_program example >output 2>stderr || return 1
      for mode in "${zlib_modes[@]}"; do
        # shellcheck disable=SC2086
        exec_program minigzip $mode <"$input" >in.gz 2>>stderr || return 1
        exec_program minigzip -d <in.gz >back 2>>stderr || return 1
        if cmp -s back "$input"; then
          echo "minigzip $mode: $size -> $(stat -c %s in.gz) bytes, sha256 $(sha256_of in.gz | cut -c1-16), round trip identical" >>output
        else
          echo "minigzip $mode: round trip DIFFERS from the input" >>output
        fi
        rm -f back in.gz
      done ;;
  esac
}

# what is compared across targets: zlib's example prints its compile flags (sizes of types)
normalize() {
  case $1 in
    zlib) sed 's/compile flags = 0x[0-9a-f]*/compile flags = (masked)/' "$2" ;;
    *) cat "$2" ;;
  esac
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }

# ---- main --------------------------------------------------------------------------------------
identify_compilers

# gomem is the malloc of every gomem row by construction in wasm (-sMALLOC=none leaves Emscripten
# no other; in WASI the whole archive defines the malloc family, so wasi-libc's dlmalloc object is
# never pulled in, or the link would fail on duplicate symbols) and in the static native link (the
# executable's malloc interposes libc's). LD_PRELOAD alone can be ignored quietly (ld.so only
# warns), so check once that the library really gets mapped, and each run's stderr for the warning.
preload_ok=true
if selected "$targets" native && ! $default_only; then
  maps=$(LD_PRELOAD="$gomem_native_so" cat /proc/self/maps 2>&1) || true
  if ! grep -q "libgomem_malloc" <<<"$maps"; then
    preload_ok=false
    echo "test-programs: LD_PRELOAD=$gomem_native_so does not map the library into a process:" >&2
    grep -i "preload" <<<"$maps" >&2 || true
  fi
fi
declare -a rows=()
passed=0 failed=0 skip_count=0
failures=() peer_notes=()
: >"$results/results.tsv"
echo "mode: $($quick && echo quick || echo full)$($bench && echo ", bench ($runs runs each)"); cache: $cache"

for program in sqlite zlib lua stress; do
  selected "$only" "$program" || continue
  status=0
  prepare "$program" || status=$?
  if [ $status -eq 2 ]; then
    case $program in sqlite) reason="the npm registry cannot be reached" ;; *) reason="Debian's archive cannot be reached" ;; esac
    echo "== $program: SKIPPED: $reason (its source is fetched at test time)"
    for target in ${targets//,/ }; do
      for malloc in $(mallocs_of "$target"); do
        is_peer "$malloc" || skip_count=$((skip_count + 1))
        rows+=("$program|$target|$malloc|-|-|-|skipped: $reason")
      done
    done
    continue
  elif [ $status -ne 0 ]; then
    echo "== $program: FAILED to fetch or unpack its source"
    failed=$((failed + 1))
    failures+=("$program: source")
    for target in ${targets//,/ }; do
      for malloc in $(mallocs_of "$target"); do rows+=("$program|$target|$malloc|-|-|-|SOURCE FAILED"); done
    done
    continue
  fi
  native_output=""
  for target in native wasi emscripten; do
    selected "$targets" "$target" || continue
    recipe "$program" "$target"
    if ! build_objects "$program" "$target"; then
      failed=$((failed + 1))
      failures+=("$program/$target: build")
      for malloc in $(mallocs_of "$target"); do rows+=("$program|$target|$malloc|-|-|-|BUILD FAILED"); done
      continue
    fi
    reference=""
    for malloc in $(mallocs_of "$target"); do
      if ! link_exes "$program" "$target" "$malloc"; then
        is_peer "$malloc" || { failed=$((failed + 1)); failures+=("$program/$target/$malloc: link"); }
        rows+=("$program|$target|$malloc|-|-|-|LINK FAILED")
        continue
      fi
      rundir=$results/runs/$program/$target-$malloc
      # Every variant runs from the same directory under the same program path, so that each sees
      # the same argv and environment: Lua's memory use depends on them (the same Lua binary with
      # glibc held 39 MiB run as ./l and 54 MiB as /tmp/tb/d1/lua), and the variants' build
      # directories differ in length.
      stage=$results/work/bin
      rm -rf "$results/work"
      mkdir -p "$results/work"
      cp -r "$bindir" "$stage"
      runs_run=() runs_proc=() runs_peak=() ok=true
      for ((r = 1; r <= runs; r++)); do
        rm -rf "$results/work/run"
        mkdir -p "$results/work/run"
        run_us=0 proc_us=0 peak=0
        cd "$results/work/run"
        if ! workload "$program"; then ok=false; fi
        cd "$root"
        runs_run+=("$run_us")
        runs_proc+=("$proc_us")
        runs_peak+=("$peak")
        $ok || break
      done
      rm -rf "$rundir"
      mkdir -p "$(dirname "$rundir")"
      mv "$results/work/run" "$rundir"
      run_ms=$(printf '%s\n' "${runs_run[@]}" | median)
      proc_ms=$(printf '%s\n' "${runs_proc[@]}" | median)
      peak_b=$(printf '%s\n' "${runs_peak[@]}" | median)
      verdict=""
      if [ "$malloc" = gomem-preload ] && { ! $preload_ok || grep -q "cannot be preloaded" "$rundir/stderr"; }; then
        ok=false
        verdict="NOT PRELOADED (ld.so ignored LD_PRELOAD; see build/programs/runs/$program/$target-$malloc/stderr)"
      elif ! $ok; then
        verdict="RUN FAILED (see build/programs/runs/$program/$target-$malloc/stderr)"
      elif [ -z "$reference" ]; then
        reference=$rundir/output
        verdict="reference"
        if [ "$target" = native ]; then
          native_output=$results/runs/$program/native.normalized
          normalize "$program" "$reference" >"$native_output"
        elif [ -n "$native_output" ]; then
          if cmp -s <(normalize "$program" "$reference") "$native_output"; then
            verdict="reference, = native"
          else
            verdict="reference, DIFFERS from native"
            ok=false
          fi
        fi
      elif cmp -s "$rundir/output" "$reference"; then
        verdict="same"
      else
        verdict="DIFFERS"
        ok=false
        # the first line that differs, for the notes below the table
        diff "$reference" "$rundir/output" >"$rundir/output.diff" || true
        first_difference=$(grep -m1 '^>' "$rundir/output.diff" | cut -c3-100 || true)
      fi
      detail=""
      if [ "$verdict" = DIFFERS ]; then
        detail=" (first different line: '$first_difference'; diff in build/programs/runs/$program/$target-$malloc/output.diff)"
      elif [[ $verdict == "RUN FAILED"* ]]; then
        # what the program said about it: its first line naming an error, else stderr's last line
        said=$(cat "$rundir/output" "$rundir/stderr" 2>/dev/null | grep -m1 -iE 'error|trap|abort|fail' || true)
        [ -n "$said" ] || said=$(tail -n 1 "$rundir/stderr" 2>/dev/null || true)
        detail=": '${said:0:160}'"
      fi
      if is_peer "$malloc"; then
        $ok || { verdict="$verdict (peer: not a failure)"; peer_notes+=("$program/$target/$malloc: $verdict$detail"); }
      elif $ok; then
        passed=$((passed + 1))
      else
        failed=$((failed + 1))
        failures+=("$program/$target/$malloc: $verdict$detail")
      fi
      rows+=("$program|$target|$malloc|$run_ms|$proc_ms|$peak_b|$verdict")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$program" "$target" "$malloc" "$run_ms" "$proc_ms" "$peak_b" "$verdict" >>"$results/results.tsv"
      printf '   %-7s %-11s %-14s %s\n' "$program" "$target" "$malloc" "$verdict"
    done
  done
done

# ---- table -------------------------------------------------------------------------------------
ms() { if [ "$1" = - ]; then echo -; else awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; fi; }
mib() { if [ "$1" = - ]; then echo -; else awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; fi; }
{
  echo
  echo "Programs with each malloc ($($quick && echo "--quick workloads" || echo "full workloads")," \
       "$($bench && echo "median of $runs runs" || echo "one run each"); $(date -u +%Y-%m-%dT%H:%MZ)," \
       "$(nproc 2>/dev/null || echo ?) cores, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null))"
  line=""
  for p in sqlite zlib lua stress; do selected "$only" "$p" && line+="${line:+; }$p $(workload_args "$p")"; done
  echo "workloads: $line"
  echo "run ms: native = the process; wasm = from instantiation to exit (no node start-up or compile)."
  echo "process ms: the whole process (wasm: node start-up and compilation included)."
  echo "peak MiB: native = max RSS of the process; wasm = linear memory at exit (wasm memory never shrinks)."
  echo
  printf '| %-7s | %-10s | %-13s | %9s | %10s | %8s | %s |\n' program target malloc "run ms" "process ms" "peak MiB" output
  printf '|%s|%s|%s|%s|%s|%s|%s|\n' --------- ------------ --------------- ----------: -----------: ---------: --------
  for row in "${rows[@]}"; do
    IFS='|' read -r p t m run proc peak verdict <<<"$row"
    printf '| %-7s | %-10s | %-13s | %9s | %10s | %8s | %s |\n' "$p" "$t" "$m" "$(ms "$run")" "$(ms "$proc")" "$(mib "$peak")" "$verdict"
  done
  echo
} | tee "$results/table.txt"

for note in "${peer_notes[@]}"; do echo "peer: $note"; done
for failure in "${failures[@]}"; do echo "failed: $failure"; done
echo "test-programs: $((SECONDS - started)) s; results in build/programs/ (table.txt, results.tsv, runs/)"
echo "programs: $passed passed, $failed failed, $skip_count skipped"
if [ "$failed" -gt 0 ]; then exit 1; fi
