// crmsyncctl: the operator's command line for crmsync. Each command is one RPC of one service:
//
//   crmsyncctl [--output=table|json] <group> <verb> [--field=value ...]
//
// Request fields are given by name as `--field=value` (see request_fields.h for the value
// forms); secrets (a grant's client secret, and its refresh token or the Zoho grant code that
// `grant register` exchanges for one) only through the environment or a file, never on the
// command line. The caller token comes from CRMSYNC_CALLER_TOKEN or --token_file. Exit codes:
// 0 done, 1 refused (the service's or the accounts server's code and message are printed),
// 2 usage.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/client_unary_call.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
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
#include "tools/crmsyncctl/grant_code.h"
#include "tools/crmsyncctl/portal_file.h"
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
     "[--replace_existing]; the client secret from CRMSYNC_CLIENT_SECRET or --client_secret_file; "
     "and either a self client's grant code (CRMSYNC_GRANT_CODE or --grant_code_file: exchanged "
     "for a refresh token, --api_domain and --scopes then default to the reply's) or a refresh "
     "token (CRMSYNC_REFRESH_TOKEN or --refresh_token_file)"},
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

// The secrets, read from CRMSYNC_<NAME> or --<name>_file only: a grant's client secret and
// refresh token (request fields), and the grant code `grant register` exchanges for a refresh
// token.
constexpr const char* kSecrets[] = {"client_secret", "refresh_token", "grant_code"};
constexpr absl::string_view kGrantCode = "grant_code";

// A secret given, and where it came from ("--grant_code_file", "CRMSYNC_GRANT_CODE").
struct Secret {
  std::string source;
  std::string value;
};

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

std::string EnvironmentName(absl::string_view secret) {
  return absl::StrCat("CRMSYNC_", absl::AsciiStrToUpper(secret));
}

// `grant register` takes exactly one of a grant code and a refresh token.
absl::Status CheckOneGrantCredential(const std::map<std::string, Secret>& secrets) {
  const auto code = secrets.find(std::string(kGrantCode));
  const auto token = secrets.find("refresh_token");
  const char* kBoth =
      "give exactly one of a grant code (CRMSYNC_GRANT_CODE or --grant_code_file) and a refresh "
      "token (CRMSYNC_REFRESH_TOKEN or --refresh_token_file)";
  if (code == secrets.end() && token == secrets.end()) {
    return absl::InvalidArgumentError(absl::StrCat(kBoth, "; neither was given"));
  }
  if (code != secrets.end() && token != secrets.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        kBoth, "; both were given: ", code->second.source, " and ", token->second.source));
  }
  return absl::OkStatus();
}

// Fills `request` from the command's `--field=value` words and the secrets' sources; a grant
// code goes to `grant_code`.
absl::Status FillRequest(const std::vector<std::string>& words, google::protobuf::Message& request,
                         std::string& grant_code) {
  std::map<std::string, Secret> secrets;
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
      absl::StatusOr<std::string> text = ReadFile("file", std::string(value));
      if (!text.ok()) return text.status();
      absl::StatusOr<std::string> json = PortalFileAsJson(value, *text);
      if (!json.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("--file: ", json.status().message()));
      }
      if (auto status = SetField(request, "portal", *json); !status.ok()) return status;
      continue;
    }
    bool secret_file = false;
    for (const char* secret : kSecrets) {
      if (name == secret) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, ": a secret is never taken from the command line; set ",
                         EnvironmentName(secret), " or give --", name, "_file"));
      }
      if (name == absl::StrCat(secret, "_file")) {
        absl::StatusOr<std::string> text = ReadFile(name, std::string(value));
        if (!text.ok()) return text.status();
        secrets[secret] = {absl::StrCat("--", name), *std::move(text)};
        secret_file = true;
      }
    }
    if (secret_file) continue;
    if (auto status = SetField(request, name, value); !status.ok()) return status;
  }
  for (const char* secret : kSecrets) {
    const std::string variable = EnvironmentName(secret);
    if (const char* value = std::getenv(variable.c_str());
        value != nullptr && *value != '\0' && !secrets.contains(secret)) {
      secrets[secret] = {variable, value};
    }
  }
  const bool registering =
      request.GetDescriptor()->full_name() == "crmsync.auth.v1.RegisterGrantRequest";
  for (const auto& [name, secret] : secrets) {
    const bool field = request.GetDescriptor()->FindFieldByName(name) != nullptr;
    if (name == kGrantCode && registering) {
      grant_code = secret.value;
    } else if (field) {
      if (auto status = SetField(request, name, secret.value); !status.ok()) return status;
    } else if (absl::StartsWith(secret.source, "--")) {
      // A secret from the environment is there for other commands; one given here is a mistake.
      return absl::InvalidArgumentError(
          absl::StrCat(secret.source, ": this command takes no ", name));
    }
  }
  if (registering) return CheckOneGrantCredential(secrets);
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
  std::string grant_code;
  if (auto status = FillRequest(words, *request, grant_code); !status.ok()) {
    return Usage(status.message());
  }
  auto* registration =
      google::protobuf::DynamicCastToGenerated<auth::v1::RegisterGrantRequest>(request.get());
  if (!grant_code.empty()) {
    if (auto status = CheckReadyForExchange(*registration); !status.ok()) {
      return Usage(status.message());
    }
  }

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

  if (!grant_code.empty()) {
    if (auto status = RedeemGrantCode(grant_code, *registration); !status.ok()) {
      std::fprintf(stderr,
                   "crmsyncctl: the accounts server did not exchange the grant code: %s: %s\n"
                   "crmsyncctl: nothing was registered%s\n",
                   absl::StatusCodeToString(status.code()).c_str(),
                   std::string(status.message()).c_str(),
                   absl::IsUnauthenticated(status)
                       ? "; a grant code works once, within the minutes chosen when it was "
                         "generated: generate a new one in Zoho's API console"
                       : "");
      return 1;
    }
  }

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
    if (!grant_code.empty()) {
      const absl::Status revoked = RevokeRedeemedToken(*registration);
      std::fputs(revoked.ok() ? "crmsyncctl: the refresh token the grant code gave was revoked; "
                                "generate a new grant code\n"
                              : "crmsyncctl: the refresh token the grant code gave could not be "
                                "revoked; it stays valid until revoked in Zoho's API console\n",
                 stderr);
    }
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
