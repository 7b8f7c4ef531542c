#pragma once

// Helpers shared by the HTTP exposition tests: temporary directories and a
// test PKI made with the openssl command line.

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>

namespace cos_exporter::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cos-http-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(TempDir const&) = delete;
  TempDir& operator=(TempDir const&) = delete;

  std::filesystem::path const& path() const { return path_; }
  std::string file(std::string const& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void write_file(std::string const& path, std::string const& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string read_file(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void run_quietly(std::string const& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
    throw std::runtime_error("command failed: " + command);
}

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
