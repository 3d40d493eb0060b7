#include "libs/common/log.h"

#include <unistd.h>

#include <atomic>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace crmsync {
namespace {

std::atomic<LogLevel> min_level{LogLevel::kInfo};

std::string& ServiceName() {
  static auto* name = new std::string;
  return *name;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void SetLogService(std::string service) { ServiceName() = std::move(service); }

void SetMinLogLevel(LogLevel level) { min_level.store(level); }

std::string FormatLogLine(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  nlohmann::json line = nlohmann::json::object();
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = LevelName(level);
  if (!ServiceName().empty()) line["service"] = ServiceName();
  line["msg"] = message;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  // Invalid UTF-8 (e.g. from a remote payload) is replaced rather than throwing.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void Log(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  if (level < min_level.load()) return;
  const std::string line = FormatLogLine(level, message, fields);
  static std::mutex write_mutex;
  std::lock_guard lock(write_mutex);
  size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + written, line.size() - written);
    if (n <= 0) return;
    written += static_cast<size_t>(n);
  }
}

}  // namespace crmsync
