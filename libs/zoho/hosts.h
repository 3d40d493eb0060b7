// Zoho's hosts, one per data centre, and the rule that a URL names one of them: so that no
// refresh token, client secret or grant code is sent anywhere but Zoho.
#ifndef CRMSYNC_LIBS_ZOHO_HOSTS_H_
#define CRMSYNC_LIBS_ZOHO_HOSTS_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace crmsync::zoho {

// The two kinds of host a grant names: where tokens are minted, and where they are used.
enum class ZohoHostKind { kAccountsServer, kApiDomain };

// Zoho's hosts of `kind`, one per data centre, e.g. "accounts.zoho.eu", "www.zohoapis.eu".
const std::vector<absl::string_view>& ZohoHosts(ZohoHostKind kind);

// "https://" plus one of `kind`'s hosts exactly (lower case, no port, path, query or
// credentials; one trailing "/" is tolerated). With `allow_loopback_http` (zoho-sim), also
// http:// or https:// on a loopback host (127.0.0.0/8, localhost, [::1]) with any port.
// Otherwise INVALID_ARGUMENT "<field>: ..." listing the accepted hosts.
absl::Status CheckZohoUrl(absl::string_view field, absl::string_view value, ZohoHostKind kind,
                          bool allow_loopback_http);

}  // namespace crmsync::zoho

#endif  // CRMSYNC_LIBS_ZOHO_HOSTS_H_
