#include "cos_exporter/exposition/shared_body.hpp"

#include "gzip.hpp"

namespace cos_exporter {

SharedBody::SharedBody(std::string text)
    : text_(std::make_shared<std::string const>(std::move(text))) {}

std::shared_ptr<std::string const> SharedBody::gzipped() const {
  if (!gzipped_) gzipped_ = std::make_shared<std::string const>(gzip_compress(*text_));
  return gzipped_;
}

}  // namespace cos_exporter
