// crmsyncctl: the operator's command line for crmsync. Each command is one RPC of one service:
//
//   crmsyncctl [--output=table|json] <group> <verb> [--field=value ...]
//
// Request fields are given by name as `--field=value` (see request_fields.h for the value
// forms); secrets (a grant's client secret and refresh token) only through the environment or a
// file, never on the command line. The caller token comes from CRMSYNC_CALLER_TOKEN or
// --token_file. Exit codes: 0 done, 1 refused (the service's code and message are printed),
// 2 usage.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/client_unary_call.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "crmsync/auth/v1/auth.grpc.pb.h"
#include "crmsync/mapping/v1/mapping.grpc.pb.h"
#include "crmsync/notify/v1/notify.grpc.pb.h"
#include "crmsync/sync/v1/sync.grpc.pb.h"
#include "crmsync/sync/v1/webhooks.grpc.pb.h"
#include "libs/common/flags.h"
#include "libs/grpc_client/caller_channel.h"
#include "tools/crmsyncctl/request_fields.h"

ABSL_FLAG(std::string, auth_address, "127.0.0.1:50051", "host:port of crmsync-auth.");
ABSL_FLAG(std::string, mapping_address, "127.0.0.1:50052", "host:port of crmsync-mapping.");
ABSL_FLAG(std::string, sync_address, "127.0.0.1:50053", "host:port of crmsync-sync.");
ABSL_FLAG(std::string, notify_address, "127.0.0.1:50054", "host:port of crmsync-notify.");
ABSL_FLAG(std::string, token_file, "",
          "File holding the caller token (instead of CRMSYNC_CALLER_TOKEN).");
ABSL_FLAG(std::string, output, "table", "table (aligned columns) or json.");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(30),
          "Deadline of the call (directory import may need more).");

namespace crmsync::ctl {
namespace {

enum class Target { kAuth, kMapping, kSync, kNotify };

struct Command {
  const char* group;
  const char* verb;
  Target target;
  const char* method;  // full name, "crmsync.auth.v1.AuthService.GetGrant"
  const char* help;
};

constexpr Command kCommands[] = {
    {"grant", "register", Target::kAuth, "crmsync.auth.v1.AuthService.RegisterGrant",
     "--portal_id --side --accounts_server_url --api_domain --client_id --scopes --owner_email "
     "[--replace_existing]; the client secret and refresh token from CRMSYNC_CLIENT_SECRET / "
     "CRMSYNC_REFRESH_TOKEN or --client_secret_file / --refresh_token_file"},
    {"grant", "get", Target::kAuth, "crmsync.auth.v1.AuthService.GetGrant", "--portal_id --side"},
    {"grant", "list", Target::kAuth, "crmsync.auth.v1.AuthService.ListGrants", "[--state]"},
    {"grant", "revoke", Target::kAuth, "crmsync.auth.v1.AuthService.RevokeGrant",
     "--portal_id --side [--local_only]"},
    {"token", "issue", Target::kAuth, "crmsync.auth.v1.AuthService.IssueCallerToken",
     "--caller_name --roles=reader,writer,... [--portal_ids] [--expire_time]"},
    {"token", "list", Target::kAuth, "crmsync.auth.v1.AuthService.ListCallerTokens", "[--state]"},
    {"token", "revoke", Target::kAuth, "crmsync.auth.v1.AuthService.RevokeCallerToken",
     "--caller_token_id"},
    {"portal", "upsert", Target::kMapping, "crmsync.mapping.v1.MappingService.UpsertPortal",
     "--file=portal.json (a crmsync.mapping.v1.Portal as JSON: value maps, policies)"},
    {"portal", "get", Target::kMapping, "crmsync.mapping.v1.MappingService.GetPortal",
     "--portal_id"},
    {"portal", "list", Target::kMapping, "crmsync.mapping.v1.MappingService.ListPortals", ""},
    {"directory", "import", Target::kMapping, "crmsync.mapping.v1.MappingService.ImportDirectory",
     "--portal_id [--parts]"},
    {"accounts", "candidates", Target::kMapping,
     "crmsync.mapping.v1.MappingService.ListAccountCandidates", "--portal_id"},
    {"accounts", "map", Target::kMapping, "crmsync.mapping.v1.MappingService.MapAccount",
     "--portal_id --client_account_id --crm_account_id"},
    {"accounts", "unmap", Target::kMapping, "crmsync.mapping.v1.MappingService.UnmapAccount",
     "--portal_id --client_account_id"},
    {"accounts", "automap", Target::kMapping, "crmsync.mapping.v1.MappingService.AutoMapAccounts",
     "--portal_id [--dry_run]"},
    {"deals", "list", Target::kMapping, "crmsync.mapping.v1.MappingService.ListProjectDeals",
     "--portal_id --project_id"},
    {"deals", "map", Target::kMapping, "crmsync.mapping.v1.MappingService.MapDealToProject",
     "--portal_id --project_id --crm_deal_id"},
    {"deals", "unmap", Target::kMapping, "crmsync.mapping.v1.MappingService.UnmapDeal",
     "--portal_id --project_id --crm_deal_id"},
    {"users", "lookup", Target::kMapping, "crmsync.mapping.v1.MappingService.LookupUser",
     "--portal_id (--email | --by_id.side --by_id.user_id)"},
    {"users", "list", Target::kMapping, "crmsync.mapping.v1.MappingService.ListUsers",
     "--portal_id"},
    {"task", "add-to-crm", Target::kSync, "crmsync.sync.v1.SyncService.AddTaskToCrm",
     "--portal_id --project_id --projects_task_id (--crm_account_id | --crm_deal_id)"},
    {"task", "state", Target::kSync, "crmsync.sync.v1.SyncService.GetTaskSyncState",
     "--portal_id --task.side --task.task_id"},
    {"task", "resync", Target::kSync, "crmsync.sync.v1.SyncService.Resync",
     "--portal_id (--task.side --task.task_id | --all_tasks)"},
    {"failures", "list", Target::kSync, "crmsync.sync.v1.SyncService.ListFailures", "--portal_id"},
    {"webhook", "secret", Target::kSync, "crmsync.sync.v1.SyncWebhookService.IssueWebhookSecret",
     "--portal_id --side (prints the new secret once: enter it in Zoho's webhook)"},
    {"webhook", "watch-crm", Target::kSync, "crmsync.sync.v1.SyncWebhookService.WatchCrmTasks",
     "--portal_id"},
    {"notifications", "list", Target::kNotify, "crmsync.notify.v1.NotifyService.ListNotifications",
     "[--portal_id]"},
    {"notifications", "get", Target::kNotify, "crmsync.notify.v1.NotifyService.GetNotification",
     "--notification_id | --failure_id"},
};

// The request fields that carry secrets: read from CRMSYNC_<FIELD> or --<field>_file.
constexpr const char* kSecretFields[] = {"client_secret", "refresh_token"};

std::string Commands() {
  std::string text = "usage: crmsyncctl [flags] <group> <verb> [--field=value ...]\ncommands:\n";
  for (const Command& command : kCommands) {
    absl::StrAppend(&text, "  ", command.group, " ", command.verb, "  ", command.help, "\n");
  }
  return text;
}

// Prints `problem`; returns 2, the exit code of a usage error.
int Usage(absl::string_view problem) {
  std::fputs(absl::StrCat("crmsyncctl: ", problem, " (see crmsyncctl --help)\n").c_str(), stderr);
  return 2;
}

// One message of each API file, so that the generated pool holds every service.
void LoadApis() {
  auth::v1::GetGrantRequest::descriptor();
  mapping::v1::GetPortalRequest::descriptor();
  notify::v1::GetNotificationRequest::descriptor();
  sync::v1::SubmitChangeRequest::descriptor();
  sync::v1::WatchCrmTasksRequest::descriptor();
}

absl::StatusOr<std::string> ReadFile(absl::string_view flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return absl::InvalidArgumentError(absl::StrCat("--", flag, ": cannot read ", path));
  return std::string(absl::StripTrailingAsciiWhitespace(text.str()));
}

std::string AddressOf(Target target) {
  switch (target) {
    case Target::kAuth:
      return absl::GetFlag(FLAGS_auth_address);
    case Target::kMapping:
      return absl::GetFlag(FLAGS_mapping_address);
    case Target::kSync:
      return absl::GetFlag(FLAGS_sync_address);
    case Target::kNotify:
      return absl::GetFlag(FLAGS_notify_address);
  }
  return "";
}

// Fills `request` from the command's `--field=value` words and the secrets' sources.
absl::Status FillRequest(const std::vector<std::string>& words,
                         google::protobuf::Message& request) {
  for (absl::string_view word : words) {
    if (!absl::ConsumePrefix(&word, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", word, "\": give fields as --field=value"));
    }
    const size_t eq = word.find('=');
    const absl::string_view name = word.substr(0, eq);
    const absl::string_view value = eq == absl::string_view::npos ? "true" : word.substr(eq + 1);
    if (name == "file" &&
        request.GetDescriptor()->full_name() == "crmsync.mapping.v1.UpsertPortalRequest") {
      absl::StatusOr<std::string> json = ReadFile("file", std::string(value));
      if (!json.ok()) return json.status();
      if (auto status = SetField(request, "portal", *json); !status.ok()) return status;
      continue;
    }
    bool secret_file = false;
    for (const char* secret : kSecretFields) {
      if (name == secret) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--", name, ": a secret is never taken from the command line; set CRMSYNC_",
            absl::AsciiStrToUpper(name), " or give --", name, "_file"));
      }
      if (name == absl::StrCat(secret, "_file")) {
        absl::StatusOr<std::string> text = ReadFile(name, std::string(value));
        if (!text.ok()) return text.status();
        if (auto status = SetField(request, secret, *text); !status.ok()) return status;
        secret_file = true;
      }
    }
    if (secret_file) continue;
    if (auto status = SetField(request, name, value); !status.ok()) return status;
  }
  for (const char* secret : kSecretFields) {
    const auto* field = request.GetDescriptor()->FindFieldByName(secret);
    if (field == nullptr || request.GetReflection()->HasField(request, field)) continue;
    if (const char* value =
            std::getenv(absl::StrCat("CRMSYNC_", absl::AsciiStrToUpper(secret)).c_str());
        value != nullptr) {
      if (auto status = SetField(request, secret, value); !status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

int Run(int argc, char** argv) {
  // Global flags are the registered ones; every other --word is a field of the request.
  std::vector<char*> global = {argv[0]};
  std::vector<std::string> positional, words;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (!absl::StartsWith(arg, "-")) {
      if (positional.size() < 2) {
        positional.emplace_back(arg);
      } else {
        words.emplace_back(arg);
      }
      continue;
    }
    absl::string_view name = arg;
    absl::ConsumePrefix(&name, "--") || absl::ConsumePrefix(&name, "-");
    name = name.substr(0, name.find('='));
    if (name == "help" || name == "h" || absl::FindCommandLineFlag(name) != nullptr) {
      global.push_back(argv[i]);
    } else {
      words.emplace_back(arg);
    }
  }
  auto command_line = ParseCommandLine(static_cast<int>(global.size()), global.data());
  if (!command_line.ok()) return Usage(command_line.status().message());
  if (command_line->help) {
    std::fputs(absl::StrCat(crmsync::Usage("crmsyncctl: crmsync's operator tool, one command per "
                                           "RPC."),
                            Commands())
                   .c_str(),
               stdout);
    return 0;
  }
  if (positional.size() < 2) return Usage("give a group and a verb");
  const Command* command = nullptr;
  for (const Command& c : kCommands) {
    if (positional[0] == c.group && positional[1] == c.verb) command = &c;
  }
  if (command == nullptr) {
    return Usage(absl::StrCat("unknown command \"", positional[0], " ", positional[1], "\""));
  }
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output != "table" && output != "json") return Usage("--output: table or json");

  LoadApis();
  const google::protobuf::MethodDescriptor* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(command->method);
  if (method == nullptr) return Usage(absl::StrCat("no method ", command->method));
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<google::protobuf::Message> request(
      factory->GetPrototype(method->input_type())->New());
  std::unique_ptr<google::protobuf::Message> response(
      factory->GetPrototype(method->output_type())->New());
  if (auto status = FillRequest(words, *request); !status.ok()) return Usage(status.message());

  absl::StatusOr<ClientOptions> options = ClientOptionsFromFlags();
  if (!options.ok()) return Usage(options.status().message());
  if (const std::string file = absl::GetFlag(FLAGS_token_file); !file.empty()) {
    absl::StatusOr<std::string> token = ReadFile("token_file", file);
    if (!token.ok()) return Usage(token.status().message());
    options->caller_token = *token;
  }
  if (options->caller_token.empty()) {
    return Usage("no caller token: set CRMSYNC_CALLER_TOKEN or give --token_file");
  }
  auto channel = CallerChannel(AddressOf(command->target), *options);
  if (!channel.ok()) return Usage(channel.status().message());

  const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  if (method->name() == "ImportDirectory") {
    std::fputs("importing the directory from Zoho; a large portal can take minutes …\n", stderr);
  }
  const grpc::Status status =
      grpc::internal::BlockingUnaryCall<google::protobuf::Message, google::protobuf::Message>(
          channel->get(),
          grpc::internal::RpcMethod(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC), &context,
          *request, response.get());
  if (!status.ok()) {
    std::fprintf(
        stderr, "crmsyncctl: %s: %s\n",
        absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())).c_str(),
        status.error_message().c_str());
    return 1;
  }
  const std::string text = output == "json" ? AsJson(*response) : AsTable(*response);
  std::fputs(text.c_str(), stdout);
  if (output == "json") std::fputs("\n", stdout);
  return 0;
}

}  // namespace
}  // namespace crmsync::ctl

int main(int argc, char** argv) { return crmsync::ctl::Run(argc, argv); }
