#include "libs/grpc_client/caller_channel.h"

#include <grpcpp/support/client_interceptor.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "libs/common/flags.h"

ABSL_FLAG(std::string, caller_token, "",
          "This process's caller token, sent on every call to another crmsync service. A secret: "
          "set it through CRMSYNC_CALLER_TOKEN.");
CRMSYNC_ENVIRONMENT_ONLY_FLAG(caller_token);
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM file of the CA that signs the crmsync servers' certificates; calls to other "
          "crmsync services then use TLS (empty: plaintext).");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain of this process: its gRPC server's certificate (TLS when set "
          "with --tls_key_file) and its client certificate for servers that require one.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file.");

namespace crmsync {
namespace {

class BearerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(std::string authorization)
      : authorization_(std::move(authorization)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", authorization_});
    }
    methods->Proceed();
  }

 private:
  const std::string authorization_;
};

class BearerInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(const std::string& token)
      : authorization_(absl::StrCat("Bearer ", token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor(authorization_);
  }

 private:
  const std::string authorization_;
};

}  // namespace

absl::StatusOr<std::string> ReadTlsFile(absl::string_view flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": cannot read ", path));
  }
  return text.str();
}

absl::StatusOr<ClientOptions> ClientOptionsFromFlags() {
  ClientOptions options;
  options.caller_token = absl::GetFlag(FLAGS_caller_token);
  options.tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file and --tls_key_file: give both or neither");
  }
  return options;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> CallerChannel(
    const std::string& address, const ClientOptions& options,
    const grpc::ChannelArguments& arguments) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!options.tls_ca_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    auto ca = ReadTlsFile("tls_ca_file", options.tls_ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *std::move(ca);
    if (!options.tls_cert_file.empty()) {
      auto cert = ReadTlsFile("tls_cert_file", options.tls_cert_file);
      if (!cert.ok()) return cert.status();
      auto key = ReadTlsFile("tls_key_file", options.tls_key_file);
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *std::move(cert);
      ssl.pem_private_key = *std::move(key);
    }
    credentials = grpc::SslCredentials(ssl);
  }
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> creators;
  if (!options.caller_token.empty()) {
    creators.push_back(std::make_unique<BearerInterceptorFactory>(options.caller_token));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(address, credentials, arguments,
                                                                 std::move(creators));
}

}  // namespace crmsync
