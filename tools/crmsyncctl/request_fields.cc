#include "tools/crmsyncctl/request_fields.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace crmsync::ctl {
namespace {

using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status Bad(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--", path, ": ", why));
}

// The enum value `word` names: its full name, or its name without the enum's common prefix
// ("crm" for SIDE_CRM), in any case.
const EnumValueDescriptor* FindEnumValue(const google::protobuf::EnumDescriptor& type,
                                         absl::string_view word) {
  const std::string upper = absl::AsciiStrToUpper(word);
  for (int i = 0; i < type.value_count(); ++i) {
    const EnumValueDescriptor* value = type.value(i);
    if (value->name() == upper || absl::EndsWith(value->name(), "_" + upper)) return value;
  }
  return nullptr;
}

absl::Status SetMessage(Message& message, absl::string_view path, absl::string_view value) {
  const std::string& type = message.GetDescriptor()->full_name();
  const Reflection* reflection = message.GetReflection();
  if (type == "google.protobuf.Timestamp") {
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, value, &time, &error)) {
      return Bad(path, "not an RFC 3339 time such as 2025-06-30T12:00:00Z");
    }
    const auto* descriptor = message.GetDescriptor();
    reflection->SetInt64(&message, descriptor->FindFieldByName("seconds"),
                         absl::ToUnixSeconds(time));
    reflection->SetInt32(
        &message, descriptor->FindFieldByName("nanos"),
        static_cast<int32_t>((time - absl::FromUnixSeconds(absl::ToUnixSeconds(time))) /
                             absl::Nanoseconds(1)));
    return absl::OkStatus();
  }
  if (type == "crmsync.common.v1.Date") {
    absl::CivilDay day;
    if (!absl::ParseCivilTime(value, &day)) return Bad(path, "not a date such as 2025-06-30");
    const auto* descriptor = message.GetDescriptor();
    reflection->SetInt32(&message, descriptor->FindFieldByName("year"),
                         static_cast<int32_t>(day.year()));
    reflection->SetInt32(&message, descriptor->FindFieldByName("month"), day.month());
    reflection->SetInt32(&message, descriptor->FindFieldByName("day"), day.day());
    return absl::OkStatus();
  }
  const auto status = google::protobuf::util::JsonStringToMessage(std::string(value), &message);
  if (!status.ok()) return Bad(path, absl::StrCat("not JSON of ", type, ": ", status.ToString()));
  return absl::OkStatus();
}

absl::Status SetOne(Message& message, const FieldDescriptor& field, absl::string_view path,
                    absl::string_view value) {
  const Reflection* reflection = message.GetReflection();
  const bool repeated = field.is_repeated();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      repeated ? reflection->AddString(&message, &field, std::string(value))
               : reflection->SetString(&message, &field, std::string(value));
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool b;
      if (!absl::SimpleAtob(value, &b)) return Bad(path, "must be true or false");
      repeated ? reflection->AddBool(&message, &field, b)
               : reflection->SetBool(&message, &field, b);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t n;
      if (!absl::SimpleAtoi(value, &n)) return Bad(path, "must be a whole number");
      repeated ? reflection->AddInt32(&message, &field, n)
               : reflection->SetInt32(&message, &field, n);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t n;
      if (!absl::SimpleAtoi(value, &n)) return Bad(path, "must be a whole number");
      repeated ? reflection->AddInt64(&message, &field, n)
               : reflection->SetInt64(&message, &field, n);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* e = FindEnumValue(*field.enum_type(), value);
      if (e == nullptr) {
        std::vector<std::string> names;
        for (int i = 0; i < field.enum_type()->value_count(); ++i) {
          names.push_back(field.enum_type()->value(i)->name());
        }
        return Bad(path, absl::StrCat("one of ", absl::StrJoin(names, ", ")));
      }
      repeated ? reflection->AddEnum(&message, &field, e)
               : reflection->SetEnum(&message, &field, e);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return SetMessage(repeated ? *reflection->AddMessage(&message, &field)
                                 : *reflection->MutableMessage(&message, &field),
                        path, value);
    default:
      return Bad(path, "this field's type cannot be set from the command line");
  }
}

// The value of a singular field as one table cell.
std::string Cell(const Message& message, const FieldDescriptor& field) {
  const Reflection* reflection = message.GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return reflection->GetString(message, &field);
    case FieldDescriptor::CPPTYPE_BOOL:
      return reflection->GetBool(message, &field) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(reflection->GetInt32(message, &field));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(reflection->GetInt64(message, &field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(reflection->GetUInt32(message, &field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(reflection->GetUInt64(message, &field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(reflection->GetDouble(message, &field));
    case FieldDescriptor::CPPTYPE_ENUM:
      return reflection->GetEnum(message, &field)->name();
    default:
      return "";
  }
}

// Every field set in `message` as (a.b, text), nested messages flattened; Timestamps and Dates
// as one cell each, repeated fields joined with commas.
void Flatten(const Message& message, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string name = prefix + field->name();
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      if (!field->is_repeated()) {
        out.emplace_back(name, Cell(message, *field));
        continue;
      }
      std::string joined;
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        std::string one;
        switch (field->cpp_type()) {
          case FieldDescriptor::CPPTYPE_STRING:
            one = reflection->GetRepeatedString(message, field, i);
            break;
          case FieldDescriptor::CPPTYPE_ENUM:
            one = reflection->GetRepeatedEnum(message, field, i)->name();
            break;
          default:
            one = "…";
        }
        absl::StrAppend(&joined, i ? "," : "", one);
      }
      out.emplace_back(name, joined);
      continue;
    }
    if (field->is_repeated()) {
      out.emplace_back(name, absl::StrCat(reflection->FieldSize(message, field), " items"));
      continue;
    }
    const Message& inner = reflection->GetMessage(message, field);
    const std::string& type = inner.GetDescriptor()->full_name();
    if (type == "google.protobuf.Timestamp" || type == "crmsync.common.v1.Date") {
      const auto* d = inner.GetDescriptor();
      const Reflection* r = inner.GetReflection();
      if (type == "crmsync.common.v1.Date") {
        out.emplace_back(
            name, absl::StrFormat("%04d-%02d-%02d", r->GetInt32(inner, d->FindFieldByName("year")),
                                  r->GetInt32(inner, d->FindFieldByName("month")),
                                  r->GetInt32(inner, d->FindFieldByName("day"))));
      } else {
        out.emplace_back(name, absl::FormatTime(absl::RFC3339_sec,
                                                absl::FromUnixSeconds(r->GetInt64(
                                                    inner, d->FindFieldByName("seconds"))),
                                                absl::UTCTimeZone()));
      }
      continue;
    }
    Flatten(inner, name + ".", out);
  }
}

std::string Aligned(const std::vector<std::string>& header,
                    const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  std::string text;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      absl::StrAppend(&out, cells[c],
                      c + 1 < cells.size() ? std::string(width[c] - cells[c].size() + 2, ' ') : "");
    }
    absl::StrAppend(&text, out, "\n");
  };
  line(header);
  for (const auto& row : rows) line(row);
  return text;
}

}  // namespace

absl::Status SetField(Message& message, absl::string_view path, absl::string_view value) {
  Message* target = &message;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field = target->GetDescriptor()->FindFieldByName(parts[i]);
    if (field == nullptr) {
      std::vector<std::string> names;
      for (int f = 0; f < target->GetDescriptor()->field_count(); ++f) {
        names.push_back(target->GetDescriptor()->field(f)->name());
      }
      return Bad(path, absl::StrCat("no such field; this one takes ", absl::StrJoin(names, ", ")));
    }
    if (i + 1 < parts.size()) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_repeated()) {
        return Bad(path, absl::StrCat(parts[i], " has no fields of its own"));
      }
      target = target->GetReflection()->MutableMessage(target, field);
      continue;
    }
    if (field->is_repeated() && field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      for (absl::string_view one : absl::StrSplit(value, ',', absl::SkipEmpty())) {
        if (auto status = SetOne(*target, *field, path, one); !status.ok()) return status;
      }
      return absl::OkStatus();
    }
    return SetOne(*target, *field, path, value);
  }
  return Bad(path, "empty field name");
}

std::string AsTable(const Message& message) {
  const Reflection* reflection = message.GetReflection();
  const auto* descriptor = message.GetDescriptor();
  for (int f = 0; f < descriptor->field_count(); ++f) {
    const FieldDescriptor* field = descriptor->field(f);
    if (!field->is_repeated() || field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    std::vector<std::vector<std::pair<std::string, std::string>>> flat;
    std::vector<std::string> header;
    for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
      flat.emplace_back();
      Flatten(reflection->GetRepeatedMessage(message, field, i), "", flat.back());
      for (const auto& [name, unused] : flat.back()) {
        if (std::find(header.begin(), header.end(), name) == header.end()) header.push_back(name);
      }
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& cells : flat) {
      std::map<std::string, std::string> by_name(cells.begin(), cells.end());
      std::vector<std::string> row;
      for (const std::string& name : header) row.push_back(by_name[name]);
      rows.push_back(std::move(row));
    }
    std::string text =
        rows.empty() ? absl::StrCat("(no ", field->name(), ")\n") : Aligned(header, rows);
    // The rest of the response (the next page's token, counts) below the table.
    std::vector<std::pair<std::string, std::string>> rest;
    std::vector<const FieldDescriptor*> set;
    reflection->ListFields(message, &set);
    for (const FieldDescriptor* other : set) {
      if (other != field && other->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE &&
          !other->is_repeated()) {
        rest.emplace_back(other->name(), Cell(message, *other));
      }
    }
    for (const auto& [name, value] : rest) absl::StrAppend(&text, name, ": ", value, "\n");
    return text;
  }
  std::vector<std::pair<std::string, std::string>> cells;
  Flatten(message, "", cells);
  std::vector<std::vector<std::string>> rows;
  for (auto& [name, value] : cells) rows.push_back({name, value});
  return rows.empty() ? "(done)\n" : Aligned({"FIELD", "VALUE"}, rows);
}

std::string AsJson(const Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace crmsync::ctl
