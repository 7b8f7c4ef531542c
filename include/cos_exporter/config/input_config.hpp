#pragma once

#include <variant>

#include "cos_exporter/config/file_input_config.hpp"
#include "cos_exporter/config/input_settings.hpp"
#include "cos_exporter/config/otlp_input_config.hpp"
#include "cos_exporter/config/socket_input_config.hpp"
#include "cos_exporter/config/tcp_input_config.hpp"

namespace cos_exporter {

// The settings of one input of any kind. The only list of the kinds: the
// config reader, reload and make_input take each kind's part from its config
// type (socket_input_config.hpp says what one has). A new kind adds itself
// here, to make_input (inputs/input.cpp) and to CMakeLists.txt.
using InputConfig = std::variant<UdpInputConfig, UnixgramInputConfig, TcpInputConfig,
                                 FileInputConfig, OtlpInputConfig>;

// What every kind has.
inline InputSettings const& input_settings(InputConfig const& config) {
  return std::visit([](InputSettings const& c) -> InputSettings const& { return c; }, config);
}

// Calls f(static_cast<Kind*>(nullptr)) for every kind, in the variant's order
// (the order the inputs start in).
template <typename F>
void for_each_input_kind(F&& f) {
  [&]<typename... Kinds>(std::variant<Kinds...> const*) {
    (f(static_cast<Kinds*>(nullptr)), ...);
  }(static_cast<InputConfig const*>(nullptr));
}

}  // namespace cos_exporter
