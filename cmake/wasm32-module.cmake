# Toolchain for the freestanding wasm module of the npm package: clang --target=wasm32, no C
# library, no WASI. Use: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/wasm32-module.cmake ...
# (scripts/build-wasm-module.sh does it and runs Binaryen's wasm-opt on the result).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(GOMEM_WASM_MODULE ON CACHE BOOL "Build the freestanding wasm module" FORCE)

find_program(GOMEM_CLANG NAMES clang clang-14 REQUIRED)
set(CMAKE_C_COMPILER ${GOMEM_CLANG})
set(CMAKE_C_COMPILER_TARGET wasm32)
# No libc: the objects only need the compiler's own headers; bulk memory turns copies and fills
# into single instructions.
set(CMAKE_C_FLAGS_INIT "-mbulk-memory")
# The module ships to browsers: optimise release builds for size. Set in the cache, because the
# _INIT variable would be followed by CMake's own "-Os", which wins.
set(CMAKE_C_FLAGS_MINSIZEREL "-Oz -DNDEBUG" CACHE STRING "Flags for the size-optimised module")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -Wl,--no-entry")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
