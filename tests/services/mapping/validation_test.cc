// Ids, names, emails, page sizes and page tokens as common.proto defines them.
#include "services/mapping/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/escaping.h"

namespace crmsync::mapping {
namespace {

std::string Message(const absl::Status& status) { return std::string(status.message()); }

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ValidateId, AcceptsZohoIdsAndOpaqueIds) {
  EXPECT_TRUE(ValidateId("1234567890123456789", "portal_id").ok());
  EXPECT_TRUE(ValidateId("a-B_9", "portal_id").ok());
  EXPECT_TRUE(ValidateId(std::string(64, '7'), "portal_id").ok());
}

TEST(ValidateId, RejectsEmptyLongAndOtherCharactersNamingTheField) {
  for (const std::string& id : {std::string(), std::string(65, '1'), std::string("12 3"),
                                std::string("12/3"), std::string("ü1")}) {
    const auto status = ValidateId(id, "client_account_id");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << id;
    EXPECT_THAT(Message(status), StartsWith("client_account_id: ")) << id;
  }
}

TEST(ValidateName, BlankAndOversizedNamesAreRejected) {
  EXPECT_TRUE(ValidateName("Müller GmbH", "name").ok());
  EXPECT_THAT(Message(ValidateName("  \t", "portal.name")), StartsWith("portal.name: required"));
  // 255 two-byte characters are fine; 256 are not.
  std::string umlauts;
  for (int i = 0; i < 255; ++i) umlauts += "ü";
  EXPECT_TRUE(ValidateName(umlauts, "name").ok());
  EXPECT_THAT(Message(ValidateName(umlauts + "ü", "name")),
              StartsWith("name: longer than 255 characters"));
  EXPECT_THAT(Message(ValidateName(std::string(201, 'a'), "portal.name", kMaxPortalNameLength)),
              StartsWith("portal.name: longer than 200"));
}

TEST(ValidateEmail, TrimsAndLowerCases) {
  EXPECT_EQ(*ValidateEmail("  Ana.Lima@Example.COM ", "email"), "ana.lima@example.com");
  EXPECT_EQ(EmailKey(" Bo@X.org"), "bo@x.org");
}

TEST(ValidateEmail, RejectsWhatIsNotAnAddress) {
  for (const char* email : {"", "ana", "@example.com", "ana@", "a@b@c", "ana lima@example.com"}) {
    const auto key = ValidateEmail(email, "email");
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument) << email;
    EXPECT_THAT(Message(key.status()), StartsWith("email: ")) << email;
  }
}

TEST(EffectivePageSize, DefaultsAndCaps) {
  EXPECT_EQ(*EffectivePageSize(0), 50);
  EXPECT_EQ(*EffectivePageSize(7), 7);
  EXPECT_EQ(*EffectivePageSize(501), 500);
  EXPECT_THAT(Message(EffectivePageSize(-1).status()), StartsWith("page_size: "));
}

TEST(PageToken, RoundTripsAnySortKey) {
  const std::vector<std::string> key = {"müller:gmbh\n", "", "12:3"};
  const std::string token = EncodePageToken("ListX\np1", key);
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos) << "web-safe, unpadded: " << token;
  EXPECT_THAT(*DecodePageToken(token, "ListX\np1", 3), ElementsAre("müller:gmbh\n", "", "12:3"));
}

TEST(PageToken, AnotherFilterOrGarbageIsInvalidPageToken) {
  const std::string token = EncodePageToken("ListX\np1", {"a", "b"});
  const auto other = DecodePageToken(token, "ListX\np2", 2);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(other.status()), StartsWith("page_token: "));
  EXPECT_THAT(Message(DecodePageToken("%%%", "ListX\np1", 2).status()), StartsWith("page_token: "));
  EXPECT_THAT(Message(DecodePageToken(token, "ListX\np1", 3).status()), StartsWith("page_token: "));
  // A truncated length prefix must not read past the end.
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  raw.resize(raw.size() - 1);
  EXPECT_THAT(Message(DecodePageToken(absl::WebSafeBase64Escape(raw), "ListX\np1", 2).status()),
              HasSubstr("malformed"));
}

}  // namespace
}  // namespace crmsync::mapping
