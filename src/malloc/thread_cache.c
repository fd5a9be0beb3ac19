/*
 * thread_cache.c - the slow paths of the per-thread caches (see thread_cache.h): setting a cache
 * up, batch refills and spills through the shared lists of heap.c, giving a cache back when its
 * thread exits, and the list of active caches that gomem_malloc_info reads.
 */
#include <pthread.h>

#include "heap.h"
#include "thread_cache.h"

_Thread_local thread_cache gomem_thread_cache CACHE_TLS_MODEL;

static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static bool exit_key_made;

/* Active caches, for the totals of gomem_malloc_info; guarded by the heap lock. */
static thread_cache *active;

static void give_back(thread_cache *cache, bool all);

/* Thread exit: the cache's blocks go back to the shared lists, and the thread uses those from
 * now on (other destructors may still allocate). */
static void thread_exits(void *value) {
    thread_cache *cache = value;
    give_back(cache, true);
    gomem_heap_lock();
    if (cache->prev) cache->prev->next = cache->next;
    else active = cache->next;
    if (cache->next) cache->next->prev = cache->prev;
    gomem_heap_unlock();
    cache->state = CACHE_GONE;
}

static void make_exit_key(void) { exit_key_made = pthread_key_create(&exit_key, thread_exits) == 0; }

/* Blocks of class c one cache may keep: CACHE_CLASS_BYTES' worth, 4 to 256 of them. */
static uint32_t class_limit(unsigned c) {
    size_t blocks = CACHE_CLASS_BYTES / class_span(c);
    return blocks < 4 ? 4 : blocks > 256 ? 256 : (uint32_t)blocks;
}

thread_cache *gomem_thread_cache_start(void) {
    thread_cache *cache = &gomem_thread_cache;
    if (cache->state != CACHE_NEW) return NULL; /* gone, or being set up (a nested call) */
    cache->state = CACHE_SETTING_UP;
    /* Both calls may allocate (glibc's key table): nested calls see SETTING_UP and take the
     * shared lists. */
    (void)pthread_once(&exit_key_once, make_exit_key);
    if (!exit_key_made || pthread_setspecific(exit_key, cache) != 0) {
        cache->state = CACHE_GONE; /* no way to give it back at exit: do without */
        return NULL;
    }
    for (unsigned c = 0; c < CLASS_COUNT; c++) cache->classes[c].limit = class_limit(c);
    gomem_heap_lock();
    cache->next = active;
    cache->prev = NULL;
    if (active) active->prev = cache;
    active = cache;
    gomem_heap_unlock();
    cache->state = CACHE_ACTIVE;
    return cache;
}

static void decay(thread_cache *cache);

block_header *gomem_thread_cache_refill(thread_cache *cache, unsigned c) {
    if (++cache->batches >= DECAY_BATCHES) decay(cache);
    cache_class *list = &cache->classes[c];
    block_header *chain = NULL;
    size_t bytes = 0;
    unsigned got = gomem_heap_take_batch(c, list->limit / 2 ? list->limit / 2 : 1, &chain, &bytes);
    if (got == 0) return NULL;
    block_header *first = chain;
    list->head = block_next(first);
    list->count = got - 1;
    cache_account(cache, cache_bytes(cache) + bytes - class_span(c));
    return first;
}

/* Unlink up to `count` blocks from the top of class c's stack as a chain (its last block in
 * *tail when tail is not NULL). */
static block_header *take_from(thread_cache *cache, cache_class *list, uint32_t count,
                               block_header **tail) {
    block_header *chain = list->head, *last = NULL;
    size_t bytes = 0;
    for (uint32_t i = 0; i < count && list->head != NULL; i++) {
        last = list->head;
        bytes += block_span(last);
        list->head = block_next(last);
        list->count--;
    }
    if (list->low > list->count) list->low = list->count;
    if (tail != NULL) *tail = last;
    if (last == NULL) return NULL;
    block_set_next(last, NULL);
    cache_account(cache, cache_bytes(cache) - bytes);
    return chain;
}

void gomem_thread_cache_push_spilling(thread_cache *cache, unsigned c, block_header *h) {
    if (++cache->batches >= DECAY_BATCHES) decay(cache);
    cache_class *list = &cache->classes[c];
    if (!thread_cache_has_room(cache, c) && list->count > 0)
        /* Half of the class (at least one block): the rest stays for the next allocations. */
        gomem_heap_give_batch(take_from(cache, list, list->count > 1 ? list->count / 2 : 1, NULL));
    if (thread_cache_has_room(cache, c)) {
        thread_cache_push(cache, c, h);
    } else { /* the other classes fill the cache: this block goes to the shared lists */
        block_set_next(h, NULL);
        gomem_heap_give_batch(h);
    }
}

/* Each class gives back to the shared lists what it kept unused since the last decay, or, when
 * `all`, everything it keeps. */
static void give_back(thread_cache *cache, bool all) {
    for (unsigned c = 0; c < CLASS_COUNT; c++) {
        cache_class *list = &cache->classes[c];
        uint32_t count = all ? list->count : list->low;
        if (count != 0) gomem_heap_give_batch(take_from(cache, list, count, NULL));
        list->low = list->count;
    }
}

static void decay(thread_cache *cache) {
    cache->batches = 0;
    give_back(cache, false);
}

block_header *gomem_thread_cache_take_all(void) {
    thread_cache *cache = &gomem_thread_cache;
    if (cache->state != CACHE_ACTIVE) return NULL;
    block_header *all = NULL;
    for (unsigned c = 0; c < CLASS_COUNT; c++) {
        cache_class *list = &cache->classes[c];
        block_header *last, *chain = take_from(cache, list, list->count, &last);
        list->low = 0;
        if (chain == NULL) continue;
        block_set_next(last, all);
        all = chain;
    }
    return all;
}

size_t gomem_thread_caches_bytes_locked(void) {
    size_t bytes = 0;
    for (const thread_cache *cache = active; cache != NULL; cache = cache->next)
        bytes += cache_bytes(cache);
    return bytes;
}

void gomem_thread_caches_forget_others_locked(void) {
    thread_cache *mine = &gomem_thread_cache;
    active = mine->state == CACHE_ACTIVE ? mine : NULL;
    mine->next = mine->prev = NULL;
}
