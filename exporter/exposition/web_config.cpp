#include "cos_exporter/exposition/web_config.hpp"

#include <cctype>
#include <filesystem>
#include <initializer_list>
#include <set>

#include "basic_auth.hpp"
#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/common/yaml_reader.hpp"
#include "cos_exporter/exposition/tls_context.hpp"

namespace cos_exporter {
namespace {

struct VersionName {
  std::string_view name;
  TlsVersion version;
};
constexpr VersionName kVersions[] = {
    {"TLS10", TlsVersion::tls10},
    {"TLS11", TlsVersion::tls11},
    {"TLS12", TlsVersion::tls12},
    {"TLS13", TlsVersion::tls13},
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

// Reads tls_server_config into config.tls and builds the TLS context it
// describes into config.tls_context, the one the server will serve with.
void parse_tls(YamlReader const& reader, YAML::Node const& node, WebConfig& config) {
  if (!present(node)) return;
  refuse_unsupported(reader, node,
                     {"cipher_suites", "prefer_server_cipher_suites", "curve_preferences"},
                     "tls_server_config");
  reader.check_keys(node,
                    {"cert_file", "key_file", "cert", "key", "client_auth_type", "client_ca_file",
                     "client_ca", "client_allowed_sans", "min_version", "max_version"},
                    "tls_server_config");
  if (node.size() == 0) return;

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
  // its key, instead of a failure when the server starts; the context built
  // is kept, so serving does not read the files a second time.
  try {
    config.tls_context = make_server_ssl_context(tls);
  } catch (TlsSetupError const& e) {
    YAML::Node at = value(e.field().c_str());
    reader.fail(present(at) ? at : node, e.what());
  }
  config.tls = std::move(tls);
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

bool verifies_client_cert(ClientAuthType type) {
  return type == ClientAuthType::verify_client_cert_if_given ||
         type == ClientAuthType::require_and_verify_client_cert;
}

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

WebConfig parse_web_config(std::string const& text, std::string const& source) {
  YamlReader reader(source);
  YAML::Node root = reader.parse(text);
  refuse_unsupported(reader, root, {"rate_limit"}, "the web config");
  reader.check_keys(root, {"tls_server_config", "http_server_config", "basic_auth_users"},
                    "the web config");
  WebConfig config;
  config.source = source;
  parse_tls(reader, root["tls_server_config"], config);
  parse_http_server_config(reader, root["http_server_config"], config);
  parse_users(reader, root["basic_auth_users"], config);
  return config;
}

WebConfig load_web_config(std::string const& path) {
  return parse_web_config(read_text_file(path), path);
}

}  // namespace cos_exporter
