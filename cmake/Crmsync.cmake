# Project-wide helpers: warnings, embedded SQL files, tests.

# Our own code builds with warnings as errors; generated code does not.
function(crmsync_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter)
endfunction()

# crmsync_library(name SOURCES ... DEPS ...): a static library of our own code.
function(crmsync_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  crmsync_warnings(${name})
endfunction()

# crmsync_embed_files(target FUNCTION fn NAMESPACE ns DIR dir... PATTERN *.sql): compiles every
# file of each `dir` matching PATTERN into `target` as
# `const std::vector<crmsync::EmbeddedFile>& fn()`, sorted by file name within each dir, dirs in
# the order given, so a binary needs no files beside it at run time. A file's name without its
# extension is its name in the vector.
function(crmsync_embed_files target)
  cmake_parse_arguments(ARG "" "FUNCTION;NAMESPACE;PATTERN" "DIR" ${ARGN})
  set(files "")
  foreach(dir ${ARG_DIR})
    file(GLOB dir_files CONFIGURE_DEPENDS ${dir}/${ARG_PATTERN})
    list(SORT dir_files)
    list(APPEND files ${dir_files})
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_${ARG_FUNCTION}.cc)
  set(body "")
  foreach(path ${files})
    # The text is read at configure time: an edit must re-run the configure step.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${path})
    file(READ ${path} content)
    get_filename_component(stem ${path} NAME_WE)
    string(APPEND body "      {\"${stem}\", R\"crmfile(${content})crmfile\"},\n")
  endforeach()
  file(CONFIGURE OUTPUT ${out} CONTENT
"// Generated from ${ARG_DIR} by crmsync_embed_files.\n#include \"libs/common/embedded_file.h\"\n\nnamespace ${ARG_NAMESPACE} {\n\nconst std::vector<crmsync::EmbeddedFile>& ${ARG_FUNCTION}() {\n  static const auto* files = new std::vector<crmsync::EmbeddedFile>{\n${body}  };\n  return *files;\n}\n\n}  // namespace ${ARG_NAMESPACE}\n")
  target_sources(${target} PRIVATE ${out})
endfunction()

# crmsync_test(name SOURCES ... DEPS ... LABEL unit|pg|integration): one GoogleTest binary,
# registered with ctest under its label.
function(crmsync_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    CRMSYNC_BIN_DIR="${CMAKE_BINARY_DIR}/bin" CRMSYNC_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  crmsync_warnings(${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
endfunction()

# crmsync_service_schema(auth [QUERY_DIRS dir...]): library crmsync_auth_schema with the header
# "services/auth/schema.h", declaring crmsync::auth::Migrations(), Queries() and AuthSchema(),
# compiled from migrations/*.sql and queries/*.sql beside the caller; QUERY_DIRS adds the
# queries of libraries the service prepares on its pool (libs/work_queue/queries).
function(crmsync_service_schema service)
  cmake_parse_arguments(ARG "" "" "QUERY_DIRS" ${ARGN})
  set(target crmsync_${service}_schema)
  string(TOUPPER ${service} upper)
  string(SUBSTRING ${service} 0 1 first)
  string(TOUPPER ${first} first)
  string(SUBSTRING ${service} 1 -1 rest)
  set(header_root ${CMAKE_BINARY_DIR}/gen/schema)
  file(CONFIGURE OUTPUT ${header_root}/services/${service}/schema.h CONTENT
"// The ${service} service's Postgres schema \"${service}\", compiled in from migrations/ and
// queries/ by cmake's crmsync_service_schema.
#ifndef CRMSYNC_SERVICES_${upper}_SCHEMA_H_
#define CRMSYNC_SERVICES_${upper}_SCHEMA_H_

#include <vector>

#include \"libs/common/embedded_file.h\"

namespace crmsync::${service} {

const std::vector<EmbeddedFile>& Migrations();
const std::vector<EmbeddedFile>& Queries();

inline Schema ${first}${rest}Schema() { return {Migrations(), Queries()}; }

}  // namespace crmsync::${service}

#endif  // CRMSYNC_SERVICES_${upper}_SCHEMA_H_
")
  add_library(${target} STATIC)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR} ${header_root})
  target_link_libraries(${target} PUBLIC crmsync_common)
  crmsync_embed_files(${target} FUNCTION Migrations NAMESPACE crmsync::${service}
                      DIR ${CMAKE_CURRENT_SOURCE_DIR}/migrations PATTERN *.sql)
  crmsync_embed_files(${target} FUNCTION Queries NAMESPACE crmsync::${service}
                      DIR ${CMAKE_CURRENT_SOURCE_DIR}/queries ${ARG_QUERY_DIRS} PATTERN *.sql)
endfunction()
