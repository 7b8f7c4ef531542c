#pragma once

#include <memory>
#include <string>

namespace cos_exporter {

// An immutable response body that many connections send at once without a
// copy each, with its gzip made once, when first asked for.
//
// Threading: gzipped() on the event loop's thread only.
class SharedBody {
 public:
  explicit SharedBody(std::string text);

  std::shared_ptr<std::string const> const& text() const { return text_; }
  std::shared_ptr<std::string const> gzipped() const;

 private:
  std::shared_ptr<std::string const> text_;
  mutable std::shared_ptr<std::string const> gzipped_;
};

}  // namespace cos_exporter
