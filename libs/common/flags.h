// Command-line parsing for every crmsync binary, on top of absl flags.
//
// Each flag --name takes its default from the environment variable CRMSYNC_NAME (upper case)
// when that is set; the command line wins over the environment. Accepted forms: --name=value,
// --name value, and for booleans also --name and --noname.
#ifndef CRMSYNC_LIBS_COMMON_FLAGS_H_
#define CRMSYNC_LIBS_COMMON_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crmsync {

struct CommandLine {
  std::vector<std::string> positional;  // arguments that are not flags
  bool help = false;                    // --help or -h was given
};

// The environment variable that gives flag `flag_name` its default: "grpc_port" →
// "CRMSYNC_GRPC_PORT".
std::string EnvironmentVariableFor(absl::string_view flag_name);

// Applies the environment, then argv, to the registered flags. An unknown flag or a value that
// does not parse is INVALID_ARGUMENT naming the flag (or variable) and the problem.
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
