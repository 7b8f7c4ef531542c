#pragma once

#include <cstddef>
#include <vector>

#include "cos_exporter/inputs/input.hpp"

namespace cos_exporter {

// What a reload does to the inputs, decided from their configs alone (no
// socket, no file): InputSet::apply carries it out. Indices point into the
// running configs (`from`) and the wanted ones (`to`).
//
// - kept: same identity (kind and address); keeps its socket, queue and file
//   positions, and is reconfigured in place when anything it runs with changed.
// - starts: every wanted input that is not kept, in the order it starts.
//   Most need nothing a running input holds (`after` is empty) and start
//   while everything runs. One that needs what a removed input holds (the
//   same UDP port, the same socket path, or, for a file input of the same
//   name, its positions) is rebound: it starts right after those stop.
//   Datagram inputs start before file inputs (only binding a socket can fail,
//   and a started file input has read its files), and within each kind the
//   rebound ones last: a reload that cannot bind fails before anything stops.
// - removed: every running input that is not kept; those no start waits for
//   stop once every start has succeeded.
struct ReloadPlan {
  struct Kept {
    std::size_t from = 0;
    std::size_t to = 0;
    bool reconfigure = false;
    bool operator==(Kept const&) const = default;
  };
  struct Start {
    std::size_t to = 0;
    std::vector<std::size_t> after;  // running inputs that must stop first
    bool operator==(Start const&) const = default;
  };
  std::vector<Kept> kept;            // in wanted order
  std::vector<Start> starts;         // in the order they start
  std::vector<std::size_t> removed;  // running indices, in running order
};

// What changed besides the inputs' own configs.
struct ContextChange {
  bool max_line_bytes = false;  // concerns every input
  bool state_file = false;      // concerns the inputs that record positions
};

ReloadPlan plan_reload(std::vector<InputConfig> const& running,
                       std::vector<InputConfig> const& wanted, ContextChange changed);

// True when `next` cannot start while `previous` runs: the same UDP port (other
// than 0) on any address, the same socket path once normalised, or a file
// input taking over the name, and so the positions, of another.
bool needs_what_it_holds(InputConfig const& next, InputConfig const& previous);

}  // namespace cos_exporter
