// Fuzz target: the keyset page tokens of mapping's List* RPCs (services/mapping/validation.h) and
// of notify's ListNotifications (services/notify/notification.h). The input is lines: a token,
// then a filter, then sort-key values. Invariants: decoding any token never crashes and, when it
// succeeds, gives as many key values as asked; every token the encoders make decodes to the key
// it was made from under its own filter, unless it is past the page token bound (refused).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/common/bounds.h"
#include "services/mapping/validation.h"
#include "services/notify/notification.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void Mapping(absl::string_view token, absl::string_view filter,
             const std::vector<std::string>& key) {
  absl::StatusOr<std::vector<std::string>> decoded =
      crmsync::mapping::DecodePageToken(token, filter, key.size());
  if (decoded.ok()) FUZZ_CHECK(decoded->size() == key.size());
  const std::string encoded = crmsync::mapping::EncodePageToken(filter, key);
  absl::StatusOr<std::vector<std::string>> again =
      crmsync::mapping::DecodePageToken(encoded, filter, key.size());
  // A key far longer than any sort key makes a token past the bound, which is refused.
  if (encoded.size() > crmsync::kMaxPageTokenLength) {
    FUZZ_CHECK(!again.ok());
    return;
  }
  FUZZ_CHECK(again.ok() && *again == key);
}

void Notify(absl::string_view token, const std::vector<std::string>& lines) {
  crmsync::notify::ListFilter filter;
  filter.portal_id = lines.size() > 1 ? lines[1] : "";
  filter.recipient_email = lines.size() > 2 ? lines[2] : "";
  (void)crmsync::notify::DecodePageToken(token, filter);
  int64_t micros = 0;
  crmsync::notify::PageKey key;
  if (lines.size() > 3 && absl::SimpleAtoi(lines[3], &micros)) {
    key.create_time = absl::FromUnixMicros(micros);
  }
  if (lines.size() > 4) (void)absl::SimpleAtoi(lines[4], &key.notification_id);
  absl::StatusOr<crmsync::notify::PageKey> again =
      crmsync::notify::DecodePageToken(crmsync::notify::EncodePageToken(key, filter), filter);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->create_time == key.create_time);
  FUZZ_CHECK(again->notification_id == key.notification_id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> lines =
      absl::StrSplit(absl::string_view(reinterpret_cast<const char*>(data), size), '\n');
  const std::string& token = lines[0];
  const std::string filter = lines.size() > 1 ? lines[1] : "";
  const std::vector<std::string> key(lines.begin() + std::min<size_t>(lines.size(), 2),
                                     lines.end());
  Mapping(token, filter, key);
  Notify(token, lines);
  return 0;
}
