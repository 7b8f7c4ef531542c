#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>

#include "otlp_handler.hpp"

namespace cos_exporter {
class OtlpInput;
}

namespace cos_exporter::otlp {

// One HTTP/1.1 connection to an otlp input: reads each request's head, checks
// what needs no body (path, method, Content-Type, Content-Length against
// max_body_bytes), answers `Expect: 100-continue`, reads the body (bounded),
// has the input's handler answer it, and keeps the connection for the next
// request. A refused connection (every connection in use) is answered 503 to
// its first request and closed.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<OtlpInput> input, bool refused);
  ~Session();

  void run();
  // The input stops: close now.
  void close() noexcept;

 private:
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void read_head();
  void on_head(boost::system::error_code ec);
  void read_body();
  void on_body(boost::system::error_code ec);
  bool read_failed(boost::system::error_code ec, char const* what);
  void answer(Answer answer, bool close);
  // After an answer that closes: stop sending, read (and drop) what the
  // client still sends for a moment, so that it reads the answer rather than
  // a reset.
  void linger();
  void drop_rest(std::size_t dropped);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::shared_ptr<OtlpInput> input_;
  bool refused_;
  bool closing_ = false;
};

}  // namespace cos_exporter::otlp
