#!/usr/bin/env python3
"""Fails when the C++ sources of the product (services/, libs/) build SQL outside queries/*.sql.

SQL runs only as statements prepared from the .sql files under each service's queries/ folder,
called by file name (exec_prepared). This check reads every .cc and .h under services/ and libs/
and names, as file:line, each
  - direct statement call (.exec, .exec0, .exec1, .exec_n, .exec_params*, .query*): its text
    is not a prepared file, and may be built from strings;
  - string literal that opens with an SQL keyword ("SELECT ...", "INSERT ...", ...).
The few places that must run SQL text of their own are listed in ALLOWED, each with its reason.
Usage: check_sql.py --root <source tree>
"""
import argparse
import pathlib
import re
import sys

STATEMENT_CALL = re.compile(r"(\.|->)\s*(exec|exec0|exec1|exec_n|exec_params\w*|query\w*)\s*\(")
SQL_LITERAL = re.compile(
    r'"\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|SET|LOCK|GRANT|COPY)\s')

# (path, the whole line stripped) → why this SQL text is not a prepared query file.
MIGRATION_RUNNER = (
    "the migration runner executes the migration files themselves (embedded from each "
    "service's migrations/) and keeps its own bookkeeping table before any service schema "
    "exists; the one identifier in it, the schema name, comes from the binary and is quoted "
    "with quote_name")
POOL = ("the pool bounds a transaction's statements by the caller's deadline (passed as a "
        "parameter) and probes a connection, before and apart from any query of a service")
ALLOWED = {
    ("libs/pg/migrations.cc", line): MIGRATION_RUNNER for line in (
        'tx.exec("SET LOCAL statement_timeout = 0");',
        'tx.exec_params("SELECT pg_advisory_xact_lock($1, hashtext($2))", '
        'kMigrationLockNamespace,',
        'tx.exec(absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", quoted));',
        'tx.exec(absl::StrCat("SET LOCAL search_path TO ", quoted));',
        'tx.exec(',
        '"CREATE TABLE IF NOT EXISTS schema_migrations ("',
        'for (const auto& row : tx.exec("SELECT version, name, checksum FROM '
        'schema_migrations")) {',
        'const auto checksum = tx.exec_params1("SELECT md5($1)", sql)[0].as<std::string>();',
        'tx.exec(sql);',
        'tx.exec_params(',
        '"INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",')
}
ALLOWED.update({
    ("libs/pg/pool.cc", line): POOL for line in (
        'tx.exec_params(',
        '"SELECT set_config(\'statement_timeout\', $1, true)",',
        'tx.exec("SELECT 1");')
})


def strip_comment(line):
    """The code of `line` without a trailing // comment (string literals kept)."""
    in_string = False
    i = 0
    while i < len(line):
        c = line[i]
        if c == "\\" and in_string:
            i += 2
            continue
        if c == '"':
            in_string = not in_string
        elif not in_string and line.startswith("//", i):
            return line[:i]
        i += 1
    return line


def findings(root):
    for top in ("services", "libs"):
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in (".cc", ".h"):
                continue
            relative = path.relative_to(root).as_posix()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = strip_comment(line)
                for rule, pattern in (("statement text run directly", STATEMENT_CALL),
                                      ("SQL literal", SQL_LITERAL)):
                    if not pattern.search(code):
                        continue
                    if (relative, code.strip()) in ALLOWED:
                        continue
                    yield f"{relative}:{number}: {rule}: {line.strip()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, type=pathlib.Path)
    args = parser.parse_args()
    found = list(findings(args.root))
    for finding in found:
        print(finding)
    if found:
        print(f"{len(found)} place(s) build SQL outside queries/*.sql: put the statement in a "
              "queries/ file and call it with exec_prepared", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
