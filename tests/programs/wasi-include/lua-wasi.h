/* Forced into every file of the WASI build of Lua (-include lua-wasi.h; scripts/test-programs.mjs).
 * Lua's ISO C build names temporary files with tmpnam and L_tmpnam, which Debian 12's wasi-libc
 * leaves out: os.tmpname fails there instead (the workload never calls it). */
#define LUA_TMPNAMBUFSIZE 32
#define lua_tmpnam(buffer, error) \
  { (void)(buffer); error = 1; }
