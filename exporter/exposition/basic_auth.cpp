#include "basic_auth.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace cos_exporter {
namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with optional padding; nullopt on anything else.
std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value = base64_value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

bool is_bcrypt_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '/';
}

}  // namespace

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header) {
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t'))
    header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t'))
    header.remove_suffix(1);
  constexpr std::string_view scheme = "basic";
  if (header.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return std::nullopt;
  std::string_view rest = header.substr(scheme.size());
  if (rest.front() != ' ' && rest.front() != '\t') return std::nullopt;
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  auto decoded = base64_decode(rest);
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool is_bcrypt_hash(std::string_view hash) {
  if (hash.size() != 60) return false;
  if (hash.substr(0, 2) != "$2" || (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') ||
      hash[3] != '$' || hash[6] != '$')
    return false;
  if (!std::isdigit(static_cast<unsigned char>(hash[4])) ||
      !std::isdigit(static_cast<unsigned char>(hash[5])))
    return false;
  int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (char c : hash.substr(7))
    if (!is_bcrypt_char(c)) return false;
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool bcrypt_verify(std::string_view password, std::string const& hash) {
  // bcrypt reads the password as a C string: an embedded NUL would cut it
  // short and let a prefix match.
  if (password.find('\0') != std::string_view::npos) return false;
  std::string phrase(password);
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on the stack
  std::memset(data.get(), 0, sizeof(crypt_data));
  char const* result = crypt_r(phrase.c_str(), hash.c_str(), data.get());
  bool ok = result != nullptr && result[0] != '*' && constant_time_equal(result, hash);
  OPENSSL_cleanse(phrase.data(), phrase.size());
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return ok;
}

BasicAuthenticator::BasicAuthenticator(std::map<std::string, std::string> users,
                                       std::size_t max_cached)
    : users_(std::move(users)), max_cached_(max_cached) {
  for (auto const& [user, hash] : users_)
    if (!is_bcrypt_hash(hash))
      throw std::invalid_argument("basic auth: the hash of user \"" + user + "\" is not bcrypt");
  if (RAND_bytes(salt_.data(), static_cast<int>(salt_.size())) != 1)
    throw std::runtime_error("basic auth: no random bytes for the cache salt");
}

BasicAuthenticator::Key BasicAuthenticator::cache_key(BasicCredentials const& credentials,
                                                      std::string_view source) const {
  Key key{};
  unsigned int length = 0;
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char const separator = 0;
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), salt_.data(), salt_.size()) != 1 ||
      EVP_DigestUpdate(context.get(), source.data(), source.size()) != 1 ||
      EVP_DigestUpdate(context.get(), &separator, 1) != 1 ||
      EVP_DigestUpdate(context.get(), credentials.user.data(), credentials.user.size()) != 1 ||
      EVP_DigestUpdate(context.get(), &separator, 1) != 1 ||
      EVP_DigestUpdate(context.get(), credentials.password.data(), credentials.password.size()) !=
          1 ||
      EVP_DigestFinal_ex(context.get(), key.data(), &length) != 1 || length != key.size())
    throw std::runtime_error("basic auth: SHA-256 failed");
  return key;
}

bool BasicAuthenticator::check_cached(BasicCredentials const& credentials) const {
  if (users_.find(credentials.user) == users_.end()) return false;
  Key key = cache_key(credentials);
  std::lock_guard lock(mutex_);
  return cache_.count(key) != 0;
}

bool BasicAuthenticator::verify(BasicCredentials const& credentials) {
  if (users_.empty()) return false;
  if (check_cached(credentials)) return true;
  auto user = users_.find(credentials.user);
  bool known = user != users_.end();
  // An unknown user still pays for one bcrypt run, against some other hash.
  std::string const& hash = known ? user->second : users_.begin()->second;
  bool ok = bcrypt_verify(credentials.password, hash) && known;
  std::lock_guard lock(mutex_);
  ++bcrypt_runs_;
  if (ok) {
    if (cache_.size() >= max_cached_) cache_.clear();
    cache_.insert(cache_key(credentials));
  }
  return ok;
}

bool BasicAuthenticator::known_failure(std::string_view source,
                                       BasicCredentials const& credentials) const {
  Key key = cache_key(credentials, source);
  std::lock_guard lock(mutex_);
  return failures_.count(key) != 0;
}

void BasicAuthenticator::remember_failure(std::string_view source,
                                          BasicCredentials const& credentials) {
  Key key = cache_key(credentials, source);
  std::lock_guard lock(mutex_);
  if (failures_.size() >= max_cached_) failures_.clear();
  failures_.insert(key);
}

bool BasicAuthenticator::authenticate(std::string_view authorization_header) {
  auto credentials = parse_basic_authorization(authorization_header);
  return credentials && verify(*credentials);
}

std::size_t BasicAuthenticator::cached_entries() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

std::size_t BasicAuthenticator::bcrypt_runs() const {
  std::lock_guard lock(mutex_);
  return bcrypt_runs_;
}

}  // namespace cos_exporter
