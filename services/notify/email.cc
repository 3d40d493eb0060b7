#include "services/notify/email.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "libs/common/embedded_file.h"

namespace crmsync::notify {

// Compiled in from templates/*.tmpl by cmake's crmsync_embed_files: name = kind.
const std::vector<EmbeddedFile>& DefaultTemplateFiles();

namespace {

constexpr absl::string_view kPlaceholders[] = {"recipient_name",
                                               "task_title",
                                               "task_id",
                                               "project_name",
                                               "project_id",
                                               "field",
                                               "attempted_value",
                                               "kept_value",
                                               "reason",
                                               "side",
                                               "other_side",
                                               "occur_time",
                                               "project_start_date",
                                               "project_end_date",
                                               "parent_task_title"};

absl::Status CheckPlaceholders(absl::string_view name, absl::string_view text) {
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != absl::string_view::npos) {
    const size_t end = text.find("}}", pos);
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": unclosed {{"));
    }
    absl::string_view key = text.substr(pos + 2, end - pos - 2);
    const bool condition = absl::ConsumePrefix(&key, "?") || absl::ConsumePrefix(&key, "!");
    if (condition && pos != 0 && text[pos - 1] != '\n') {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": {{?", key, "}} / {{!", key, "}} must start a line"));
    }
    bool known = false;
    for (absl::string_view p : kPlaceholders) known = known || p == key;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": unknown placeholder {{", key, "}}"));
    }
    pos = end + 2;
  }
  return absl::OkStatus();
}

std::string HtmlEscape(absl::string_view text) {
  return absl::StrReplaceAll(
      text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}

std::string DateText(const std::optional<absl::CivilDay>& day) {
  return day ? absl::FormatCivilTime(*day) : std::string();
}

std::vector<std::pair<std::string, std::string>> Values(const Recipient& recipient,
                                                        const FailureParameters& p) {
  std::string name = recipient.display_name;
  if (name.empty()) name = recipient.email.substr(0, recipient.email.find('@'));
  const Side other = p.side == Side::kCrm        ? Side::kProjects
                     : p.side == Side::kProjects ? Side::kCrm
                                                 : Side::kUnspecified;
  std::vector<std::pair<std::string, std::string>> values = {
      {"recipient_name", name},
      {"task_title", p.task_title},
      {"task_id", p.task_id},
      {"project_name", p.project_name},
      {"project_id", p.project_id},
      {"field", p.field},
      {"attempted_value", p.attempted_value},
      {"kept_value", p.kept_value},
      {"reason", p.reason},
      {"side", std::string(SideDisplayName(p.side))},
      {"other_side", std::string(SideDisplayName(other))},
      {"occur_time", absl::FormatTime("%Y-%m-%d %H:%M UTC", p.occur_time, absl::UTCTimeZone())},
      {"project_start_date", DateText(p.project_start_date)},
      {"project_end_date", DateText(p.project_end_date)},
      {"parent_task_title", p.parent_task_title},
  };
  for (auto& [key, value] : values) value = OneLine(value);
  return values;
}

// The lines of `text` whose condition holds, without it: a line starting "{{?key}}" is kept when
// key's value is not empty, one starting "{{!key}}" when it is.
std::string KeptLines(absl::string_view text,
                      const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out;
  bool first = true;
  for (absl::string_view line : absl::StrSplit(text, absl::ByString("\n"))) {
    const bool if_set = absl::StartsWith(line, "{{?");
    if (if_set || absl::StartsWith(line, "{{!")) {
      const size_t close = line.find("}}");
      const absl::string_view key = line.substr(3, close - 3);
      bool set = false;
      for (const auto& [name, value] : values) set = set || (name == key && !value.empty());
      if (set != if_set) continue;
      line.remove_prefix(close + 2);
    }
    absl::StrAppend(&out, first ? "" : "\n", line);
    first = false;
  }
  return out;
}

// Replaces each {{key}} of `text` in one pass, so a value that itself contains "{{...}}" is not
// expanded again.
std::string Render(absl::string_view text,
                   const std::vector<std::pair<std::string, std::string>>& values, bool html) {
  const std::string kept = KeptLines(text, values);
  text = kept;
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t open = text.find("{{", pos);
    if (open == absl::string_view::npos) break;
    const size_t close = text.find("}}", open);
    if (close == absl::string_view::npos) break;
    absl::StrAppend(&out, text.substr(pos, open - pos));
    const absl::string_view key = text.substr(open + 2, close - open - 2);
    for (const auto& [name, value] : values) {
      if (name == key) absl::StrAppend(&out, html ? HtmlEscape(value) : value);
    }
    pos = close + 2;
  }
  absl::StrAppend(&out, text.substr(pos));
  return out;
}

// Lines end in CRLF, as SMTP requires.
std::string ToCrlf(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') continue;
    if (text[i] == '\n')
      out += "\r\n";
    else
      out += text[i];
  }
  return out;
}

// Base64 body in lines of 76 characters (RFC 2045).
std::string Base64Body(absl::string_view body) {
  const std::string encoded = absl::Base64Escape(ToCrlf(body));
  std::string out;
  for (size_t i = 0; i < encoded.size(); i += 76) {
    absl::StrAppend(&out, encoded.substr(i, 76), "\r\n");
  }
  return out;
}

// RFC 5322 §2.1.1: a header line should be at most 78 characters and must not exceed 998.
constexpr size_t kPreferredLineLength = 78;

// Printable ASCII whose every word (run without spaces) has at most `longest_word` characters.
// A word of up to 77 fits a folded line of its own after the leading space, so that HeaderField
// never needs a line over 78 characters.
bool FoldsAsIs(absl::string_view text, size_t longest_word = kPreferredLineLength - 1) {
  size_t word = 0;
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
    word = c == ' ' ? 0 : word + 1;
    if (word > longest_word) return false;
  }
  return true;
}

// RFC 2047 UTF-8 base64 encoded-words of `text` (one line), separated by spaces.
std::string EncodedWords(absl::string_view text) {
  // Words of at most 39 bytes (52 base64 characters, 64 with the delimiters) keep even the first
  // line, after "Subject: ", within 78 characters; splits fall only between UTF-8 characters so
  // that every word decodes on its own.
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + 39);
    while (end < text.size() && end > start &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += ' ';
    absl::StrAppend(&out, "=?UTF-8?B?", absl::Base64Escape(text.substr(start, end - start)), "?=");
    start = end;
  }
  return out;
}

// A mailbox for To: or From:: "Name <addr>", the name quoted or RFC 2047 encoded.
std::string Mailbox(absl::string_view name, absl::string_view address) {
  const std::string clean = OneLine(name);
  if (clean.empty()) return std::string(address);
  // Room for the quotes around a word that stands alone on its line.
  if (FoldsAsIs(clean, kPreferredLineLength - 3)) {
    return absl::StrCat("\"", absl::StrReplaceAll(clean, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\" <",
                        address, ">");
  }
  return absl::StrCat(EncodedWords(clean), " <", address, ">");
}

}  // namespace

std::string OneLine(absl::string_view text) {
  std::string out;
  bool in_space_run = false;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      if (!in_space_run) out += ' ';
      in_space_run = true;
      continue;
    }
    in_space_run = false;
    out += static_cast<char>(c);
  }
  return out;
}

std::string EncodeHeaderText(absl::string_view raw) {
  const std::string text = OneLine(raw);
  // Plain text that looks like an encoded word would be decoded by mail clients: encode it too.
  if (FoldsAsIs(text) && !absl::StrContains(text, "=?")) return text;
  return EncodedWords(text);
}

std::string HeaderField(absl::string_view name, absl::string_view value) {
  const std::string field = absl::StrCat(name, ": ", value);
  // Folding inserts CRLF before a run of spaces that some text follows; unfolding (removing the
  // CRLF) gives the field back unchanged.
  std::vector<size_t> folds;
  for (size_t i = name.size() + 1; i < field.size(); ++i) {
    if (field[i] == ' ' && field[i - 1] != ' ' &&
        field.find_first_not_of(' ', i) != std::string::npos) {
      folds.push_back(i);
    }
  }
  std::string out;
  size_t line_start = 0;
  auto next = folds.begin();
  while (field.size() - line_start > kPreferredLineLength && next != folds.end()) {
    // The last fold that keeps this line within 78 characters, else the first one after it.
    auto fold = next;
    while (fold + 1 != folds.end() && *(fold + 1) - line_start <= kPreferredLineLength) ++fold;
    absl::StrAppend(&out, absl::string_view(field).substr(line_start, *fold - line_start), "\r\n");
    line_start = *fold;
    next = fold + 1;
  }
  absl::StrAppend(&out, absl::string_view(field).substr(line_start), "\r\n");
  return out;
}

absl::StatusOr<Template> Templates::Parse(absl::string_view name, absl::string_view content) {
  std::string normalized = absl::StrReplaceAll(content, {{"\r\n", "\n"}});
  absl::string_view rest = normalized;
  if (!absl::ConsumePrefix(&rest, "Subject:")) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": must start with \"Subject:\""));
  }
  const size_t subject_end = rest.find('\n');
  const size_t text_mark = rest.find("\n== text ==\n");
  const size_t html_mark = rest.find("\n== html ==\n");
  if (text_mark == absl::string_view::npos || html_mark == absl::string_view::npos ||
      html_mark < text_mark || subject_end != text_mark) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": expected a Subject: line, then \"== text ==\" and \"== html ==\" sections"));
  }
  Template tmpl;
  tmpl.subject = std::string(absl::StripAsciiWhitespace(rest.substr(0, subject_end)));
  const size_t text_start = text_mark + 11;
  tmpl.text = std::string(rest.substr(text_start, html_mark + 1 - text_start));
  tmpl.html = std::string(rest.substr(html_mark + 11));
  for (const std::string* part : {&tmpl.subject, &tmpl.text, &tmpl.html}) {
    if (auto status = CheckPlaceholders(name, *part); !status.ok()) return status;
  }
  return tmpl;
}

absl::StatusOr<Templates> Templates::Defaults() { return Load(""); }

absl::StatusOr<Templates> Templates::Load(absl::string_view dir) {
  Templates templates;
  for (Kind kind : kAllKinds) {
    std::string content;
    std::string source;
    if (!dir.empty()) {
      source = absl::StrCat(dir, "/", KindName(kind), ".tmpl");
      std::ifstream file(source, std::ios::binary);
      if (file) {
        std::ostringstream buffer;
        buffer << file.rdbuf();
        content = buffer.str();
      } else {
        source.clear();
      }
    }
    if (source.empty()) {
      for (const auto& [name, text] : DefaultTemplateFiles()) {
        if (name == KindName(kind)) {
          content = std::string(text);
          source = absl::StrCat("embedded ", name, ".tmpl");
        }
      }
    }
    if (source.empty()) {
      return absl::InternalError(absl::StrCat("no template for ", KindName(kind)));
    }
    auto parsed = Parse(source, content);
    if (!parsed.ok()) return parsed.status();
    templates.by_kind_.emplace(kind, *std::move(parsed));
  }
  return templates;
}

std::string RenderSubject(const Template& tmpl, const Recipient& recipient,
                          const FailureParameters& parameters) {
  return OneLine(Render(tmpl.subject, Values(recipient, parameters), /*html=*/false));
}

namespace {

// The part of an HTML document between <body> and </body>, or all of it.
absl::string_view HtmlBody(absl::string_view html) {
  const size_t open = html.find("<body>");
  const size_t close = html.rfind("</body>");
  if (open == absl::string_view::npos || close == absl::string_view::npos || close < open) {
    return html;
  }
  return html.substr(open + 6, close - open - 6);
}

Email Compose(const Sender& sender, const Recipient& to, absl::string_view subject,
              absl::string_view message_id, absl::string_view kind, absl::string_view text,
              absl::string_view html, absl::Time date) {
  // The Message-ID's digest is unique per email and cannot appear in a base64 body.
  const std::string boundary = absl::StrCat(
      "=_crmsync_", absl::StripSuffix(absl::StripPrefix(message_id, "<"), "@crmsync>"));
  Email email;
  email.envelope_from = sender.address;
  email.envelope_to = to.email;
  absl::StrAppend(
      &email.data, HeaderField("From", Mailbox(sender.display_name, sender.address)),
      HeaderField("To", Mailbox(to.display_name, to.email)),
      HeaderField("Subject", EncodeHeaderText(subject)),
      HeaderField("Date",
                  absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", date, absl::UTCTimeZone())),
      HeaderField("Message-ID", message_id), HeaderField("MIME-Version", "1.0"),
      HeaderField("Auto-Submitted", "auto-generated"), HeaderField("X-Crmsync-Kind", kind),
      HeaderField("Content-Type",
                  absl::StrCat("multipart/alternative; boundary=\"", boundary, "\"")),
      "\r\n");
  absl::StrAppend(&email.data, "--", boundary, "\r\n",
                  "Content-Type: text/plain; charset=UTF-8\r\n",
                  "Content-Transfer-Encoding: base64\r\n\r\n", Base64Body(text));
  absl::StrAppend(&email.data, "--", boundary, "\r\n", "Content-Type: text/html; charset=UTF-8\r\n",
                  "Content-Transfer-Encoding: base64\r\n\r\n", Base64Body(html));
  absl::StrAppend(&email.data, "--", boundary, "--\r\n");
  return email;
}

}  // namespace

Email BuildEmail(const Notification& n, const Template& tmpl, const Sender& sender,
                 absl::Time date) {
  const auto values = Values(n.recipient, n.parameters);
  return Compose(sender, n.recipient, n.subject, n.message_id, KindName(n.kind),
                 Render(tmpl.text, values, /*html=*/false),
                 Render(tmpl.html, values, /*html=*/true), date);
}

std::string DigestMessageId(const std::vector<const Notification*>& notifications) {
  std::vector<std::string> ids;
  for (const Notification* n : notifications) ids.push_back(n->failure_id);
  std::sort(ids.begin(), ids.end());
  return MessageIdFor(absl::StrCat("digest:", absl::StrJoin(ids, "\n")));
}

Email BuildDigestEmail(const std::vector<const Notification*>& notifications,
                       const Templates& templates, const Sender& sender, absl::Time date) {
  const Notification& first = *notifications.front();
  const size_t count = notifications.size();
  const std::string name = Values(first.recipient, first.parameters).front().second;
  std::string text = absl::StrCat("Hello ", name, ",\n\n", count,
                                  " of your recent changes could not be applied. Each one is "
                                  "explained below.\n");
  std::string html = absl::StrCat("<html><body>\n<p>Hello ", HtmlEscape(name), ",</p>\n<p>", count,
                                  " of your recent changes could not be applied. Each one is "
                                  "explained below.</p>\n");
  for (size_t i = 0; i < count; ++i) {
    const Notification& n = *notifications[i];
    const Template& tmpl = templates.For(n.kind);
    const auto values = Values(n.recipient, n.parameters);
    absl::StrAppend(&text, "\n==== ", i + 1, " of ", count, ": ", n.subject, " ====\n\n",
                    Render(tmpl.text, values, /*html=*/false));
    absl::StrAppend(&html, "<hr>\n<h3>", i + 1, " of ", count, ": ", HtmlEscape(n.subject),
                    "</h3>\n", HtmlBody(Render(tmpl.html, values, /*html=*/true)));
  }
  absl::StrAppend(&html, "</body></html>\n");
  return Compose(sender, first.recipient, absl::StrCat(count, " of your changes were not applied"),
                 DigestMessageId(notifications), "digest", text, html, date);
}

}  // namespace crmsync::notify
