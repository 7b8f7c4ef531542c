#pragma once

// A test PKI made with the openssl command line, for the TLS tests.

#include <filesystem>
#include <string>

#include "test_support.hpp"

namespace cos_exporter::testing {

// server.crt/key: self-signed RSA 2048 for CN=localhost.
// ca.crt/key: a CA; client.crt/key: signed by it, SAN DNS:client.example;
// other-client.crt/key: signed by it, SAN DNS:other.example;
// rogue.crt/key: a self-signed client certificate the CA never saw.
class TestPki {
 public:
  TestPki() {
    std::string const d = dir_.path().string() + "/";
    std::string const ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run_quietly("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -keyout " + d +
                "server.key -out " + d + "server.crt -days 1");
    run_quietly("openssl req -x509 " + ec + " -subj /CN=test-ca -keyout " + d + "ca.key -out " + d +
                "ca.crt -days 1");
    for (std::string name : {"client", "other-client"}) {
      std::string san = name == "client" ? "client.example" : "other.example";
      run_quietly("openssl req -new " + ec + " -subj /CN=" + name + " -addext subjectAltName=DNS:" +
                  san + " -keyout " + d + name + ".key -out " + d + name + ".csr");
      run_quietly("openssl x509 -req -in " + d + name + ".csr -CA " + d + "ca.crt -CAkey " + d +
                  "ca.key -CAcreateserial -days 1 -copy_extensions copy -out " + d + name + ".crt");
    }
    run_quietly("openssl req -x509 " + ec + " -subj /CN=rogue -keyout " + d + "rogue.key -out " +
                d + "rogue.crt -days 1");
  }

  std::string file(std::string const& name) const { return dir_.file(name); }
  std::filesystem::path const& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
};

// One TestPki per test process, made on first use (openssl takes ~0.5 s).
inline TestPki const& shared_pki() {
  static TestPki const pki;
  return pki;
}

}  // namespace cos_exporter::testing
