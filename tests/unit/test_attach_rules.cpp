// The rotation and resume rules, as tables: no file, no inotify, no directory.
#include <catch2/catch.hpp>

#include "inputs/file_source/attach_rules.hpp"

using namespace cos_exporter;
using Resume = FileReader::Resume;

TEST_CASE("a file found is adopted when it is a renamed one, ignored when read or settled",
          "[rotation_rules]") {
  struct Row {
    FoundFacts facts;
    FoundStep step;
  };
  auto row = GENERATE(values<Row>({
      {{.read_elsewhere = false, .draining = false, .settled = false}, FoundStep::open},
      {{.read_elsewhere = true, .draining = false, .settled = false}, FoundStep::ignore},
      {{.read_elsewhere = false, .draining = true, .settled = false}, FoundStep::adopt},
      {{.read_elsewhere = false, .draining = false, .settled = true}, FoundStep::ignore},
      {{.read_elsewhere = false, .draining = true, .settled = true}, FoundStep::ignore},
  }));
  CHECK(on_found(row.facts) == row.step);
}

TEST_CASE("which file still read a file found is a copy of", "[rotation_rules]") {
  struct Row {
    char const* what;
    FileKind candidate;
    OriginalFacts original;
    bool copy;
  };
  OriginalFacts same{.same_first_line = true, .text = true};
  auto with = [&](auto change) {
    OriginalFacts facts = same;
    change(facts);
    return facts;
  };
  auto row = GENERATE_COPY(values<Row>({
      {"another first line",
       FileKind::text,
       {.same_first_line = false, .bytes_agree = true},
       false},
      {"copytruncate's copy, its bytes agreeing", FileKind::text,
       with([](auto& f) { f.bytes_agree = true; }), true},
      {"same first line, other bytes", FileKind::text, same, false},
      {"copy of a file truncated since (not read yet)", FileKind::text,
       with([](auto& f) { f.shrunk = true; }), true},
      {"create: the new file where the old one was, lines alike", FileKind::text, with([](auto& f) {
         f.bytes_agree = true;
         f.left_candidate_path = true;
       }),
       false},
      {"a renamed file is never copied", FileKind::text, with([](auto& f) {
         f.bytes_agree = true;
         f.renamed = true;
       }),
       false},
      {"truncated with its position held: that position is this copy's", FileKind::text,
       with([](auto& f) {
         f.bytes_agree = true;
         f.truncation_held = true;
       }),
       false},
      {"a copy of a compressed file",
       FileKind::text,
       {.same_first_line = true, .text = false, .bytes_agree = true},
       false},
      {"gzip of the live file, untouched at its path", FileKind::gzip, same, false},
      {"gzip of a renamed (or deleted) file", FileKind::gzip,
       with([](auto& f) { f.renamed = true; }), true},
      {"gzip of the file truncated after its copy", FileKind::gzip,
       with([](auto& f) { f.shrunk = true; }), true},
      {"gzip at the file's own name plus .gz", FileKind::gzip,
       with([](auto& f) { f.candidate_is_its_name_plus_extension = true; }), true},
      {"gzip where the file was before its rename", FileKind::gzip, with([](auto& f) {
         f.renamed = true;
         f.left_candidate_path = true;
       }),
       false},
  }));
  INFO(row.what);
  CHECK(is_copy_of(row.candidate, row.original) == row.copy);
}

TEST_CASE("a compressed name is its file's name plus one extension", "[rotation_rules]") {
  CHECK(is_name_plus_extension("/v/app.log.1.gz", "/v/app.log.1"));
  CHECK(is_name_plus_extension("/v/app.log.gz", "/v/app.log"));
  CHECK_FALSE(is_name_plus_extension("/v/app.log.1.gz", "/v/app.log"));  // two more parts
  CHECK_FALSE(is_name_plus_extension("/v/app.log.1", "/v/app.log"));     // a number, no letter
  CHECK_FALSE(is_name_plus_extension("/v/app.log", "/v/app.log"));
  CHECK_FALSE(is_name_plus_extension("/v/app.logx", "/v/app.log"));
  CHECK_FALSE(is_name_plus_extension("/v/app.log.", "/v/app.log"));
}

TEST_CASE("which held positions a file may take, and in which order", "[rotation_rules]") {
  struct Row {
    char const* what;
    ClaimFacts facts;
    std::optional<int> rank;
  };
  auto row = GENERATE(values<Row>({
      {"its own inode, saved", {.same_inode = true, .origin = HeldOrigin::saved}, 1},
      {"its own inode, whatever the path",
       {.same_inode = true, .same_path = true, .origin = HeldOrigin::let_go},
       1},
      {"another inode where the position was taken: a new file",
       {.same_path = true, .origin = HeldOrigin::truncated, .candidate_text = false},
       std::nullopt},
      {"text: the truncated position of the file it waited for",
       {.origin = HeldOrigin::truncated, .of_original = true},
       3},
      {"text: another truncated position", {.origin = HeldOrigin::truncated}, 5},
      {"text: a file let go is not copied afterwards",
       {.origin = HeldOrigin::let_go},
       std::nullopt},
      {"text: a saved position of another inode (lines alike would match any)",
       {.origin = HeldOrigin::saved},
       std::nullopt},
      {"gzip at the position's name plus .gz, of the same size",
       {.origin = HeldOrigin::let_go,
        .candidate_text = false,
        .name_match = true,
        .exact_size = true},
       2},
      {"gzip at the position's name plus .gz",
       {.origin = HeldOrigin::let_go, .candidate_text = false, .name_match = true},
       3},
      {"gzip of a truncated file",
       {.origin = HeldOrigin::truncated, .candidate_text = false, .exact_size = true},
       4},
      {"gzip of a file let go", {.origin = HeldOrigin::let_go, .candidate_text = false}, 7},
      {"gzip and a saved position (compressed while stopped)",
       {.origin = HeldOrigin::saved, .candidate_text = false},
       9},
  }));
  INFO(row.what);
  CHECK(claim_rank(row.facts) == row.rank);
}

TEST_CASE("a compressed file does not read on past the end of a file let go", "[rotation_rules]") {
  CHECK_FALSE(claim_accepts(HeldOrigin::let_go, false, Resume::resumed));
  CHECK(claim_accepts(HeldOrigin::let_go, false, Resume::already_read));
  CHECK(claim_accepts(HeldOrigin::truncated, false, Resume::resumed));
  CHECK(claim_accepts(HeldOrigin::saved, false, Resume::resumed));
  CHECK(claim_accepts(HeldOrigin::let_go, true, Resume::resumed));
}

TEST_CASE("where a file starts to be read", "[rotation_rules]") {
  struct Row {
    char const* what;
    ResumeFacts facts;
    ResumeAction action;
  };
  auto row = GENERATE(values<Row>({
      {"its own saved position",
       {.claim = Resume::resumed, .claim_same_inode = true},
       ResumeAction::saved_position},
      {"the position of the file it copies",
       {.claim = Resume::resumed},
       ResumeAction::position_of_original},
      {"its own position, the file shorter now",
       {.claim = Resume::truncated},
       ResumeAction::truncated},
      {"a gzip copy of what was read",
       {.claim = Resume::already_read, .kind = FileKind::gzip},
       ResumeAction::skip_compressed_read},
      {"a text copy of what was read", {.claim = Resume::already_read}, ResumeAction::copy_at_end},
      {"a gzip still being written",
       {.claim = Resume::incomplete, .kind = FileKind::gzip},
       ResumeAction::wait_incomplete},
      {"no position, found later",
       {.claim = std::nullopt, .starting = false, .start_at = StartAt::end},
       ResumeAction::beginning},
      {"no position, at start, replaced while stopped",
       {.claim = std::nullopt, .starting = true, .saved_here = true, .start_at = StartAt::end},
       ResumeAction::replaced},
      {"no position, at start, start_at end",
       {.claim = std::nullopt, .starting = true, .start_at = StartAt::end},
       ResumeAction::at_end},
      {"no position, at start, start_at beginning",
       {.claim = std::nullopt, .starting = true, .start_at = StartAt::beginning},
       ResumeAction::beginning},
      {"a position of other content counts as none",
       {.claim = Resume::other, .starting = true, .start_at = StartAt::end},
       ResumeAction::at_end},
  }));
  INFO(row.what);
  CHECK(resume_rule(row.facts) == row.action);
}
