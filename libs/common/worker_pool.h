// A fixed set of threads running queued closures, for work that must not run on the thread that
// received it (a gRPC callback thread must never block on I/O).
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
  explicit WorkerPool(int threads);
  // Runs every closure already queued, then joins the threads.
  ~WorkerPool();

  // Queues `work`; one of the threads runs it. Thread-safe.
  void Run(std::function<void()> work);

 private:
  std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace crmsync

#endif  // CRMSYNC_LIBS_COMMON_WORKER_POOL_H_
