# gomem_malloc: the C library's malloc family over gomem (src/malloc/), so that linking it (or
# preloading it) makes gomem a program's only allocator. Included by the top CMakeLists.txt when
# GOMEM_MALLOC is on. The core is compiled a second time for it, because its page source must not
# call the malloc it implements:
#   native (POSIX)  pages from mmap reservations (platform/page_reserve.c); always thread-safe, with
#                   a cache per thread (a preloaded library meets threads it was
#                   not told about), plus a shared library for LD_PRELOAD;
#   WASI            pages from memory.grow, without settling wasi-libc's malloc (it is replaced);
#   Emscripten      its own break, growing memory itself (link with -sMALLOC=none: there is
#                   no other allocator, and no sbrk).
if(GOMEM_WASM_MODULE OR WIN32)
  return() # no C library to replace (module) / not supported (Windows: see docs/malloc.md)
endif()

set(GOMEM_MALLOC_DEFINITIONS ${GOMEM_DEFINITIONS})
set(GOMEM_MALLOC_SOURCES src/malloc/heap.c src/malloc/shared_lists.c src/malloc/standard.c)
if(NOT EMSCRIPTEN AND NOT CMAKE_SYSTEM_NAME STREQUAL "WASI")
  # Threads on and pages from mmap, whatever the library build chose.
  list(FILTER GOMEM_MALLOC_DEFINITIONS EXCLUDE REGEX "^GOMEM_(THREADS|MMAP)=")
  list(APPEND GOMEM_MALLOC_DEFINITIONS GOMEM_THREADS=1 GOMEM_MMAP=1)
  list(APPEND GOMEM_MALLOC_SOURCES src/malloc/thread_cache.c)
elseif(GOMEM_THREADS)
  list(APPEND GOMEM_MALLOC_SOURCES src/malloc/thread_cache.c) # wasm threads (Emscripten -pthread)
endif()
list(APPEND GOMEM_MALLOC_DEFINITIONS GOMEM_BUILDING=1 GOMEM_MALLOC_BUILD=1)
# wasi-libc's malloc is replaced, so there is none to settle; memory grows by what is missing.
list(FILTER GOMEM_MALLOC_DEFINITIONS EXCLUDE REGEX "^GOMEM_SETTLE_LIBC_MALLOC=")
if(EMSCRIPTEN)
  set(GOMEM_MALLOC_PAGE_SOURCE platform/page_wasm.c src/malloc/grow_policy.c)
  list(APPEND GOMEM_MALLOC_DEFINITIONS GOMEM_PAGES_FROM_EMSCRIPTEN_HEAP=1)
elseif(CMAKE_SYSTEM_NAME STREQUAL "WASI")
  set(GOMEM_MALLOC_PAGE_SOURCE platform/page_wasm.c src/malloc/grow_policy.c)
else()
  set(GOMEM_MALLOC_PAGE_SOURCE platform/page_reserve.c)
endif()

set(GOMEM_CORE_SOURCES ${GOMEM_SOURCES})
list(REMOVE_ITEM GOMEM_CORE_SOURCES ${GOMEM_PAGE_SOURCE})
add_library(gomem_malloc_objects OBJECT
  ${GOMEM_CORE_SOURCES} ${GOMEM_MALLOC_PAGE_SOURCE} ${GOMEM_MALLOC_SOURCES})
set_target_properties(gomem_malloc_objects PROPERTIES POSITION_INDEPENDENT_CODE ON
                      C_VISIBILITY_PRESET hidden)
target_compile_definitions(gomem_malloc_objects PRIVATE ${GOMEM_MALLOC_DEFINITIONS})
target_include_directories(gomem_malloc_objects PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

# The heap without its standard names (standard.c): for the tests and fuzzers that run where the
# process keeps its own malloc (sanitizers and valgrind replace it). Native only: they call the
# heap's functions (src/malloc/heap.h) directly, compiled with GOMEM_MALLOC_DEFINITIONS.
if((GOMEM_BUILD_TESTS OR GOMEM_FUZZ) AND NOT EMSCRIPTEN AND NOT CMAKE_SYSTEM_NAME STREQUAL "WASI")
  set(gomem_heap_sources ${GOMEM_CORE_SOURCES} ${GOMEM_MALLOC_PAGE_SOURCE} ${GOMEM_MALLOC_SOURCES})
  list(REMOVE_ITEM gomem_heap_sources src/malloc/standard.c)
  add_library(gomem_heap_objects OBJECT ${gomem_heap_sources})
  target_compile_definitions(gomem_heap_objects PRIVATE ${GOMEM_MALLOC_DEFINITIONS})
  target_include_directories(gomem_heap_objects PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
endif()

add_library(gomem_malloc STATIC $<TARGET_OBJECTS:gomem_malloc_objects>)
add_library(gomem::gomem_malloc ALIAS gomem_malloc)
target_include_directories(gomem_malloc PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
list(APPEND GOMEM_INSTALL_TARGETS gomem_malloc)

if(NOT EMSCRIPTEN AND NOT CMAKE_SYSTEM_NAME STREQUAL "WASI")
  add_library(gomem_malloc_shared SHARED $<TARGET_OBJECTS:gomem_malloc_objects>)
  add_library(gomem::gomem_malloc_shared ALIAS gomem_malloc_shared)
  set_target_properties(gomem_malloc_shared PROPERTIES OUTPUT_NAME gomem_malloc
                        VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
  list(APPEND GOMEM_INSTALL_TARGETS gomem_malloc_shared)
endif()
install(FILES include/gomem_malloc.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
