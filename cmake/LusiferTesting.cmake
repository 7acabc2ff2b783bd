# lusifer_add_test(<name> LABEL <unit|integration|stress> SOURCES ... [LIBRARIES ...])
#
# One Catch2 executable whose test cases ctest discovers one by one, all
# carrying LABEL. Tests find their fixtures through LUSIFER_FIXTURES_DIR and
# the real datasets through the LUSIFER_DATA_DIR environment variable (tests
# that need those skip with a message where it is unset).
#
# Each executable is also a dependency of the target lusifer_<LABEL>_tests
# (lusifer_unit_tests, ...), so a build can be limited to the executables of
# one label.
#
# The sanitizer CI job (scripts/test-asan.sh) runs a subset of the unit
# tests, small enough to build and run within its time budget: the unit-test
# executables whose name matches the regular expression LUSIFER_ASAN_TESTS
# (set by the `asan` configure preset) are the dependencies of the target
# lusifer_asan_tests, which the job builds. The `asan` test preset runs the
# label `unit`, which holds only the tests of executables that were built:
# catch_discover_tests lists an unbuilt one as a single unlabelled
# <name>_NOT_BUILT placeholder, which the label filter leaves out.
include(Catch)

set(LUSIFER_ASAN_TESTS
    ""
    CACHE STRING "Regex of the unit-test executables the sanitizer job builds (target lusifer_asan_tests)")

function(lusifer_add_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_LABEL)
    message(FATAL_ERROR "lusifer_add_test(${name}): LABEL is required")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES} lusifer_test_support
                                        Catch2::Catch2WithMain)
  catch_discover_tests(
    ${name}
    TEST_PREFIX "${name}:"
    PROPERTIES LABELS "${ARG_LABEL}")
  set(groups ${ARG_LABEL})
  if(ARG_LABEL STREQUAL "unit"
     AND NOT LUSIFER_ASAN_TESTS STREQUAL ""
     AND name MATCHES "${LUSIFER_ASAN_TESTS}")
    list(APPEND groups asan)
  endif()
  foreach(group IN LISTS groups)
    if(NOT TARGET lusifer_${group}_tests)
      add_custom_target(lusifer_${group}_tests)
    endif()
    add_dependencies(lusifer_${group}_tests ${name})
  endforeach()
endfunction()
