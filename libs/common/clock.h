// An injectable clock, so that logic with deadlines and expiries is tested without sleeping.
#ifndef CRMSYNC_LIBS_COMMON_CLOCK_H_
#define CRMSYNC_LIBS_COMMON_CLOCK_H_

#include <mutex>

#include "absl/time/time.h"

namespace crmsync {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The wall clock (absl::Now). Lives for the whole process.
const Clock& RealClock();

// A clock that moves only when told to. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard lock(mutex_);
    now_ += d;
  }
  void Set(absl::Time t) {
    std::lock_guard lock(mutex_);
    now_ = t;
  }

 private:
  mutable std::mutex mutex_;
  absl::Time now_;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_CLOCK_H_
