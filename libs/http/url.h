// Percent-encoding for query strings and application/x-www-form-urlencoded bodies.
#ifndef CRMSYNC_LIBS_HTTP_URL_H_
#define CRMSYNC_LIBS_HTTP_URL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace crmsync::http {

using Params = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~).
std::string UrlEncode(absl::string_view text);

// "a=1&b=x%20y": the form encoding of `params`, in order, for a query string or a form body.
std::string FormEncode(const Params& params);

// `base` followed by "?" and the encoded params, or `base` alone when there are none.
std::string WithQuery(absl::string_view base, const Params& params);

}  // namespace crmsync::http

#endif  // CRMSYNC_LIBS_HTTP_URL_H_
