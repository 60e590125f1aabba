// Every kernel variant the CUDA/HIP backend registers, launched directly
// (bypassing the tile policy, which would pick only one per call), against the
// float64 reference: both metadata forms, tails in K and n, multi-slice
// expand, add, faults in the metadata. Also: RawLaunch describes exactly the
// launch the library makes (a raw LaunchKernel of it gives the same result).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "gpu_api.hpp"
#include "sgmv/core/runtime.hpp"
#include "sgmv/core/validate.hpp"
#include "support/cases.hpp"

namespace sgmv::test {
namespace {

using detail::KernelVariant;

/// The first dtype of a variant's set, in the order fp tests prefer.
DType pick(detail::DTypeSet set, DType preferred) {
  if (set & detail::dtype_bit(preferred)) return preferred;
  for (DType t : {DType::bf16, DType::f16, DType::f32}) {
    if (set & detail::dtype_bit(t)) return t;
  }
  return DType::f32;
}

detail::Problem problem_of(const OpCase& c, const OpArgs& a) {
  const OpSpec& s = c.spec();
  const detail::BatchArgs batch =
      s.form == Form::segments ? detail::batch_args(a.segments) : detail::batch_args(a.tokens);
  if (s.op == Op::shrink) {
    return detail::make_shrink_problem(a.slices[0].u, a.slices[0].B, a.out, batch, a.scale);
  }
  return detail::make_expand_problem(a.slices.data(), a.num_slices, a.out, batch, a.add);
}

/// A call this variant can serve, with awkward sizes: K and n not multiples
/// of the kernels' steps, unaligned rows when the variant allows them.
OpSpec spec_for(const KernelVariant& v, Form form, DType out_choice, bool multi, bool add) {
  if (v.add_mask == 1) add = false;  // variants for one value of add only
  if (v.add_mask == 2) add = true;
  const DType in = pick(v.in, DType::bf16);
  const DType w = pick(v.w, in);
  const bool shrink = v.op == detail::OpKind::shrink;
  DType out = pick(v.out, out_choice);
  if (shrink && out != DType::f32) out = in;  // shrink writes f32 or the input dtype
  // Expand rank: 24 (a 16-wide step and 8 more) unless the variant serves
  // fewer; then 8 (half of a 16-wide step).
  const int rank = v.max_rank != 0 && v.max_rank < 24 ? 8 : 24;
  OpSpec s;
  if (shrink) {
    // H = 360: 11 chunks of 32 + 8; R = 21, or 85 for tiles wider than 64
    // outputs (a tail in their second half).
    const int r = v.tile.block_n > 64 ? 85 : 21;
    s = basic_spec(Op::shrink, form, in, w, out, 70, 360, r);
    s.scale = 0.5f;
  } else if (multi) {
    s = basic_spec(Op::expand_multi, form, in, w, out, 70, rank, 1);
    s.slices = {SliceSpec{200, 0, {}, {}}, SliceSpec{40, 208, {}, {}}, SliceSpec{16, 256, {}, {}}};
    s.W = 280;
    s.add = add;
  } else {
    s = basic_spec(Op::expand_slice, form, in, w, out, 70, rank, 300, 8);
    s.W = 320;
    s.add = add;
  }
  s.L = 5;
  s.meta = v.index == detail::IndexWidth::i64 ? DType::i64 : DType::i32;
  if (v.align_required == 0) {
    // Element-aligned only: an odd base and odd row padding everywhere.
    for (SliceSpec& sl : s.slices) sl.in_layout = sl.w_layout = Layout{1, 1};
    s.out_layout = Layout{3, 1};
  }
  s.seed = seed_of(std::string(v.name) + name_of(form) + (multi ? "m" : "") + (add ? "a" : ""));
  if (form == Form::segments) {
    set_segments(s, Pattern::mixed);
    s.segments.max_seg_len = 6;  // below some lengths: their tails stay untouched
    s.segments.add(60, 5, 7);    // adapter outside [-1, L): skipped, reported
    s.segments.add(68, 9, 0);    // reaches past T: skipped, reported
  } else {
    set_tokens(s, 0.2);
    s.token_lora[3] = 9;  // outside [-1, L): skipped, reported
  }
  return s;
}

void run_variant(const KernelVariant& v, const OpSpec& spec) {
  SCOPED_TRACE(std::string(v.name) + " " + name_of(spec.op) + "/" + name_of(spec.form) +
               " in=" + sgmv::name_of(spec.in) + " w=" + sgmv::name_of(spec.w) +
               " out=" + sgmv::name_of(spec.out) + (spec.add ? " add" : ""));
  Context ctx(0);
  const OpCase c(spec);
  std::uint32_t want_status = 0;
  const std::vector<double> expected = c.reference(&want_status);
  detail::Problem p = problem_of(c, c.device_args());
  p.status = ctx.status_word();
  const auto& registry = detail::Runtime::get().registry();
  const detail::LaunchKey key = detail::make_launch_key(p, 0, registry.tile_policy());
  detail::LaunchKey served = key;
  served.tile = v.tile.is_any() ? key.tile : v.tile;
  ASSERT_TRUE(v.matches(served)) << "the test built a call this variant does not serve: "
                                 << detail::describe(served);
  const detail::TileConfig tile = served.tile;
  if (std::string(v.name).find(",tma>") != std::string::npos) {
    // The TMA kernel serves the call, not the cp.async kernel its launch
    // falls back to where the tensor maps cannot serve a call.
    detail::RawLaunch raw;
    ASSERT_TRUE(v.describe(p, tile, &raw));
    EXPECT_GT(raw.param_bytes, 0u) << "the tensor maps were not encoded";
  }
  v.launch(p, tile, detail::LaunchEnv{0, ctx.stream()});
  EXPECT_EQ(ctx.read_status(), want_status) << "device status word";
  EXPECT_TRUE(c.check(expected));
  EXPECT_TRUE(c.check_inputs_unchanged());
}

class EveryVariant : public ::testing::TestWithParam<std::string> {};

const KernelVariant* find_variant(const std::string& name) {
  static const std::vector<KernelVariant> all = detail::Runtime::get().registry().variants();
  for (const KernelVariant& v : all) {
    if (name == v.name) return &v;
  }
  return nullptr;
}

/// Why device 0 cannot run variant v (empty: it can). wgmma variants
/// (sm_90a code) need compute capability 9.0 exactly.
std::string cannot_run(const KernelVariant& v) {
#if defined(SGMV_BACKEND_HIP)
  (void)v;
  return {};
#else
  const std::string name = v.name;
  if (name.find("wgmma") == std::string::npos) return {};
  int major = 0, minor = 0;
  if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0) != cudaSuccess ||
      cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, 0) != cudaSuccess) {
    return "the device's compute capability is unknown";
  }
  if (major != 9 || minor != 0) return name + " (sm_90a code) needs compute capability 9.0";
  return {};
#endif
}

/// A per-token call whose blocks scan their token ranges in several passes
/// for tiles of up to 128 rows (600 tokens over 9 adapters, a third of them
/// on adapter 0): kernels that carry unfinished tiles from one pass to the
/// next and kernels that do not (TokenList) both meet it.
OpSpec many_pass_spec(const KernelVariant& v, DType out) {
  OpSpec s = spec_for(v, Form::tokens, out, false, v.op == detail::OpKind::expand);
  s.T = 600;
  s.L = 9;
  s.seed ^= 0x9a55u;
  set_skewed_tokens(s);
  return s;
}

TEST_P(EveryVariant, MatchesReference) {
  SGMV_REQUIRE_DEVICE();
  const KernelVariant* v = find_variant(GetParam());
  ASSERT_NE(v, nullptr);
  const std::string why = cannot_run(*v);
  if (!why.empty()) GTEST_SKIP() << why;
  const bool shrink = v->op == detail::OpKind::shrink;
  for (Form form : {Form::segments, Form::tokens}) {
    const auto meta_form =
        form == Form::segments ? detail::MetaForm::segments : detail::MetaForm::per_token;
    if ((v->forms & (1u << static_cast<int>(meta_form))) == 0) continue;  // e.g. TMA: segments
    for (DType out : {DType::f32, DType::bf16}) {
      if (shrink) {
        run_variant(*v, spec_for(*v, form, out, false, false));
      } else {
        run_variant(*v, spec_for(*v, form, out, false, form == Form::tokens));
        run_variant(*v, spec_for(*v, form, out, true, form == Form::segments));
      }
      if (form == Form::tokens) run_variant(*v, many_pass_spec(*v, out));
    }
  }
}

std::vector<std::string> variant_names() {
  std::vector<std::string> names;
  for (const KernelVariant& v : detail::Runtime::get().registry().variants()) {
    names.emplace_back(v.name);
  }
  return names;
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s;
  for (char ch : info.param) s += (std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
  while (!s.empty() && s.back() == '_') s.pop_back();
  return s;
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryVariant, ::testing::ValuesIn(variant_names()), param_name);

/// The library's launch and a raw LaunchKernel of what describe() reports
/// produce the same output (the benchmark compares their host costs).
TEST(RawLaunch, DescribeMatchesTheLibraryLaunch) {
  SGMV_REQUIRE_DEVICE();
  for (Op op : {Op::shrink, Op::expand}) {
    OpSpec s = basic_spec(op, Form::segments, DType::bf16, DType::bf16,
                          op == Op::shrink ? DType::f32 : DType::bf16, 96,
                          op == Op::shrink ? 512 : 16, op == Op::shrink ? 16 : 512);
    s.seed = seed_of(name_of(op));
    set_segments(s, Pattern::mixed);
    const OpCase c(s);
    const std::vector<double> expected = c.reference();
    Context ctx(0);
    detail::Problem p = problem_of(c, c.device_args());
    p.status = ctx.status_word();
    const auto& registry = detail::Runtime::get().registry();
    const detail::LaunchKey key = detail::make_launch_key(p, 0, registry.tile_policy());
    const KernelVariant* v = registry.select(key);
    ASSERT_NE(v, nullptr);
    ASSERT_NE(v->describe, nullptr) << v->name;
    detail::RawLaunch raw;
    ASSERT_TRUE(v->describe(p, key.tile, &raw)) << v->name;
    void* args[] = {const_cast<void*>(raw.argument(&p))};
    SGMV_GPU_OK(SGMV_TEST_GPU(LaunchKernel)(raw.func, dim3(raw.grid[0], raw.grid[1], raw.grid[2]),
                                            dim3(raw.block[0], raw.block[1], raw.block[2]), args,
                                            raw.shared_bytes, nullptr));
    SGMV_GPU_OK(SGMV_TEST_GPU(DeviceSynchronize)());
    EXPECT_TRUE(c.check(expected)) << v->name;
  }
}

/// A TMA shrink variant launches its cp.async kernel where the tensor maps
/// cannot serve the call: here weights whose adapter stride is 0 (one
/// adapter, which a map's strides cannot express), still a call the
/// variant matches. The result is the reference's, and describe() reports
/// the cp.async kernel (no parameter besides the Problem).
TEST(RawLaunch, TmaShrinkFallsBackWhereTheMapsCannotServe) {
  SGMV_REQUIRE_DEVICE();
  const KernelVariant* v = find_variant("tc_shrink_wgmma<bf16,32x64,k128,s8,tma>");
  if (v == nullptr) GTEST_SKIP() << "this build has no TMA shrink (sm_90a) variants";
  const std::string why = cannot_run(*v);
  if (!why.empty()) GTEST_SKIP() << why;
  OpSpec s =
      basic_spec(Op::shrink, Form::segments, DType::bf16, DType::bf16, DType::f32, 256, 512, 64);
  s.L = 1;
  s.seed = seed_of("tma fallback");
  set_segments(s, Pattern::single);  // 256 rows: 8 row tiles
  const OpCase c(s);
  const std::vector<double> expected = c.reference();
  Context ctx(0);
  detail::Problem p = problem_of(c, c.device_args());
  p.status = ctx.status_word();
  p.slice[0].w_stride_l = 0;  // the one adapter: the same weights
  const auto& registry = detail::Runtime::get().registry();
  detail::LaunchKey key = detail::make_launch_key(p, 0, registry.tile_policy());
  key.tile = v->tile;
  ASSERT_TRUE(v->matches(key)) << detail::describe(key);
  detail::RawLaunch raw;
  ASSERT_TRUE(v->describe(p, v->tile, &raw));
  EXPECT_EQ(raw.param_bytes, 0u) << "a tensor map was encoded for a zero adapter stride";
  v->launch(p, v->tile, detail::LaunchEnv{0, ctx.stream()});
  EXPECT_EQ(ctx.read_status(), 0u);
  EXPECT_TRUE(c.check(expected));
}

/// The common serving calls land on the fast variants (not the fallback).
TEST(TilePolicy, ServingCallsTakeFastVariants) {
  SGMV_REQUIRE_DEVICE();
  struct Want {
    Op op;
    Form form;
    const char* prefix;
  };
  const bool cuda = std::string(backend_name()) == "cuda";
  for (const Want& want : {Want{Op::shrink, Form::segments, cuda ? "tc_shrink" : "simt_"},
                           Want{Op::shrink, Form::tokens, cuda ? "tc_shrink" : "simt_"},
                           Want{Op::expand, Form::segments, cuda ? "tc_expand<bf16" : "simt_"},
                           Want{Op::expand, Form::tokens, cuda ? "tc_expand<bf16" : "simt_"}}) {
    const bool shrink = want.op == Op::shrink;
    OpSpec s = basic_spec(want.op, want.form, DType::bf16, DType::bf16, DType::bf16, 64,
                          shrink ? 4096 : 16, shrink ? 16 : 4096);
    if (want.form == Form::segments) {
      set_segments(s, Pattern::halves);
    } else {
      set_tokens(s, 0.0);
    }
    const OpCase c(s);
    const detail::Problem p = problem_of(c, c.device_args());
    const auto& registry = detail::Runtime::get().registry();
    const KernelVariant* v = registry.select(detail::make_launch_key(p, 0, registry.tile_policy()));
    ASSERT_NE(v, nullptr);
    const std::string name = v->name;
    EXPECT_EQ(name.rfind(want.prefix, 0), 0u)
        << name_of(want.op) << "/" << name_of(want.form) << " took " << name;
    if (cuda) {
      EXPECT_NE(name.find("bf16"), std::string::npos) << name;
    }
  }
}

#if !defined(SGMV_BACKEND_HIP)
/// The variant the policy picks for p on device 0.
const KernelVariant* policy_choice(const detail::Problem& p) {
  const auto& registry = detail::Runtime::get().registry();
  return registry.select(detail::make_launch_key(p, 0, registry.tile_policy()));
}

/// The blocks of variant `name`'s grid for p and how many of them run at
/// once on `sms` SMs: by the grid the variant launches and the occupancy the
/// CUDA runtime reports for its kernel (not the policy's own figures).
void grid_and_wave(const char* name, const detail::Problem& p, int sms, double* blocks,
                   double* per_wave) {
  const KernelVariant* v = find_variant(name);
  ASSERT_NE(v, nullptr) << name;
  detail::RawLaunch raw;
  ASSERT_TRUE(v->describe(p, v->tile, &raw)) << name;
  int per_sm = 0;
  SGMV_GPU_OK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
      &per_sm, raw.func, static_cast<int>(raw.block[0]), raw.shared_bytes));
  ASSERT_GT(per_sm, 0) << name;
  *blocks = static_cast<double>(raw.grid[0]) * raw.grid[1];
  *per_wave = static_cast<double>(per_sm) * sms;
}

/// How full the last wave of blocks of variant `name`'s grid for p is.
void last_wave_fill(const char* name, const detail::Problem& p, int sms, double* fill) {
  double blocks = 0.0, per_wave = 1.0;
  ASSERT_NO_FATAL_FAILURE(grid_and_wave(name, p, sms, &blocks, &per_wave));
  *fill = blocks / (std::ceil(blocks / per_wave) * per_wave);
}

/// Waves of blocks of variant `name`'s grid for p.
void grid_waves(const char* name, const detail::Problem& p, int sms, double* waves) {
  double blocks = 0.0, per_wave = 1.0;
  ASSERT_NO_FATAL_FAILURE(grid_and_wave(name, p, sms, &blocks, &per_wave));
  *waves = std::ceil(blocks / per_wave);
}
#endif

/// Tile-policy tests of the tensor-core kernels: a CUDA device, its SM count.
class CudaTilePolicy : public ::testing::Test {
 protected:
  void SetUp() override {
    SGMV_REQUIRE_DEVICE();
#if defined(SGMV_BACKEND_HIP)
    GTEST_SKIP() << "the tensor-core kernels are CUDA-only";
#else
    if (std::string(backend_name()) != "cuda") GTEST_SKIP() << "CUDA backend only";
    SGMV_GPU_OK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
#endif
  }
  int sms = 0;
};

/// The narrow expand tile (R <= 16) the policy picks fills its last wave of
/// blocks at least as well, within 1/16, as the other narrow tiles do
/// (last_wave_fill). Shapes of PERFORMANCE.md's r16 workloads.
TEST_F(CudaTilePolicy, NarrowTileFillsItsLastWave) {
#if !defined(SGMV_BACKEND_HIP)
  const char* const narrow[] = {"tc_expand<bf16,128,k16,cg4>", "tc_expand<bf16,128,k16,cg2>",
                                "tc_expand<bf16,128,k16>", "tc_expand<bf16,64,k16>"};
  struct Shape {
    const char* name;
    Form form;
    std::int64_t T, n;
  };
  for (const Shape& shape : {Shape{"prefill_r16", Form::segments, 4096, 4096},
                             Shape{"decode_r16", Form::tokens, 256, 4096},
                             Shape{"qkv_r16 (one slice)", Form::segments, 4096, 6144}}) {
    SCOPED_TRACE(shape.name);
    OpSpec s = basic_spec(Op::expand, shape.form, DType::bf16, DType::bf16, DType::bf16, shape.T,
                          16, shape.n);
    if (shape.form == Form::segments) {
      s.L = 8;
      s.segments =
          consecutive_segments(std::vector<std::int64_t>(8, shape.T / 8), {0, 1, 2, 3, 4, 5, 6, 7});
    } else {
      s.L = 32;
      set_tokens(s, 0.0);
    }
    const OpCase c(s);
    const detail::Problem p = problem_of(c, c.device_args());
    const KernelVariant* chosen = policy_choice(p);
    ASSERT_NE(chosen, nullptr);
    double best = 0.0, chosen_fill = -1.0;
    for (const char* name : narrow) {
      double fill = 0.0;
      ASSERT_NO_FATAL_FAILURE(last_wave_fill(name, p, sms, &fill));
      best = std::max(best, fill);
      if (std::string(name) == chosen->name) chosen_fill = fill;
    }
    ASSERT_GE(chosen_fill, 0.0) << "the policy chose " << chosen->name << ", not a narrow tile";
    EXPECT_GE(chosen_fill, best - 1.0 / 16) << chosen->name << " on " << sms << " SMs";
  }
#endif
}

/// The expand of 16 < R <= 64 in the segment form. On a device that runs
/// the wgmma variants (compute capability 9.0, a build with sm_90a code),
/// the wgmma expand for 32 <= R <= 64 without add and 32 < R <= 64 with;
/// otherwise the mma.sync tiles: k32 (128 rows) up to R = 32, k64 above,
/// which takes 256 rows without add. Where two row counts are possible, 256
/// when that grid fills its last wave as well as 128 rows' does, within
/// 1/16 (last_wave_fill, by the runtime's occupancy of each kernel). The
/// per-token form: PerTokenExpandStagesBWhereItHalvesTheWaves.
TEST_F(CudaTilePolicy, WideExpandTilesFillTheirLastWave) {
#if !defined(SGMV_BACKEND_HIP)
  const KernelVariant* wgmma = find_variant("tc_expand_wgmma<bf16,256>");
  const bool runs = wgmma != nullptr && cannot_run(*wgmma).empty();
  struct Shape {
    const char* name;
    std::int64_t segments, seg_len;
    int rank;
    bool add;
  };
  for (const Shape& shape :
       {Shape{"prefill_r64", 8, 512, 64, false}, Shape{"short", 2, 256, 64, false},
        Shape{"prefill_r64 with add", 8, 512, 64, true}, Shape{"R = 48", 8, 512, 48, false},
        Shape{"R = 32", 8, 512, 32, false}, Shape{"R = 32 with add", 8, 512, 32, true},
        Shape{"R = 24", 8, 512, 24, false}}) {
    SCOPED_TRACE(shape.name);
    const std::int64_t T = shape.segments * shape.seg_len;
    OpSpec s = basic_spec(Op::expand, Form::segments, DType::bf16, DType::bf16, DType::bf16, T,
                          shape.rank, 4096);
    s.L = shape.segments;
    s.add = shape.add;
    std::vector<std::int64_t> ids;
    for (std::int64_t i = 0; i < shape.segments; ++i) ids.push_back(i);
    s.segments =
        consecutive_segments(std::vector<std::int64_t>(shape.segments, shape.seg_len), ids);
    const OpCase c(s);
    const detail::Problem p = problem_of(c, c.device_args());
    const KernelVariant* chosen = policy_choice(p);
    ASSERT_NE(chosen, nullptr);
    const std::string add = shape.add ? ",add" : "";
    const bool wgmma_rank = shape.add ? shape.rank > 32 : shape.rank >= 32;
    std::string names[2];
    if (runs && wgmma_rank) {
      names[0] = "tc_expand_wgmma<bf16,256" + add + ">";
      names[1] = "tc_expand_wgmma<bf16,128" + add + ">";
    } else if (shape.rank <= 32) {
      EXPECT_EQ(std::string(chosen->name), "tc_expand<bf16,128,k32" + add + ">");
      continue;
    } else if (shape.add) {
      EXPECT_EQ(std::string(chosen->name), "tc_expand<bf16,128,k64,add>");
      continue;
    } else {
      names[0] = "tc_expand<bf16,256,k64>";
      names[1] = "tc_expand<bf16,128,k64>";
    }
    double fill[2] = {0.0, 0.0};
    for (int i = 0; i < 2; ++i) {
      ASSERT_NO_FATAL_FAILURE(last_wave_fill(names[i].c_str(), p, sms, &fill[i]));
    }
    const bool want_256 = fill[0] >= fill[1] - 1.0 / 16;
    EXPECT_EQ(std::string(chosen->name), names[want_256 ? 0 : 1])
        << "fills " << fill[0] << " (256 rows) and " << fill[1] << " (128 rows) on " << sms
        << " SMs";
  }
#endif
}

/// The per-token expand of 16 < R <= 64 takes 128 rows: B in registers
/// (256 columns per block), or without add, B staged in shared memory (two
/// groups: 512 columns per block) where the register tile's grid takes at
/// least twice as many waves of blocks (grid_waves, by the runtime's
/// occupancy of each kernel) as the staged one's.
TEST_F(CudaTilePolicy, PerTokenExpandStagesBWhereItHalvesTheWaves) {
#if !defined(SGMV_BACKEND_HIP)
  struct Shape {
    std::int64_t T, L;
    int rank;
    bool add;
  };
  for (const Shape& shape :
       {Shape{256, 32, 64, false}, Shape{256, 8, 64, false}, Shape{256, 16, 64, false},
        Shape{256, 48, 64, false}, Shape{256, 64, 64, false}, Shape{256, 32, 32, false},
        Shape{256, 32, 48, false}, Shape{256, 32, 64, true}}) {
    const std::string kw = shape.rank <= 32 ? "32" : "64";
    SCOPED_TRACE(std::to_string(shape.T) + " tokens over " + std::to_string(shape.L) +
                 " adapters, R = " + std::to_string(shape.rank) + (shape.add ? ", add" : ""));
    OpSpec s = basic_spec(Op::expand, Form::tokens, DType::bf16, DType::bf16, DType::bf16, shape.T,
                          shape.rank, 4096);
    s.L = shape.L;
    s.add = shape.add;
    set_tokens(s, 0.0);
    const OpCase c(s);
    const detail::Problem p = problem_of(c, c.device_args());
    const KernelVariant* chosen = policy_choice(p);
    ASSERT_NE(chosen, nullptr);
    const std::string registers = "tc_expand<bf16,128,k" + kw + (shape.add ? ",add>" : ">");
    if (shape.add) {
      EXPECT_EQ(std::string(chosen->name), registers);
      continue;
    }
    const std::string staged = "tc_expand<bf16,128,k" + kw + ",cg2,smem>";
    double waves_registers = 0.0, waves_staged = 0.0;
    ASSERT_NO_FATAL_FAILURE(grid_waves(registers.c_str(), p, sms, &waves_registers));
    ASSERT_NO_FATAL_FAILURE(grid_waves(staged.c_str(), p, sms, &waves_staged));
    EXPECT_EQ(std::string(chosen->name), waves_registers >= 2 * waves_staged ? staged : registers)
        << waves_registers << " waves in registers, " << waves_staged << " staged, on " << sms
        << " SMs";
  }
#endif
}

/// Per-token calls take the kernels that carry unfinished tiles across the
/// passes of a block's token scan (",carry" in the name) exactly where a
/// block's range takes more than one pass of 256 tokens: a block of adapter
/// l scans max(2 * BM * L, 256) tokens, rounded up to 256, or T if fewer.
/// Segment calls never do.
TEST_F(CudaTilePolicy, PerTokenTilesCarryWhereRangesTakeSeveralPasses) {
#if !defined(SGMV_BACKEND_HIP)
  struct Shape {
    const char* name;
    Op op;
    Form form;
    std::int64_t T, L;
    int rank;
    bool carry;
  };
  for (const Shape& shape :
       {// 256 tokens: one pass whatever the range.
        Shape{"decode_r16 shrink", Op::shrink, Form::tokens, 256, 32, 16, false},
        Shape{"decode_r64 shrink", Op::shrink, Form::tokens, 256, 32, 64, false},
        Shape{"decode_r16 expand", Op::expand, Form::tokens, 256, 32, 16, false},
        Shape{"decode_r64 expand", Op::expand, Form::tokens, 256, 32, 64, false},
        // 16-row tiles over 32 adapters: ranges of 1024 tokens, 4 passes;
        // 128-row tiles: one range of 8192, here 1024 tokens in 4 passes.
        Shape{"1024 tokens R = 16 shrink", Op::shrink, Form::tokens, 1024, 32, 16, true},
        Shape{"1024 tokens R = 64 shrink", Op::shrink, Form::tokens, 1024, 32, 64, true},
        Shape{"1024 tokens R = 16 expand", Op::expand, Form::tokens, 1024, 32, 16, true},
        Shape{"1024 tokens R = 64 expand", Op::expand, Form::tokens, 1024, 32, 64, true},
        // 16-row tiles over 2 adapters: ranges of 256 tokens, one pass each.
        Shape{"1024 tokens, 2 adapters, shrink", Op::shrink, Form::tokens, 1024, 2, 16, false},
        // 128-row tiles (R = 64) over 2 adapters: ranges of 512 tokens,
        // two passes.
        Shape{"1024 tokens, 2 adapters, expand", Op::expand, Form::tokens, 1024, 2, 64, true},
        Shape{"segments, shrink", Op::shrink, Form::segments, 1024, 32, 16, false},
        Shape{"segments, expand", Op::expand, Form::segments, 1024, 32, 16, false}}) {
    SCOPED_TRACE(shape.name);
    const bool shrink = shape.op == Op::shrink;
    OpSpec s = basic_spec(shape.op, shape.form, DType::bf16, DType::bf16, DType::bf16, shape.T,
                          shrink ? 4096 : shape.rank, shrink ? shape.rank : 4096);
    s.L = shape.L;
    if (shape.form == Form::segments) {
      set_segments(s, Pattern::halves);
    } else {
      set_tokens(s, 0.0);
    }
    const OpCase c(s);
    const KernelVariant* chosen = policy_choice(problem_of(c, c.device_args()));
    ASSERT_NE(chosen, nullptr);
    const std::string name = chosen->name;
    EXPECT_EQ(name.find(",carry") != std::string::npos, shape.carry) << name;
    // Either way a tensor-core kernel of the call's family.
    EXPECT_EQ(name.rfind(shrink ? "tc_shrink" : "tc_expand", 0), 0u) << name;
  }
#endif
}

/// The prefill shrink of R > 32: where the device runs the wgmma variants
/// (compute capability 9.0, a build with sm_90a code), the policy takes
/// them. R > 64 takes the tile of 128 outputs where its grid has more than
/// half as many blocks as the device has SMs. Otherwise 64 outputs, 8 stages deep
/// when the grid has at most one block per SM and 4 deep otherwise, with x
/// under an evict-first policy when the call has one column chunk and its
/// grid has 3/4 as many blocks as SMs (8 stages) or 5/4 (4 stages); the
/// operands copied by TMA but in the 8-stage tile when every chunk is 64
/// rows of A. Elsewhere the staged cp.async tiles.
TEST_F(CudaTilePolicy, WideShrinkTakesWgmmaWhereTheDeviceRunsIt) {
#if !defined(SGMV_BACKEND_HIP)
  const KernelVariant* wgmma = find_variant("tc_shrink_wgmma<bf16,32x64,k128,s4>");
  const bool runs = wgmma != nullptr && cannot_run(*wgmma).empty();
  // The operands go by TMA unless SGMV_CUDA_TMA=0 (every CUDA 12+ driver
  // has cuTensorMapEncodeTiled).
  const char* tma_env = std::getenv("SGMV_CUDA_TMA");
  const bool tma = tma_env == nullptr || tma_env[0] != '0';
  // prefill_r64, R = 128 and 48, and 2048 tokens at R = 64 and 128.
  const std::pair<int, std::int64_t> shapes[] = {
      {64, 512}, {128, 512}, {48, 512}, {64, 256}, {128, 256}};
  for (const auto& [rank, seg_len] : shapes) {
    SCOPED_TRACE("R = " + std::to_string(rank) + ", 8 segments of " + std::to_string(seg_len));
    OpSpec s = basic_spec(Op::shrink, Form::segments, DType::bf16, DType::bf16, DType::bf16,
                          8 * seg_len, 4096, rank);
    s.L = 8;
    s.segments =
        consecutive_segments(std::vector<std::int64_t>(8, seg_len), {0, 1, 2, 3, 4, 5, 6, 7});
    s.segments.max_seg_len = seg_len;  // the bound a server passes
    const OpCase c(s);
    const detail::Problem p = problem_of(c, c.device_args());
    const KernelVariant* chosen = policy_choice(p);
    ASSERT_NE(chosen, nullptr);
    const std::string name = chosen->name;
    if (!runs) {
      EXPECT_EQ(name.rfind("tc_shrink_staged<bf16,32x64", 0), 0u) << name;
      continue;
    }
    // The grid of the 64-output variants: a row tile of 32 tokens per
    // column chunk of 64 outputs; the 128-output tile has one chunk here.
    detail::RawLaunch raw;
    ASSERT_TRUE(wgmma->describe(p, wgmma->tile, &raw));
    const std::int64_t blocks = static_cast<std::int64_t>(raw.grid[0]) * raw.grid[1];
    const std::int64_t row_tiles = 8 * seg_len / 32;
    const std::int64_t chunks = (rank + 63) / 64;
    EXPECT_EQ(blocks, row_tiles * chunks);
    std::string want;
    bool by_tma = tma;
    if (rank > 64 && 2 * row_tiles > sms) {
      want = "tc_shrink_wgmma<bf16,32x128,k128,s5";
    } else {
      const bool deep = blocks <= sms;
      const bool fills = deep ? 4 * blocks >= 3 * sms : 4 * blocks >= 5 * sms;
      want = std::string("tc_shrink_wgmma<bf16,32x64,k128,") + (deep ? "s8" : "s4") +
             (chunks == 1 && fills ? ",xef" : "");
      // The deep tile copies by TMA only where a chunk holds A rows past R.
      by_tma = tma && (!deep || rank % 64 != 0);
    }
    want += by_tma ? ",tma>" : ">";
    EXPECT_EQ(name, want) << blocks << " blocks of 64 outputs on " << sms << " SMs";
  }
#endif
}

}  // namespace
}  // namespace sgmv::test
