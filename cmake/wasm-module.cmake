# The freestanding wasm module (included by the top CMakeLists.txt when GOMEM_WASM_MODULE is on):
#   gomem_module.wasm        every public function plus src/wasm_exports.c, for the JS wrapper;
#   gomem_alloc_module.wasm  the allocator family alone (index, arena, scalable allocator,
#                            recyclable memory), to keep its size budget honest.
# Both export their memory. Binaryen's wasm-opt -Oz then shrinks each into *.opt.wasm.
set(GOMEM_MODULE_LINK_OPTIONS -Wl,--gc-sections -Wl,-z,stack-size=65536 -Wl,--max-memory=4294967296)

add_executable(gomem_module src/wasm_exports.c $<TARGET_OBJECTS:gomem_objects>)
target_include_directories(gomem_module PRIVATE include)
target_compile_definitions(gomem_module PRIVATE ${GOMEM_DEFINITIONS} GOMEM_BUILDING=1)
set_target_properties(gomem_module PROPERTIES C_VISIBILITY_PRESET hidden)
# Every symbol of default visibility (the public API and the wasm entry points) is exported.
target_link_options(gomem_module PRIVATE ${GOMEM_MODULE_LINK_OPTIONS} -Wl,--export-dynamic)

set(GOMEM_ALLOC_EXPORTS
  gomem_allocator_create gomem_allocator_create_ex gomem_allocator_destroy gomem_malloc gomem_free
  gomem_borrow gomem_free_rest gomem_trim gomem_allocator_recycle gomem_allocator_stats
  gomem_recyclable_init gomem_recyclable_next_n gomem_recyclable_recycle gomem_status_name)
list(TRANSFORM GOMEM_ALLOC_EXPORTS PREPEND "-Wl,--export=")
add_executable(gomem_alloc_module $<TARGET_OBJECTS:gomem_objects>)
target_link_options(gomem_alloc_module PRIVATE ${GOMEM_MODULE_LINK_OPTIONS} ${GOMEM_ALLOC_EXPORTS})

set_target_properties(gomem_module gomem_alloc_module PROPERTIES SUFFIX .wasm)

find_program(GOMEM_WASM_OPT wasm-opt)
foreach(module IN ITEMS gomem_module gomem_alloc_module)
  if(GOMEM_WASM_OPT)
    add_custom_command(TARGET ${module} POST_BUILD
      COMMAND ${GOMEM_WASM_OPT} -Oz --enable-bulk-memory $<TARGET_FILE:${module}>
              -o ${CMAKE_CURRENT_BINARY_DIR}/${module}.opt.wasm
      COMMENT "wasm-opt -Oz ${module}")
  endif()
endforeach()
