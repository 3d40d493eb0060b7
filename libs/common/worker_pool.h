// A fixed set of threads running queued closures, for work that must not run on the thread that
// received it (a gRPC callback thread must never block on I/O). The queue is bounded, so that a
// burst beyond what the threads can absorb is refused at once instead of waiting without bound.
#ifndef CRMSYNC_LIBS_COMMON_WORKER_POOL_H_
#define CRMSYNC_LIBS_COMMON_WORKER_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace crmsync {

class WorkerPool {
 public:
  // `threads` run the closures; at most `queue_capacity` more wait for a free thread.
  WorkerPool(int threads, int queue_capacity);
  // Runs every closure already queued, then joins the threads.
  ~WorkerPool();

  // Queues `work` for one of the threads, or returns false (and drops `work`) when
  // `queue_capacity` closures are already waiting. Thread-safe.
  [[nodiscard]] bool TryRun(std::function<void()> work);

 private:
  const size_t queue_capacity_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_WORKER_POOL_H_
