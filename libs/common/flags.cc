#include "libs/common/flags.h"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"

namespace crmsync {
namespace {

std::string& ProgramName() {
  static auto* name = new std::string("crmsync");
  return *name;
}

// Abseil registers flags of its own (flagfile, fromenv, ...); crmsync's are the others.
bool IsOwnFlag(const absl::CommandLineFlag& flag) {
  return !absl::StrContains(flag.Filename(), "absl/");
}

// Environment-only flags by name, filled during static initialisation (hence a function static).
std::map<std::string, CarriesSecret, std::less<>>& EnvironmentOnlyFlags() {
  static auto* flags = new std::map<std::string, CarriesSecret, std::less<>>();
  return *flags;
}

bool IsEnvironmentOnly(absl::string_view name) {
  return EnvironmentOnlyFlags().find(name) != EnvironmentOnlyFlags().end();
}

// INVALID_ARGUMENT when environment-only flag `name` may not take `value` on the command line.
absl::Status CheckCommandLineValue(absl::string_view name, absl::string_view value) {
  const auto marked = EnvironmentOnlyFlags().find(name);
  if (marked == EnvironmentOnlyFlags().end()) return absl::OkStatus();
  if (marked->second != nullptr && !marked->second(value)) return absl::OkStatus();
  std::string instead = EnvironmentVariableFor(name);
  if (const std::string file_flag = absl::StrCat(name, "_file");
      absl::FindCommandLineFlag(file_flag) != nullptr) {
    absl::StrAppend(&instead, " or --", file_flag);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--", name, " carries a secret, which every local user can read on a command ",
                   "line; set it through ", instead, " instead"));
}

absl::Status SetFlag(absl::CommandLineFlag& flag, absl::string_view value,
                     absl::string_view source) {
  std::string error;
  if (!flag.ParseFrom(value, &error)) {
    if (IsEnvironmentOnly(flag.Name())) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": invalid value: ", error));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": invalid value \"", value, "\": ", error));
  }
  return absl::OkStatus();
}

absl::Status ApplyEnvironment() {
  for (auto& [name, flag] : absl::GetAllFlags()) {
    if (!IsOwnFlag(*flag)) continue;
    const std::string variable = EnvironmentVariableFor(name);
    if (const char* value = std::getenv(variable.c_str()); value != nullptr) {
      if (auto status = SetFlag(*flag, value, variable); !status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool MarkEnvironmentOnlyFlag(absl::string_view flag_name, CarriesSecret carries_secret) {
  EnvironmentOnlyFlags()[std::string(flag_name)] = carries_secret;
  return true;
}

std::string EnvironmentVariableFor(absl::string_view flag_name) {
  return absl::StrCat("CRMSYNC_", absl::AsciiStrToUpper(flag_name));
}

absl::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv) {
  if (argc > 0 && argv[0] != nullptr) {
    absl::string_view program = argv[0];
    ProgramName() = std::string(program.substr(program.find_last_of('/') + 1));
  }
  if (auto status = ApplyEnvironment(); !status.ok()) return status;
  CommandLine result;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      result.help = true;
      continue;
    }
    if (!absl::StartsWith(arg, "-") || arg == "-") {
      result.positional.emplace_back(arg);
      continue;
    }
    arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
    absl::string_view name = arg;
    std::optional<absl::string_view> value;
    if (auto eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && !value && absl::StartsWith(name, "no")) {
      absl::CommandLineFlag* negated = absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) {
        if (auto status = SetFlag(*negated, "false", argv[i]); !status.ok()) return status;
        continue;
      }
    }
    if (flag == nullptr || !IsOwnFlag(*flag)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (!value) {
      if (flag->IsOfType<bool>()) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
    }
    if (auto status = CheckCommandLineValue(name, *value); !status.ok()) return status;
    if (auto status = SetFlag(*flag, *value, absl::StrCat("--", name)); !status.ok()) {
      return status;
    }
  }
  return result;
}

std::string Usage(absl::string_view summary) {
  std::map<absl::string_view, absl::CommandLineFlag*> sorted;
  for (auto& [name, flag] : absl::GetAllFlags()) {
    if (IsOwnFlag(*flag)) sorted.emplace(name, flag);
  }
  std::string usage =
      absl::StrCat(summary, "\n\nFlags (each defaults to its environment variable):\n");
  for (const auto& [name, flag] : sorted) {
    absl::StrAppend(&usage, "  --", name, " (", EnvironmentVariableFor(name), ", default \"",
                    flag->DefaultValue(), "\")\n      ", flag->Help(), "\n");
  }
  return usage;
}

void ParseCommandLineOrExit(int argc, char** argv, absl::string_view summary) {
  auto command_line = ParseCommandLine(argc, argv);
  if (!command_line.ok()) std::exit(ExitWithUsageError(command_line.status()));
  if (command_line->help) {
    std::fputs(Usage(summary).c_str(), stdout);
    std::exit(0);
  }
  if (!command_line->positional.empty()) {
    std::exit(ExitWithUsageError(absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", command_line->positional.front(), "\""))));
  }
}

int ExitWithUsageError(const absl::Status& status) {
  std::fprintf(stderr, "%s: %s (see --help)\n", ProgramName().c_str(),
               std::string(status.message()).c_str());
  return 2;
}

int ExitWithError(const absl::Status& status) {
  LogError("exiting", {{"error", status.ToString()}});
  return 1;
}

}  // namespace crmsync
