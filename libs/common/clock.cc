#include "libs/common/clock.h"

#include "absl/time/clock.h"

namespace crmsync {
namespace {

class WallClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

const Clock& RealClock() {
  static const auto* clock = new WallClock;
  return *clock;
}

}  // namespace crmsync
