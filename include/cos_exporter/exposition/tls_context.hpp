#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "cos_exporter/exposition/web_config.hpp"

namespace cos_exporter {

// Why a TLS context could not be built: `field` names the key at fault
// ("cert_file", "key_file", "client_ca_file", ...).
class TlsSetupError : public std::runtime_error {
 public:
  TlsSetupError(std::string field, std::string const& message)
      : std::runtime_error(message), field_(std::move(field)) {}
  std::string const& field() const { return field_; }

 private:
  std::string field_;
};

struct SslCtxDeleter {
  void operator()(ssl_ctx_st* context) const;
};
using SslCtxPtr = std::unique_ptr<ssl_ctx_st, SslCtxDeleter>;

// Builds the OpenSSL server context a TlsServerConfig describes (certificate
// chain, key, protocol versions, client verification). Throws TlsSetupError.
SslCtxPtr make_server_ssl_context(TlsServerConfig const& config);

}  // namespace cos_exporter
