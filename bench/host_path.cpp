// sgmv-host-path: host cost of the backend-neutral front end of one op call
// on a launch-cache hit, per named workload shape (bf16, H = 4096): building
// the Problem (validation), the launch key, and the cache lookup, each alone
// and all three together. No device is touched and none is needed: the
// operand pointers are made-up, suitably aligned addresses (the front end
// never dereferences them), so the numbers mean the same on every backend.
//
//   sgmv-host-path [--calls N] [--reps N] [--threads N] [--only TEXT]
//
// Each stage runs `reps` timed batches of `calls` calls; the reported time is
// the median batch divided by `calls`, in ns per call. With --threads N > 1,
// N threads run the combined front end at once on the same device cache
// (shared-lock traffic), and the median over all threads' batches is shown.
// --only runs the calls whose name contains TEXT ("qkv", "decode", "shrink").
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "sgmv/core/kernel_registry.hpp"
#include "sgmv/core/launch_key.hpp"
#include "sgmv/core/runtime.hpp"
#include "sgmv/core/validate.hpp"
#include "sgmv/sgmv.hpp"

namespace {

using sgmv::DType;
using sgmv::TensorView;
using sgmv::detail::LaunchKey;
using sgmv::detail::Problem;

/// Made-up device addresses: 256-byte aligned, far apart (validation checks
/// that they do not overlap, never what they hold).
class FakeAddresses {
 public:
  void* next(std::int64_t bytes) {
    const std::uintptr_t at = next_;
    next_ += (static_cast<std::uintptr_t>(bytes) + 0xfffff) & ~std::uintptr_t{0xfffff};
    return reinterpret_cast<void*>(at);
  }

 private:
  std::uintptr_t next_ = std::uintptr_t{1} << 40;
};

/// The arguments of one op call of a named workload's shape.
struct Call {
  std::string name;
  bool expand = false;
  bool per_token = false;
  TensorView in[3], w[3], out;
  std::int64_t offset[3] = {0, 0, 0};
  int slices = 1;
  sgmv::ExpandSlice multi[3];  ///< expand_multi's argument, built by the caller
  sgmv::SegmentBatch segments;
  sgmv::TokenBatch tokens;

  sgmv::detail::BatchArgs batch() const {
    return per_token ? sgmv::detail::batch_args(tokens) : sgmv::detail::batch_args(segments);
  }
  /// What the public op does before the key (ops.cpp): the problem builder.
  /// Every path returns a prvalue or its one named Problem, so that no
  /// Problem is copied (as in ops.cpp, which builds it in place).
  Problem problem() const {
    if (!expand) return sgmv::detail::make_shrink_problem(in[0], w[0], out, batch(), 1.0f);
    if (slices > 1) return sgmv::detail::make_expand_problem(multi, slices, out, batch(), false);
    return whole_width_expand();
  }
  /// expand(): one slice covering out.
  Problem whole_width_expand() const {
    return sgmv::detail::make_whole_expand_problem(in[0], w[0], out, batch(), false);
  }
};

constexpr std::int64_t kHidden = 4096;
constexpr DType kType = DType::bf16;

void set_batch(Call& c, FakeAddresses& mem, std::int64_t segments, std::int64_t T) {
  if (c.per_token) {
    c.tokens.token_lora = TensorView::contiguous(mem.next(T * 4), DType::i32, {T});
    return;
  }
  for (TensorView* v : {&c.segments.seg_start, &c.segments.seg_len, &c.segments.lora_id}) {
    *v = TensorView::contiguous(mem.next(segments * 4), DType::i32, {segments});
  }
  c.segments.max_seg_len = T / segments;
}

Call shrink_call(const char* name, std::int64_t segments, std::int64_t seg_len, std::int64_t L,
                 std::int64_t R, bool per_token, FakeAddresses& mem) {
  Call c;
  c.name = name;
  c.per_token = per_token;
  const std::int64_t T = segments * seg_len;
  c.in[0] = TensorView::contiguous(mem.next(T * kHidden * 2), kType, {T, kHidden});
  c.w[0] = TensorView::contiguous(mem.next(L * R * kHidden * 2), kType, {L, R, kHidden});
  c.out = TensorView::contiguous(mem.next(T * R * 2), kType, {T, R});
  set_batch(c, mem, segments, T);
  return c;
}

Call expand_call(const char* name, std::int64_t segments, std::int64_t seg_len, std::int64_t L,
                 std::int64_t R, bool per_token, const std::vector<std::int64_t>& widths,
                 FakeAddresses& mem) {
  Call c;
  c.name = name;
  c.expand = true;
  c.per_token = per_token;
  c.slices = static_cast<int>(widths.size());
  const std::int64_t T = segments * seg_len;
  std::int64_t W = 0;
  for (int i = 0; i < c.slices; ++i) {
    const std::int64_t N = widths[static_cast<std::size_t>(i)];
    c.in[i] = TensorView::contiguous(mem.next(T * R * 2), kType, {T, R});
    c.w[i] = TensorView::contiguous(mem.next(L * N * R * 2), kType, {L, N, R});
    c.offset[i] = W;
    W += N;
  }
  c.out = TensorView::contiguous(mem.next(T * W * 2), kType, {T, W});
  for (int i = 0; i < c.slices; ++i) c.multi[i] = sgmv::ExpandSlice{c.in[i], c.w[i], c.offset[i]};
  set_batch(c, mem, segments, T);
  return c;
}

/// The shapes of sgmv-bench's named workloads (bench/workload.cpp).
std::vector<Call> named_calls() {
  FakeAddresses mem;
  std::vector<Call> calls;
  calls.push_back(shrink_call("prefill_r16 shrink", 8, 512, 8, 16, false, mem));
  calls.push_back(expand_call("prefill_r16 expand", 8, 512, 8, 16, false, {kHidden}, mem));
  calls.push_back(shrink_call("prefill_r64 shrink", 8, 512, 8, 64, false, mem));
  calls.push_back(expand_call("prefill_r64 expand", 8, 512, 8, 64, false, {kHidden}, mem));
  calls.push_back(shrink_call("decode_r16 shrink", 256, 1, 32, 16, true, mem));
  calls.push_back(expand_call("decode_r16 expand", 256, 1, 32, 16, true, {kHidden}, mem));
  calls.push_back(
      expand_call("qkv_r16 expand_multi", 8, 512, 8, 16, false, {4096, 1024, 1024}, mem));
  return calls;
}

const sgmv::detail::KernelVariant* select_or_throw(const LaunchKey& key, const void* registry) {
  const auto* v = static_cast<const sgmv::detail::KernelRegistry*>(registry)->select(key);
  if (v == nullptr) throw sgmv::Error(sgmv::ErrorCode::unsupported, "no kernel serves the call");
  return v;
}

/// Keeps the compiler from dropping a result.
template <typename T>
void keep(const T& value) {
  asm volatile("" : : "g"(&value) : "memory");
}

/// Median over `reps` batches of `calls` calls of f, in ns per call.
template <typename F>
double median_ns(int calls, int reps, F&& f) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> per_call;
  per_call.reserve(static_cast<std::size_t>(reps));
  for (int i = 0; i < calls; ++i) f();  // warm-up
  for (int r = 0; r < reps; ++r) {
    const auto start = Clock::now();
    for (int i = 0; i < calls; ++i) f();
    const auto stop = Clock::now();
    per_call.push_back(std::chrono::duration<double, std::nano>(stop - start).count() / calls);
  }
  std::nth_element(per_call.begin(), per_call.begin() + reps / 2, per_call.end());
  return per_call[static_cast<std::size_t>(reps / 2)];
}

struct Options {
  int calls = 2000;
  int reps = 101;
  int threads = 1;
  std::string only;  ///< run the calls whose name contains this (all when empty)
};

bool parse_int(const char* text, int* value) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 1 || v > 100000000) return false;
  *value = static_cast<int>(v);
  return true;
}

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (std::strcmp(a, "--only") == 0 && i + 1 < argc) {
      o->only = argv[++i];
      continue;
    }
    int* target = std::strcmp(a, "--calls") == 0     ? &o->calls
                  : std::strcmp(a, "--reps") == 0    ? &o->reps
                  : std::strcmp(a, "--threads") == 0 ? &o->threads
                                                     : nullptr;
    if (target == nullptr || i + 1 >= argc || !parse_int(argv[++i], target)) {
      std::fprintf(stderr,
                   "usage: sgmv-host-path [--calls N] [--reps N] [--threads N] [--only TEXT]\n");
      return false;
    }
  }
  return true;
}

/// The combined front end from several threads at once; median over every
/// thread's batches.
double threaded_ns(const Call& c, const Options& o) {
  sgmv::detail::Runtime& runtime = sgmv::detail::Runtime::get();
  std::vector<std::vector<double>> results(static_cast<std::size_t>(o.threads));
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < o.threads; ++t) {
    pool.emplace_back([&, t]() {
      ready.fetch_add(1);
      while (ready.load() < o.threads) std::this_thread::yield();
      using Clock = std::chrono::steady_clock;
      for (int r = 0; r < o.reps; ++r) {
        const auto start = Clock::now();
        for (int i = 0; i < o.calls; ++i) {
          const Problem p = c.problem();
          const LaunchKey key =
              sgmv::detail::make_launch_key(p, 0, runtime.registry().tile_policy());
          keep(runtime.cache(0).get(key, &select_or_throw, &runtime.registry()));
        }
        const auto stop = Clock::now();
        results[static_cast<std::size_t>(t)].push_back(
            std::chrono::duration<double, std::nano>(stop - start).count() / o.calls);
      }
    });
  }
  for (std::thread& th : pool) th.join();
  std::vector<double> all;
  for (const auto& r : results) all.insert(all.end(), r.begin(), r.end());
  std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(all.size() / 2),
                   all.end());
  return all[all.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, &o)) return 2;
  sgmv::detail::Runtime& runtime = sgmv::detail::Runtime::get();
  const sgmv::detail::TilePolicy policy = runtime.registry().tile_policy();
  const std::vector<Call> calls = named_calls();

  std::printf("sgmv-host-path: backend %s, front end of one op call on a cache hit\n",
              sgmv::backend_name());
  std::printf("median ns per call over %d batches of %d calls%s\n\n", o.reps, o.calls,
              o.threads > 1 ? " (threaded column: all threads at once)" : "");
  std::printf("%-22s %9s %7s %7s %9s", "call", "validate", "key", "probe", "together");
  if (o.threads > 1) std::printf(" %10s", (std::to_string(o.threads) + " threads").c_str());
  std::printf("\n");

  for (const Call& c : calls) {
    if (c.name.find(o.only) == std::string::npos) continue;
    // Prime the cache and keep one problem and key for the stages timed alone.
    const Problem problem = c.problem();
    const LaunchKey key = sgmv::detail::make_launch_key(problem, 0, policy);
    runtime.cache(0).get(key, &select_or_throw, &runtime.registry());

    const double validate = median_ns(o.calls, o.reps, [&]() { keep(c.problem()); });
    const double make_key = median_ns(
        o.calls, o.reps, [&]() { keep(sgmv::detail::make_launch_key(problem, 0, policy)); });
    const double probe = median_ns(o.calls, o.reps, [&]() {
      keep(runtime.cache(0).get(key, &select_or_throw, &runtime.registry()));
    });
    const double together = median_ns(o.calls, o.reps, [&]() {
      const Problem p = c.problem();
      const LaunchKey k = sgmv::detail::make_launch_key(p, 0, runtime.registry().tile_policy());
      keep(runtime.cache(0).get(k, &select_or_throw, &runtime.registry()));
    });
    std::printf("%-22s %9.1f %7.1f %7.1f %9.1f", c.name.c_str(), validate, make_key, probe,
                together);
    if (o.threads > 1) std::printf(" %10.1f", threaded_ns(c, o));
    std::printf("\n");
  }
  const sgmv::CacheStats s = sgmv::cache_stats(0);
  std::printf("\ncache of device 0: %llu hits, %llu misses, %zu entries\n",
              static_cast<unsigned long long>(s.hits), static_cast<unsigned long long>(s.misses),
              s.size);
  return 0;
}
