#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX, kept out of this header

namespace cos_exporter {

// TLS protocol versions as the exporter-toolkit names them.
enum class TlsVersion { tls10, tls11, tls12, tls13 };

// Go's crypto/tls ClientAuthType, with the exporter-toolkit's spelling.
enum class ClientAuthType {
  no_client_cert,                 // NoClientCert (default): none asked for
  request_client_cert,            // RequestClientCert: asked for, not required, not verified
  require_any_client_cert,        // RequireAnyClientCert: required, not verified
  verify_client_cert_if_given,    // VerifyClientCertIfGiven: optional, verified when sent
  require_and_verify_client_cert  // RequireAndVerifyClientCert: required and verified (mTLS)
};

std::string_view to_string(TlsVersion version);
std::string_view to_string(ClientAuthType type);

// Whether the policy checks a client certificate against the client CA.
bool verifies_client_cert(ClientAuthType type);

struct TlsServerConfig {
  // Each PEM source is either a file (resolved against the web config's
  // directory when relative) or inline text; exactly one of the two is set.
  std::string cert_file;
  std::string cert_pem;
  std::string key_file;
  std::string key_pem;
  std::string client_ca_file;
  std::string client_ca_pem;
  ClientAuthType client_auth_type = ClientAuthType::no_client_cert;
  TlsVersion min_version = TlsVersion::tls12;
  TlsVersion max_version = TlsVersion::tls13;
  // When set, a client certificate must carry one of these as a DNS, IP,
  // e-mail or URI subject alternative name.
  std::vector<std::string> client_allowed_sans;
};

// The --web.config.file, in the Prometheus exporter-toolkit format:
//
//   tls_server_config: {cert_file, key_file, client_auth_type, client_ca_file,
//                       min_version, max_version, client_allowed_sans, cert, key, client_ca}
//   http_server_config: {headers: {Strict-Transport-Security: ..., ...}, http2: bool}
//   basic_auth_users: {user: bcrypt hash, ...}
//
// Keys of the toolkit this exporter does not implement (cipher_suites,
// curve_preferences, prefer_server_cipher_suites, rate_limit) are refused
// with an error rather than silently ignored.
struct WebConfig {
  std::string source;                  // the file it came from
  std::optional<TlsServerConfig> tls;  // nullopt: plain HTTP
  // The TLS context `tls` describes, built while the file was validated and
  // then served as is. Null in a WebConfig assembled in code; the server
  // builds it from `tls` then.
  std::shared_ptr<ssl_ctx_st> tls_context;
  std::map<std::string, std::string> basic_auth_users;       // empty: no authentication
  std::vector<std::pair<std::string, std::string>> headers;  // added to every response
};

// Reads and validates a web config file, building its TLS context. Throws
// ConfigError "path:line:column: message" for invalid YAML, unknown keys,
// wrong types, a bad min_version/max_version/client_auth_type, hashes that are
// not bcrypt, and certificate, key or CA files that are missing or that
// OpenSSL cannot load (including a key that does not match its certificate).
WebConfig load_web_config(std::string const& path);
// The same for text already read; `source` names it in messages and its
// directory resolves relative paths.
WebConfig parse_web_config(std::string const& text, std::string const& source);

}  // namespace cos_exporter
