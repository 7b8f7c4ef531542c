#include "cos_exporter/inputs/input.hpp"

#include "datagram_input.hpp"
#include "file_input.hpp"
#include "otlp/otlp_input.hpp"
#include "tcp_input.hpp"

namespace cos_exporter {
namespace {

template <typename... Kinds>
struct Overloaded : Kinds... {
  using Kinds::operator()...;
};
template <typename... Kinds>
Overloaded(Kinds...) -> Overloaded<Kinds...>;

}  // namespace

std::string const& input_name(InputConfig const& config) {
  return input_settings(config).name;
}

std::string input_identity(InputConfig const& config) {
  return std::visit([](auto const& c) { return c.identity(); }, config);
}

bool records_positions(InputConfig const& config) {
  return std::holds_alternative<FileInputConfig>(config);
}

LineParser make_line_parser(InputConfig const& config, std::size_t max_line_bytes) {
  return make_line_parser(input_settings(config), max_line_bytes);
}

LineParser make_line_parser(InputSettings const& settings, std::size_t max_line_bytes) {
  return LineParser(settings.format, settings.regex, max_line_bytes, settings.envelope);
}

std::shared_ptr<Input> make_input(InputConfig const& config, InputContext const& context) {
  return std::visit(
      Overloaded{
          [&](UdpInputConfig const& c) -> std::shared_ptr<Input> {
            return std::make_shared<UdpInput>(context.io, c, context.hub, context.max_line_bytes);
          },
          [&](UnixgramInputConfig const& c) -> std::shared_ptr<Input> {
            return std::make_shared<UnixgramInput>(context.io, c, context.hub,
                                                   context.max_line_bytes);
          },
          [&](TcpInputConfig const& c) -> std::shared_ptr<Input> {
            return std::make_shared<TcpInput>(context.io, c, context.hub, context.max_line_bytes,
                                              context.make_tls);
          },
          [&](FileInputConfig const& c) -> std::shared_ptr<Input> {
            return std::make_shared<FileInput>(context.io, c, context.hub, context.positions,
                                               context.max_line_bytes);
          },
          [&](OtlpInputConfig const& c) -> std::shared_ptr<Input> {
            return std::make_shared<OtlpInput>(context.io, c, context.hub, context.max_line_bytes);
          }},
      config);
}

}  // namespace cos_exporter
