#include "libs/crypto/aead.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace crmsync::crypto {
namespace {

std::string KeyLine(absl::string_view id, char fill) {
  return absl::StrCat(id, ":", absl::Base64Escape(std::string(32, fill)), "\n");
}

TEST(KeySet, SealedValueOpensAndNamesItsKeyButHidesThePlaintext) {
  KeySet keys = KeySet::Generate("k1");
  auto sealed = keys.Seal("1000.refresh.secret", "grant/1/CRM/refresh_token");
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_FALSE(absl::StrContains(*sealed, "refresh.secret"));
  EXPECT_EQ(*SealedKeyId(*sealed), "k1");
  EXPECT_EQ(*keys.Open(*sealed, "grant/1/CRM/refresh_token"), "1000.refresh.secret");
}

TEST(KeySet, SealingTwiceGivesDifferentCiphertexts) {
  KeySet keys = KeySet::Generate("k1");
  EXPECT_NE(*keys.Seal("same", "ctx"), *keys.Seal("same", "ctx"));
}

TEST(KeySet, EmptyPlaintextRoundTrips) {
  KeySet keys = KeySet::Generate("k1");
  EXPECT_EQ(*keys.Open(*keys.Seal("", "ctx"), "ctx"), "");
}

TEST(KeySet, OtherContextIsRefused) {
  KeySet keys = KeySet::Generate("k1");
  auto sealed = *keys.Seal("secret", "grant/1/CRM/client_secret");
  EXPECT_EQ(keys.Open(sealed, "grant/2/CRM/client_secret").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(KeySet, TamperedCiphertextIsRefused) {
  KeySet keys = KeySet::Generate("k1");
  std::string sealed = *keys.Seal("secret value", "ctx");
  char& last = sealed[sealed.size() - 3];
  last = last == 'A' ? 'B' : 'A';
  EXPECT_EQ(keys.Open(sealed, "ctx").status().code(), absl::StatusCode::kDataLoss);
}

TEST(KeySet, RelabelledKeyIdIsRefused) {
  auto keys = KeySet::Parse(KeyLine("old", 'a') + KeyLine("new", 'a'));
  ASSERT_TRUE(keys.ok()) << keys.status();
  std::string sealed = *keys->Seal("secret", "ctx");
  ASSERT_TRUE(absl::StartsWith(sealed, "v1.new."));
  std::string relabelled = absl::StrCat("v1.old.", sealed.substr(7));
  EXPECT_EQ(keys->Open(relabelled, "ctx").status().code(), absl::StatusCode::kDataLoss);
}

TEST(KeySet, NewestKeySealsAndOlderKeysStillOpen) {
  auto old_keys = KeySet::Parse(KeyLine("2025-01", 'a'));
  ASSERT_TRUE(old_keys.ok());
  std::string old_sealed = *old_keys->Seal("secret", "ctx");
  auto keys =
      KeySet::Parse("# rotated\n" + KeyLine("2025-01", 'a') + "\n" + KeyLine("2026-01", 'b'));
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->newest_key_id(), "2026-01");
  EXPECT_EQ(*SealedKeyId(*keys->Seal("x", "ctx")), "2026-01");
  EXPECT_EQ(*keys->Open(old_sealed, "ctx"), "secret");
}

TEST(KeySet, ValueOfARemovedKeyIsNotFound) {
  KeySet first = KeySet::Generate("gone");
  KeySet second = KeySet::Generate("kept");
  EXPECT_EQ(second.Open(*first.Seal("secret", "ctx"), "ctx").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(KeySet, EmptySetCannotSeal) {
  auto keys = KeySet::Parse("\n# nothing yet\n");
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
  EXPECT_EQ(keys->Seal("x", "ctx").status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(KeySet, MalformedKeyLinesNameTheLineWithoutEchoingTheKey) {
  auto short_key = KeySet::Parse(KeyLine("a", 'x') + "b:" + absl::Base64Escape("sixteen bytes..."));
  EXPECT_EQ(short_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(short_key.status().message(), "line 2"));
  EXPECT_FALSE(absl::StrContains(short_key.status().message(), "sixteen"));
  EXPECT_EQ(KeySet::Parse("no colon here").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KeySet::Parse("bad id!:" + absl::Base64Escape(std::string(32, 'a'))).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KeySet::Parse(KeyLine("dup", 'a') + KeyLine("dup", 'b')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(KeySet::Parse("k:***notbase64***").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KeySet, WebSafeUnpaddedKeysAreAccepted) {
  std::string material(32, '\xfb');
  auto keys = KeySet::Parse("k:" + absl::WebSafeBase64Escape(material));
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->newest_key_id(), "k");
}

TEST(KeySet, FileRoundTripsThroughSerialize) {
  KeySet keys = KeySet::Generate("k1");
  ASSERT_TRUE(keys.Append(KeySet::Generate("k2")).ok());
  EXPECT_FALSE(keys.Append(KeySet::Generate("k2")).ok());
  std::string path = ::testing::TempDir() + "/crypto_test_keys";
  std::ofstream(path) << keys.Serialize();
  auto loaded = KeySet::FromFile(path);
  std::remove(path.c_str());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->newest_key_id(), "k2");
  EXPECT_EQ(*loaded->Open(*keys.Seal("secret", "ctx"), "ctx"), "secret");
  EXPECT_EQ(KeySet::FromFile(path).status().code(), absl::StatusCode::kNotFound);
}

TEST(SealedKeyId, RejectsWhatIsNotSealed) {
  EXPECT_FALSE(SealedKeyId("plain text").ok());
  EXPECT_FALSE(SealedKeyId("v2.k.abc").ok());
}

}  // namespace
}  // namespace crmsync::crypto
