/*
 * test_malloc_fork.c - fork() in a multi-threaded program whose malloc is gomem's (linked
 * gomem_malloc, native only).
 *
 * Two threads hammer the heap without pause - one mallocs, reallocs and frees blocks of every kind
 * and hands some to the other, which frees them (remote frees) - while the main thread forks
 * FORKS times. Each fork catches the hammers wherever they are, inside malloc/free/realloc
 * included; the heap's pthread_atfork handlers must leave the child a heap it can use. Each child:
 *   - checks and frees half of the blocks the main thread allocated before the fork,
 *   - mallocs, fills, reallocs, checks and frees a few hundred blocks of varied sizes (small
 *     classes, beyond GOMEM_MALLOC_SMALL_MAX, posix_memalign, calloc zeroing),
 *   - starts a thread that does the same, and joins it (a fresh thread cache in the child),
 *   - requires no misuse counted, gomem_malloc_release() and the allocator's invariants to hold,
 *   - _exit(0), or a distinct code per failed check (the child does not print).
 * The parent waits for each child with a deadline (waitpid WNOHANG loop): a child still running
 * after CHILD_DEADLINE_MS is deadlocked (a lock held by a hammer at the fork, never released in the
 * child); it is killed and counted, and after MAX_HUNG such children the test stops forking, so a
 * deadlock fails the test in seconds instead of hanging CI. alarm() backs the whole run up. The
 * parent also checks its own heap afterwards (the atfork parent handler must unlock it): its
 * pre-fork blocks intact, no misuse, invariants hold.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../check.h"
#include "gomem_malloc.h"

/* Patterns cover every byte of the first and last 64 and every 97th in between (cheap enough
 * for Debug builds, where children otherwise spend most of their time in these loops). */
#define PATTERN_EDGE 64
#define PATTERN_STRIDE 97
#include "block_patterns.h"

int posix_memalign(void **out, size_t alignment, size_t n);

enum { FORKS = 200, CHILD_DEADLINE_MS = 5000, MAX_HUNG = 3, KEPT = 64, SLOTS = 64 };

static atomic_bool stop;
static atomic_uintptr_t handoff[SLOTS]; /* hammer 0 -> hammer 1 */
static size_t hammer_failures[2];
static size_t hammer_ops[2];

/* Blocks of every kind; the first bytes record the size so the receiving hammer can check. */
static size_t hammer_size(test_rng *rng) {
    size_t pick = test_rng_range(rng, 0, 99);
    if (pick < 75) return test_rng_range(rng, 16, 300);
    if (pick < 95) return test_rng_range(rng, 301, GOMEM_MALLOC_SMALL_MAX);
    return test_rng_range(rng, GOMEM_MALLOC_SMALL_MAX + 1, GOMEM_MALLOC_SMALL_MAX + 200000);
}

static void *hammer(void *argument) {
    size_t id = (size_t)(uintptr_t)argument;
    test_rng rng = test_rng_seed(99 + id);
    unsigned char *mine[32] = {0};
    size_t sizes[32] = {0};
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        size_t k = test_rng_range(&rng, 0, 31);
        if (mine[k] != NULL) {
            if (!holds(mine[k] + sizeof(size_t), sizes[k] - sizeof(size_t), (unsigned)k))
                hammer_failures[id]++;
            if (test_rng_range(&rng, 0, 2) == 0) { /* realloc, then free later */
                size_t n = hammer_size(&rng);
                unsigned char *q = realloc(mine[k], n);
                if (q == NULL) {
                    hammer_failures[id]++;
                } else {
                    if (!holds_prefix(q + sizeof n, sizes[k] - sizeof n, n - sizeof n, (unsigned)k))
                        hammer_failures[id]++;
                    mine[k] = q;
                    sizes[k] = n;
                    memcpy(q, &n, sizeof n);
                    fill(q + sizeof n, n - sizeof n, (unsigned)k);
                }
            } else {
                free(mine[k]);
                mine[k] = NULL;
            }
        } else {
            size_t n = hammer_size(&rng);
            mine[k] = malloc(n);
            if (mine[k] == NULL) {
                hammer_failures[id]++;
                continue;
            }
            sizes[k] = n;
            memcpy(mine[k], &n, sizeof n);
            fill(mine[k] + sizeof n, n - sizeof n, (unsigned)k);
        }
        /* Remote frees: hammer 0 posts blocks, hammer 1 frees them. */
        size_t s = test_rng_range(&rng, 0, SLOTS - 1);
        if (id == 0) {
            size_t n = test_rng_range(&rng, 16, 2000);
            unsigned char *p = malloc(n);
            if (p == NULL) continue;
            memcpy(p, &n, sizeof n);
            fill(p + sizeof n, n - sizeof n, 7);
            uintptr_t empty = 0;
            if (!atomic_compare_exchange_strong(&handoff[s], &empty, (uintptr_t)p)) free(p);
        } else {
            unsigned char *p = (unsigned char *)atomic_exchange(&handoff[s], (uintptr_t)0);
            if (p != NULL) {
                size_t n;
                memcpy(&n, p, sizeof n);
                if (!holds(p + sizeof n, n - sizeof n, 7)) hammer_failures[id]++;
                free(p);
            }
        }
        hammer_ops[id]++;
    }
    for (size_t k = 0; k < 32; k++) free(mine[k]);
    return NULL;
}

/* ---- the child -------------------------------------------------------------------------------- */

enum child_failure {
    CHILD_OK = 0,
    CHILD_INHERITED_BROKEN = 10, /* a block of the parent's lost its contents */
    CHILD_NO_MEMORY = 11,
    CHILD_PATTERN = 12,
    CHILD_ALIGNMENT = 13,
    CHILD_CALLOC = 14,
    CHILD_THREAD = 15,
    CHILD_MISUSE = 16,
    CHILD_INVARIANTS = 17,
};

static unsigned char *kept[KEPT];
static size_t kept_sizes[KEPT];

/* A few hundred blocks of varied sizes: malloc, fill, realloc some, check, free. */
static int child_work(unsigned seed) {
    test_rng rng = test_rng_seed(seed);
    enum { N = 300 };
    unsigned char *blocks[N];
    size_t sizes[N];
    for (size_t i = 0; i < N; i++) {
        sizes[i] = i % 10 == 9 ? test_rng_range(&rng, GOMEM_MALLOC_SMALL_MAX + 1, GOMEM_MALLOC_SMALL_MAX + 150000)
                               : test_rng_range(&rng, 1, i % 3 ? 256 : 8192);
        if (i % 25 == 0) {
            void *aligned = NULL;
            if (posix_memalign(&aligned, 4096, sizes[i]) != 0) return CHILD_NO_MEMORY;
            if ((uintptr_t)aligned % 4096 != 0) return CHILD_ALIGNMENT;
            blocks[i] = aligned;
        } else if (i % 25 == 1) {
            blocks[i] = calloc(1, sizes[i]);
            if (blocks[i] == NULL) return CHILD_NO_MEMORY;
            for (size_t j = 0; j < sizes[i]; j++)
                if (blocks[i][j] != 0) return CHILD_CALLOC;
        } else {
            blocks[i] = malloc(sizes[i]);
            if (blocks[i] == NULL) return CHILD_NO_MEMORY;
        }
        fill(blocks[i], sizes[i], (unsigned)i);
    }
    for (size_t i = 0; i < N; i += 4) {
        size_t n = test_rng_range(&rng, 1, 50000);
        unsigned char *q = realloc(blocks[i], n);
        if (q == NULL) return CHILD_NO_MEMORY;
        if (!holds_prefix(q, sizes[i], n, (unsigned)i)) return CHILD_PATTERN;
        blocks[i] = q;
        sizes[i] = n;
        fill(q, n, (unsigned)i);
    }
    for (size_t i = 0; i < N; i++) {
        if (!holds(blocks[i], sizes[i], (unsigned)i)) return CHILD_PATTERN;
        free(blocks[i]);
    }
    return CHILD_OK;
}

static void *child_thread(void *argument) {
    return (void *)(uintptr_t)child_work((unsigned)(uintptr_t)argument);
}

static int child_main(unsigned seed, size_t misuses_at_fork) {
    for (size_t i = 0; i < KEPT; i++) {
        if (!holds(kept[i], kept_sizes[i], (unsigned)(i + 100))) return CHILD_INHERITED_BROKEN;
        if (i % 2 == 0) free(kept[i]);
    }
    int status = child_work(seed);
    if (status != CHILD_OK) return status;
    pthread_t thread;
    void *thread_status = NULL;
    if (pthread_create(&thread, NULL, child_thread, (void *)(uintptr_t)(seed + 1)) != 0 ||
        pthread_join(thread, &thread_status) != 0)
        return CHILD_THREAD;
    if ((uintptr_t)thread_status != CHILD_OK) return (int)(uintptr_t)thread_status;
    gomem_malloc_info info;
    gomem_malloc_info_get(&info);
    if (info.misuses != misuses_at_fork) return CHILD_MISUSE;
    gomem_malloc_release();
    if (!gomem_allocator_invariants_hold(gomem_malloc_heap())) return CHILD_INVARIANTS;
    return CHILD_OK;
}

/* ---- the parent ------------------------------------------------------------------------------- */

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The child's wait status, or -1 when it did not finish by the deadline (then it is killed). */
static int wait_with_deadline(pid_t pid) {
    long long deadline = now_ms() + CHILD_DEADLINE_MS;
    for (;;) {
        int status;
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) return status;
        if (done < 0 && errno != EINTR) return -2;
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            return -1;
        }
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
}

static void test_fork_while_threads_allocate(void) {
    for (size_t i = 0; i < KEPT; i++) {
        kept_sizes[i] = 1 + i * 613 % 40000;
        kept[i] = malloc(kept_sizes[i]);
        CHECK(kept[i] != NULL);
        if (kept[i] == NULL) return;
        fill(kept[i], kept_sizes[i], (unsigned)(i + 100));
    }
    gomem_malloc_info start;
    gomem_malloc_info_get(&start);
    pthread_t hammers[2];
    for (size_t t = 0; t < 2; t++)
        CHECK_EQ(pthread_create(&hammers[t], NULL, hammer, (void *)(uintptr_t)t), 0);

    size_t forks = 0, exited_ok = 0, hung = 0, failed = 0, fork_errors = 0;
    int codes[256] = {0};
    for (size_t f = 0; f < FORKS && hung < MAX_HUNG; f++) {
        /* Let the hammers get going between forks, at varied points of their loops. */
        struct timespec pause = {0, (long)(f % 7) * 100000};
        nanosleep(&pause, NULL);
        pid_t pid = fork();
        if (pid == 0) _exit(child_main((unsigned)f + 1, start.misuses));
        if (pid < 0) {
            fork_errors++;
            continue;
        }
        forks++;
        int status = wait_with_deadline(pid);
        if (status == -1) {
            hung++;
            fprintf(stderr, "fork %zu: child still running after %d ms (deadlocked?), killed\n", f,
                    CHILD_DEADLINE_MS);
        } else if (status < 0) {
            failed++;
            fprintf(stderr, "fork %zu: waitpid failed\n", f);
        } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            exited_ok++;
        } else {
            failed++;
            if (WIFEXITED(status)) {
                codes[WEXITSTATUS(status) & 255]++;
                fprintf(stderr, "fork %zu: child exited with %d\n", f, WEXITSTATUS(status));
            } else if (WIFSIGNALED(status)) {
                fprintf(stderr, "fork %zu: child killed by signal %d\n", f, WTERMSIG(status));
            }
        }
        /* The parent's heap works between forks too. */
        void *p = malloc(f * 97 % 30000 + 1);
        CHECK(p != NULL);
        free(p);
    }
    atomic_store(&stop, true);
    for (size_t t = 0; t < 2; t++) pthread_join(hammers[t], NULL);
    for (size_t s = 0; s < SLOTS; s++) free((void *)atomic_exchange(&handoff[s], (uintptr_t)0));

    printf("forks: %zu, exited 0: %zu, failed: %zu, hung: %zu; hammer ops %zu + %zu\n", forks,
           exited_ok, failed, hung, hammer_ops[0], hammer_ops[1]);
    CHECK_EQ(fork_errors, 0);
    CHECK_EQ(hung, 0);
    CHECK_EQ(failed, 0);
    CHECK_EQ(exited_ok, FORKS);
    CHECK_EQ(hammer_failures[0] + hammer_failures[1], 0);
    CHECK(hammer_ops[0] > 0 && hammer_ops[1] > 0);
    for (int c = 1; c < 256; c++)
        if (codes[c]) fprintf(stderr, "  child exit code %d: %d times\n", c, codes[c]);
    /* The parent's heap after all that. */
    size_t broken = 0;
    for (size_t i = 0; i < KEPT; i++) {
        if (!holds(kept[i], kept_sizes[i], (unsigned)(i + 100))) broken++;
        free(kept[i]);
    }
    CHECK_EQ(broken, 0);
    gomem_malloc_info end;
    gomem_malloc_info_get(&end);
    CHECK_EQ(end.misuses, start.misuses);
    CHECK(gomem_allocator_invariants_hold(gomem_malloc_heap()));
}

int main(void) {
    /* Backstop: if the parent itself deadlocks (its heap left locked after a fork), SIGALRM's
     * default action ends the test with a failure. */
    alarm(240);
    setvbuf(stdout, NULL, _IOLBF, 0);
    RUN(test_fork_while_threads_allocate);
    return check_report("test_malloc_fork");
}
