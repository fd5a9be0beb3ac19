/*
 * thread_cache.c - the slow paths of the per-thread caches (see thread_cache.h): setting a cache
 * up, batch refills and spills through the shared lists of heap.c, giving a cache back when its
 * thread exits, and the list of active caches that gomem_malloc_info reads.
 */
#include <pthread.h>
#include <string.h>

#include "heap.h"
#include "thread_cache.h"

_Thread_local thread_cache gomem_thread_cache CACHE_TLS_MODEL;

static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static bool exit_key_made;

/* Active caches, for the totals of gomem_malloc_info; guarded by the heap lock. */
static thread_cache *active;

/* Blocks of class c one cache may keep: CACHE_CLASS_BYTES' worth, 8 to 256 of them (a batch is
 * half of it: fewer than 4 made the largest classes move a batch every other operation). */
static uint32_t class_limit(unsigned c) {
    size_t blocks = CACHE_CLASS_BYTES / class_span(c);
    return blocks < 8 ? 8 : blocks > 256 ? 256 : (uint32_t)blocks;
}

/* Bytes of a cache's slots, every class's together: metadata pages of their own, outside the
 * heap's arenas (so a thread's cache never keeps an arena from being released). */
static size_t storage_bytes(void) {
    size_t slots = 0;
    for (unsigned c = 0; c < CLASS_COUNT; c++) slots += class_limit(c);
    return slots * sizeof(block_header *);
}

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
    cache->state = CACHE_GONE; /* every use checks it first: the slots are not read again */
    gomem_meta_free(cache->storage, storage_bytes());
    cache->storage = NULL;
}

static void make_exit_key(void) { exit_key_made = pthread_key_create(&exit_key, thread_exits) == 0; }

thread_cache *gomem_thread_cache_start(void) {
    thread_cache *cache = &gomem_thread_cache;
    if (cache->state != CACHE_NEW) return NULL; /* gone, or being set up (a nested call) */
    cache->state = CACHE_SETTING_UP;
    /* These calls may allocate (glibc's key table, the slots): nested calls see SETTING_UP and
     * take the shared lists. */
    (void)pthread_once(&exit_key_once, make_exit_key);
    cache->storage = exit_key_made ? gomem_meta_alloc(storage_bytes()) : NULL;
    if (cache->storage == NULL || pthread_setspecific(exit_key, cache) != 0) {
        if (cache->storage != NULL) gomem_meta_free(cache->storage, storage_bytes());
        cache->storage = NULL;
        cache->state = CACHE_GONE; /* no way to give it back at exit, or no room: do without */
        return NULL;
    }
    block_header **next_slots = cache->storage;
    for (unsigned c = 0; c < CLASS_COUNT; c++) {
        cache->classes[c].slots = next_slots;
        cache->classes[c].limit = class_limit(c);
        next_slots += cache->classes[c].limit;
    }
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
    /* The class is empty: the batch fills the bottom of its stack. */
    unsigned got = gomem_heap_take_batch(c, list->limit / 2 ? list->limit / 2 : 1, list->slots);
    if (got == 0) return NULL;
    list->count = got - 1;
    cache_account(cache, cache_bytes(cache) + (size_t)(got - 1) * class_span(c));
    return list->slots[got - 1];
}

/* Give the `count` oldest blocks of a class (the bottom of its stack) to the shared lists. */
static void give_oldest(thread_cache *cache, unsigned c, uint32_t count) {
    cache_class *list = &cache->classes[c];
    if (count == 0) return;
    gomem_heap_give_batch(c, list->slots, count);
    list->count -= count;
    memmove(list->slots, list->slots + count, list->count * sizeof list->slots[0]);
    if (list->low > list->count) list->low = list->count;
    cache_account(cache, cache_bytes(cache) - (size_t)count * class_span(c));
}

void gomem_thread_cache_push_spilling(thread_cache *cache, unsigned c, block_header *h) {
    if (++cache->batches >= DECAY_BATCHES) decay(cache);
    cache_class *list = &cache->classes[c];
    /* Half of the class (at least one block): the newer half stays for the next allocations. */
    if (!thread_cache_has_room(cache, c)) give_oldest(cache, c, (list->count + 1) / 2);
    if (thread_cache_has_room(cache, c)) /* else the other classes fill the cache */
        thread_cache_push(cache, c, h);
    else
        gomem_heap_give_batch(c, &h, 1);
}

/* Each class gives back to the shared lists half of what it kept unused since the last decay (at
 * least one block when it kept any unused), or, when `all`, everything it keeps. */
static void give_back(thread_cache *cache, bool all) {
    for (unsigned c = 0; c < CLASS_COUNT; c++) {
        cache_class *list = &cache->classes[c];
        give_oldest(cache, c, all ? list->count : (list->low + 1) / 2);
        list->low = list->count;
    }
}

static void decay(thread_cache *cache) {
    cache->batches = 0;
    give_back(cache, false);
}

bool gomem_thread_cache_give_all(void (*give)(block_header *h)) {
    thread_cache *cache = &gomem_thread_cache;
    if (cache->state != CACHE_ACTIVE) return false;
    bool any = false;
    for (unsigned c = 0; c < CLASS_COUNT; c++) {
        cache_class *list = &cache->classes[c];
        for (uint32_t i = 0; i < list->count; i++) give(list->slots[i]);
        any |= list->count != 0;
        list->count = list->low = 0;
    }
    cache_account(cache, 0);
    return any;
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
