#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "cos_exporter/config/config.hpp"
#include "cos_exporter/counting/counting_hub.hpp"
#include "cos_exporter/inputs/input_status.hpp"
#include "cos_exporter/parsing/line_parser.hpp"

struct ssl_ctx_st;

namespace cos_exporter {

class PositionStore;

// Builds the OpenSSL server context of a tcp input's tls settings (the
// daemon hands in the web config's builder); throws with the reason.
using TlsContextMaker = std::function<std::shared_ptr<ssl_ctx_st>(TcpTlsConfig const&)>;

// What every input runs with besides its own settings.
struct InputContext {
  boost::asio::io_context& io;
  CountingHub& hub;
  std::size_t max_line_bytes;
  PositionStore* positions;       // may be null; file inputs record where they are into it
  TlsContextMaker make_tls = {};  // may be empty: a tcp input with tls then fails to start
};

// A source of event lines: a socket or a set of files. Every input hands its
// lines to a LineProcessor (parse, classify, count) on the io_context's
// thread. Inputs are made by make_input and owned by shared_ptr, since
// pending asynchronous work keeps them alive.
class Input : public std::enable_shared_from_this<Input> {
 public:
  virtual ~Input() = default;

  // Binds the socket or starts following the files; throws std::runtime_error
  // naming the input and its address.
  virtual void start() = 0;
  // Reads what is still queued, then lets go of the socket or files: nothing
  // that reached the input goes uncounted.
  virtual void stop() = 0;
  // What the landing page shows.
  virtual InputStatus status() const = 0;
  // Brings counters that are read rather than counted up to date (the
  // kernel's drop count), just before a scrape.
  virtual void before_scrape() {}
  // Takes over `config`, whose identity (input_identity) is this input's,
  // keeping the socket, what is queued in it and the file positions.
  // `parser` is the new config's, built by the caller where building can
  // still fail harmlessly: this cannot fail.
  virtual void reconfigure(InputConfig const& config, LineParser parser,
                           InputContext const& context) = 0;
};

std::string const& input_name(InputConfig const& config);
// The part of an input's config that names its socket or files ("udp
// 127.0.0.1:9742"). A reload keeps the input with the same identity.
std::string input_identity(InputConfig const& config);
// True for inputs that record positions, which a new state file reconfigures.
bool records_positions(InputConfig const& config);
// The parser `config` asks for; throws std::runtime_error on a bad regex.
LineParser make_line_parser(InputConfig const& config, std::size_t max_line_bytes);
LineParser make_line_parser(InputSettings const& settings, std::size_t max_line_bytes);

// A new, not yet started input of the kind `config` is.
std::shared_ptr<Input> make_input(InputConfig const& config, InputContext const& context);

}  // namespace cos_exporter
