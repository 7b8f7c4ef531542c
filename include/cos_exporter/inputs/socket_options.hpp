#pragma once

#include <cstdint>
#include <string>

namespace cos_exporter {

// Asks for a receive buffer of `bytes` (SO_RCVBUFFORCE when privileged, else
// SO_RCVBUF) and logs a warning naming net.core.rmem_max when the kernel
// grants less.
void apply_receive_buffer(int fd, std::uint64_t bytes, std::string const& input_name);

// SO_RXQ_OVFL: the kernel reports its drop count with every datagram.
void enable_drop_counting(int fd, std::string const& input_name);

}  // namespace cos_exporter
