# Replays every fuzz corpus in the normal build, without libFuzzer: one
# regression_<name> executable per fuzz/fuzz_<name>.c (fuzz/regression.c plus
# the target), one ctest regression.<name> over fuzz/corpus/<name>/.
# Included from tests/CMakeLists.txt.
file(GLOB FUZZ_REGRESSION_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/fuzz/fuzz_*.c)
foreach(src ${FUZZ_REGRESSION_SOURCES})
  get_filename_component(target ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" name ${target})
  add_executable(regression_${name} ${CMAKE_SOURCE_DIR}/fuzz/regression.c ${src})
  target_include_directories(regression_${name} PRIVATE ${CMAKE_SOURCE_DIR}/include
                                                         ${CMAKE_SOURCE_DIR}/lib)
  target_link_libraries(regression_${name} PRIVATE vigil_static)
  if(EXISTS ${CMAKE_SOURCE_DIR}/fuzz/corpus/${name})
    add_test(NAME regression.${name}
             COMMAND regression_${name} ${CMAKE_SOURCE_DIR}/fuzz/corpus/${name})
  else()
    message(WARNING "fuzz/corpus/${name}/ is missing: regression.${name} not registered")
  endif()
endforeach()
