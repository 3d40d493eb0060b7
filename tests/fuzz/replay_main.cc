// Replays fuzz inputs without libFuzzer: every file of the folders given on the command line is
// passed once to the target's LLVMFuzzerTestOneInput, built with the ordinary compiler. A crash
// or a broken invariant (an abort) fails the run; an empty or missing folder fails it too, so a
// wrong path cannot pass silently.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  int replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path folder = argv[i];
    if (!std::filesystem::is_directory(folder)) continue;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
      if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') {
        files.push_back(entry.path());
      }
    }
    for (const std::filesystem::path& file : files) {
      std::ifstream in(file, std::ios::binary);
      const std::string input((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      std::cout << "replaying " << file.string() << std::endl;
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
      ++replayed;
    }
  }
  if (replayed == 0) {
    std::cerr << "no input found in the folders given" << std::endl;
    return 1;
  }
  std::cout << replayed << " inputs replayed" << std::endl;
  return 0;
}
