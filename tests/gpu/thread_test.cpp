// Calls from several host threads at once, each on its own Context made by
// the main thread. A worker thread starts with no current context, so its
// first call takes the runtime's launch; its later calls, on CUDA, go to the
// driver with the kernel's function, which the threads resolve once per
// device while the others launch (backends/cuda_hip/driver_launch.hpp).
// Under ctest every test runs in its own process, so these are the first
// launches of their kernels there.
#include <gtest/gtest.h>

#include <atomic>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/cases.hpp"

namespace sgmv::test {
namespace {

TEST(Threads, ConcurrentCallsFromFreshThreadsMatchReference) {
  SGMV_REQUIRE_DEVICE();
  constexpr int kThreadsPerOp = 4;
  constexpr int kCallsPerThread = 3;
  struct Work {
    std::unique_ptr<OpCase> c;
    std::vector<double> expected;
    std::unique_ptr<Context> ctx;
    std::string error;
  };
  std::vector<Work> work;
  for (Op op : {Op::shrink, Op::expand}) {
    for (int t = 0; t < kThreadsPerOp; ++t) {
      // bf16 in and weights: the tensor-core kernels on CUDA.
      OpSpec s = basic_spec(op, Form::segments, DType::bf16, DType::bf16,
                            op == Op::shrink ? DType::f32 : DType::bf16, 256,
                            op == Op::shrink ? 1024 : 16, op == Op::shrink ? 16 : 1024);
      s.L = 4;
      s.seed = seed_of(std::string("threads_") + name_of(op) + std::to_string(t));
      set_segments(s, Pattern::mixed);
      Work w;
      w.c = std::make_unique<OpCase>(s);
      w.expected = w.c->reference();
      w.ctx = std::make_unique<Context>(s.device);
      work.push_back(std::move(w));
    }
  }

  // Shrink overwrites its output and expand without add writes the same
  // values on each call: repeated calls leave the reference's output.
  std::atomic<int> waiting{static_cast<int>(work.size())};
  std::vector<std::thread> threads;
  for (Work& w : work) {
    threads.emplace_back([&w, &waiting] {
      waiting.fetch_sub(1);
      while (waiting.load() > 0) std::this_thread::yield();  // start together
      try {
        for (int i = 0; i < kCallsPerThread; ++i) w.c->launch(*w.ctx);
        w.ctx->synchronize();
      } catch (const std::exception& e) {
        w.error = e.what();
      }
    });
  }
  for (std::thread& t : threads) t.join();

  for (const Work& w : work) {
    EXPECT_EQ(w.error, "");
    EXPECT_TRUE(w.c->check(w.expected)) << w.c->dispatch();
  }
}

}  // namespace
}  // namespace sgmv::test
