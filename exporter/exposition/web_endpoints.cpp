#include "cos_exporter/exposition/web_endpoints.hpp"

#include "cos_exporter/common/utf8.hpp"

namespace cos_exporter {
namespace {

HttpResponse method_not_allowed(char const* allow, char const* body) {
  HttpResponse response;
  response.status = 405;
  response.headers.push_back({"Allow", allow});
  response.body = body;
  return response;
}

}  // namespace

std::shared_ptr<SharedBody const> WebEndpoints::metrics_page(ExpositionFormat format) const {
  constexpr int kRenderTimesShared = 4;
  auto now = std::chrono::steady_clock::now();
  auto age = now - last_rendered_;
  bool being_sent = last_page_.use_count() > 1;
  if (last_page_ && last_format_ == format && age < share_window_ &&
      (being_sent || age < kRenderTimesShared * render_time_))
    return last_page_;
  last_page_.reset();  // before rendering: never two pages held here
  last_page_ = std::make_shared<SharedBody const>(sources_.metrics(format));
  last_format_ = format;
  last_rendered_ = std::chrono::steady_clock::now();
  render_time_ = last_rendered_ - now;
  return last_page_;
}

void WebEndpoints::handle(HttpRequest const& request, HttpResponder respond) const {
  std::string path = request.target.substr(0, request.target.find('?'));
  if (path != "/-/reload") return respond(answer(path, request));
  if (!sources_.reload) {
    HttpResponse response;
    response.status = 403;
    response.body =
        "Lifecycle API is not enabled: start the exporter with --web.enable-lifecycle to reload "
        "by HTTP, or send it SIGHUP.\n";
    return respond(std::move(response));
  }
  if (request.method != "POST" && request.method != "PUT")
    return respond(method_not_allowed("POST, PUT", "Use POST to reload the configuration.\n"));
  sources_.reload([respond = std::move(respond)](bool ok, std::string const& error) {
    HttpResponse response;
    if (ok) {
      response.body = "Configuration reloaded.\n";
    } else {
      response.status = 500;
      response.body =
          "Reload failed; the running configuration stays in force: " + sanitize_utf8(error) + "\n";
    }
    respond(std::move(response));
  });
}

HttpResponse WebEndpoints::answer(std::string const& path, HttpRequest const& request) const {
  HttpResponse response;
  if (request.method != "GET") return method_not_allowed("GET, HEAD", "Method not allowed.\n");
  if (path == "/metrics") {
    ExpositionFormat format = negotiate_exposition_format(request.accept);
    response.content_type = std::string(content_type_of(format));
    response.shared_body = metrics_page(format);
    response.headers.push_back({"Vary", "Accept"});
    response.compressible = true;
  } else if (path == "/-/healthy") {
    response.body = "Healthy.\n";
  } else if (path == "/-/ready") {
    bool ready = sources_.ready();
    response.status = ready ? 200 : 503;
    response.body = ready ? "Ready.\n" : "Not ready.\n";
  } else if (path == "/") {
    response.content_type = "text/html; charset=utf-8";
    response.body = render_landing_page(sources_.landing_page());
    response.compressible = true;
  } else {
    response.status = 404;
    response.body = "Not found. See / for what this exporter serves.\n";
  }
  return response;
}

}  // namespace cos_exporter
