/*
 * index_common.c - the parts of the free-block index API that do not depend on its tree: the
 * standalone object (an index with a node pool of its own) and the O(1) accessors.
 */
#include "index.h"

/* A standalone index owns its pool; the index comes first so the two pointers convert. */
typedef struct standalone_index {
    gomem_index index;
    gomem_nodepool pool;
} standalone_index;

gomem_index *gomem_index_create(size_t size) {
    if (size == 0 || size > GOMEM_ARENA_LIMIT) return NULL;
    standalone_index *self = gomem_meta_alloc(sizeof *self);
    if (self == NULL) return NULL;
    gomem_nodepool_init(&self->pool);
    if (gomem_index_init(&self->index, &self->pool, size) != GOMEM_OK) {
        gomem_meta_free(self, sizeof *self);
        return NULL;
    }
    return &self->index;
}

#if !GOMEM_INDEX_TLSF
/* Nothing to change: first fit in address order (treap) and best fit (avl) take a hole before
 * the top block whenever one holds the request. The tlsf index defines its own. */
void gomem_index_set_compact(gomem_index *index, bool compact) {
    (void)index;
    (void)compact;
}
#endif

void gomem_index_destroy(gomem_index *index) {
    if (index == NULL) return;
    standalone_index *self = (standalone_index *)index;
    gomem_index_release(&self->index);
    gomem_nodepool_release(&self->pool);
    gomem_meta_free(self, sizeof *self);
}

size_t gomem_index_free_size(const gomem_index *index) { return (size_t)index->free_bytes; }

size_t gomem_index_block_count(const gomem_index *index) { return index->blocks; }

size_t gomem_index_size(const gomem_index *index) { return index->size; }
