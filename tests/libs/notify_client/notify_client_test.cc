// How a failure's text is fitted into what notify takes.
#include "libs/notify_client/notify_client.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/notify/notification.h"

namespace crmsync {
namespace {

using ::testing::EndsWith;
using ::testing::StartsWith;

// What notify checks a NotifyFailure's reason against.
absl::Status NotifyTakes(const std::string& reason) {
  return notify::ValidateText(reason, "parameters.reason", notify::kMaxValueLength,
                              /*single_line=*/false);
}

TEST(FitNotifyText, AReasonNotifyTakesIsSentAsItIs) {
  const std::string reason = "invalid_code: the refresh token was revoked by Zoé";
  EXPECT_EQ(FitNotifyText(reason), reason);
  const std::string longest(kNotifyMaxTextCharacters, 'x');
  EXPECT_EQ(FitNotifyText(longest), longest);
}

TEST(FitNotifyText, ALongerReasonIsCutBetweenCharactersSoNotifyTakesIt) {
  // Two-, three- and four-byte characters, so that a cut counting bytes, or landing inside a
  // character, shows.
  std::string reason = "invalid_client: ";
  while (reason.size() < 3 * kNotifyMaxTextCharacters) reason += "é€😀 Zoho said ";
  ASSERT_FALSE(NotifyTakes(reason).ok());

  const std::string fitted = FitNotifyText(reason);
  EXPECT_TRUE(NotifyTakes(fitted).ok()) << NotifyTakes(fitted);
  EXPECT_THAT(fitted, EndsWith("\u2026"));
  const std::string kept = fitted.substr(0, fitted.size() - std::string("\u2026").size());
  EXPECT_THAT(reason, StartsWith(kept));
  // Nothing more is cut than needed: the longest reason notify takes.
  EXPECT_FALSE(NotifyTakes(fitted + "x").ok());
}

}  // namespace
}  // namespace crmsync
