#include "services/sync/outbox.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace crmsync::sync {
namespace {

using Json = nlohmann::json;

absl::Status NotAWrite(absl::string_view why) {
  return absl::InternalError(absl::StrCat("an outbox payload is not a write: ", why));
}

}  // namespace

std::string OutboxGroup(int64_t link_id) { return absl::StrCat("task:", link_id); }

std::string EncodeOutboxWrite(const OutboxWrite& write) {
  Json fields = Json::array();
  for (Field field : write.fields) fields.push_back(FieldName(field));
  return Json{{"kind", static_cast<int>(write.kind)},
              {"target_side", SideKey(write.target_side)},
              {"link_id", write.link_id},
              {"fields", std::move(fields)},
              {"copy_id", write.copy_id},
              {"origin_side", SideKey(write.origin_side)},
              {"event_id", write.event_id},
              {"actor",
               {{"user_id", write.actor.user_id},
                {"email", write.actor.email},
                {"display_name", write.actor.display_name}}},
              {"accept_time_us", absl::ToUnixMicros(write.accept_time)}}
      .dump();
}

absl::StatusOr<OutboxWrite> DecodeOutboxWrite(absl::string_view payload) {
  const Json json = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return NotAWrite("not a JSON object");
  try {
    OutboxWrite write;
    const int kind = json.at("kind").get<int>();
    if (kind < 1 || kind > 4) return NotAWrite(absl::StrCat("unknown kind ", kind));
    write.kind = static_cast<OutboxKind>(kind);
    write.target_side = SideFromKey(json.at("target_side").get<std::string>());
    if (write.target_side == Side::kUnspecified) return NotAWrite("no target side");
    write.link_id = json.at("link_id").get<int64_t>();
    for (const Json& name : json.at("fields")) {
      const std::optional<Field> field = FieldFromName(name.get<std::string>());
      if (!field) return NotAWrite(absl::StrCat("unknown field ", name.dump()));
      write.fields.push_back(*field);
    }
    write.copy_id = json.at("copy_id").get<int64_t>();
    write.origin_side = SideFromKey(json.at("origin_side").get<std::string>());
    write.event_id = json.at("event_id").get<std::string>();
    const Json& actor = json.at("actor");
    write.actor.user_id = actor.at("user_id").get<std::string>();
    write.actor.email = actor.at("email").get<std::string>();
    write.actor.display_name = actor.at("display_name").get<std::string>();
    write.accept_time = absl::FromUnixMicros(json.at("accept_time_us").get<int64_t>());
    return write;
  } catch (const Json::exception& e) {
    return NotAWrite(e.what());
  }
}

}  // namespace crmsync::sync
