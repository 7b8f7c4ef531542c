#include "followed_path.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "cos_exporter/common/errno_text.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/counting/metric_names.hpp"

namespace cos_exporter {

FileCells FileCells::create(MetricStore& store, std::string const& path) {
  std::vector<std::string> labels{path};
  FileCells cells;
  cells.lines = &store.counter(metric::kFileLinesFamily).series(labels);
  cells.rotations = &store.counter(metric::kFileRotationsFamily).series(labels);
  cells.truncations = &store.counter(metric::kFileTruncationsFamily).series(labels);
  cells.offset = &store.gauge(metric::kFileOffsetFamily).series(labels);
  cells.size = &store.gauge(metric::kFileSizeFamily).series(labels);
  return cells;
}

void FileCells::remove(MetricStore& store, std::string const& path) {
  std::vector<std::string> labels{path};
  for (char const* name : {metric::kFileLines, metric::kFileRotations, metric::kFileTruncations})
    store.remove_counter_series(name, labels);
  for (char const* name : {metric::kFileOffset, metric::kFileSize})
    store.remove_gauge_series(name, labels);
}

FollowedPath::FollowedPath(std::string path, MetricStore& store)
    : path_(std::move(path)), store_(store) {}

void FollowedPath::remove_series() {
  if (followed_) FileCells::remove(store_, path_);
  followed_ = false;
}

void FollowedPath::cannot_open(int error, std::string_view input) {
  if (error == logged_error_) return;
  logged_error_ = error;
  log_warn("cannot open file; retrying", {{"component", "file"},
                                          {"input", std::string(input)},
                                          {"path", path_},
                                          {"error", errno_text(error)}});
}

void FollowedPath::follow(std::unique_ptr<FileReader> reader, std::string_view input,
                          std::string_view how, Change change) {
  if (logged_error_ != 0) {
    logged_error_ = 0;
    log_info("file can be read now",
             {{"component", "file"}, {"input", std::string(input)}, {"path", path_}});
  }
  if (followed_) cells_.rotations->add(1);  // re-created (or renamed into place) while followed
  if (!followed_) cells_ = FileCells::create(store_, path_);
  followed_ = true;
  if (change == Change::truncated) cells_.truncations->add(1);
  if (change == Change::replaced) cells_.rotations->add(1);
  deferred.reset();
  reader_ = std::move(reader);
  reader_->note_path(path_);
  show_position();
  log_info("following file", {{"component", "file"},
                              {"input", std::string(input)},
                              {"path", path_},
                              {"kind", file_kind_name(reader_->kind())},
                              {"from", std::string(how)},
                              {"offset", std::to_string(reader_->committed_offset())}});
}

void FollowedPath::adopt(std::unique_ptr<FileReader> reader) {
  if (followed_) cells_.rotations->add(1);
  if (!followed_) cells_ = FileCells::create(store_, path_);
  followed_ = true;
  deferred.reset();
  reader_ = std::move(reader);
  reader_->note_path(path_);
  show_position();
}

std::unique_ptr<FileReader> FollowedPath::release() {
  return std::move(reader_);
}

void FollowedPath::show_position() {
  cells_.offset->set(static_cast<double>(reader_->committed_offset()));
  cells_.size->set(static_cast<double>(std::max(reader_->size(), reader_->read_offset())));
}

bool FollowedPath::read(LineSink& sink, std::size_t budget, std::string_view input) {
  if (!reader_) return false;
  auto result = reader_->read(sink, budget);
  cells_.lines->add(result.lines);
  if (result.lines > 0) last_line_at = std::chrono::steady_clock::now();
  if (result.truncations > 0) {
    cells_.truncations->add(result.truncations);
    log_info("file truncated; reading it from the start",
             {{"component", "file"}, {"input", std::string(input)}, {"path", path_}});
  }
  if (result.status == FileReader::Status::error) {
    if (!logged_read_error_) {
      logged_read_error_ = true;
      log_warn("cannot read file; retrying", {{"component", "file"},
                                              {"input", std::string(input)},
                                              {"path", path_},
                                              {"error", errno_text(result.error)}});
    }
  } else {
    logged_read_error_ = false;
  }
  show_position();
  return result.status == FileReader::Status::more;
}

}  // namespace cos_exporter
