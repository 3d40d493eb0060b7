// Command-line parsing for every crmsync binary, on top of absl flags.
//
// Each flag --name takes its default from the environment variable CRMSYNC_NAME (upper case)
// when that is set; the command line wins over the environment. Accepted forms: --name=value,
// --name value, and for booleans also --name and --noname.
//
// A flag that carries a secret (a password, a key, a caller token) is marked environment-only
// with one line beside its definition:
//   ABSL_FLAG(std::string, smtp_password, "", "...");
//   CRMSYNC_ENVIRONMENT_ONLY_FLAG(smtp_password);
// The command line is readable by every local user (/proc/<pid>/cmdline, ps), so such a flag
// given there is a usage error that names the flag and never echoes the value.
#ifndef CRMSYNC_LIBS_COMMON_FLAGS_H_
#define CRMSYNC_LIBS_COMMON_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crmsync {

// What an environment-only flag refuses on the command line: nullptr, every value; otherwise the
// values for which it returns true (e.g. a database URL that holds a password).
using CarriesSecret = bool (*)(absl::string_view value);

// Marks flag `flag_name` environment-only (see above); returns true so that it can initialise a
// namespace-scope constant. Use the macros below rather than calling it.
bool MarkEnvironmentOnlyFlag(absl::string_view flag_name, CarriesSecret carries_secret = nullptr);

#define CRMSYNC_ENVIRONMENT_ONLY_FLAG(name)                            \
  [[maybe_unused]] static const bool crmsync_environment_only_##name = \
      ::crmsync::MarkEnvironmentOnlyFlag(#name)
// As CRMSYNC_ENVIRONMENT_ONLY_FLAG, for the values `carries_secret` picks only.
#define CRMSYNC_ENVIRONMENT_ONLY_FLAG_IF(name, carries_secret)         \
  [[maybe_unused]] static const bool crmsync_environment_only_##name = \
      ::crmsync::MarkEnvironmentOnlyFlag(#name, carries_secret)

struct CommandLine {
  std::vector<std::string> positional;  // arguments that are not flags
  bool help = false;                    // --help or -h was given
};

// The environment variable that gives flag `flag_name` its default: "grpc_port" →
// "CRMSYNC_GRPC_PORT".
std::string EnvironmentVariableFor(absl::string_view flag_name);

// Applies the environment, then argv, to the registered flags. An unknown flag, a value that
// does not parse, or an environment-only flag on the command line is INVALID_ARGUMENT naming
// the flag (or variable) and the problem.
absl::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv);

// The help text: `summary`, then each of the program's own flags with its default and help.
std::string Usage(absl::string_view summary);

// ParseCommandLine for main: prints Usage and exits 0 on --help; prints one line and exits 2 on
// a bad flag; fails (exit 2) on positional arguments, which no crmsync binary takes.
void ParseCommandLineOrExit(int argc, char** argv, absl::string_view summary);

// Prints "<program>: <message>" on stderr; returns 2, the exit code of a usage error.
int ExitWithUsageError(const absl::Status& status);

// Logs the error as a JSON line; returns 1, the exit code of a failure after start.
int ExitWithError(const absl::Status& status);

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_FLAGS_H_
