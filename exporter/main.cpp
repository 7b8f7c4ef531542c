// cos_error_exporter: the daemon and its subcommands (classify, catalog,
// check-config, rules).
#include <boost/program_options.hpp>
#include <iostream>
#include <string_view>

#include "cos_exporter/build_info.hpp"
#include "cos_exporter/classification/group_warnings.hpp"
#include "cos_exporter/cli/commands.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/config/config_warnings.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/daemon/daemon.hpp"
#include "cos_exporter/exposition/web_config.hpp"
#include "cos_exporter/parsing/line_parser.hpp"

namespace po = boost::program_options;
using namespace cos_exporter;

namespace {

constexpr char kDescription[] =
    "Turns error events of Tencent Cloud COS legacy (JSON API v4) clients, SDKs and proxies "
    "(log files it tails, UDP and unix datagrams) into Prometheus metrics: each code is "
    "classified against the COS v4 error-code catalog and counted by category, code, name and "
    "alert group. Serves /metrics, a status page at / and /-/healthy, /-/ready on "
    "--web.listen-address; SIGHUP reloads the config.";

constexpr char kCommands[] = R"(Commands (none: run the exporter):
  check-config
    Validate --config.file (and --web.config.file) without starting; print warnings. Exit 0
    when valid, 1 with file:line:column: message when not.
  classify CODE [--message=M] [--sdk=S]
    Print the category, name, descriptions and groups of a code, named as the exporter names
    its events.
  catalog [--format=table|json|yaml]
    Print the catalog in force.
  rules
    Print the Prometheus rule file generated from the config's groups and alerts.
)";

// Words of `text` in lines of at most `width` characters after `indent` spaces
// (the first line's indent is the caller's).
void print_wrapped(std::ostream& out, std::string_view text, std::size_t indent,
                   std::size_t width) {
  std::size_t column = indent;
  bool first = true;
  while (!text.empty()) {
    std::size_t end = text.find(' ');
    std::string_view word = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!first && column + 1 + word.size() > width) {
      out << '\n' << std::string(indent, ' ');
      column = indent;
    } else if (!first) {
      out << ' ';
      ++column;
    }
    out << word;
    column += word.size();
    first = false;
  }
  out << '\n';
}

// One flag per entry, as the Prometheus exporters' (kingpin's) help lists
// them: "-h, --help", "--name=DEFAULT" or "--name=VALUE", then what it does.
void print_flags(std::ostream& out, char const* title, po::options_description const& flags) {
  constexpr std::size_t kColumn = 32, kWidth = 100;
  out << title << ":\n";
  for (auto const& flag : flags.options()) {
    std::string name(flag->long_name() == "help" ? "  -h, " : "      ");
    name.append("--").append(flag->long_name());
    if (flag->semantic()->max_tokens() > 0) {
      boost::any default_value;
      if (flag->semantic()->apply_default(default_value))
        name.append("=\"").append(boost::any_cast<std::string>(default_value)).append("\"");
      else
        name.append("=").append(flag->semantic()->name());
    }
    out << name;
    if (name.size() + 2 > kColumn)
      out << '\n' << std::string(kColumn, ' ');
    else
      out << std::string(kColumn - name.size(), ' ');
    print_wrapped(out, flag->description(), kColumn, kWidth);
  }
}

void print_help(std::ostream& out, po::options_description const& flags,
                po::options_description const& command_flags) {
  out << "usage: cos_error_exporter [<flags>] [<command> [<args> ...]]\n\n";
  print_wrapped(out, kDescription, 0, 100);
  out << '\n';
  print_flags(out, "Flags", flags);
  out << '\n' << kCommands << '\n';
  print_flags(out, "Command flags", command_flags);
}

std::pair<std::string, std::string> short_help(std::string const& token) {
  if (token == "-h") return {"help", ""};
  return {};
}

Config load_config_or_builtin(po::variables_map const& vm) {
  return vm.count("config.file") ? load_config_file(vm["config.file"].as<std::string>())
                                 : builtin_config();
}

// "201 catalog entries + 13 SDK dialect names", as the README and the start-up log count.
std::string catalog_summary(Catalog const& catalog) {
  std::size_t dialects = catalog.dialect_entries();
  std::string text = std::to_string(catalog.entries().size() - dialects) + " catalog entries";
  if (dialects > 0) text += " + " + std::to_string(dialects) + " SDK dialect names";
  return text;
}

int check_config(po::variables_map const& vm) {
  Config config = load_config_or_builtin(vm);
  auto classifier = make_classifier(config);
  if (vm.count("web.config.file")) load_web_config(vm["web.config.file"].as<std::string>());
  std::cout << "config OK: " << config.source << " (" << config.inputs.size() << " inputs, "
            << config.groups.size() << " groups, " << catalog_summary(classifier->catalog())
            << ")\n";
  // Valid, so not fatal; but most likely a typo that would leave an alert blind.
  for (std::string const& warning : group_warnings(config.groups, classifier->catalog())) {
    std::cerr << "warning: " << config.source << ": " << warning << '\n';
  }
  // Valid too; but on this machine, as it is now, not what the operator expects.
  for (std::string const& warning : environment_warnings(config))
    std::cerr << "warning: " << config.source << ": " << warning << '\n';
  return 0;
}

int run_subcommand(std::string const& command, std::vector<std::string> const& args,
                   po::variables_map const& vm) {
  if (command == "check-config") {
    if (!args.empty()) throw po::error("check-config takes no arguments");
    return check_config(vm);
  }
  Config config = load_config_or_builtin(vm);
  auto classifier = make_classifier(config);
  if (command == "classify") {
    if (args.size() != 1) throw po::error("classify takes exactly one CODE");
    std::int64_t code = 0;
    if (!parse_code(args[0], code)) {
      std::cerr << "classify: \"" << args[0] << "\" is not an integer code\n";
      return 1;
    }
    std::string message = vm.count("message") ? vm["message"].as<std::string>() : "";
    std::string sdk_text = vm["sdk"].as<std::string>();
    auto sdk = parse_sdk_dialect(sdk_text);
    if (!sdk) {
      std::cerr << "classify: unknown --sdk \"" << sdk_text
                << "\" (document, java, python, php, cpp, nodejs)\n";
      return 2;
    }
    return run_classify(*classifier, code, message, *sdk, std::cout);
  }
  if (!args.empty()) throw po::error(command + " takes no arguments");
  if (command == "catalog") {
    std::string format = vm["format"].as<std::string>();
    int status = run_catalog(*classifier, format, std::cout);
    if (status == 2)
      std::cerr << "catalog: unknown --format \"" << format << "\" (table, json, yaml)\n";
    return status;
  }
  if (command == "rules") return run_rules(config, *classifier, std::cout);
  throw po::error("unknown command \"" + command + "\"");
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description flags;
  // clang-format off
  flags.add_options()
    ("help,h", "Show this help and exit.")
    ("version", "Show the version and exit.")
    ("config.file", po::value<std::string>()->value_name("FILE"),
     "YAML config file: inputs, groups and their alerts, limits. Default: the built-in config "
     "(UDP on 127.0.0.1:9742).")
    ("web.listen-address", po::value<std::string>()->default_value(":9742"),
     "Address on which to expose metrics and the web interface; port 0 picks a free port (the "
     "log says which).")
    ("web.config.file", po::value<std::string>()->value_name("FILE"),
     "Path to a web configuration file that can enable TLS or basic authentication "
     "(exporter-toolkit format).")
    ("web.enable-lifecycle", po::bool_switch(),
     "Enable reloading the config by HTTP (POST /-/reload). Off by default: anyone who reaches "
     "the port could reload. SIGHUP always reloads.")
    ("log.level", po::value<std::string>()->default_value("info"),
     "Only log messages with the given severity or above: debug, info, warn or error.")
    ("log.format", po::value<std::string>()->default_value("logfmt"),
     "Output format of log messages: logfmt or json.");
  po::options_description command_flags;
  command_flags.add_options()
    ("message", po::value<std::string>()->value_name("MESSAGE"),
     "classify: the event's message (names a shared or unknown code).")
    ("sdk", po::value<std::string>()->default_value("document"),
     "classify: whose names -1..-4 get: document, java, python, php, cpp or nodejs.")
    ("format", po::value<std::string>()->default_value("table"),
     "catalog: table, json or yaml.");
  // clang-format on
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())(
      "args", po::value<std::vector<std::string>>()->default_value({}, ""));
  po::options_description all;
  all.add(flags).add(command_flags).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("args", -1);

  po::variables_map vm;
  try {
    // Negative codes ("classify -96") are arguments, not short flags, so short
    // options are off and -h, the one short flag, is recognised by itself.
    po::store(po::command_line_parser(argc, argv)
                  .options(all)
                  .positional(positional)
                  .style(po::command_line_style::unix_style ^ po::command_line_style::allow_short)
                  .extra_parser(short_help)
                  .run(),
              vm);
    po::notify(vm);
  } catch (po::error const& e) {
    std::cerr << "cos_error_exporter: " << e.what() << "\nTry --help.\n";
    return 2;
  }

  if (vm.count("help")) {
    print_help(std::cout, flags, command_flags);
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "cos_error_exporter, version " << build_version()
              << " (revision: " << build_revision() << ")\n";
    return 0;
  }
  LogLevel level;
  LogFormat format;
  if (!parse_log_level(vm["log.level"].as<std::string>(), level) ||
      !parse_log_format(vm["log.format"].as<std::string>(), format)) {
    std::cerr << "cos_error_exporter: --log.level takes debug, info, warn or error; --log.format "
                 "takes logfmt or json\n";
    return 2;
  }
  Logger::global().configure(level, format);

  try {
    if (vm.count("command"))
      return run_subcommand(vm["command"].as<std::string>(),
                            vm["args"].as<std::vector<std::string>>(), vm);
  } catch (po::error const& e) {
    std::cerr << "cos_error_exporter: " << e.what() << "\nTry --help.\n";
    return 2;
  } catch (std::exception const& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }

  DaemonOptions options;
  if (vm.count("config.file")) options.config_file = vm["config.file"].as<std::string>();
  options.listen_address = vm["web.listen-address"].as<std::string>();
  if (vm.count("web.config.file"))
    options.web_config_file = vm["web.config.file"].as<std::string>();
  options.enable_lifecycle = vm["web.enable-lifecycle"].as<bool>();
  return Daemon(std::move(options)).run();
}
