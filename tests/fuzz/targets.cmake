# The fuzz targets (tests/fuzz/fuzz_<name>.cpp, seeds in tests/fuzz/corpus/<name>/)
# and how ctest runs one briefly. Included by tests/fuzz/CMakeLists.txt, which
# builds them, and by tests/CMakeLists.txt, which runs a fuzz tree's binaries.
set(COS_FUZZ_TARGETS line_formats config catalog web_config state_file file_reader
                     compressed_file otlp frame_decoder)

set(COS_FUZZ_SECONDS 4 CACHE STRING "seconds ctest fuzzes each target (after replaying its corpus)")

# cos_add_fuzz_test(NAME BINARY WORK_DIR): replays the checked-in seeds, then
# mutates them for COS_FUZZ_SECONDS. New inputs go to WORK_DIR/ctest-corpus/NAME
# (the first corpus directory), emptied before every run so the replay stays
# short; crash reproducers go to WORK_DIR/artifacts/. The checked-in corpus
# is only read.
function(cos_add_fuzz_test name binary work_dir)
  if(NOT TEST fuzz.fresh_corpus)
    add_test(NAME fuzz.fresh_corpus COMMAND ${CMAKE_COMMAND} -E rm -rf ${work_dir}/ctest-corpus)
    set_tests_properties(fuzz.fresh_corpus PROPERTIES FIXTURES_SETUP fuzz_corpus)
  endif()
  add_test(NAME fuzz.${name}
           COMMAND ${binary} -max_total_time=${COS_FUZZ_SECONDS} -timeout=30 -rss_limit_mb=2048
                   -print_final_stats=1 -create_missing_dirs=1
                   -artifact_prefix=${work_dir}/artifacts/${name}-
                   ${work_dir}/ctest-corpus/${name} ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
  set_tests_properties(fuzz.${name} PROPERTIES TIMEOUT 300 FIXTURES_REQUIRED fuzz_corpus)
endfunction()
