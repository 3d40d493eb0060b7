#include "libs/common/log.h"

#include "gtest/gtest.h"

namespace crmsync {
namespace {

TEST(Log, LineIsOneJsonObjectWithFields) {
  SetLogService("auth");
  const std::string line =
      FormatLogLine(LogLevel::kWarning, "slow \"query\"\nhere", {{"ms", 12}, {"table", "grants"}});
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "a newline inside a message must be escaped";
  const auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["level"], "warning");
  EXPECT_EQ(parsed["service"], "auth");
  EXPECT_EQ(parsed["msg"], "slow \"query\"\nhere");
  EXPECT_EQ(parsed["ms"], 12);
  EXPECT_EQ(parsed["table"], "grants");
  EXPECT_TRUE(parsed.contains("ts"));
}

TEST(Log, InvalidUtf8IsReplacedNotThrown) {
  const std::string line = FormatLogLine(LogLevel::kInfo, "bad \xff byte", nullptr);
  EXPECT_NO_THROW(nlohmann::json::parse(line));
}

}  // namespace
}  // namespace crmsync
