#include "libs/common/bounds.h"

#include <string>

#include "gtest/gtest.h"

namespace crmsync {
namespace {

TEST(Bounds, ATextIsMeasuredInCharactersNotBytes) {
  // "é" is two bytes: 255 of them are 510 bytes but 255 characters.
  std::string accents;
  for (int i = 0; i < 255; ++i) accents += "\xC3\xA9";
  EXPECT_TRUE(CheckMaxCharacters("change.fields.title", accents, 255).ok());
  accents += "x";
  const absl::Status too_long = CheckMaxCharacters("change.fields.title", accents, 255);
  EXPECT_EQ(too_long.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(too_long.message(), "change.fields.title: at most 255 characters");
}

TEST(Bounds, TooManyEntriesNameTheField) {
  EXPECT_TRUE(CheckMaxCount("scopes", 50, 50).ok());
  const absl::Status too_many = CheckMaxCount("scopes", 51, 50);
  EXPECT_EQ(too_many.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(too_many.message(), "scopes: at most 50 entries");
}

TEST(Bounds, APageTokenHasABound) {
  EXPECT_TRUE(CheckPageTokenLength(std::string(kMaxPageTokenLength, 'A')).ok());
  EXPECT_EQ(CheckPageTokenLength(std::string(kMaxPageTokenLength + 1, 'A')).message(),
            "page_token: at most 4096 characters");
}

}  // namespace
}  // namespace crmsync
