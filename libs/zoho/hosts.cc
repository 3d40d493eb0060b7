#include "libs/zoho/hosts.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace crmsync::zoho {
namespace {

bool IsLoopbackHost(absl::string_view host) {
  if (host == "localhost" || host == "[::1]") return true;
  std::vector<absl::string_view> octets = absl::StrSplit(host, '.');
  if (octets.size() != 4 || octets[0] != "127") return false;
  for (absl::string_view octet : octets) {
    int value = 0;
    if (!absl::SimpleAtoi(octet, &value) || value < 0 || value > 255) return false;
  }
  return true;
}

// "host:port" → "host"; "[::1]:port" → "[::1]". Anything else is returned as it is.
absl::string_view WithoutPort(absl::string_view host_port) {
  const size_t colon = host_port.rfind(':');
  if (colon == absl::string_view::npos || absl::EndsWith(host_port, "]")) return host_port;
  int port = 0;
  if (!absl::SimpleAtoi(host_port.substr(colon + 1), &port) || port <= 0 || port > 65535) {
    return host_port;
  }
  return host_port.substr(0, colon);
}

}  // namespace

const std::vector<absl::string_view>& ZohoHosts(ZohoHostKind kind) {
  // Zoho's data centres (zoho.com/accounts/protocol/oauth/multi-dc.html): US, EU, IN, AU, JP,
  // CA, SA, UK, CN, in that order in both lists.
  static const auto* const kAccountsServers = new std::vector<absl::string_view>{
      "accounts.zoho.com",    "accounts.zoho.eu", "accounts.zoho.in",
      "accounts.zoho.com.au", "accounts.zoho.jp", "accounts.zohocloud.ca",
      "accounts.zoho.sa",     "accounts.zoho.uk", "accounts.zoho.com.cn"};
  static const auto* const kApiHosts = new std::vector<absl::string_view>{
      "www.zohoapis.com",    "www.zohoapis.eu", "www.zohoapis.in",
      "www.zohoapis.com.au", "www.zohoapis.jp", "www.zohoapis.ca",
      "www.zohoapis.sa",     "www.zohoapis.uk", "www.zohoapis.com.cn"};
  return kind == ZohoHostKind::kAccountsServer ? *kAccountsServers : *kApiHosts;
}

absl::Status CheckZohoUrl(absl::string_view field, absl::string_view value, ZohoHostKind kind,
                          bool allow_loopback_http) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  absl::string_view host = value;
  const bool https = absl::ConsumePrefix(&host, "https://");
  const bool http = !https && absl::ConsumePrefix(&host, "http://");
  absl::ConsumeSuffix(&host, "/");
  for (absl::string_view zoho_host : ZohoHosts(kind)) {
    if (https && host == zoho_host) return absl::OkStatus();
  }
  // zoho-sim listens on a loopback port, over either scheme. The host must be exactly a loopback
  // name or address (and the port a number), so no path, query or credentials get through.
  if (allow_loopback_http && (https || http) && IsLoopbackHost(WithoutPort(host))) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": must be https:// and one of Zoho's ",
      kind == ZohoHostKind::kAccountsServer ? "accounts servers" : "API hosts", " (",
      absl::StrJoin(ZohoHosts(kind), ", "), "), without a port, path, query or credentials",
      allow_loopback_http ? ", or a loopback host" : ""));
}

}  // namespace crmsync::zoho
