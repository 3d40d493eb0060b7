// One-line JSON logs on stderr, the only log format of every crmsync binary:
//   {"ts":"2026-11-23T09:30:00.123Z","level":"info","service":"auth","msg":"listening","port":50051}
// Never pass a secret (token, password, client secret) as a field: log lines are not redacted.
#ifndef CRMSYNC_LIBS_COMMON_LOG_H_
#define CRMSYNC_LIBS_COMMON_LOG_H_

#include <string>
#include <string_view>

#include "nlohmann/json.hpp"

namespace crmsync {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Names the process in every later line ("service" field). Call once, early in main.
void SetLogService(std::string service);

// Lines below `level` are dropped. Default kInfo.
void SetMinLogLevel(LogLevel level);

// Writes one line; `fields` must be a JSON object (or null) whose keys join the line's keys.
// Thread-safe; each line is written with one write so lines never interleave.
void Log(LogLevel level, std::string_view message, const nlohmann::json& fields = nullptr);

inline void LogInfo(std::string_view message, const nlohmann::json& fields = nullptr) {
  Log(LogLevel::kInfo, message, fields);
}
inline void LogWarning(std::string_view message, const nlohmann::json& fields = nullptr) {
  Log(LogLevel::kWarning, message, fields);
}
inline void LogError(std::string_view message, const nlohmann::json& fields = nullptr) {
  Log(LogLevel::kError, message, fields);
}

// Formats one line without writing it (for tests and for callers that log elsewhere).
std::string FormatLogLine(LogLevel level, std::string_view message, const nlohmann::json& fields);

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_LOG_H_
