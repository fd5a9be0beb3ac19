/* Stand-ins for the few POSIX functions that Debian 12's wasi-libc (0.0~git20220510) lacks and the
 * fetched programs reference in code paths the workloads never take: SQLite's shell (realpath and
 * chmod in its fileio functions, system in .system/.shell) and Lua (system in os.execute,
 * tmpfile in io.tmpfile).
 * Newer wasi-libc releases have some of them. Each fails cleanly with ENOSYS, so a program that
 * does reach one reports an error instead of trapping. Linked into WASI builds only, with either
 * malloc. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

char *realpath(const char *restrict path, char *restrict resolved);
int chmod(const char *path, mode_t mode);
int system(const char *command);
FILE *tmpfile(void);

char *realpath(const char *restrict path, char *restrict resolved) {
  (void)path;
  (void)resolved;
  errno = ENOSYS;
  return NULL;
}

int chmod(const char *path, mode_t mode) {
  (void)path;
  (void)mode;
  errno = ENOSYS;
  return -1;
}

int system(const char *command) {
  /* system(NULL) asks whether a command processor exists: there is none. */
  if (command == NULL) return 0;
  errno = ENOSYS;
  return -1;
}

FILE *tmpfile(void) {
  errno = ENOSYS;
  return NULL;
}
