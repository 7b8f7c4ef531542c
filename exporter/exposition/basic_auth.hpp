#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace cos_exporter {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// Parses an Authorization header value "Basic base64(user:password)" (scheme
// case-insensitive, RFC 7617). nullopt for any other scheme or bad base64.
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header);

// "$2a$", "$2b$" or "$2y$", a two-digit cost 04..31, "$", then 53 characters
// of bcrypt's base64 (22 of salt, 31 of hash): what htpasswd -B writes.
bool is_bcrypt_hash(std::string_view hash);

// Compares without an early exit, so the time taken does not tell where the
// first difference is (it still depends on the lengths).
bool constant_time_equal(std::string_view a, std::string_view b);

// Runs bcrypt (crypt_r from libcrypt) on `password` with the salt and cost of
// `hash`, then compares the result with `hash` in constant time. Slow by
// design: ~70 ms at cost 10. Thread-safe.
bool bcrypt_verify(std::string_view password, std::string const& hash);

// Checks basic-auth credentials against a user -> bcrypt hash table.
//
// bcrypt is slow, and Prometheus sends the same credentials on every scrape,
// so a successful check is remembered: the key is SHA-256 over a random
// per-process salt, the user and the password, so the cache holds neither the
// password nor an unsalted hash of it. verify() never answers from a failure:
// a wrong password costs a full bcrypt run and never matches a cache entry.
// An unknown user costs a bcrypt run too (against another user's hash), so
// response times do not tell which users exist.
//
// A failure may be remembered for its source address (remember_failure), so
// a client repeating the same wrong credentials is refused without bcrypt
// (known_failure), while others' checks are not delayed behind its flood.
//
// Thread-safe: check_cached() on the event loop, verify() on a worker.
class BasicAuthenticator {
 public:
  // `users` maps user name to bcrypt hash; the hashes must pass is_bcrypt_hash().
  explicit BasicAuthenticator(std::map<std::string, std::string> users,
                              std::size_t max_cached = 256);

  // Fast: true when these exact credentials were verified before.
  bool check_cached(BasicCredentials const& credentials) const;
  // Slow (runs bcrypt unless cached): true when the credentials are right;
  // remembers a success.
  bool verify(BasicCredentials const& credentials);
  // Fast: true when these credentials failed before from `source` (a client
  // address). Bounded: at most `max_cached` failures are remembered.
  bool known_failure(std::string_view source, BasicCredentials const& credentials) const;
  void remember_failure(std::string_view source, BasicCredentials const& credentials);
  // Both steps for a raw Authorization header value (empty: no header).
  bool authenticate(std::string_view authorization_header);

  std::size_t cached_entries() const;
  std::size_t bcrypt_runs() const;  // how often bcrypt ran: for tests and metrics

 private:
  using Key = std::array<unsigned char, 32>;
  Key cache_key(BasicCredentials const& credentials, std::string_view source = {}) const;

  std::map<std::string, std::string> users_;
  std::array<unsigned char, 32> salt_{};
  std::size_t max_cached_;
  mutable std::mutex mutex_;
  std::set<Key> cache_;
  std::set<Key> failures_;  // keyed by source and credentials
  std::size_t bcrypt_runs_ = 0;
};

}  // namespace cos_exporter
