# Script mode: fails when a C++ source of the project is not formatted as
# clang-format would write it. Usage: cmake -DCLANG_FORMAT=... -DROOT=... -P check_format.cmake
file(GLOB_RECURSE sources ${ROOT}/exporter/*.cpp ${ROOT}/exporter/*.hpp ${ROOT}/include/*.hpp ${ROOT}/tests/*.cpp
     ${ROOT}/tests/*.hpp ${ROOT}/bench/*.cpp)
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${sources}
                RESULT_VARIABLE result ERROR_VARIABLE problems)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "Not formatted (run clang-format -i on these):\n${problems}")
endif()
message(STATUS "every C++ source is clang-formatted")
