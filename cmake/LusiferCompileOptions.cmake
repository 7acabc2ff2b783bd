# Compiler settings shared by every lusifer target: strict warnings, warnings
# as errors unless switched off, and the sanitizer build.

add_library(lusifer_compile_options INTERFACE)
target_compile_options(
  lusifer_compile_options
  INTERFACE -Wall
            -Wextra
            -Wpedantic
            -Wshadow
            -Wnon-virtual-dtor
            -Wcast-align
            -Woverloaded-virtual
            -Wimplicit-fallthrough
            -Wformat=2)
# GCC 12 reports impossible overlaps inside std::string at -O3 (GCC bugs
# 105329 and 105651); the warning is noise there, not a finding.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(lusifer_compile_options INTERFACE -Wno-restrict)
endif()
if(LUSIFER_WARNINGS_AS_ERRORS)
  target_compile_options(lusifer_compile_options INTERFACE -Werror)
endif()

if(LUSIFER_SANITIZE)
  set(_lusifer_sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer
                              -fno-sanitize-recover=undefined)
  target_compile_options(lusifer_compile_options INTERFACE ${_lusifer_sanitize_flags})
  target_link_options(lusifer_compile_options INTERFACE ${_lusifer_sanitize_flags})
endif()

# Every lusifer target includes from the repository root: "engine/...", "actors/...".
target_include_directories(lusifer_compile_options INTERFACE "${PROJECT_SOURCE_DIR}")
