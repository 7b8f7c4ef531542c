#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>

#include "exposition/basic_auth.hpp"

using namespace cos_exporter;

namespace {

using Users = std::map<std::string, std::string>;

// Cost 4 keeps these fast; the algorithm is the same at any cost.
constexpr char kPasswordHash[] = "$2b$04$QhTD/ePI6eB1E2ZVjas4NevvnQHsv28mH1v6J7XihwOnsctDIy/VO";
// The crypt_blowfish / OpenBSD test vector for "U*U".
constexpr char kVectorHash[] = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

}  // namespace

TEST_CASE("basic auth: the Authorization header is parsed as RFC 7617 says", "[http][basic_auth]") {
  auto credentials = parse_basic_authorization("Basic YWxpY2U6c2VjcmV0");  // alice:secret
  REQUIRE(credentials);
  CHECK(credentials->user == "alice");
  CHECK(credentials->password == "secret");

  // The password may hold colons; the scheme is case-insensitive; padding optional.
  auto colon = parse_basic_authorization("bAsIc   YTpiOmM=");  // a:b:c
  REQUIRE(colon);
  CHECK(colon->user == "a");
  CHECK(colon->password == "b:c");
  auto unpadded = parse_basic_authorization("Basic YTpiOmM");
  REQUIRE(unpadded);
  CHECK(unpadded->password == "b:c");
  auto empty = parse_basic_authorization("Basic Og==");  // ":"
  REQUIRE(empty);
  CHECK(empty->user.empty());
  CHECK(empty->password.empty());

  for (char const* bad :
       {"", "Basic", "Basic ", "Bearer YWxpY2U6c2VjcmV0", "BasicYWxpY2U6c2VjcmV0", "Basic YWxpY2U",
        "Basic !!!!", "Basic YWxpY2U6c2VjcmV0 extra", "Basic A"}) {
    INFO(bad);
    CHECK_FALSE(parse_basic_authorization(bad));
  }
}

TEST_CASE("basic auth: bcrypt hashes are recognised and verified", "[http][basic_auth]") {
  CHECK(is_bcrypt_hash(kPasswordHash));
  CHECK(is_bcrypt_hash(kVectorHash));
  CHECK(is_bcrypt_hash("$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze"));
  for (char const* bad :
       {"secret", "", "$2x$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze",
        "$2y$03$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze",
        "$2y$32$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze",
        "$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPz",
        "$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJP!e",
        "$6$salt$"
        "IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g."}) {
    INFO(bad);
    CHECK_FALSE(is_bcrypt_hash(bad));
  }

  CHECK(bcrypt_verify("password", kPasswordHash));
  CHECK(bcrypt_verify("U*U", kVectorHash));
  CHECK_FALSE(bcrypt_verify("Password", kPasswordHash));
  CHECK_FALSE(bcrypt_verify("", kPasswordHash));
  CHECK_FALSE(bcrypt_verify(std::string_view("password\0x", 10), kPasswordHash));
  // $2y$ is the same algorithm under PHP's name.
  std::string y_hash = kPasswordHash;
  y_hash[2] = 'y';
  CHECK(bcrypt_verify("password", y_hash));
  CHECK_FALSE(bcrypt_verify("password", "not a hash"));

  CHECK(constant_time_equal("abc", "abc"));
  CHECK(constant_time_equal("", ""));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
}

TEST_CASE("basic auth: successes are cached, failures never are", "[http][basic_auth]") {
  BasicAuthenticator auth(Users{{"prometheus", kPasswordHash}, {"vector", kVectorHash}});

  BasicCredentials right{"prometheus", "password"};
  BasicCredentials wrong{"prometheus", "passwore"};
  BasicCredentials swapped{"vector", "password"};
  BasicCredentials unknown{"mallory", "password"};

  CHECK_FALSE(auth.check_cached(right));
  CHECK(auth.verify(right));
  CHECK(auth.bcrypt_runs() == 1);
  CHECK(auth.check_cached(right));
  CHECK(auth.verify(right));
  CHECK(auth.bcrypt_runs() == 1);  // the cache answered

  for (int i = 0; i < 3; ++i) {
    CHECK_FALSE(auth.check_cached(wrong));
    CHECK_FALSE(auth.verify(wrong));
  }
  CHECK(auth.bcrypt_runs() == 4);  // every failure ran bcrypt
  CHECK_FALSE(auth.verify(swapped));
  // An unknown user costs a bcrypt run too, and a cached password of another
  // user does not let it in.
  CHECK_FALSE(auth.verify(unknown));
  CHECK_FALSE(auth.check_cached(unknown));
  CHECK(auth.bcrypt_runs() == 6);
  CHECK(auth.cached_entries() == 1);

  CHECK(auth.authenticate("Basic cHJvbWV0aGV1czpwYXNzd29yZA=="));  // prometheus:password
  // A trailing byte more: the password is "password" plus junk, and wrong.
  CHECK_FALSE(auth.authenticate("Basic cHJvbWV0aGV1czpwYXNzd29yZAx"));
  CHECK_FALSE(auth.authenticate(""));  // no header: no bcrypt run
  CHECK(auth.bcrypt_runs() == 7);

  CHECK_THROWS_AS(BasicAuthenticator(Users{{"x", "plain"}}), std::invalid_argument);
}

TEST_CASE("basic auth: a failure is remembered for its source only", "[http][basic_auth]") {
  BasicAuthenticator auth(Users{{"prometheus", kPasswordHash}}, 2);
  BasicCredentials wrong{"prometheus", "passwore"};
  CHECK_FALSE(auth.known_failure("127.0.0.1", wrong));
  auth.remember_failure("127.0.0.1", wrong);
  CHECK(auth.known_failure("127.0.0.1", wrong));
  CHECK_FALSE(auth.known_failure("127.0.0.2", wrong));
  CHECK_FALSE(auth.known_failure("127.0.0.1", {"prometheus", "password"}));
  CHECK_FALSE(auth.check_cached(wrong));
  CHECK_FALSE(auth.verify(wrong));  // verify itself never answers from a failure
  CHECK(auth.bcrypt_runs() == 1);
  // Bounded: more failures than max_cached forget older ones.
  for (char const* source : {"a", "b", "c"}) auth.remember_failure(source, wrong);
  CHECK_FALSE(auth.known_failure("a", wrong));
  CHECK(auth.known_failure("c", wrong));
}

TEST_CASE("basic auth: the cache stays bounded", "[http][basic_auth]") {
  BasicAuthenticator auth(Users{{"a", kPasswordHash}, {"b", kPasswordHash}, {"c", kPasswordHash}},
                          2);
  for (char const* user : {"a", "b", "c"}) CHECK(auth.verify({user, "password"}));
  CHECK(auth.cached_entries() <= 2);
  CHECK(auth.verify({"a", "password"}));
  CHECK(auth.verify({"c", "password"}));
}

TEST_CASE("basic auth: a cache hit is orders of magnitude faster than bcrypt",
          "[http][basic_auth]") {
  BasicAuthenticator auth(Users{{"u", kVectorHash}});
  BasicCredentials credentials{"u", "U*U"};
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(auth.verify(credentials));
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) REQUIRE(auth.verify(credentials));
  auto t2 = std::chrono::steady_clock::now();
  CHECK((t2 - t1) / 100 * 10 < (t1 - t0));
}
