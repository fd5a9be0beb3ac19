/* setjmp.h for Lua's WASI build (scripts/test-programs.mjs puts this folder first on the include
 * path of that build only). Debian 12's wasi-libc has no setjmp/longjmp: in wasm they need the
 * exception-handling proposal and runtime support this toolchain does not ship. Lua uses them to
 * unwind on errors and on a coroutine.yield from a C function; with this stand-in setjmp returns 0
 * once and longjmp ends the program with a message (exit status 134), so a Lua error or a yield is
 * fatal on WASI, and the Lua workload (tests/programs/lua-workload.lua) raises none. Native and
 * Emscripten builds use their C library's real setjmp.h. */
#ifndef GOMEM_PROGRAMS_WASI_SETJMP_H
#define GOMEM_PROGRAMS_WASI_SETJMP_H
#include <stdio.h>
#include <stdlib.h>

typedef int jmp_buf[1];

#define setjmp(env) ((void)(env), 0)
#define _setjmp(env) setjmp(env)

static inline _Noreturn void gomem_programs_longjmp(void) {
  fputs("longjmp: not available in this WASI build (a Lua error or a yield from C)\n", stderr);
  fflush(stderr);
  _Exit(134);
}
#define longjmp(env, value) ((void)(env), (void)(value), gomem_programs_longjmp())
#define _longjmp(env, value) longjmp(env, value)

#endif
