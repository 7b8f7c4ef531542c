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

// Before a UDP socket is closed: the kernel drops every datagram that arrives
// from now on and counts it in the socket's drop count (a socket filter that
// accepts nothing), so what is queued can be read to the end and nothing that
// arrives later vanishes uncounted.
void refuse_new_datagrams(int fd, std::string const& input_name);

// The same for a unix datagram socket: shut down for reading, so senders get
// EPIPE instead of queueing datagrams nobody will read.
void refuse_new_unix_datagrams(int fd, std::string const& input_name);

}  // namespace cos_exporter
