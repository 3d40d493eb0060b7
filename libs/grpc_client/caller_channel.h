// Channels from one crmsync service (or tool) to another: every call carries the process's own
// caller token as `authorization: Bearer <token>` (added by a client interceptor, so no call site
// can forget it), over TLS when a CA file is given and plaintext otherwise.
//
// Flags (each also from its CRMSYNC_* variable, see libs/common/flags.h):
//   --caller_token   this process's caller token (set it through CRMSYNC_CALLER_TOKEN, never on
//                    the command line: it is a secret)
//   --tls_ca_file    PEM of the CA that signs the servers' certificates; empty: plaintext
//   --tls_cert_file / --tls_key_file  (the server flags) also serve as the client certificate
//                    for servers that ask for one (mutual TLS)
#ifndef CRMSYNC_LIBS_GRPC_CLIENT_CALLER_CHANNEL_H_
#define CRMSYNC_LIBS_GRPC_CLIENT_CALLER_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crmsync {

struct ClientOptions {
  std::string caller_token;  // a secret: never logged
  std::string tls_ca_file;   // empty: plaintext
  std::string tls_cert_file;
  std::string tls_key_file;
};

// Reads --caller_token, --tls_ca_file, --tls_cert_file and --tls_key_file. INVALID_ARGUMENT
// names a flag whose file cannot be read, or a certificate given without its key.
absl::StatusOr<ClientOptions> ClientOptionsFromFlags();

// The contents of PEM file `path` given by flag --`flag`; INVALID_ARGUMENT naming the flag when it
// cannot be read or is empty.
absl::StatusOr<std::string> ReadTlsFile(absl::string_view flag, const std::string& path);

// A channel to `address` ("host:port") whose every call carries options.caller_token (when set),
// with `arguments` (such as a receive limit). INVALID_ARGUMENT when a TLS file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CallerChannel(
    const std::string& address, const ClientOptions& options,
    const grpc::ChannelArguments& arguments = grpc::ChannelArguments());

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_GRPC_CLIENT_CALLER_CHANNEL_H_
