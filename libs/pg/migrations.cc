#include "libs/pg/migrations.h"

#include <map>
#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/common/log.h"

namespace crmsync::pg {
namespace {

// Both keys of pg_advisory_xact_lock(int, int): crmsync's migrations, then the schema.
constexpr int kMigrationLockNamespace = 0x63726d73;  // "crms"

absl::StatusOr<std::map<int, EmbeddedFile>> ByVersion(const std::vector<EmbeddedFile>& migrations) {
  std::map<int, EmbeddedFile> by_version;
  for (const EmbeddedFile& file : migrations) {
    const absl::string_view name = file.name;
    const size_t separator = name.find("__");
    int version = 0;
    if (!absl::StartsWith(name, "V") || separator == absl::string_view::npos ||
        !absl::SimpleAtoi(name.substr(1, separator - 1), &version) || version <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration \"", name, "\" is not named V<number>__<words>"));
    }
    if (!by_version.emplace(version, file).second) {
      return absl::InvalidArgumentError(absl::StrCat("two migrations have version ", version));
    }
  }
  return by_version;
}

}  // namespace

absl::StatusOr<MigrationResult> Migrate(Pool& pool, absl::string_view schema,
                                        const std::vector<EmbeddedFile>& migrations) {
  auto by_version = ByVersion(migrations);
  if (!by_version.ok()) return by_version.status();
  const std::string schema_name(schema);
  return pool.TransactValue<MigrationResult>(
      [&](pqxx::transaction_base& tx) -> absl::StatusOr<MigrationResult> {
        // A migration may rewrite a large table: the connections' statement_timeout bounds
        // service calls, not this. lock_timeout stays, so that a migration waiting on a busy
        // table gives up (and is retried) rather than queue every call behind its lock.
        tx.exec("SET LOCAL statement_timeout = 0");
        tx.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", kMigrationLockNamespace,
                       schema_name);
        const std::string quoted = tx.quote_name(schema_name);
        tx.exec(absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", quoted));
        tx.exec(absl::StrCat("SET LOCAL search_path TO ", quoted));
        tx.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY,"
            " name text NOT NULL,"
            " checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())");
        std::map<int, std::pair<std::string, std::string>> applied;  // version → name, checksum
        for (const auto& row : tx.exec("SELECT version, name, checksum FROM schema_migrations")) {
          applied[row[0].as<int>()] = {row[1].as<std::string>(), row[2].as<std::string>()};
        }
        MigrationResult result;
        for (const auto& [version, file] : *by_version) {
          const std::string sql(file.text);
          const auto checksum = tx.exec_params1("SELECT md5($1)", sql)[0].as<std::string>();
          if (auto it = applied.find(version); it != applied.end()) {
            if (it->second.second != checksum) {
              return absl::FailedPreconditionError(
                  absl::StrCat("migration ", file.name, " of schema ", schema_name,
                               " was changed after it was applied; add a new migration instead"));
            }
            ++result.already_applied;
            continue;
          }
          tx.exec(sql);
          tx.exec_params(
              "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
              version, std::string(file.name), checksum);
          ++result.applied;
        }
        for (const auto& [version, name_and_checksum] : applied) {
          if (!by_version->contains(version)) {
            LogWarning("database has a migration this binary does not know",
                       {{"schema", schema_name}, {"migration", name_and_checksum.first}});
          }
        }
        return result;
      });
}

}  // namespace crmsync::pg
