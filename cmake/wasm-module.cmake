# The freestanding wasm module (included by the top CMakeLists.txt when GOMEM_WASM_MODULE is on):
#   gomem_module.wasm        what the JS wrapper calls (GOMEM_MODULE_EXPORTS) plus src/wasm_exports.c;
#   gomem_alloc_module.wasm  the allocator family alone (index, arena, scalable allocator,
#                            recyclable memory), to keep its size budget honest.
# Both export their memory. With GOMEM_WASM_SHARED (a build of its own) gomem_module is the
# shared-memory module instead: it imports its memory, shared by the instances of every worker.
# Binaryen's wasm-opt -Oz then shrinks each into *.opt.wasm.
set(GOMEM_MODULE_LINK_OPTIONS -Wl,--gc-sections -Wl,-z,stack-size=65536 -Wl,--max-memory=4294967296)

# What the JS wrapper (js/*.mjs) calls: exporting only these lets the linker drop the rest of the
# C API (the standalone index, arenas, buddy pools, most list functions), which the wrapper never
# reaches.
# tests/js/exports.test.mjs checks that every exports.gomem_* the wrapper names is here. The
# hardened module (no size budget) also exports gomem_allocator_invariants_hold, which the JS
# misuse catalogue calls; its 1.3 KB would put the default module over its budget.
set(GOMEM_MODULE_EXPORTS
  gomem_status_name gomem_status_message gomem_features gomem_page_source gomem_set_page_limit
  gomem_page_bytes_held
  gomem_allocator_create_ex gomem_allocator_destroy gomem_allocator_stats
  gomem_alloc gomem_free gomem_free_rest gomem_borrow gomem_trim
  gomem_recyclable_next_n gomem_recyclable_recycle
  gomem_memory_push_one gomem_memory_equal gomem_memory_reset
  gomem_reader_remaining gomem_reader_offset gomem_reader_skip gomem_reader_unread
  gomem_reader_move_to_end gomem_reader_refresh gomem_reader_read_bytes gomem_reader_read_view
  gomem_reader_range gomem_reader_clip_front gomem_reader_read_leb128
  gomem_wasm_scratch gomem_wasm_memory_new gomem_wasm_memory_delete gomem_wasm_reader_new
  gomem_wasm_reader_delete gomem_wasm_recyclable_new gomem_wasm_recyclable_delete
  gomem_wasm_reserve gomem_wasm_layout gomem_wasm_describe)
if(GOMEM_HARDENED)
  list(APPEND GOMEM_MODULE_EXPORTS gomem_allocator_invariants_hold)
endif()
if(GOMEM_WASM_SHARED)
  # One memory for every instance, made by JS and imported (so each worker's instance gets the
  # same one); its data is initialised once, by the first instance (wasm-ld's start function).
  list(APPEND GOMEM_MODULE_LINK_OPTIONS -Wl,--shared-memory -Wl,--import-memory)
  list(APPEND GOMEM_MODULE_EXPORTS gomem_wasm_instance_new gomem_wasm_instance_enter
    gomem_wasm_instance_delete)
endif()
list(TRANSFORM GOMEM_MODULE_EXPORTS PREPEND "-Wl,--export=" OUTPUT_VARIABLE GOMEM_MODULE_EXPORT_FLAGS)

add_executable(gomem_module src/wasm_exports.c $<TARGET_OBJECTS:gomem_objects>)
target_include_directories(gomem_module PRIVATE include)
target_compile_definitions(gomem_module PRIVATE ${GOMEM_DEFINITIONS} GOMEM_BUILDING=1)
set_target_properties(gomem_module PROPERTIES C_VISIBILITY_PRESET hidden)
target_link_options(gomem_module PRIVATE ${GOMEM_MODULE_LINK_OPTIONS} ${GOMEM_MODULE_EXPORT_FLAGS})

set(GOMEM_WASM_MODULES gomem_module)
if(NOT GOMEM_WASM_SHARED) # the allocator family's budget is kept by the default build alone
  set(GOMEM_ALLOC_EXPORTS
    gomem_allocator_create gomem_allocator_create_ex gomem_allocator_destroy gomem_alloc gomem_free
    gomem_borrow gomem_free_rest gomem_trim gomem_allocator_recycle gomem_allocator_stats
    gomem_recyclable_init gomem_recyclable_next_n gomem_recyclable_recycle)
  list(TRANSFORM GOMEM_ALLOC_EXPORTS PREPEND "-Wl,--export=")
  add_executable(gomem_alloc_module $<TARGET_OBJECTS:gomem_objects>)
  target_link_options(gomem_alloc_module PRIVATE ${GOMEM_MODULE_LINK_OPTIONS} ${GOMEM_ALLOC_EXPORTS})
  list(APPEND GOMEM_WASM_MODULES gomem_alloc_module)
endif()
set_target_properties(${GOMEM_WASM_MODULES} PROPERTIES SUFFIX .wasm)

# --low-memory-unused: nothing lives below address 1024 (wasm-ld puts data there and the stack
# after it; pages come from memory.grow), so constant offsets fold into loads and stores, as
# Emscripten does for the same layout. The producers and target-features sections are read by
# no engine. -Oz twice: the second pass finds more after the first. Together about 290 bytes.
set(GOMEM_WASM_OPT_FLAGS -Oz --enable-bulk-memory --low-memory-unused --strip-producers
  --strip-target-features -Oz)
if(GOMEM_WASM_SHARED)
  list(APPEND GOMEM_WASM_OPT_FLAGS --enable-threads --enable-mutable-globals)
endif()
find_program(GOMEM_WASM_OPT wasm-opt)
foreach(module IN LISTS GOMEM_WASM_MODULES)
  if(GOMEM_WASM_OPT)
    add_custom_command(TARGET ${module} POST_BUILD
      COMMAND ${GOMEM_WASM_OPT} ${GOMEM_WASM_OPT_FLAGS} $<TARGET_FILE:${module}>
              -o ${CMAKE_CURRENT_BINARY_DIR}/${module}.opt.wasm
      COMMENT "wasm-opt -Oz ${module}")
  endif()
endforeach()
