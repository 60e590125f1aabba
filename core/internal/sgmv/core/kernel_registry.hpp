// The kernel registry: every backend describes its kernel variants here by an
// explicit call made when the library initialises (never by self-registering
// static objects, which a static archive drops). Selection for a key picks the
// matching variant of highest priority.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "sgmv/core/launch_key.hpp"

namespace sgmv::detail {

/// What a launch needs besides the problem: where to run it.
struct LaunchEnv {
  int device = 0;
  void* stream = nullptr;
};

/// Enqueues the kernel. Throws sgmv::Error on a runtime failure.
using LaunchFn = void (*)(const Problem& problem, const TileConfig& tile, const LaunchEnv& env);

/// Bytes of a kernel parameter a RawLaunch can carry.
inline constexpr std::size_t kRawLaunchParamBytes = 1024;

/// How a GPU variant would launch a call, for benchmarks that compare the
/// library's launch path with a raw cudaLaunchKernel / hipLaunchKernel of the
/// same kernel. Every GPU kernel of sgmv takes exactly one parameter: the
/// Problem by value (`args = {&problem}`) or a struct holding it, which the
/// RawLaunch then carries (`args = {raw.argument(&problem)}`).
struct RawLaunch {
  const void* func = nullptr;
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  std::size_t shared_bytes = 0;
  /// The library launches it with programmatic stream serialization (CUDA,
  /// sm_90): a raw launch that compares like with like sets it too.
  bool programmatic = false;
  /// The kernel's parameter where it holds more than the Problem (the TMA
  /// kernels: tensor maps and the Problem), param_bytes of it; 0 where the
  /// kernel's one parameter is the Problem itself.
  std::size_t param_bytes = 0;
  alignas(64) unsigned char param[kRawLaunchParamBytes];

  /// The address a raw launch passes as the kernel's one parameter for
  /// `problem` (the Problem described).
  const void* argument(const Problem* problem) const {
    return param_bytes != 0 ? static_cast<const void*>(param) : problem;
  }
};
/// Fills `raw` for the call; false when the variant has no single raw launch.
using RawLaunchFn = bool (*)(const Problem& problem, const TileConfig& tile, RawLaunch* raw);

/// A set of dtypes, as a bit mask over DType values.
using DTypeSet = std::uint8_t;
constexpr DTypeSet dtype_bit(DType t) { return static_cast<DTypeSet>(1u << static_cast<int>(t)); }
inline constexpr DTypeSet kAnyFloat =
    dtype_bit(DType::f16) | dtype_bit(DType::bf16) | dtype_bit(DType::f32);
inline constexpr DTypeSet kAnyIndex = dtype_bit(DType::i32) | dtype_bit(DType::i64);

/// Describes one compiled kernel and the calls it can serve.
struct KernelVariant {
  const char* name = "";
  OpKind op = OpKind::shrink;
  std::uint8_t forms = 3;  ///< bit (1 << MetaForm) for each form served
  DTypeSet in = kAnyFloat;
  DTypeSet w = kAnyFloat;
  DTypeSet out = kAnyFloat;
  DTypeSet meta = kAnyIndex;
  std::uint8_t align_required = 0;     ///< AlignBits the key must have
  IndexWidth index = IndexWidth::i64;  ///< an i64 variant also serves i32 keys
  std::uint16_t rank = 0;              ///< 0: any rank; else only this rank
  std::uint16_t max_rank = 0;          ///< 0: any rank; else ranks 1 .. max_rank only
  std::uint16_t rank_step = 0;         ///< 0: any rank; else multiples of rank_step only
  std::uint8_t add_mask = 3;           ///< bit 0: serves add == false, bit 1: add == true
  std::uint8_t max_slices = kMaxSlices;
  TileConfig tile;   ///< all zero: serves any tile
  int priority = 0;  ///< larger wins among matches
  LaunchFn launch = nullptr;
  RawLaunchFn describe = nullptr;  ///< optional (GPU backends), for benchmarks

  bool matches(const LaunchKey& key) const noexcept;
};

class KernelRegistry {
 public:
  /// Adds a variant. Registration is rare and serialised; lookups that run
  /// concurrently see either the old or the new set.
  void add(const KernelVariant& variant);
  /// The tile policy the launch key uses (one per registry).
  void set_tile_policy(TilePolicy policy) { policy_ = policy; }
  TilePolicy tile_policy() const { return policy_; }

  /// The best match for key, or nullptr when none serves it.
  const KernelVariant* select(const LaunchKey& key) const;
  std::size_t size() const;
  /// A copy of the registered variants (for listings and tests).
  std::vector<KernelVariant> variants() const;

 private:
  mutable std::mutex mutex_;
  std::deque<KernelVariant> variants_;  // deque: pointers stay valid as it grows
  TilePolicy policy_ = nullptr;
};

/// Describes a key for messages ("shrink/segments in=bf16 w=bf16 ...").
std::string describe(const LaunchKey& key);

}  // namespace sgmv::detail
