#include "libs/http/url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace crmsync::http {

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

std::string FormEncode(const Params& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    absl::StrAppend(&out, out.empty() ? "" : "&", UrlEncode(name), "=", UrlEncode(value));
  }
  return out;
}

std::string WithQuery(absl::string_view base, const Params& params) {
  if (params.empty()) return std::string(base);
  return absl::StrCat(base, "?", FormEncode(params));
}

}  // namespace crmsync::http
