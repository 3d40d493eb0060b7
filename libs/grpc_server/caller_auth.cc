#include "libs/grpc_server/caller_auth.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <optional>

#include "absl/container/node_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/common/log.h"
#include "libs/crypto/digest.h"

namespace crmsync {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr absl::string_view kBearer = "Bearer ";

// The verdicts of the calls in progress, by their server context; an entry lives from the
// judgement until the call's interceptor is destroyed with the call.
struct Verdict {
  grpc::Status refusal;
  std::optional<Caller> caller;
};

absl::Mutex verdicts_mutex;
// A node map: CallerOf hands out pointers into entries while other calls come and go.
absl::node_hash_map<const grpc::ServerContextBase*, Verdict>& Verdicts()
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(verdicts_mutex) {
  static auto* verdicts = new absl::node_hash_map<const grpc::ServerContextBase*, Verdict>();
  return *verdicts;
}

bool IsOpenMethod(absl::string_view method) {
  return absl::StartsWith(method, "/grpc.health.v1.") ||
         absl::StartsWith(method, "/grpc.reflection.");
}

// Every portal id the request names: fields `portal_id` and `portal_ids` at any depth.
void CollectPortals(const google::protobuf::Message& message, std::vector<std::string>& out) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING &&
        (field->name() == "portal_id" || field->name() == "portal_ids")) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          out.push_back(reflection->GetRepeatedString(message, field, i));
        }
      } else {
        out.push_back(reflection->GetString(message, field));
      }
    } else if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          CollectPortals(reflection->GetRepeatedMessage(message, field, i), out);
        }
      } else {
        CollectPortals(reflection->GetMessage(message, field), out);
      }
    }
  }
}

grpc::Status Unauthenticated(absl::string_view why) {
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(why));
}

grpc::Status Denied(std::string why) {
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, std::move(why));
}

class CallerAuthInterceptor : public grpc::experimental::Interceptor {
 public:
  CallerAuthInterceptor(grpc::experimental::ServerRpcInfo* info, CallerAuthenticator& authenticator,
                        const MethodRoles& roles)
      : context_(info->server_context()),
        method_(info->method()),
        authenticator_(authenticator),
        roles_(roles) {}

  ~CallerAuthInterceptor() override {
    absl::MutexLock lock(&verdicts_mutex);
    Verdicts().erase(context_);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      const auto* metadata = methods->GetRecvInitialMetadata();
      if (auto it = metadata->find("authorization"); it != metadata->end()) {
        authorization_.assign(it->second.data(), it->second.size());
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        !judged_) {
      judged_ = true;
      const auto* request =
          static_cast<const google::protobuf::Message*>(methods->GetRecvMessage());
      Verdict verdict = Judge(request);
      if (!verdict.refusal.ok()) {
        LogInfo("call refused", {{"grpc_method", method_},
                                 {"grpc_code", static_cast<int>(verdict.refusal.error_code())},
                                 {"caller", verdict.caller ? verdict.caller->name : ""},
                                 {"error", verdict.refusal.error_message()}});
        verdict.caller.reset();
      } else {
        Log(LogLevel::kDebug, "call accepted",
            {{"grpc_method", method_}, {"caller", verdict.caller->name}});
      }
      absl::MutexLock lock(&verdicts_mutex);
      Verdicts()[context_] = std::move(verdict);
    }
    methods->Proceed();
  }

 private:
  Verdict Judge(const google::protobuf::Message* request) {
    Verdict verdict;
    if (authorization_.empty()) {
      verdict.refusal = Unauthenticated(
          "no caller token: send the metadata `authorization: Bearer <caller token>`");
      return verdict;
    }
    if (!absl::StartsWith(authorization_, kBearer) || authorization_.size() == kBearer.size()) {
      verdict.refusal =
          Unauthenticated("the authorization metadata must be `Bearer <caller token>`");
      return verdict;
    }
    auto caller =
        authenticator_.Authenticate(absl::string_view(authorization_).substr(kBearer.size()));
    if (!caller.ok()) {
      verdict.refusal = caller.status().code() == absl::StatusCode::kUnauthenticated
                            ? Unauthenticated("caller token not accepted")
                            : grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                           absl::StrCat("cannot verify the caller token now: ",
                                                        caller.status().message()));
      return verdict;
    }
    verdict.caller = *std::move(caller);
    const Caller& who = *verdict.caller;
    auto role = roles_.find(method_);
    if (role == roles_.end()) {
      verdict.refusal = Denied(absl::StrCat("no caller role is defined for ", method_));
      return verdict;
    }
    if (!HasRole(who, role->second)) {
      verdict.refusal =
          Denied(absl::StrCat("caller \"", who.name, "\" lacks the role ",
                              CallerRoleName(role->second), " that ", method_, " needs"));
      return verdict;
    }
    if (!who.portal_ids.empty()) {
      std::vector<std::string> portals;
      if (request != nullptr) CollectPortals(*request, portals);
      portals.erase(std::remove(portals.begin(), portals.end(), ""), portals.end());
      if (portals.empty()) {
        verdict.refusal = Denied(absl::StrCat("caller \"", who.name, "\" is restricted to portals ",
                                              absl::StrJoin(who.portal_ids, ","),
                                              ": the request must name one of them (portal_id)"));
        return verdict;
      }
      for (const std::string& portal : portals) {
        if (!MayActOnPortal(who, portal)) {
          verdict.refusal =
              Denied(absl::StrCat("caller \"", who.name, "\" may not act on portal ", portal));
          return verdict;
        }
      }
    }
    return verdict;
  }

  const grpc::ServerContextBase* const context_;
  const std::string method_;
  CallerAuthenticator& authenticator_;
  const MethodRoles& roles_;
  std::string authorization_;
  bool judged_ = false;
};

class CallerAuthFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  CallerAuthFactory(CallerAuthenticator& authenticator, MethodRoles roles)
      : authenticator_(authenticator), roles_(std::move(roles)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (IsOpenMethod(info->method())) return nullptr;
    return new CallerAuthInterceptor(info, authenticator_, roles_);
  }

 private:
  CallerAuthenticator& authenticator_;
  const MethodRoles roles_;
};

}  // namespace

absl::string_view CallerRoleName(CallerRole role) {
  switch (role) {
    case CallerRole::kReader:
      return "READER";
    case CallerRole::kWriter:
      return "WRITER";
    case CallerRole::kAdmin:
      return "ADMIN";
    case CallerRole::kService:
      return "SERVICE";
  }
  return "UNSPECIFIED";
}

bool HasRole(const Caller& caller, CallerRole needed) {
  auto holds = [&](CallerRole role) {
    return std::find(caller.roles.begin(), caller.roles.end(), role) != caller.roles.end();
  };
  switch (needed) {
    case CallerRole::kReader:
      return !caller.roles.empty();
    case CallerRole::kWriter:
      return holds(CallerRole::kWriter) || holds(CallerRole::kAdmin) || holds(CallerRole::kService);
    case CallerRole::kAdmin:
      return holds(CallerRole::kAdmin);
    case CallerRole::kService:
      return holds(CallerRole::kService);
  }
  return false;
}

bool MayActOnPortal(const Caller& caller, absl::string_view portal_id) {
  return caller.portal_ids.empty() || std::find(caller.portal_ids.begin(), caller.portal_ids.end(),
                                                portal_id) != caller.portal_ids.end();
}

CachingAuthenticator::CachingAuthenticator(CallerAuthenticator& inner, const Clock& clock,
                                           absl::Duration ttl)
    : inner_(inner), clock_(clock), ttl_(std::min(ttl, absl::Seconds(60))) {}

absl::StatusOr<Caller> CachingAuthenticator::Authenticate(absl::string_view token) {
  const std::string key = crypto::Sha256Hex(token);
  {
    absl::MutexLock lock(&mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      if (clock_.Now() < it->second.expires) return it->second.caller;
      cache_.erase(it);
    }
  }
  auto caller = inner_.Authenticate(token);
  if (!caller.ok()) return caller.status();
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mutex_);
  // Expired entries go when the cache grows, so tokens seen once do not pile up.
  if (cache_.size() >= 4096) {
    absl::erase_if(cache_, [&](const auto& entry) { return entry.second.expires <= now; });
  }
  cache_[key] = Entry{*caller, now + ttl_};
  return caller;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeCallerAuthFactory(
    CallerAuthenticator& authenticator, MethodRoles roles) {
  return std::make_unique<CallerAuthFactory>(authenticator, std::move(roles));
}

grpc::Status CallerRefusal(const grpc::ServerContextBase* context) {
  absl::MutexLock lock(&verdicts_mutex);
  auto it = Verdicts().find(context);
  if (it == Verdicts().end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "the caller was not verified");
  }
  return it->second.refusal;
}

const Caller* CallerOf(const grpc::ServerContextBase* context) {
  absl::MutexLock lock(&verdicts_mutex);
  auto it = Verdicts().find(context);
  if (it == Verdicts().end() || !it->second.caller) return nullptr;
  // The entry stays put until the call ends, and the handler runs within the call.
  return &*it->second.caller;
}

std::string CallerName(const grpc::ServerContextBase* context) {
  const Caller* caller = CallerOf(context);
  return caller == nullptr ? "" : caller->name;
}

}  // namespace crmsync
