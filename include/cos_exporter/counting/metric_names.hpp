#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

// Every metric family the exporter exposes: name, help text and label names,
// declared once here and used by every registration, the rules and the tests.
namespace cos_exporter::metric {

struct Definition {
  static constexpr std::size_t kMaxLabels = 4;
  constexpr Definition(char const* name, char const* help,
                       std::initializer_list<char const*> labels)
      : name(name), help(help), label_count(labels.size()) {
    std::copy(labels.begin(), labels.end(), this->labels.begin());
  }
  std::vector<std::string> label_names() const {
    return {labels.begin(), labels.begin() + label_count};
  }
  char const* name;
  char const* help;
  std::array<char const*, kMaxLabels> labels{};
  std::size_t label_count;
};

inline constexpr char kErrors[] = "cos_errors_total";
inline constexpr Definition kErrorsFamily{
    kErrors, "COS v4 error events by category, code and name.", {"category", "code", "name"}};
inline constexpr char kEvents[] = "cos_events_total";
inline constexpr Definition kEventsFamily{
    kEvents, "Every valid COS v4 event, by outcome (success or error).", {"outcome"}};
inline constexpr char kGroupErrors[] = "cos_group_errors_total";
inline constexpr Definition kGroupErrorsFamily{
    kGroupErrors,
    "COS v4 error events of each alert group; an event counts in every group it belongs to.",
    {"group"}};
inline constexpr char kCodeInfo[] = "cos_error_code_info";
inline constexpr Definition kCodeInfoFamily{
    kCodeInfo,
    "One series per catalogued error code with its alert groups, for joins.",
    {"category", "code", "name", "groups"}};
inline constexpr char kBuildInfo[] = "cos_error_exporter_build_info";
inline constexpr Definition kBuildInfoFamily{
    kBuildInfo, "Version and revision of the running exporter.", {"version", "revision"}};
inline constexpr char kReceived[] = "cos_error_exporter_events_received_total";
inline constexpr Definition kReceivedFamily{
    kReceived,
    "Event lines seen per input, malformed ones included; lines without an event are not.",
    {"input"}};
inline constexpr char kMalformed[] = "cos_error_exporter_events_malformed_total";
inline constexpr Definition kMalformedFamily{
    kMalformed, "Event lines skipped as malformed, per input and reason.", {"input", "reason"}};
inline constexpr char kWithoutEvent[] = "cos_error_exporter_lines_without_event_total";
inline constexpr Definition kWithoutEventFamily{
    kWithoutEvent,
    "Lines that hold no event and are not malformed, per input and reason (blank: nothing but "
    "whitespace; no_event: no code key at the top level, or format: regex and no match).",
    {"input", "reason"}};
inline constexpr char kUdpPackets[] = "cos_error_exporter_udp_packets_total";
inline constexpr Definition kUdpPacketsFamily{
    kUdpPackets, "Datagrams received per input.", {"input"}};
inline constexpr char kUdpKernelDrops[] = "cos_error_exporter_udp_kernel_drops_total";
inline constexpr Definition kUdpKernelDropsFamily{
    kUdpKernelDrops,
    "Datagrams the kernel dropped: the socket buffer was full (SO_RXQ_OVFL), or they arrived "
    "while the input closed its socket.",
    {"input"}};
inline constexpr char kUdpDenied[] = "cos_error_exporter_udp_denied_packets_total";
inline constexpr Definition kUdpDeniedFamily{
    kUdpDenied,
    "Datagrams dropped because their source is not in the input's allow list.",
    {"input"}};
inline constexpr char kTcpConnections[] = "cos_error_exporter_tcp_connections";
inline constexpr Definition kTcpConnectionsFamily{
    kTcpConnections, "Connections open now per tcp input.", {"input"}};
inline constexpr char kTcpAccepted[] = "cos_error_exporter_tcp_connections_accepted_total";
inline constexpr Definition kTcpAcceptedFamily{
    kTcpAccepted, "Connections a tcp input accepted and read from.", {"input"}};
inline constexpr char kTcpRefused[] = "cos_error_exporter_tcp_connections_refused_total";
inline constexpr Definition kTcpRefusedFamily{
    kTcpRefused,
    "Connections a tcp input closed at once, by reason (too_many: max_connections were open; "
    "not_allowed: the peer is not in the allow list).",
    {"input", "reason"}};
inline constexpr char kTcpClosed[] = "cos_error_exporter_tcp_connections_closed_total";
inline constexpr Definition kTcpClosedFamily{
    kTcpClosed,
    "Accepted connections that ended, by reason (eof, reset, error, idle_timeout, framing_error, "
    "tls_handshake, shutdown: the input stopped after reading what was received).",
    {"input", "reason"}};
inline constexpr char kTcpFramingErrors[] = "cos_error_exporter_tcp_framing_errors_total";
inline constexpr Definition kTcpFramingErrorsFamily{
    kTcpFramingErrors,
    "Streams a tcp input could not frame, by reason (bad_length: an octet count that is not one, "
    "the connection is closed; truncated: the connection ended inside a frame, whose bytes are "
    "not counted as an event).",
    {"input", "reason"}};
inline constexpr char kFileLines[] = "cos_error_exporter_file_lines_total";
inline constexpr Definition kFileLinesFamily{
    kFileLines, "Lines read from each tailed file.", {"path"}};
inline constexpr char kFileRotations[] = "cos_error_exporter_file_rotations_total";
inline constexpr Definition kFileRotationsFamily{
    kFileRotations, "Renames or re-creations of a tailed file seen.", {"path"}};
inline constexpr char kFileTruncations[] = "cos_error_exporter_file_truncations_total";
inline constexpr Definition kFileTruncationsFamily{
    kFileTruncations, "Truncations (copytruncate) of a tailed file seen.", {"path"}};
inline constexpr char kFileOffset[] = "cos_error_exporter_file_offset_bytes";
inline constexpr Definition kFileOffsetFamily{
    kFileOffset, "Read position in each tailed file.", {"path"}};
inline constexpr char kFileSize[] = "cos_error_exporter_file_size_bytes";
inline constexpr Definition kFileSizeFamily{
    kFileSize, "Size of each tailed file; minus the offset, the lag.", {"path"}};
inline constexpr char kFileSkipped[] = "cos_error_exporter_file_skipped_total";
inline constexpr Definition kFileSkippedFamily{
    kFileSkipped,
    "Files a file input's glob matched but that were not read, by reason (compressed in a format "
    "not read, a compressed copy already read, not a regular file).",
    {"input", "reason"}};
inline constexpr char kFileInputFiles[] = "cos_error_exporter_file_input_files";
inline constexpr Definition kFileInputFilesFamily{
    kFileInputFiles,
    "Files each file input is reading now; 0 while its glob matches no readable file.",
    {"input"}};
inline constexpr char kUnknownOverflow[] = "cos_error_exporter_unknown_codes_overflow_total";
inline constexpr Definition kUnknownOverflowFamily{
    kUnknownOverflow,
    "Events of unknown codes counted under code=\"other\" because max_unknown_codes was reached.",
    {}};
inline constexpr char kLabelOverflow[] = "cos_error_exporter_label_overflow_total";
inline constexpr Definition kLabelOverflowFamily{
    kLabelOverflow,
    "Events whose extra label became \"other\": the label reached its max_values, or "
    "label=\"limits.max_series\" when the extra labels reached limits.max_series.",
    {"label"}};
inline constexpr char kExemplarDropped[] = "cos_error_exporter_exemplar_values_dropped_total";
inline constexpr Definition kExemplarDroppedFamily{
    kExemplarDropped,
    "Event field values (exemplar_fields) left out of an exemplar, by reason (too_long: the "
    "exemplar would pass 128 characters; invalid_utf8; brace: a } that strict OpenMetrics parsers "
    "refuse).",
    {"reason"}};
inline constexpr char kReloadSuccessful[] = "cos_error_exporter_config_last_reload_successful";
inline constexpr Definition kReloadSuccessfulFamily{
    kReloadSuccessful, "Whether the last configuration reload succeeded.", {}};
inline constexpr char kReloadTimestamp[] =
    "cos_error_exporter_config_last_reload_success_timestamp_seconds";
inline constexpr Definition kReloadTimestampFamily{
    kReloadTimestamp, "Time of the last successful configuration reload.", {}};

inline constexpr char kHttpShed[] = "cos_error_exporter_http_connections_shed_total";
inline constexpr Definition kHttpShedFamily{
    kHttpShed,
    "HTTP connections closed before an answer, by reason (idle_at_limit: the oldest idle one, to "
    "make room; limit_all_busy: a new one, every other being served; request_head_timeout: no "
    "complete request head in time).",
    {"reason"}};
inline constexpr char kHttpRefused[] = "cos_error_exporter_http_requests_refused_total";
inline constexpr Definition kHttpRefusedFamily{
    kHttpRefused,
    "HTTP requests refused, by reason (unsent_bytes: 503, too many response bytes waiting for "
    "slow clients; auth_busy: 503, too many password checks waiting; transfer_encoding: 400, "
    "body length unknown).",
    {"reason"}};
inline constexpr char kHttpUnsent[] = "cos_error_exporter_http_unsent_response_bytes";
inline constexpr Definition kHttpUnsentFamily{
    kHttpUnsent,
    "Bytes of HTTP response bodies not yet sent; a page shared by several scrapers counts once.",
    {}};

inline constexpr char kStateWrites[] = "cos_error_exporter_state_writes_total";
inline constexpr Definition kStateWritesFamily{
    kStateWrites,
    "Writes of the state_file by this process, by result (ok, failed: disk full, I/O error, ...). "
    "Per process, not kept across restarts.",
    {"result"}};
inline constexpr char kStateWriteOk[] = "cos_error_exporter_state_last_write_successful";
inline constexpr Definition kStateWriteOkFamily{
    kStateWriteOk,
    "Whether the last write of the state_file succeeded (1) or failed (0); while it fails, scrapes "
    "show the counters as last written.",
    {}};
inline constexpr char kStateLoads[] = "cos_error_exporter_state_loads_total";
inline constexpr Definition kStateLoadsFamily{
    kStateLoads,
    "How this process started from the state_file: restored, restored_tmp, upgraded_v1, "
    "fresh_missing, fresh_unreadable, fresh_invalid, fresh_newer_version, unusable. Per process.",
    {"outcome"}};
inline constexpr char kStateTmpFound[] = "cos_error_exporter_state_interrupted_writes_total";
inline constexpr Definition kStateTmpFoundFamily{
    kStateTmpFound,
    "Tmp files of an interrupted state_file write found at start (a crash mid-write). Per process.",
    {}};

}  // namespace cos_exporter::metric
