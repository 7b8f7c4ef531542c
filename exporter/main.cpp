// cos_error_exporter: the daemon and its subcommands (classify, catalog,
// check-config, rules).
#include <boost/program_options.hpp>
#include <iostream>

#include "cos_exporter/build_info.hpp"
#include "cos_exporter/classification/group_warnings.hpp"
#include "cos_exporter/cli/commands.hpp"
#include "cos_exporter/common/log.hpp"
#include "cos_exporter/daemon/classifier_factory.hpp"
#include "cos_exporter/daemon/daemon.hpp"
#include "cos_exporter/exposition/web_config.hpp"
#include "cos_exporter/parsing/line_parser.hpp"

namespace po = boost::program_options;
using namespace cos_exporter;

namespace {

constexpr char kUsage[] = R"(Usage:
  cos_error_exporter [FLAGS]                      run the exporter
  cos_error_exporter check-config [--config.file=F] [--web.config.file=W]
  cos_error_exporter classify CODE [--message=M] [--sdk=S] [--config.file=F]
  cos_error_exporter catalog [--format=table|json|yaml] [--config.file=F]
  cos_error_exporter rules [--config.file=F]      print the Prometheus rule file

Flags)";

std::pair<std::string, std::string> short_help(std::string const& token) {
  if (token == "-h") return {"help", ""};
  return {};
}

Config load_config_or_builtin(po::variables_map const& vm) {
  return vm.count("config.file") ? load_config_file(vm["config.file"].as<std::string>())
                                 : builtin_config();
}

int check_config(po::variables_map const& vm) {
  Config config = load_config_or_builtin(vm);
  auto classifier = make_classifier(config);
  if (vm.count("web.config.file")) load_web_config(vm["web.config.file"].as<std::string>());
  std::cout << "config OK: " << config.source << " ("
            << config.udp_inputs.size() + config.unixgram_inputs.size() + config.file_inputs.size()
            << " inputs, " << config.groups.size() << " groups, "
            << classifier->catalog().entries().size() << " catalog entries)\n";
  // Valid, so not fatal; but most likely a typo that would leave an alert blind.
  for (std::string const& warning : group_warnings(config.groups, classifier->catalog())) {
    std::cerr << "warning: " << config.source << ": " << warning << '\n';
  }
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
    ("help,h", "show this help")
    ("version", "print the version and exit")
    ("config.file", po::value<std::string>(), "YAML config file (default: the built-in config)")
    ("web.listen-address", po::value<std::string>()->default_value(":9742"),
     "address for /metrics and the web endpoints; port 0 picks a free port")
    ("web.config.file", po::value<std::string>(),
     "exporter-toolkit web config (TLS, basic auth)")
    ("log.level", po::value<std::string>()->default_value("info"), "debug, info, warn or error")
    ("log.format", po::value<std::string>()->default_value("logfmt"), "logfmt or json")
    ("message", po::value<std::string>(), "classify: the event's message (resolves shared codes)")
    ("sdk", po::value<std::string>()->default_value("document"),
     "classify: whose names -1..-4 get: document, java, python, php, cpp or nodejs")
    ("format", po::value<std::string>()->default_value("table"), "catalog: table, json or yaml");
  // clang-format on
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())(
      "args", po::value<std::vector<std::string>>()->default_value({}, ""));
  po::options_description all;
  all.add(flags).add(hidden);
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
    std::cout << kUsage << flags << "\n";
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
  return Daemon(std::move(options)).run();
}
