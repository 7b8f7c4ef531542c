#include <catch2/catch.hpp>
#include <string>

#include "cos_exporter/common/config_error.hpp"
#include "cos_exporter/exposition/tls_context.hpp"
#include "cos_exporter/exposition/web_config.hpp"
#include "exposition/basic_auth.hpp"
#include "test_pki.hpp"
#include "test_support.hpp"

using namespace cos_exporter;
using cos_exporter::testing::read_file;
using cos_exporter::testing::shared_pki;
using cos_exporter::testing::TempDir;
using cos_exporter::testing::TestPki;
using cos_exporter::testing::write_file;

namespace {

// A bcrypt hash (cost 4) of "password".
constexpr char kHash[] = "$2b$04$QhTD/ePI6eB1E2ZVjas4NevvnQHsv28mH1v6J7XihwOnsctDIy/VO";

// Writes `text` as web.yml in `dir` and returns the message load_web_config throws.
std::string error_of(TempDir const& dir, std::string const& text) {
  std::string path = dir.file("web.yml");
  write_file(path, text);
  try {
    load_web_config(path);
  } catch (ConfigError const& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("web config: TLS, mutual TLS, headers and users are read", "[http][web_config]") {
  TestPki const& pki = shared_pki();
  std::string path = (pki.dir() / "web.yml").string();
  write_file(path,
             "# relative paths are resolved against this file's directory\n"
             "tls_server_config:\n"
             "  cert_file: server.crt\n"
             "  key_file: " +
                 pki.file("server.key") +
                 "\n"
                 "  client_auth_type: RequireAndVerifyClientCert\n"
                 "  client_ca_file: ca.crt\n"
                 "  client_allowed_sans: [client.example, 10.0.0.1]\n"
                 "  min_version: TLS13\n"
                 "http_server_config:\n"
                 "  http2: false\n"
                 "  headers:\n"
                 "    X-Frame-Options: deny\n"
                 "    Strict-Transport-Security: max-age=31536000\n"
                 "basic_auth_users:\n"
                 "  prometheus: " +
                 std::string(kHash) +
                 "\n"
                 "  alice: '$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze'\n");
  WebConfig web = load_web_config(path);
  CHECK(web.source == path);
  REQUIRE(web.tls);
  CHECK(web.tls->cert_file == pki.file("server.crt"));
  CHECK(web.tls->key_file == pki.file("server.key"));
  CHECK(web.tls->client_ca_file == pki.file("ca.crt"));
  CHECK(web.tls->client_auth_type == ClientAuthType::require_and_verify_client_cert);
  CHECK(web.tls->min_version == TlsVersion::tls13);
  CHECK(web.tls->max_version == TlsVersion::tls13);
  CHECK(web.tls->client_allowed_sans == std::vector<std::string>{"client.example", "10.0.0.1"});
  CHECK(web.headers ==
        std::vector<std::pair<std::string, std::string>>{
            {"X-Frame-Options", "deny"}, {"Strict-Transport-Security", "max-age=31536000"}});
  CHECK(web.basic_auth_users.size() == 2);
  CHECK(web.basic_auth_users.at("prometheus") == kHash);

  SECTION("inline PEM works like files") {
    std::string inline_path = (pki.dir() / "inline.yml").string();
    auto indent = [](std::string pem) {
      std::string out;
      for (char c : pem) out += c == '\n' ? std::string("\n    ") : std::string(1, c);
      return out;
    };
    write_file(inline_path, "tls_server_config:\n  cert: |\n    " +
                                indent(read_file(pki.file("server.crt"))) + "\n  key: |\n    " +
                                indent(read_file(pki.file("server.key"))) + "\n");
    WebConfig inline_web = load_web_config(inline_path);
    REQUIRE(inline_web.tls);
    CHECK(inline_web.tls->cert_file.empty());
    CHECK(inline_web.tls->cert_pem == read_file(pki.file("server.crt")));
    CHECK(make_server_ssl_context(*inline_web.tls) != nullptr);
  }
}

TEST_CASE("web config: empty parts mean plain HTTP without authentication", "[http][web_config]") {
  TempDir dir;
  for (std::string text :
       {"", "# nothing\n", "tls_server_config:\nbasic_auth_users:\n",
        "tls_server_config: {}\nbasic_auth_users: {}\nhttp_server_config: {}\n"}) {
    INFO(text);
    write_file(dir.file("web.yml"), text);
    WebConfig web = load_web_config(dir.file("web.yml"));
    CHECK_FALSE(web.tls);
    CHECK(web.basic_auth_users.empty());
    CHECK(web.headers.empty());
  }
}

TEST_CASE("web config: every error names file:line:column", "[http][web_config]") {
  TestPki const& pki = shared_pki();
  TempDir dir;
  std::string const p = dir.file("web.yml");
  std::string const cert = pki.file("server.crt");
  std::string const key = pki.file("server.key");
  std::string const tls =
      "tls_server_config:\n  cert_file: " + cert + "\n  key_file: " + key + "\n";

  CHECK(error_of(dir, "tls_config:\n  cert_file: x\n") ==
        p + ":1:1: unknown key \"tls_config\" in the web config (known: tls_server_config, "
            "http_server_config, basic_auth_users)");
  CHECK(error_of(dir, tls + "  cert_path: x\n") ==
        p + ":4:3: unknown key \"cert_path\" in tls_server_config (known: cert_file, key_file, "
            "cert, key, client_auth_type, client_ca_file, client_ca, client_allowed_sans, "
            "min_version, max_version)");
  CHECK(error_of(dir, "basic_auth_users:\n  - alice\n") ==
        p + ":2:3: basic_auth_users must be a mapping");
  CHECK(error_of(dir, "tls_server_config: [a]\n") ==
        p + ":1:20: tls_server_config must be a mapping");
  CHECK(error_of(dir, "tls_server_config:\n  key_file: " + key + "\n") ==
        p + ":2:3: tls_server_config needs cert_file (or cert)");
  CHECK(error_of(dir, "tls_server_config:\n  cert_file: missing.crt\n  key_file: " + key + "\n") ==
        p + ":2:14: cert_file \"" + dir.file("missing.crt") +
            "\": cannot read: No such file or directory");
  CHECK(error_of(dir,
                 "tls_server_config:\n  cert_file: " + cert + "\n  key_file: /nonexistent/k\n") ==
        p + ":3:13: key_file \"/nonexistent/k\": cannot read: No such file or directory");
  CHECK(error_of(dir, "tls_server_config:\n  cert_file: " + key + "\n  key_file: " + key + "\n") ==
        p + ":2:14: cert_file \"" + key + "\": no PEM certificate found");
  CHECK(error_of(dir, "tls_server_config:\n  cert_file: " + cert + "\n  key_file: " + cert + "\n")
            .rfind(p + ":3:13: key_file \"" + cert + "\": cannot load private key: ", 0) == 0);
  CHECK(error_of(dir, "tls_server_config:\n  cert_file: " + cert +
                          "\n  key_file: " + pki.file("client.key") + "\n") ==
        p + ":3:13: key_file \"" + pki.file("client.key") +
            "\" does not match the certificate in cert_file \"" + cert + "\"");
  CHECK(error_of(dir, tls + "  min_version: TLS1.2\n") ==
        p + ":4:16: min_version must be one of TLS10, TLS11, TLS12, TLS13, not \"TLS1.2\"");
  CHECK(error_of(dir, tls + "  min_version: TLS13\n  max_version: TLS12\n") ==
        p + ":5:16: max_version TLS12 is below min_version TLS13");
  CHECK(error_of(dir, tls + "  client_auth_type: RequireClientCert\n") ==
        p + ":4:21: client_auth_type must be one of NoClientCert, RequestClientCert, "
            "RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert, not "
            "\"RequireClientCert\"");
  CHECK(error_of(dir, tls + "  client_auth_type: RequireAndVerifyClientCert\n") ==
        p + ":4:21: client_auth_type RequireAndVerifyClientCert needs client_ca_file (the CA "
            "that signs client certificates)");
  CHECK(error_of(dir, tls + "  client_ca_file: " + pki.file("ca.crt") + "\n") ==
        p + ":4:19: a client CA is set but client_auth_type is NoClientCert: set "
            "client_auth_type to RequireAndVerifyClientCert for mutual TLS");
  CHECK(error_of(dir, tls + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: " +
                          dir.file("none.crt") + "\n") ==
        p + ":5:19: client_ca_file \"" + dir.file("none.crt") +
            "\": cannot read: No such file or directory");
  CHECK(error_of(dir, tls + "  client_allowed_sans: [a.example]\n") ==
        p + ":4:24: client_allowed_sans needs client_auth_type RequireAndVerifyClientCert or "
            "RequireAnyClientCert");
  CHECK(error_of(dir, tls + "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n") ==
        p + ":4:3: \"cipher_suites\" in tls_server_config is not supported by "
            "cos_error_exporter");
  CHECK(error_of(dir, "rate_limit:\n  burst: 3\n") ==
        p + ":1:1: \"rate_limit\" in the web config is not supported by cos_error_exporter");
  CHECK(error_of(dir, tls + "  cert: inline\n") == p + ":4:9: set cert_file or cert, not both");

  CHECK(error_of(dir, "basic_auth_users:\n  alice: secret\n") ==
        p + ":2:10: the password of user \"alice\" is not a bcrypt hash (\"$2y$10$...\", 60 "
            "characters; make one with htpasswd -nBC 10 \"\" | tr -d ':\\n')");
  CHECK(error_of(dir, "basic_auth_users:\n  alice: [a]\n") ==
        p + ":2:10: the password of user \"alice\" must be a bcrypt hash");
  CHECK(error_of(dir, "basic_auth_users:\n  \"a:b\": " + std::string(kHash) + "\n") ==
        p + ":2:3: user name \"a:b\" contains ':', which basic auth forbids");
  CHECK(error_of(dir, "basic_auth_users:\n  alice: " + std::string(kHash) +
                          "\n  alice: " + std::string(kHash) + "\n") ==
        p + ":3:3: user \"alice\" is listed twice in basic_auth_users");

  CHECK(error_of(dir, "http_server_config:\n  headers:\n    X-Frame-Options: allow\n") ==
        p + ":3:22: X-Frame-Options must be deny or sameorigin, not \"allow\"");
  CHECK(error_of(dir, "http_server_config:\n  headers:\n    Server: me\n") ==
        p + ":3:5: unknown key \"Server\" in http_server_config.headers (known: "
            "Content-Security-Policy, X-Frame-Options, X-Content-Type-Options, X-XSS-Protection, "
            "Strict-Transport-Security)");
  CHECK(error_of(dir, "http_server_config:\n  http2: maybe\n") ==
        p + ":2:10: http2 must be true or false");

  CHECK(error_of(dir, "tls_server_config:\n  cert_file: [\n").rfind(p + ":", 0) == 0);
  CHECK_THROWS_WITH(load_web_config(dir.file("absent.yml")),
                    dir.file("absent.yml") + ": cannot read: No such file or directory");
}

TEST_CASE("web config: make_server_ssl_context reports the field at fault", "[http][web_config]") {
  TestPki const& pki = shared_pki();
  TlsServerConfig tls;
  tls.cert_file = pki.file("server.crt");
  tls.key_file = pki.file("rogue.key");
  try {
    make_server_ssl_context(tls);
    FAIL("no error");
  } catch (TlsSetupError const& e) {
    CHECK(e.field() == "key_file");
  }
  tls.key_file = pki.file("server.key");
  CHECK(make_server_ssl_context(tls) != nullptr);
  CHECK(to_string(TlsVersion::tls12) == "TLS12");
  CHECK(to_string(ClientAuthType::require_and_verify_client_cert) == "RequireAndVerifyClientCert");
}

TEST_CASE("web config: a certificate OpenSSL drops without an error is refused",
          "[http][web_config]") {
  // A ':' in a base64 line: PEM_read_bio_X509 returns nothing and queues no
  // error, alone or after a good certificate (a chain cut short).
  TestPki const& pki = shared_pki();
  std::string const good = read_file(pki.file("server.crt"));
  std::string broken = good;
  std::size_t second_line = broken.find('\n', broken.find('\n') + 1) + 1;
  broken[second_line + 20] = ':';
  for (std::string const& pem : {broken, good + broken}) {
    TlsServerConfig tls;
    tls.cert_pem = pem;
    tls.key_file = pki.file("server.key");
    CHECK_THROWS_WITH(make_server_ssl_context(tls),
                      "cert: cannot load certificate: a PEM block is not a valid "
                      "certificate");
  }
}

TEST_CASE("web config: the shipped example is valid", "[http][web_config]") {
  // Next to a certificate and key of the names it uses, as an operator would put it.
  TestPki const& pki = shared_pki();
  std::string path = (pki.dir() / "web-config.example.yml").string();
  write_file(path, read_file(COS_SOURCE_DIR "/config/web-config.example.yml"));
  WebConfig web = load_web_config(path);
  REQUIRE(web.tls);
  CHECK(web.tls->cert_file == pki.file("server.crt"));
  CHECK(web.tls->min_version == TlsVersion::tls12);
  CHECK(web.tls->client_auth_type == ClientAuthType::no_client_cert);
  CHECK(web.headers.size() == 2);
  REQUIRE(web.basic_auth_users.count("prometheus") == 1);
  CHECK(bcrypt_verify("change-me", web.basic_auth_users.at("prometheus")));  // as it says
}
