// The reload decision as a table: running and wanted inputs in, what is kept,
// started (and after which stops) and removed out. No socket, no file.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/reload_plan.hpp"

using namespace cos_exporter;

namespace {

// "udp NAME LISTEN", "unixgram NAME PATH" or "file NAME GLOB", and "changed"
// at the end for other settings than the address.
InputConfig input(std::string const& spec) {
  std::istringstream in(spec);
  std::string kind, name, address, changed;
  in >> kind >> name >> address >> changed;
  bool other = changed == "changed";
  if (kind == "udp") {
    UdpInputConfig c;
    c.name = name;
    c.listen = address;
    if (other) c.read_buffer_bytes = 65536;
    return c;
  }
  if (kind == "unixgram") {
    UnixgramInputConfig c;
    c.name = name;
    c.path = address;
    if (other) c.mode = 0600;
    return c;
  }
  FileInputConfig c;
  c.name = name;
  c.path = address;
  if (other) c.start_at = StartAt::beginning;
  return c;
}

std::vector<InputConfig> inputs(std::vector<std::string> const& specs) {
  std::vector<InputConfig> list;
  for (auto const& spec : specs) list.push_back(input(spec));
  return list;
}

// "keep[0>0 1>1*] start[2 3<0] remove[0]": running > wanted (* reconfigured),
// wanted < the running inputs it starts after.
std::string describe(ReloadPlan const& plan) {
  std::string text = "keep[";
  auto next = [&](std::size_t index) {
    if (text.back() != '[') text += ' ';
    text += std::to_string(index);
  };
  for (auto const& kept : plan.kept) {
    next(kept.from);
    text += '>';
    text += std::to_string(kept.to);
    if (kept.reconfigure) text += '*';
  }
  text += "] start[";
  for (auto const& start : plan.starts) {
    next(start.to);
    for (std::size_t i = 0; i < start.after.size(); ++i) {
      text += i ? ',' : '<';
      text += std::to_string(start.after[i]);
    }
  }
  text += "] remove[";
  for (std::size_t from : plan.removed) next(from);
  return text + "]";
}

struct Row {
  char const* what;
  std::vector<std::string> running;
  std::vector<std::string> wanted;
  ContextChange changed;
  char const* plan;
};

}  // namespace

TEST_CASE("a reload keeps, starts and removes inputs as the table says", "[reload_plan]") {
  std::vector<Row> const table = {
      {"nothing changes",
       {"udp a 127.0.0.1:9000", "file f /l/*.log"},
       {"udp a 127.0.0.1:9000", "file f /l/*.log"},
       {},
       "keep[0>0 1>1] start[] remove[]"},
      {"the line limit reconfigures every input",
       {"udp a 127.0.0.1:9000", "unixgram x /run/x.sock", "file f /l/*.log"},
       {"udp a 127.0.0.1:9000", "unixgram x /run/x.sock", "file f /l/*.log"},
       {.max_line_bytes = true},
       "keep[0>0* 1>1* 2>2*] start[] remove[]"},
      {"a new state file reconfigures only the file inputs",
       {"udp a 127.0.0.1:9000", "file f /l/*.log"},
       {"udp a 127.0.0.1:9000", "file f /l/*.log"},
       {.state_file = true},
       "keep[0>0 1>1*] start[] remove[]"},
      {"an input's own settings or name change in place",
       {"udp a 127.0.0.1:9000", "unixgram x /run/x.sock", "file f /l/*.log"},
       {"udp b 127.0.0.1:9000", "unixgram x /run/x.sock changed", "file f /l/*.log changed"},
       {},
       "keep[0>0* 1>1* 2>2*] start[] remove[]"},
      {"an input on a free port starts while the others run",
       {"udp a 127.0.0.1:9000"},
       {"udp a 127.0.0.1:9000", "udp b 127.0.0.1:9001"},
       {},
       "keep[0>0] start[1] remove[]"},
      {"a removed input stops once the reload is decided",
       {"udp a 127.0.0.1:9000", "udp b 127.0.0.1:9001"},
       {"udp a 127.0.0.1:9000"},
       {},
       "keep[0>0] start[] remove[1]"},
      {"an input moved to another port starts before the old one stops",
       {"udp a 127.0.0.1:9000"},
       {"udp a 127.0.0.1:9001"},
       {},
       "keep[] start[0] remove[0]"},
      {"an input moved to another address on the same port waits for the old one",
       {"udp a 127.0.0.1:9000"},
       {"udp a 0.0.0.0:9000"},
       {},
       "keep[] start[0<0] remove[0]"},
      {"the same port in IPv6 is the same port",
       {"udp a 127.0.0.1:9000"},
       {"udp a [::1]:9000"},
       {},
       "keep[] start[0<0] remove[0]"},
      {"port 0 is never taken",
       {"udp a 127.0.0.1:0"},
       {"udp a 0.0.0.0:0"},
       {},
       "keep[] start[0] remove[0]"},
      {"a socket path written another way is the same socket",
       {"unixgram x /run/x.sock"},
       {"unixgram x /run/./x.sock"},
       {},
       "keep[] start[0<0] remove[0]"},
      {"a file input moved under its name takes its positions: it waits",
       {"file f /a/*.log"},
       {"file f /b/*.log"},
       {},
       "keep[] start[0<0] remove[0]"},
      {"a file input moved under a new name starts at once",
       {"file f /a/*.log"},
       {"file g /b/*.log"},
       {},
       "keep[] start[0] remove[0]"},
      {"another kind of the same name does not wait",
       {"udp f 127.0.0.1:9000"},
       {"file f /x/*.log"},
       {},
       "keep[] start[0] remove[0]"},
      {"datagram inputs start first, the waiting ones last in each kind",
       {"udp a 127.0.0.1:9000", "file f /a/*.log", "udp k 127.0.0.1:9009"},
       {"udp b 0.0.0.0:9000", "udp c 127.0.0.1:9001", "udp k 127.0.0.1:9009",
        "unixgram u /run/u.sock", "file f /b/*.log", "file g /g/*.log"},
       {},
       "keep[2>2] start[1 3 0<0 5 4<1] remove[0 1]"},
      {"one input may wait for several",
       {"udp a 127.0.0.1:9000", "udp b 10.0.0.1:9000"},
       {"udp c 0.0.0.0:9000"},
       {},
       "keep[] start[0<0,1] remove[0 1]"},
  };
  for (auto const& row : table) {
    INFO(row.what);
    CHECK(describe(plan_reload(inputs(row.running), inputs(row.wanted), row.changed)) == row.plan);
  }
}
