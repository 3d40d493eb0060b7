// Every RPC of every crmsync service has the caller role its proto's "Role:" line states, read
// from the .proto sources and from the compiled service descriptors, so a new RPC cannot ship
// without a role (the interceptor would refuse it) nor with one that differs from its contract.
#include "services/auth/method_roles.h"

#include <google/protobuf/descriptor.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "crmsync/sync/v1/webhooks.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/mapping/method_roles.h"
#include "services/notify/method_roles.h"
#include "services/sync/method_roles.h"

namespace crmsync {
namespace {

// "/package.Service/Method" → the role named in the comment above `rpc Method`, for every rpc
// of every .proto under protos/.
std::map<std::string, std::string> RolesInProtoSources() {
  std::map<std::string, std::string> roles;
  const std::regex package_line(R"(^package ([\w.]+);)");
  const std::regex service_line(R"(^service (\w+))");
  const std::regex rpc_line(R"(^\s*rpc (\w+)\()");
  const std::regex role_text(R"(Role: (\w+))");
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(CRMSYNC_SOURCE_DIR "/protos")) {
    if (entry.path().extension() != ".proto") continue;
    std::ifstream in(entry.path());
    std::string line, package, service, comment;
    std::smatch match;
    while (std::getline(in, line)) {
      if (std::regex_search(line, match, package_line)) {
        package = match[1];
      } else if (std::regex_search(line, match, service_line)) {
        service = match[1];
        comment.clear();
      } else if (line.find("//") != std::string::npos &&
                 line.find_first_not_of(' ') == line.find("//")) {
        comment += line;
      } else if (std::regex_search(line, match, rpc_line)) {
        const std::string method = "/" + package + "." + service + "/" + match[1].str();
        std::smatch role;
        roles[method] = std::regex_search(comment, role, role_text) ? role[1].str() : "(none)";
        comment.clear();
      } else {
        comment.clear();
      }
    }
  }
  return roles;
}

std::map<std::string, std::string> RolesInTables() {
  std::map<std::string, std::string> roles;
  for (const MethodRoles& table : {auth::AuthMethodRoles(), mapping::MappingMethodRoles(),
                                   notify::NotifyMethodRoles(), sync::SyncMethodRoles()}) {
    for (const auto& [method, role] : table) roles[method] = std::string(CallerRoleName(role));
  }
  return roles;
}

TEST(MethodRolesTest, EveryRpcInTheProtosHasTheRoleItsCommentStates) {
  const std::map<std::string, std::string> in_protos = RolesInProtoSources();
  ASSERT_GE(in_protos.size(), 30u) << "the proto sources were not read";
  EXPECT_EQ(RolesInTables(), in_protos);
}

TEST(MethodRolesTest, EveryMethodOfEveryCompiledServiceHasAnEntry) {
  const std::map<std::string, std::string> tables = RolesInTables();
  size_t methods = 0;
  // One message of each .proto file loads that file's descriptors, services included.
  for (const google::protobuf::FileDescriptor* file :
       {auth::v1::GetGrantRequest::descriptor()->file(),
        mapping::v1::GetPortalRequest::descriptor()->file(),
        notify::v1::GetNotificationRequest::descriptor()->file(),
        sync::v1::SubmitChangeRequest::descriptor()->file(),
        sync::v1::WatchCrmTasksRequest::descriptor()->file()}) {
    for (int s = 0; s < file->service_count(); ++s) {
      const google::protobuf::ServiceDescriptor* service = file->service(s);
      for (int i = 0; i < service->method_count(); ++i) {
        const std::string method = "/" + service->full_name() + "/" + service->method(i)->name();
        EXPECT_TRUE(tables.contains(method)) << method << " has no caller role";
        ++methods;
      }
    }
  }
  EXPECT_EQ(methods, tables.size()) << "a table names a method no service has";
}

}  // namespace
}  // namespace crmsync
