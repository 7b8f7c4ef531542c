// What every fuzz target shares: libFuzzer calls this once before the first input.
#include "cos_exporter/common/log.hpp"

// Rejected input is logged by the code under test; at error level only what
// would surprise an operator reaches the fuzzer's output.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cos_exporter::Logger::global().configure(cos_exporter::LogLevel::error,
                                           cos_exporter::LogFormat::logfmt);
  return 0;
}
