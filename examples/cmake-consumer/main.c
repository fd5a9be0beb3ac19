/* Links against an installed gomem and checks one segmented free end to end. */
#include <gomem.h>
#include <stdio.h>

int main(void) {
    gomem_allocator *allocator = gomem_allocator_create(0);
    unsigned char *buf = allocator ? gomem_alloc(allocator, 1024) : NULL;
    int ok = buf != NULL && gomem_free(allocator, buf + 256, 256) == GOMEM_OK &&
             gomem_free(allocator, buf, 256) == GOMEM_OK &&
             gomem_free(allocator, buf + 512, 512) == GOMEM_OK &&
             gomem_free(allocator, buf, 1) == GOMEM_ERR_DOUBLE_FREE;
    gomem_allocator_destroy(allocator);
    printf("consumer: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
