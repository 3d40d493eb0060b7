// The records a benchmark appends through bench/support/report.h, and the tables
// `scripts/bench --report` prints of them: what a reader of the benchmark report sees.
#include "bench/support/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace crmsync::bench {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;

// A table cell: its text and where it starts and ends on its line, in characters.
struct Cell {
  std::string text;
  size_t start, end;
};

// The cells of a table line: runs of text between gaps of two spaces or more.
std::vector<Cell> Cells(absl::string_view line) {
  std::vector<Cell> cells;
  size_t column = 0, spaces = 0;
  for (const char c : line) {
    if ((c & 0xC0) == 0x80) {  // a UTF-8 continuation byte: part of the character before
      cells.back().text += c;
      continue;
    }
    if (c == ' ') {
      ++spaces;
      ++column;
      continue;
    }
    if (cells.empty() || spaces >= 2) {
      cells.push_back({"", column, column});
    } else if (spaces == 1) {
      cells.back().text += ' ';
    }
    spaces = 0;
    cells.back().text += c;
    cells.back().end = ++column;
  }
  return cells;
}

std::vector<std::string> Texts(const std::vector<Cell>& cells) {
  std::vector<std::string> texts;
  for (const Cell& cell : cells) texts.push_back(cell.text);
  return texts;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             absl::StrCat("bench_report_test_", getpid(), ".tsv"))
                .string();
    std::filesystem::remove(path_);
    setenv("CRMSYNC_BENCH_REPORT", path_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("CRMSYNC_BENCH_REPORT");
    std::filesystem::remove(path_);
  }

  std::vector<std::string> Lines() const {
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return absl::StrSplit(text.str(), '\n', absl::SkipEmpty());
  }

  // What `scripts/bench --report` prints of the records so far.
  std::string Table() const {
    const std::string command =
        absl::StrCat(CRMSYNC_SOURCE_DIR, "/scripts/bench --report ", path_, " 2>&1");
    FILE* pipe = popen(command.c_str(), "r");
    std::string out;
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    EXPECT_EQ(pclose(pipe), 0) << out;
    return out;
  }

  std::string path_;
};

TEST_F(ReportTest, FiguresCarryTheirTargetVerdictAndBaseline) {
  Report("GetAccessToken p99, concurrency 32", 4.537, "ms", 2, Below(5, "ms"));
  Report("SubmitChange rate / plain INSERT rate, concurrency 32", 0.0912, "", 2, AtLeast(0.5),
         "plain INSERT 13495 tx/s");
  Report("Zoho API calls per change", 0.2, "", 3, AtMost(0.2));
  Report("ImportDirectory of 2000 CRM accounts\tfrom zoho-sim", 18799.4, "records/s", 0);

  EXPECT_THAT(Lines(),
              ElementsAre("FIGURE\treport_test\tGetAccessToken p99, concurrency 32\t4.54 ms\t< 5 "
                          "ms\tmet\t",
                          "FIGURE\treport_test\tSubmitChange rate / plain INSERT rate, concurrency "
                          "32\t0.09\t>= 0.5\tNOT met\tplain INSERT 13495 tx/s",
                          "FIGURE\treport_test\tZoho API calls per change\t0.200\t<= 0.2\tmet\t",
                          "FIGURE\treport_test\tImportDirectory of 2000 CRM accounts from "
                          "zoho-sim\t18799 records/s\t\t\t"));
}

TEST_F(ReportTest, TheTableAlignsFiguresAndMemoryAndMarksWhatIsMissing) {
  Report("GetAccessToken p99, concurrency 32", 4.537, "ms", 2, Below(5, "ms"));
  Report("SubmitChange rate / plain INSERT rate, concurrency 32", 0.0912, "", 2, AtLeast(0.5),
         "plain INSERT 13495 tx/s");
  ReportMemory("crmsync-sync", "SubmitChange at concurrency 1, 8, 32", {27340, 27340},
               {30720, 33075});
  std::ofstream(path_, std::ios::app) << "RUN\treport_test\t0\t12\nRUN\tsync\t1\t3\n";

  const std::vector<std::string> table = absl::StrSplit(Table(), '\n');
  const auto row = [&](absl::string_view first) -> std::vector<Cell> {
    for (const std::string& line : table) {
      if (absl::StartsWith(line, first)) return Cells(line);
    }
    ADD_FAILURE() << "no row starts with " << first;
    return {};
  };
  // Figures: text columns start together, the values end together.
  const std::vector<Cell> header = row("benchmark    figure");
  const std::vector<Cell> met = row("report_test  GetAccessToken");
  const std::vector<Cell> missed = row("report_test  SubmitChange");
  EXPECT_THAT(Texts(header),
              ElementsAre("benchmark", "figure", "value", "target", "met", "baseline (same run)"));
  EXPECT_THAT(Texts(met), ElementsAre("report_test", "GetAccessToken p99, concurrency 32",
                                      "4.54 ms", "< 5 ms", "met", "—"));
  EXPECT_THAT(Texts(missed),
              ElementsAre("report_test", "SubmitChange rate / plain INSERT rate, concurrency 32",
                          "0.09", ">= 0.5", "NOT met", "plain INSERT 13495 tx/s"));
  for (const std::vector<Cell>* line : {&met, &missed}) {
    ASSERT_EQ(line->size(), header.size());
    for (size_t i : {0, 1, 3, 4, 5}) EXPECT_EQ((*line)[i].start, header[i].start) << i;
    EXPECT_EQ((*line)[2].end, header[2].end);
  }
  // Memory in MiB, the numbers right-aligned under their headers.
  const std::vector<Cell> memory_header = row("benchmark    service");
  const std::vector<Cell> memory = row("report_test  crmsync-sync");
  EXPECT_THAT(Texts(memory_header),
              ElementsAre("benchmark", "service", "load", "idle", "end of load", "peak"));
  EXPECT_THAT(Texts(memory),
              ElementsAre("report_test", "crmsync-sync", "SubmitChange at concurrency 1, 8, 32",
                          "26.7", "30.0", "32.3"));
  ASSERT_EQ(memory.size(), memory_header.size());
  for (size_t i : {3, 4, 5}) EXPECT_EQ(memory[i].end, memory_header[i].end) << i;
  EXPECT_THAT(table, Contains("Runs: report_test 12 s, sync 3 s (FAILED: exit 1)"));
}

TEST_F(ReportTest, NothingIsWrittenWithoutAReportFile) {
  unsetenv("CRMSYNC_BENCH_REPORT");
  Report("GetAccessToken p99, concurrency 32", 4.5, "ms", 2, Below(5, "ms"));
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST(MemoryTest, ThePeakStartsAgainFromTheCurrentResidentMemory) {
  {
    // 64 MiB touched and given back, mapped directly so that no allocator keeps them.
    constexpr size_t kBytes = 64 << 20;
    void* load = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(load, MAP_FAILED);
    std::memset(load, 1, kBytes);
    ASSERT_GE(ReadMemory(getpid()).resident_kib, 64 << 10);
    munmap(load, kBytes);
  }
  const Memory after_load = ReadMemory(getpid());
  ASSERT_GE(after_load.peak_kib, after_load.resident_kib + (60 << 10));

  ASSERT_TRUE(ResetPeakMemory(getpid()));
  const Memory reset = ReadMemory(getpid());
  EXPECT_GT(reset.resident_kib, 0);
  EXPECT_LT(reset.peak_kib, after_load.peak_kib - (60 << 10));
}

}  // namespace
}  // namespace crmsync::bench
