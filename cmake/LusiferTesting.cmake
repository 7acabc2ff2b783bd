# lusifer_add_test(<name> LABEL <unit|integration|stress> SOURCES ... [LIBRARIES ...])
#
# One Catch2 executable whose test cases ctest discovers one by one, all
# carrying LABEL. Tests find their fixtures through LUSIFER_FIXTURES_DIR and
# the real datasets through the LUSIFER_DATA_DIR environment variable (tests
# that need those skip with a message where it is unset).
include(Catch)

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
    PROPERTIES LABELS "${ARG_LABEL}"
    DISCOVERY_TIMEOUT 30)
endfunction()
