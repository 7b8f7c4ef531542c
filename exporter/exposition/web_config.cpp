#include "cos_exporter/exposition/web_config.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <set>

#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/common/regular_file.hpp"
#include "cos_exporter/common/yaml_reader.hpp"
#include "cos_exporter/exposition/basic_auth.hpp"

namespace cos_exporter {
namespace {

struct VersionName {
  std::string_view name;
  TlsVersion version;
  int openssl;
};
constexpr VersionName kVersions[] = {
    {"TLS10", TlsVersion::tls10, TLS1_VERSION},
    {"TLS11", TlsVersion::tls11, TLS1_1_VERSION},
    {"TLS12", TlsVersion::tls12, TLS1_2_VERSION},
    {"TLS13", TlsVersion::tls13, TLS1_3_VERSION},
};

struct ClientAuthName {
  std::string_view name;
  ClientAuthType type;
};
constexpr ClientAuthName kClientAuthTypes[] = {
    {"NoClientCert", ClientAuthType::no_client_cert},
    {"RequestClientCert", ClientAuthType::request_client_cert},
    {"RequireAnyClientCert", ClientAuthType::require_any_client_cert},
    {"VerifyClientCertIfGiven", ClientAuthType::verify_client_cert_if_given},
    {"RequireAndVerifyClientCert", ClientAuthType::require_and_verify_client_cert},
};

int openssl_version(TlsVersion version) {
  for (auto const& entry : kVersions)
    if (entry.version == version) return entry.openssl;
  return TLS1_2_VERSION;
}

bool verifies_client_cert(ClientAuthType type) {
  return type == ClientAuthType::verify_client_cert_if_given ||
         type == ClientAuthType::require_and_verify_client_cert;
}

// The reason of the newest OpenSSL error, and the queue emptied.
std::string openssl_error() {
  unsigned long code = 0;
  unsigned long last = 0;
  while ((code = ERR_get_error()) != 0) last = code;
  if (last == 0) return "unknown OpenSSL error";
  char const* reason = ERR_reason_error_string(last);
  if (reason != nullptr) return reason;
  char buffer[256];
  ERR_error_string_n(last, buffer, sizeof buffer);
  return buffer;
}

std::string read_pem(std::string const& file, std::string const& inline_pem,
                     std::string const& file_field) {
  if (file.empty()) return inline_pem;
  std::string content, error;
  if (!read_regular_file(file, content, error))
    throw TlsSetupError(file_field, file_field + " \"" + file + "\": cannot read: " + error);
  return content;
}

std::string describe(std::string const& file, std::string const& file_field,
                     std::string const& inline_field) {
  return file.empty() ? inline_field : file_field + " \"" + file + "\"";
}

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

BioPtr memory_bio(std::string const& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
}

// Every certificate in a PEM text, in order. Throws when there is none or one
// does not parse.
std::vector<X509Ptr> read_certificates(std::string const& pem, std::string const& field,
                                       std::string const& what) {
  ERR_clear_error();
  BioPtr bio = memory_bio(pem);
  std::vector<X509Ptr> certificates;
  while (true) {
    X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (raw == nullptr) break;
    certificates.emplace_back(raw, X509_free);
  }
  unsigned long error = ERR_peek_last_error();
  if (ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE) {
    ERR_clear_error();  // no further certificate: the normal end of the list
    if (certificates.empty()) throw TlsSetupError(field, what + ": no PEM certificate found");
  } else if (error != 0) {
    throw TlsSetupError(field, what + ": cannot load certificate: " + openssl_error());
  } else {
    // OpenSSL gives up on some malformed blocks (a base64 line holding ':'
    // reads as a header) without queueing any error.
    throw TlsSetupError(field,
                        what + ": cannot load certificate: a PEM block is not a valid certificate");
  }
  return certificates;
}

// client_allowed_sans travels with the SSL_CTX as ex-data.
int allowed_sans_index() {
  static int const index = SSL_CTX_get_ex_new_index(
      0, nullptr, nullptr, nullptr, [](void*, void* pointer, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<std::vector<std::string>*>(pointer);
      });
  return index;
}

std::string general_name_text(GENERAL_NAME const* name) {
  switch (name->type) {
    case GEN_DNS:
    case GEN_EMAIL:
    case GEN_URI: {
      ASN1_IA5STRING const* text = name->d.ia5;
      return std::string(reinterpret_cast<char const*>(ASN1_STRING_get0_data(text)),
                         static_cast<std::size_t>(ASN1_STRING_length(text)));
    }
    case GEN_IPADD: {
      ASN1_OCTET_STRING const* octets = name->d.ip;
      char buffer[INET6_ADDRSTRLEN] = {};
      int length = ASN1_STRING_length(octets);
      unsigned char const* data = ASN1_STRING_get0_data(octets);
      if (length == 4 && inet_ntop(AF_INET, data, buffer, sizeof buffer)) return buffer;
      if (length == 16 && inet_ntop(AF_INET6, data, buffer, sizeof buffer)) return buffer;
      return {};
    }
    default:
      return {};
  }
}

// An allowed IP SAN may be written in any textual form: compare parsed bytes.
std::string canonical_ip(std::string const& text) {
  unsigned char bytes[16];
  char buffer[INET6_ADDRSTRLEN] = {};
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1 &&
      inet_ntop(AF_INET, bytes, buffer, sizeof buffer))
    return buffer;
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1 &&
      inet_ntop(AF_INET6, bytes, buffer, sizeof buffer))
    return buffer;
  return text;
}

bool certificate_has_allowed_san(X509* certificate, std::vector<std::string> const& allowed) {
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return false;
  bool found = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && !found; ++i) {
    GENERAL_NAME const* name = sk_GENERAL_NAME_value(names, i);
    std::string text = general_name_text(name);
    if (text.empty()) continue;
    for (auto const& entry : allowed)
      if (entry == text || (name->type == GEN_IPADD && canonical_ip(entry) == text)) found = true;
  }
  GENERAL_NAMES_free(names);
  return found;
}

// The check of one certificate of the client's chain. `verify` false: the
// policy asks for a certificate without verifying it (RequestClientCert,
// RequireAnyClientCert), so chain errors are accepted.
template <bool verify>
int verify_client(int preverify_ok, X509_STORE_CTX* store) {
  if (verify && preverify_ok != 1) return 0;
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl == nullptr) return verify ? preverify_ok : 1;
  auto const* allowed = static_cast<std::vector<std::string> const*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), allowed_sans_index()));
  if (allowed == nullptr || allowed->empty()) return 1;
  if (certificate_has_allowed_san(X509_STORE_CTX_get_current_cert(store), *allowed)) return 1;
  X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

// --- YAML -------------------------------------------------------------------

bool present(YAML::Node const& node) {
  return node.IsDefined() && !node.IsNull();
}

void refuse_unsupported(YamlReader const& reader, YAML::Node const& map,
                        std::initializer_list<std::string_view> unsupported,
                        std::string_view what) {
  if (!map.IsMap()) return;
  for (auto const& item : map) {
    if (!item.first.IsScalar()) continue;
    for (auto name : unsupported)
      if (item.first.Scalar() == name) {
        std::string message = "\"";
        message.append(name).append("\" in ").append(what);
        message.append(" is not supported by cos_error_exporter");
        reader.fail(item.first, message);
      }
  }
}

std::string resolve_path(std::string const& source, std::string const& file) {
  std::filesystem::path path(file);
  if (path.is_absolute()) return file;
  std::filesystem::path directory = std::filesystem::path(source).parent_path();
  return directory.empty() ? file : (directory / path).string();
}

TlsVersion parse_version(YamlReader const& reader, YAML::Node const& node, std::string_view key) {
  std::string text = reader.string(node, key);
  for (auto const& entry : kVersions)
    if (entry.name == text) return entry.version;
  reader.fail(
      node, std::string(key) + " must be one of TLS10, TLS11, TLS12, TLS13, not \"" + text + "\"");
}

ClientAuthType parse_client_auth(YamlReader const& reader, YAML::Node const& node) {
  std::string text = reader.string(node, "client_auth_type");
  std::string names;
  for (auto const& entry : kClientAuthTypes) {
    if (entry.name == text) return entry.type;
    names += (names.empty() ? "" : ", ") + std::string(entry.name);
  }
  reader.fail(node, "client_auth_type must be one of " + names + ", not \"" + text + "\"");
}

std::optional<TlsServerConfig> parse_tls(YamlReader const& reader, YAML::Node const& node) {
  if (!present(node)) return std::nullopt;
  refuse_unsupported(reader, node,
                     {"cipher_suites", "prefer_server_cipher_suites", "curve_preferences"},
                     "tls_server_config");
  reader.check_keys(node,
                    {"cert_file", "key_file", "cert", "key", "client_auth_type", "client_ca_file",
                     "client_ca", "client_allowed_sans", "min_version", "max_version"},
                    "tls_server_config");
  if (node.size() == 0) return std::nullopt;

  TlsServerConfig tls;
  std::map<std::string, YAML::Node> nodes;
  for (auto const& item : node) nodes[item.first.Scalar()] = item.second;
  auto value = [&](char const* key) {
    auto found = nodes.find(key);
    return found != nodes.end() && present(found->second) ? found->second : YAML::Node();
  };
  auto pem_source = [&](char const* file_key, char const* inline_key, std::string& file,
                        std::string& pem, bool required) {
    YAML::Node file_node = value(file_key);
    YAML::Node inline_node = value(inline_key);
    if (present(file_node) && present(inline_node))
      reader.fail(inline_node, std::string("set ") + file_key + " or " + inline_key + ", not both");
    if (present(file_node)) {
      file = reader.string(file_node, file_key);
      if (file.empty()) reader.fail(file_node, std::string(file_key) + " must not be empty");
      file = resolve_path(reader.source(), file);
    } else if (present(inline_node)) {
      pem = reader.string(inline_node, inline_key);
    } else if (required) {
      reader.fail(node,
                  std::string("tls_server_config needs ") + file_key + " (or " + inline_key + ")");
    }
  };
  pem_source("cert_file", "cert", tls.cert_file, tls.cert_pem, true);
  pem_source("key_file", "key", tls.key_file, tls.key_pem, true);
  pem_source("client_ca_file", "client_ca", tls.client_ca_file, tls.client_ca_pem, false);

  if (YAML::Node n = value("min_version"); present(n))
    tls.min_version = parse_version(reader, n, "min_version");
  if (YAML::Node n = value("max_version"); present(n))
    tls.max_version = parse_version(reader, n, "max_version");
  if (tls.max_version < tls.min_version)
    reader.fail(present(value("max_version")) ? value("max_version") : value("min_version"),
                "max_version " + std::string(to_string(tls.max_version)) +
                    " is below min_version " + std::string(to_string(tls.min_version)));

  YAML::Node auth_node = value("client_auth_type");
  if (present(auth_node)) tls.client_auth_type = parse_client_auth(reader, auth_node);
  bool has_ca = !tls.client_ca_file.empty() || !tls.client_ca_pem.empty();
  if (verifies_client_cert(tls.client_auth_type) && !has_ca)
    reader.fail(auth_node, "client_auth_type " + std::string(to_string(tls.client_auth_type)) +
                               " needs client_ca_file (the CA that signs client certificates)");
  if (has_ca && tls.client_auth_type == ClientAuthType::no_client_cert) {
    YAML::Node ca = present(value("client_ca_file")) ? value("client_ca_file") : value("client_ca");
    reader.fail(ca,
                "a client CA is set but client_auth_type is NoClientCert: set client_auth_type "
                "to RequireAndVerifyClientCert for mutual TLS");
  }

  if (YAML::Node sans = value("client_allowed_sans"); present(sans)) {
    reader.require_sequence(sans, "client_allowed_sans");
    for (auto const& entry : sans) {
      std::string san = reader.string(entry, "an entry of client_allowed_sans");
      if (san.empty()) reader.fail(entry, "an entry of client_allowed_sans must not be empty");
      tls.client_allowed_sans.push_back(san);
    }
    if (!tls.client_allowed_sans.empty() &&
        tls.client_auth_type != ClientAuthType::require_any_client_cert &&
        tls.client_auth_type != ClientAuthType::require_and_verify_client_cert)
      reader.fail(sans,
                  "client_allowed_sans needs client_auth_type RequireAndVerifyClientCert or "
                  "RequireAnyClientCert");
  }

  // Loading everything now turns a bad file into an error that points at
  // its key, instead of a failure when the server starts.
  try {
    make_server_ssl_context(tls);
  } catch (TlsSetupError const& e) {
    YAML::Node at = value(e.field().c_str());
    reader.fail(present(at) ? at : node, e.what());
  }
  return tls;
}

void parse_http_server_config(YamlReader const& reader, YAML::Node const& node, WebConfig& config) {
  if (!present(node)) return;
  reader.check_keys(node, {"headers", "http2"}, "http_server_config");
  if (YAML::Node http2 = node["http2"]; present(http2)) {
    reader.boolean(http2, "http2");  // accepted for compatibility; only HTTP/1.1 is served
  }
  YAML::Node headers = node["headers"];
  if (!present(headers)) return;
  reader.check_keys(headers,
                    {"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                     "X-XSS-Protection", "Strict-Transport-Security"},
                    "http_server_config.headers");
  for (auto const& item : headers) {
    std::string const& name = item.first.Scalar();
    if (!present(item.second)) continue;
    std::string value = reader.string(item.second, name);
    if (value.empty()) continue;
    if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos)
      reader.fail(item.second, name + " must be one line");
    std::string lower;
    for (char c : value) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "X-Frame-Options" && lower != "deny" && lower != "sameorigin")
      reader.fail(item.second, "X-Frame-Options must be deny or sameorigin, not \"" + value + "\"");
    if (name == "X-Content-Type-Options" && lower != "nosniff")
      reader.fail(item.second, "X-Content-Type-Options must be nosniff, not \"" + value + "\"");
    config.headers.emplace_back(name, value);
  }
}

void parse_users(YamlReader const& reader, YAML::Node const& node, WebConfig& config) {
  if (!present(node)) return;
  reader.require_map(node, "basic_auth_users");
  for (auto const& item : node) {
    std::string user = reader.string(item.first, "a user name in basic_auth_users");
    if (user.empty()) reader.fail(item.first, "a user name in basic_auth_users must not be empty");
    if (user.find(':') != std::string::npos)
      reader.fail(item.first, "user name \"" + user + "\" contains ':', which basic auth forbids");
    if (!item.second.IsScalar())
      reader.fail(item.second, "the password of user \"" + user + "\" must be a bcrypt hash");
    std::string const& hash = item.second.Scalar();
    if (!is_bcrypt_hash(hash))
      reader.fail(item.second, "the password of user \"" + user +
                                   "\" is not a bcrypt hash (\"$2y$10$...\", 60 characters; make "
                                   "one with htpasswd -nBC 10 \"\" | tr -d ':\\n')");
    if (!config.basic_auth_users.emplace(user, hash).second)
      reader.fail(item.first, "user \"" + user + "\" is listed twice in basic_auth_users");
  }
}

}  // namespace

std::string_view to_string(TlsVersion version) {
  for (auto const& entry : kVersions)
    if (entry.version == version) return entry.name;
  return "?";
}

std::string_view to_string(ClientAuthType type) {
  for (auto const& entry : kClientAuthTypes)
    if (entry.type == type) return entry.name;
  return "?";
}

void SslCtxDeleter::operator()(ssl_ctx_st* context) const {
  SSL_CTX_free(context);
}

SslCtxPtr make_server_ssl_context(TlsServerConfig const& config) {
  ERR_clear_error();
  SslCtxPtr context(SSL_CTX_new(TLS_server_method()));
  if (!context) throw TlsSetupError("", "cannot create a TLS context: " + openssl_error());
  SSL_CTX* ctx = context.get();
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(ctx, openssl_version(config.min_version)) != 1)
    throw TlsSetupError("min_version", "min_version: " + openssl_error());
  if (SSL_CTX_set_max_proto_version(ctx, openssl_version(config.max_version)) != 1)
    throw TlsSetupError("max_version", "max_version: " + openssl_error());

  // Certificate chain: the first certificate is the server's, the rest its chain.
  std::string cert_what = describe(config.cert_file, "cert_file", "cert");
  std::string cert_field = config.cert_file.empty() ? "cert" : "cert_file";
  auto chain = read_certificates(read_pem(config.cert_file, config.cert_pem, "cert_file"),
                                 cert_field, cert_what);
  if (SSL_CTX_use_certificate(ctx, chain.front().get()) != 1)
    throw TlsSetupError(cert_field, cert_what + ": " + openssl_error());
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, chain[i].get()) != 1)
      throw TlsSetupError(cert_field, cert_what + ": " + openssl_error());
  }

  std::string key_what = describe(config.key_file, "key_file", "key");
  std::string key_field = config.key_file.empty() ? "key" : "key_file";
  std::string key_pem = read_pem(config.key_file, config.key_pem, "key_file");
  {
    ERR_clear_error();
    BioPtr bio = memory_bio(key_pem);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    OPENSSL_cleanse(key_pem.data(), key_pem.size());
    if (key == nullptr)
      throw TlsSetupError(key_field, key_what + ": cannot load private key: " + openssl_error());
    int used = SSL_CTX_use_PrivateKey(ctx, key);
    EVP_PKEY_free(key);
    if (used != 1) throw TlsSetupError(key_field, key_what + ": " + openssl_error());
    if (SSL_CTX_check_private_key(ctx) != 1)
      throw TlsSetupError(key_field, key_what + " does not match the certificate in " + cert_what);
  }

  bool has_ca = !config.client_ca_file.empty() || !config.client_ca_pem.empty();
  if (has_ca) {
    std::string ca_what = describe(config.client_ca_file, "client_ca_file", "client_ca");
    std::string ca_field = config.client_ca_file.empty() ? "client_ca" : "client_ca_file";
    auto cas = read_certificates(
        read_pem(config.client_ca_file, config.client_ca_pem, "client_ca_file"), ca_field, ca_what);
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    for (auto const& ca : cas) {
      if (X509_STORE_add_cert(store, ca.get()) != 1) {
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        throw TlsSetupError(ca_field, ca_what + ": " + openssl_error());
      }
      sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(ca.get())));
    }
    SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  }

  if (!config.client_allowed_sans.empty()) {
    auto* sans = new std::vector<std::string>(config.client_allowed_sans);
    if (SSL_CTX_set_ex_data(ctx, allowed_sans_index(), sans) != 1) {
      delete sans;
      throw TlsSetupError("client_allowed_sans", "client_allowed_sans: " + openssl_error());
    }
  }

  ClientAuthType const type = config.client_auth_type;
  bool const required = type == ClientAuthType::require_any_client_cert ||
                        type == ClientAuthType::require_and_verify_client_cert;
  if (type == ClientAuthType::no_client_cert) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                       verifies_client_cert(type) ? verify_client<true> : verify_client<false>);
  }
  // With client certificates, OpenSSL refuses to resume a session unless
  // the context has an id.
  static unsigned char const session_id[] = "cos_error_exporter";
  SSL_CTX_set_session_id_context(ctx, session_id, sizeof session_id - 1);
  return context;
}

WebConfig parse_web_config(std::string const& text, std::string const& source) {
  YamlReader reader(source);
  YAML::Node root = reader.parse(text);
  refuse_unsupported(reader, root, {"rate_limit"}, "the web config");
  reader.check_keys(root, {"tls_server_config", "http_server_config", "basic_auth_users"},
                    "the web config");
  WebConfig config;
  config.source = source;
  config.tls = parse_tls(reader, root["tls_server_config"]);
  parse_http_server_config(reader, root["http_server_config"], config);
  parse_users(reader, root["basic_auth_users"], config);
  return config;
}

WebConfig load_web_config(std::string const& path) {
  return parse_web_config(read_text_file(path), path);
}

}  // namespace cos_exporter
