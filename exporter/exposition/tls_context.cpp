#include "cos_exporter/exposition/tls_context.hpp"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cos_exporter/common/regular_file.hpp"

namespace cos_exporter {
namespace {

int openssl_version(TlsVersion version) {
  switch (version) {
    case TlsVersion::tls10:
      return TLS1_VERSION;
    case TlsVersion::tls11:
      return TLS1_1_VERSION;
    case TlsVersion::tls12:
      return TLS1_2_VERSION;
    case TlsVersion::tls13:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
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
  auto read = read_regular_file(file);
  if (auto* failure = std::get_if<ReadFailure>(&read))
    throw TlsSetupError(file_field,
                        file_field + " \"" + file + "\": cannot read: " + failure->reason);
  return std::get<std::string>(std::move(read));
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

}  // namespace

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

}  // namespace cos_exporter
