// Match keys: names that differ only in case or white space match, in any script.
#include "services/mapping/match_key.h"

#include <gtest/gtest.h>

namespace crmsync::mapping {
namespace {

TEST(MatchKey, CaseAndSpacingDoNotMatter) {
  EXPECT_EQ(MatchKey("Acme  Corp"), "acmecorp");
  EXPECT_EQ(MatchKey(" ACME corp "), "acmecorp");
  EXPECT_EQ(MatchKey("AcmeCorp"), "acmecorp");
}

TEST(MatchKey, NonAsciiLettersFold) {
  EXPECT_EQ(MatchKey("Müller GmbH"), MatchKey("MÜLLER  gmbh"));
  EXPECT_EQ(MatchKey("Müller GmbH"), "müllergmbh");
  EXPECT_EQ(MatchKey("ΣΟΦΊΑ"), MatchKey("σοφία"));
}

TEST(MatchKey, EveryUnicodeWhiteSpaceIsRemoved) {
  // Tab, no-break space, em space, ideographic space, line separator.
  EXPECT_EQ(MatchKey("Acme\tCorp\u00a0Ltd\u2003Co\u3000X\u2028Y"), "acmecorpltdcoxy");
}

TEST(MatchKey, SimpleFoldingKeepsSharpS) {
  // Simple case folding maps one code point to one: ß stays ß (full folding would give "ss").
  EXPECT_EQ(MatchKey("Straße"), "straße");
  EXPECT_NE(MatchKey("Straße"), MatchKey("STRASSE"));
}

TEST(MatchKey, DifferentLettersDoNotMatch) {
  EXPECT_NE(MatchKey("Muller GmbH"), MatchKey("Müller GmbH"));
  EXPECT_NE(MatchKey("Acme Corp"), MatchKey("Acme Corp."));
}

TEST(MatchKey, IllFormedUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(MatchKey("A\xff"), "a\xef\xbf\xbd");
}

TEST(FoldCase, KeepsWhiteSpace) { EXPECT_EQ(FoldCase("Waiting For Input"), "waiting for input"); }

TEST(CodePointCount, CountsCharactersNotBytes) {
  EXPECT_EQ(CodePointCount("Müller"), 6);
  EXPECT_EQ(CodePointCount(""), 0);
}

}  // namespace
}  // namespace crmsync::mapping
