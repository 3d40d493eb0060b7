// An invariant check for fuzz targets that holds in every build (NDEBUG included): a broken
// invariant prints what broke and aborts, which libFuzzer and the replay test both report.
#ifndef CRMSYNC_TESTS_FUZZ_FUZZ_CHECK_H_
#define CRMSYNC_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)

#endif  // CRMSYNC_TESTS_FUZZ_FUZZ_CHECK_H_
