# The allocator the lusifer program runs on: mimalloc by default, or the C
# library's malloc.
#
# Why: a simulation step allocates millions of small blocks a second on one
# thread and frees them on another (the coordinator's slates are freed by
# user actors, the users' feedback by the coordinator). mimalloc is made for
# that pattern; with glibc's malloc the 100,000-user benchmark ran about a
# third slower per CPU-second and held 4% more memory (bench/README.md, "The
# allocator").
#
# mimalloc replaces malloc/free/new/delete for the whole process when its
# shared library is linked (Debian ships no static one). The sanitizer and
# fuzzing builds keep the C library's malloc: ASan must see every allocation.
set(LUSIFER_ALLOCATOR "mimalloc" CACHE STRING "Allocator of the lusifer program: mimalloc or system")
set_property(CACHE LUSIFER_ALLOCATOR PROPERTY STRINGS mimalloc system)

add_library(lusifer_allocator INTERFACE)
if(LUSIFER_SANITIZE OR LUSIFER_BUILD_FUZZERS)
  set(LUSIFER_ALLOCATOR "system")
endif()
if(LUSIFER_ALLOCATOR STREQUAL "mimalloc")
  find_package(mimalloc 2 REQUIRED)
  # --no-as-needed around it: lusifer calls no mimalloc function by name, and
  # a linker that drops unreferenced libraries would otherwise leave it out.
  set(CMAKE_LINK_LIBRARY_USING_NO_AS_NEEDED "LINKER:--push-state,--no-as-needed" "<LINK_ITEM>"
                                            "LINKER:--pop-state")
  set(CMAKE_LINK_LIBRARY_USING_NO_AS_NEEDED_SUPPORTED TRUE)
  target_link_libraries(lusifer_allocator INTERFACE "$<LINK_LIBRARY:NO_AS_NEEDED,mimalloc>")
elseif(NOT LUSIFER_ALLOCATOR STREQUAL "system")
  message(FATAL_ERROR "LUSIFER_ALLOCATOR must be mimalloc or system, not '${LUSIFER_ALLOCATOR}'")
endif()
message(STATUS "lusifer allocator: ${LUSIFER_ALLOCATOR}")
