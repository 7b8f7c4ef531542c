#pragma once

// Metric names and their HELP texts: the contract of SPEC §6, in one place.
namespace cos_exporter::metric {

inline constexpr char kErrors[] = "cos_errors_total";
inline constexpr char kErrorsHelp[] = "COS v4 error events by category, code and name.";
inline constexpr char kEvents[] = "cos_events_total";
inline constexpr char kEventsHelp[] = "Every valid COS v4 event, by outcome (success or error).";
inline constexpr char kGroupErrors[] = "cos_group_errors_total";
inline constexpr char kGroupErrorsHelp[] =
    "COS v4 error events of each alert group; an event counts in every group it belongs to.";
inline constexpr char kCodeInfo[] = "cos_error_code_info";
inline constexpr char kCodeInfoHelp[] =
    "One series per catalogued error code with its alert groups, for joins.";
inline constexpr char kBuildInfo[] = "cos_error_exporter_build_info";
inline constexpr char kBuildInfoHelp[] = "Version and revision of the running exporter.";
inline constexpr char kReceived[] = "cos_error_exporter_events_received_total";
inline constexpr char kReceivedHelp[] = "Event lines seen per input, malformed ones included.";
inline constexpr char kMalformed[] = "cos_error_exporter_events_malformed_total";
inline constexpr char kMalformedHelp[] = "Event lines skipped as malformed, per input and reason.";
inline constexpr char kUdpPackets[] = "cos_error_exporter_udp_packets_total";
inline constexpr char kUdpPacketsHelp[] = "Datagrams received per input.";
inline constexpr char kUdpKernelDrops[] = "cos_error_exporter_udp_kernel_drops_total";
inline constexpr char kUdpKernelDropsHelp[] =
    "Datagrams the kernel dropped: the socket buffer was full (SO_RXQ_OVFL), or they arrived "
    "while the input closed its socket.";
inline constexpr char kUdpDenied[] = "cos_error_exporter_udp_denied_packets_total";
inline constexpr char kUdpDeniedHelp[] =
    "Datagrams dropped because their source is not in the input's allow list.";
inline constexpr char kFileLines[] = "cos_error_exporter_file_lines_total";
inline constexpr char kFileLinesHelp[] = "Lines read from each tailed file.";
inline constexpr char kFileRotations[] = "cos_error_exporter_file_rotations_total";
inline constexpr char kFileRotationsHelp[] = "Renames or re-creations of a tailed file seen.";
inline constexpr char kFileTruncations[] = "cos_error_exporter_file_truncations_total";
inline constexpr char kFileTruncationsHelp[] = "Truncations (copytruncate) of a tailed file seen.";
inline constexpr char kFileOffset[] = "cos_error_exporter_file_offset_bytes";
inline constexpr char kFileOffsetHelp[] = "Read position in each tailed file.";
inline constexpr char kFileSize[] = "cos_error_exporter_file_size_bytes";
inline constexpr char kFileSizeHelp[] = "Size of each tailed file; minus the offset, the lag.";
inline constexpr char kFileInputFiles[] = "cos_error_exporter_file_input_files";
inline constexpr char kFileInputFilesHelp[] =
    "Files each file input is reading now; 0 while its glob matches no readable file.";
inline constexpr char kUnknownOverflow[] = "cos_error_exporter_unknown_codes_overflow_total";
inline constexpr char kUnknownOverflowHelp[] =
    "Events of unknown codes counted under code=\"other\" because max_unknown_codes was reached.";
inline constexpr char kReloadSuccessful[] = "cos_error_exporter_config_last_reload_successful";
inline constexpr char kReloadSuccessfulHelp[] = "Whether the last configuration reload succeeded.";
inline constexpr char kReloadTimestamp[] =
    "cos_error_exporter_config_last_reload_success_timestamp_seconds";
inline constexpr char kReloadTimestampHelp[] = "Time of the last successful configuration reload.";

inline constexpr char kHttpShed[] = "cos_error_exporter_http_connections_shed_total";
inline constexpr char kHttpShedHelp[] =
    "HTTP connections closed before an answer, by reason (idle_at_limit: the oldest idle one, to "
    "make room; limit_all_busy: a new one, every other being served; request_head_timeout: no "
    "complete request head in time).";
inline constexpr char kHttpRefused[] = "cos_error_exporter_http_requests_refused_total";
inline constexpr char kHttpRefusedHelp[] =
    "HTTP requests refused, by reason (unsent_bytes: 503, too many response bytes waiting for "
    "slow clients; auth_busy: 503, too many password checks waiting; transfer_encoding: 400, "
    "body length unknown).";
inline constexpr char kHttpUnsent[] = "cos_error_exporter_http_unsent_response_bytes";
inline constexpr char kHttpUnsentHelp[] =
    "Bytes of HTTP response bodies not yet sent; a page shared by several scrapers counts once.";

}  // namespace cos_exporter::metric
