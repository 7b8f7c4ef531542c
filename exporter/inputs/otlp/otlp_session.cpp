#include "otlp_session.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>

#include "otlp_input.hpp"

namespace cos_exporter::otlp {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;
// After an answer that closes, what the client may still send is read and
// dropped for this long and this much at most.
constexpr auto kLinger = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;

std::string_view sv(beast::string_view text) {
  return {text.data(), text.size()};
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

}  // namespace

Session::Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<OtlpInput> input,
                 bool refused)
    : stream_(std::move(socket)), input_(std::move(input)), refused_(refused) {
  input_->opened(this);
}

Session::~Session() {
  input_->closed(this);
}

void Session::run() {
  read_head();
}

void Session::close() noexcept {
  boost::system::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

void Session::read_head() {
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(input_->settings().max_body_bytes);
  stream_.expires_after(std::chrono::milliseconds(input_->settings().timeout_ms));
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                            self->on_head(ec);
                          });
}

// The client went away, idled past the timeout, or cut the request short:
// nothing of it was counted and it is not answered (its sender sends it
// again). Any other read error is a request HTTP cannot read: 400.
bool Session::read_failed(boost::system::error_code ec, char const* what) {
  if (!ec) return false;
  auto const& head = parser_->get();
  std::string_view content_type = sv(head[http::field::content_type]);
  if (ec == http::error::body_limit)
    answer(RequestHandler::too_large(content_type, input_->settings().max_body_bytes), true);
  else if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
           ec == beast::error::timeout || ec == boost::asio::error::eof ||
           ec == boost::asio::error::connection_reset ||
           ec == boost::asio::error::operation_aborted)
    close();
  else
    answer(RequestHandler::bad_request(content_type, what + ec.message()), true);
  return true;
}

void Session::on_head(boost::system::error_code ec) {
  if (input_->stopped()) return close();
  if (read_failed(ec, "not an HTTP request: ")) return;
  auto const& head = parser_->get();
  std::string_view content_type = sv(head[http::field::content_type]);
  if (refused_) return answer(RequestHandler::overloaded(content_type), true);
  Request request{sv(head.method_string()),
                  path_of(sv(head.target())),
                  content_type,
                  sv(head[http::field::content_encoding]),
                  {}};
  Answer error;
  if (!input_->handler().check_head(request, error)) return answer(std::move(error), true);
  if (auto length = parser_->content_length();
      length && *length > input_->settings().max_body_bytes)
    return answer(RequestHandler::too_large(content_type, input_->settings().max_body_bytes), true);
  if (beast::iequals(head[http::field::expect], "100-continue")) {
    auto proceed =
        std::make_shared<http::response<http::empty_body>>(http::status::continue_, head.version());
    http::async_write(
        stream_, *proceed,
        [self = shared_from_this(), proceed](boost::system::error_code ec, std::size_t) {
          if (ec) return self->close();
          self->read_body();
        });
    return;
  }
  read_body();
}

void Session::read_body() {
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                     self->on_body(ec);
                   });
}

void Session::on_body(boost::system::error_code ec) {
  if (input_->stopped()) return close();
  if (read_failed(ec, "a bad HTTP request body: ")) return;
  auto const& head = parser_->get();
  std::string_view content_type = sv(head[http::field::content_type]);
  Request request{sv(head.method_string()), path_of(sv(head.target())), content_type,
                  sv(head[http::field::content_encoding]), head.body()};
  answer(input_->handler().handle(request), !parser_->keep_alive());
}

void Session::answer(Answer answer, bool close_after) {
  input_->answered(answer.status);
  auto response = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(answer.status), parser_ ? parser_->get().version() : 11);
  response->set(http::field::content_type, answer.content_type);
  if (answer.retry_after) response->set(http::field::retry_after, "1");
  response->body() = std::move(answer.body);
  response->keep_alive(!close_after);
  response->prepare_payload();
  stream_.expires_after(std::chrono::milliseconds(input_->settings().timeout_ms));
  http::async_write(stream_, *response,
                    [self = shared_from_this(), response, close_after](boost::system::error_code ec,
                                                                       std::size_t) {
                      if (ec || self->input_->stopped()) return self->close();
                      if (close_after) return self->linger();
                      self->buffer_.consume(0);
                      self->read_head();
                    });
}

void Session::linger() {
  boost::system::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(kLinger);
  drop_rest(0);
}

void Session::drop_rest(std::size_t dropped) {
  buffer_.clear();
  stream_.async_read_some(
      buffer_.prepare(64 * 1024),
      [self = shared_from_this(), dropped](boost::system::error_code ec, std::size_t n) {
        if (ec || dropped + n > kLingerBytes || self->input_->stopped()) return self->close();
        self->drop_rest(dropped + n);
      });
}

}  // namespace cos_exporter::otlp
