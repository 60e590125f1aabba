// make_launch_key and the launch cache agree on which kernel serves a call:
// every field that can change the chosen kernel is in the key. For each such
// field a private registry holds two variants that differ in exactly that
// field; two calls that differ only in it get different keys, select
// different variants, and a cache warmed with one never hands out the other.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "sgmv/core/kernel_registry.hpp"
#include "sgmv/core/launch_cache.hpp"
#include "sgmv/core/launch_key.hpp"
#include "sgmv/core/problem.hpp"
#include "sgmv/error.hpp"

namespace sgmv::detail {
namespace {

constexpr std::int64_t kI32Max = 2147483647;

alignas(256) unsigned char g_arena[1 << 16];

void noop_launch(const Problem&, const TileConfig&, const LaunchEnv&) {}

/// A small, valid, 16-byte aligned shrink problem (f16 in/w, f32 out, R = 16, H = 64).
Problem base_problem() {
  Problem p;
  p.op = OpKind::shrink;
  p.form = MetaForm::segments;
  p.in_dtype = DType::f16;
  p.w_dtype = DType::f16;
  p.out_dtype = DType::f32;
  p.meta_dtype = DType::i32;
  p.num_slices = 1;
  p.T = 4;
  p.K = 64;
  p.L = 2;
  p.max_n = 16;
  p.out = g_arena;
  p.out_row_stride = 16;
  p.out_cols = 16;
  p.seg_start = g_arena + 4096;
  p.seg_len = g_arena + 4096 + 64;
  p.lora = g_arena + 4096 + 128;
  p.S = 2;
  p.max_seg_len = 4;
  p.slice[0] = SliceArgs{g_arena + 8192, g_arena + 16384, 64, 16 * 64, 64, 16, 0};
  return p;
}

/// The same problem as an expand with R = K = 16 (rank 16 either way).
Problem base_expand() {
  Problem p = base_problem();
  p.op = OpKind::expand;
  p.K = 16;
  p.slice[0] = SliceArgs{g_arena + 8192, g_arena + 16384, 16, 16 * 16, 16, 16, 0};
  return p;
}

/// Names of the key fields where a and b differ.
std::vector<std::string> differing_fields(const LaunchKey& a, const LaunchKey& b) {
  std::vector<std::string> d;
  if (a.op != b.op) d.push_back("op");
  if (a.form != b.form) d.push_back("form");
  if (a.in_dtype != b.in_dtype) d.push_back("in_dtype");
  if (a.w_dtype != b.w_dtype) d.push_back("w_dtype");
  if (a.out_dtype != b.out_dtype) d.push_back("out_dtype");
  if (a.meta_dtype != b.meta_dtype) d.push_back("meta_dtype");
  if (a.index != b.index) d.push_back("index");
  if (a.align != b.align) d.push_back("align");
  if (a.num_slices != b.num_slices) d.push_back("num_slices");
  if (a.add != b.add) d.push_back("add");
  if (a.rank != b.rank) d.push_back("rank");
  if (a.device != b.device) d.push_back("device");
  if (a.tile != b.tile) d.push_back("tile");
  return d;
}

/// Tile policy of the private registries: block_m follows the token count.
TileConfig tile_by_tokens(const Problem& p, const LaunchKey&) {
  TileConfig t;
  t.block_m = p.T <= 16 ? 16 : 64;
  t.block_n = 32;
  t.block_k = 64;
  t.warps = 4;
  t.stages = 2;
  return t;
}

struct CreatorContext {
  const KernelRegistry* registry = nullptr;
  std::atomic<int> calls{0};
};

const KernelVariant* select_counting(const LaunchKey& key, const void* context) {
  auto* c = static_cast<CreatorContext*>(const_cast<void*>(context));
  c->calls.fetch_add(1);
  const KernelVariant* v = c->registry->select(key);
  if (v == nullptr) throw Error(ErrorCode::unsupported, "no variant for " + describe(key));
  return v;
}

/// One field of the key: two problems that differ only in it, and two
/// variants, each serving only one of them.
struct FieldCase {
  std::string field;
  std::function<void(Problem&, int&)> first;   ///< makes the first call (problem, device)
  std::function<void(Problem&, int&)> second;  ///< makes the second call
  std::function<void(KernelVariant&)> only_first;
  std::function<void(KernelVariant&)> only_second;
};

std::vector<FieldCase> field_cases() {
  auto same = [](Problem&, int&) {};
  std::vector<FieldCase> c;
  c.push_back({"op",
               [](Problem& p, int&) {
                 p = base_expand();  // rank 16 as an expand (K) and as a shrink (n)
                 p.op = OpKind::shrink;
               },
               [](Problem& p, int&) { p = base_expand(); },
               [](KernelVariant& v) { v.op = OpKind::shrink; },
               [](KernelVariant& v) { v.op = OpKind::expand; }});
  c.push_back({"form", same,
               [](Problem& p, int&) {
                 p.form = MetaForm::per_token;
                 p.seg_start = p.seg_len = nullptr;
                 p.S = p.T;
                 p.max_seg_len = 1;
               },
               [](KernelVariant& v) { v.forms = 1u << static_cast<int>(MetaForm::segments); },
               [](KernelVariant& v) { v.forms = 1u << static_cast<int>(MetaForm::per_token); }});
  c.push_back({"in_dtype", same, [](Problem& p, int&) { p.in_dtype = DType::bf16; },
               [](KernelVariant& v) { v.in = dtype_bit(DType::f16); },
               [](KernelVariant& v) { v.in = dtype_bit(DType::bf16); }});
  c.push_back({"w_dtype", same, [](Problem& p, int&) { p.w_dtype = DType::bf16; },
               [](KernelVariant& v) { v.w = dtype_bit(DType::f16); },
               [](KernelVariant& v) { v.w = dtype_bit(DType::bf16); }});
  c.push_back({"out_dtype", same, [](Problem& p, int&) { p.out_dtype = DType::f16; },
               [](KernelVariant& v) { v.out = dtype_bit(DType::f32); },
               [](KernelVariant& v) { v.out = dtype_bit(DType::f16); }});
  c.push_back({"meta_dtype", same, [](Problem& p, int&) { p.meta_dtype = DType::i64; },
               [](KernelVariant& v) { v.meta = dtype_bit(DType::i32); },
               [](KernelVariant& v) { v.meta = dtype_bit(DType::i64); }});
  c.push_back({"align", same,
               [](Problem& p, int&) { p.slice[0].in = g_arena + 8192 + 2; },  // f16-aligned only
               [](KernelVariant& v) {
                 v.align_required = align_in;
                 v.priority = 1;
               },
               [](KernelVariant& v) { v.align_required = 0; }});
  c.push_back({"index", same,
               [](Problem& p, int&) { p.out_row_stride = std::int64_t{1} << 30; },  // 3 * 2^30
               [](KernelVariant& v) {
                 v.index = IndexWidth::i32;
                 v.priority = 1;
               },
               [](KernelVariant& v) { v.index = IndexWidth::i64; }});
  c.push_back({"rank", same,
               [](Problem& p, int&) {
                 p.max_n = 8;
                 p.out_cols = 8;
                 p.slice[0].n = 8;
               },
               [](KernelVariant& v) { v.rank = 16; }, [](KernelVariant& v) { v.rank = 8; }});
  c.push_back({"add", [](Problem& p, int&) { p = base_expand(); },
               [](Problem& p, int&) {
                 p = base_expand();
                 p.add = true;
               },
               [](KernelVariant& v) { v.add_mask = 1; }, [](KernelVariant& v) { v.add_mask = 2; }});
  c.push_back({"num_slices",
               [](Problem& p, int&) {
                 p = base_expand();
                 p.out_cols = p.out_row_stride = 32;
               },
               [](Problem& p, int&) {
                 p = base_expand();
                 p.out_cols = p.out_row_stride = 32;
                 p.num_slices = 2;
                 p.slice[1] = p.slice[0];
                 p.slice[1].out_col = 16;
               },
               [](KernelVariant& v) {
                 v.max_slices = 1;
                 v.priority = 1;
               },
               [](KernelVariant& v) { v.max_slices = 8; }});
  c.push_back({"tile", same, [](Problem& p, int&) { p.T = 100; },
               [](KernelVariant& v) { v.tile = tile_by_tokens(base_problem(), LaunchKey{}); },
               [](KernelVariant& v) {
                 Problem big = base_problem();
                 big.T = 100;
                 v.tile = tile_by_tokens(big, LaunchKey{});
               }});
  return c;
}

void PrintTo(const FieldCase& c, std::ostream* os) { *os << c.field; }

class KeyField : public ::testing::TestWithParam<FieldCase> {};

TEST_P(KeyField, DistinguishesVariants) {
  const FieldCase& fc = GetParam();
  Problem p1 = base_problem(), p2 = base_problem();
  int d1 = 0, d2 = 0;
  fc.first(p1, d1);
  fc.second(p2, d2);

  const LaunchKey k1 = make_launch_key(p1, d1, &tile_by_tokens);
  const LaunchKey k2 = make_launch_key(p2, d2, &tile_by_tokens);

  KernelVariant any;  // serves every call of the op of k1
  any.op = k1.op;
  any.launch = &noop_launch;
  KernelVariant a = any, b = any;
  fc.only_first(a);
  fc.only_second(b);
  a.name = "first";
  b.name = "second";
  KernelRegistry registry;
  registry.set_tile_policy(&tile_by_tokens);
  registry.add(a);
  registry.add(b);
  EXPECT_EQ(make_launch_key(p1, d1, registry.tile_policy()), k1);
  ASSERT_EQ(differing_fields(k1, k2), std::vector<std::string>{fc.field})
      << describe(k1) << "\nvs\n"
      << describe(k2);
  EXPECT_NE(k1, k2);

  const KernelVariant* v1 = registry.select(k1);
  const KernelVariant* v2 = registry.select(k2);
  ASSERT_NE(v1, nullptr);
  ASSERT_NE(v2, nullptr);
  EXPECT_STREQ(v1->name, "first");
  EXPECT_STREQ(v2->name, "second");

  // Warm with either key first: the other one is a miss and gets its own variant.
  for (int order = 0; order < 2; ++order) {
    const LaunchKey& warm = order == 0 ? k1 : k2;
    const LaunchKey& other = order == 0 ? k2 : k1;
    const char* warm_name = order == 0 ? "first" : "second";
    const char* other_name = order == 0 ? "second" : "first";
    CreatorContext ctx;
    ctx.registry = &registry;
    LaunchCache cache(16);
    EXPECT_STREQ(cache.get(warm, &select_counting, &ctx)->name, warm_name);
    EXPECT_STREQ(cache.get(warm, &select_counting, &ctx)->name, warm_name);
    EXPECT_EQ(ctx.calls.load(), 1);
    EXPECT_STREQ(cache.get(other, &select_counting, &ctx)->name, other_name);
    EXPECT_EQ(ctx.calls.load(), 2) << "the second key was served from the first key's entry";
    EXPECT_STREQ(cache.get(warm, &select_counting, &ctx)->name, warm_name);
    EXPECT_STREQ(cache.get(other, &select_counting, &ctx)->name, other_name);
    const CacheStats s = cache.stats();
    EXPECT_EQ(s.misses, 2u);
    EXPECT_EQ(s.hits, 3u);
    EXPECT_EQ(s.size, 2u);
  }
}

INSTANTIATE_TEST_SUITE_P(LaunchKey, KeyField, ::testing::ValuesIn(field_cases()),
                         [](const ::testing::TestParamInfo<FieldCase>& param) {
                           return param.param.field;
                         });

// The device has no variant field (caches are per device), but it is in the
// key: one cache shared by two devices would still keep them apart.
TEST(LaunchKey, DeviceIsInTheKey) {
  KernelVariant any;
  any.launch = &noop_launch;
  any.name = "any";
  KernelRegistry registry;
  registry.add(any);
  const Problem p = base_problem();
  const LaunchKey k0 = make_launch_key(p, 0, nullptr);
  const LaunchKey k1 = make_launch_key(p, 1, nullptr);
  EXPECT_EQ(differing_fields(k0, k1), std::vector<std::string>{"device"});
  EXPECT_EQ(k0.device, 0);
  EXPECT_EQ(k1.device, 1);
  CreatorContext ctx;
  ctx.registry = &registry;
  LaunchCache cache(16);
  cache.get(k0, &select_counting, &ctx);
  cache.get(k1, &select_counting, &ctx);
  EXPECT_EQ(ctx.calls.load(), 2);
  EXPECT_EQ(cache.stats().size, 2u);
}

// If a field is added to LaunchKey, this fails until the tests above (and
// differing_fields) learn about it.
TEST(LaunchKey, FieldListIsComplete) {
  EXPECT_EQ(sizeof(LaunchKey), 24u) << "LaunchKey changed: update launch_key_test.cpp";
  EXPECT_EQ(sizeof(TileConfig), 10u) << "TileConfig changed: update launch_key_test.cpp";
}

// Every field takes part in operator==, and equal keys hash equally.
TEST(LaunchKey, EveryFieldTakesPartInEquality) {
  const LaunchKey base = make_launch_key(base_problem(), 0, &tile_by_tokens);
  std::vector<std::function<void(LaunchKey&)>> edits = {
      [](LaunchKey& k) { k.op = OpKind::expand; },
      [](LaunchKey& k) { k.form = MetaForm::per_token; },
      [](LaunchKey& k) { k.in_dtype = DType::bf16; },
      [](LaunchKey& k) { k.w_dtype = DType::bf16; },
      [](LaunchKey& k) { k.out_dtype = DType::bf16; },
      [](LaunchKey& k) { k.meta_dtype = DType::i64; },
      [](LaunchKey& k) { k.index = IndexWidth::i64; },
      [](LaunchKey& k) { k.align = 0; },
      [](LaunchKey& k) { k.num_slices = 3; },
      [](LaunchKey& k) { k.add = true; },
      [](LaunchKey& k) { k.rank = 17; },
      [](LaunchKey& k) { k.device = 3; },
      [](LaunchKey& k) { k.tile.block_m = 128; },
      [](LaunchKey& k) { k.tile.block_n = 128; },
      [](LaunchKey& k) { k.tile.block_k = 128; },
      [](LaunchKey& k) { k.tile.warps = 8; },
      [](LaunchKey& k) { k.tile.stages = 5; },
      [](LaunchKey& k) { k.tile.options = 1; },
  };
  int distinct_hashes = 0;
  for (std::size_t i = 0; i < edits.size(); ++i) {
    LaunchKey k = base;
    edits[i](k);
    EXPECT_NE(k, base) << "edit " << i;
    EXPECT_FALSE(k == base) << "edit " << i;
    distinct_hashes += k.hash() != base.hash() ? 1 : 0;
    LaunchKey copy = k;
    EXPECT_EQ(copy, k);
    EXPECT_EQ(copy.hash(), k.hash());
    EXPECT_EQ(LaunchKeyHash{}(k), k.hash());
  }
  // Collisions are legal but a hash that ignores a field would collide here.
  EXPECT_EQ(distinct_hashes, static_cast<int>(edits.size()));
}

TEST(LaunchKey, CarriesTheProblemFields) {
  Problem p = base_expand();
  p.add = true;
  p.form = MetaForm::per_token;
  p.meta_dtype = DType::i64;
  p.in_dtype = DType::f32;
  p.w_dtype = DType::bf16;
  p.out_dtype = DType::bf16;
  const LaunchKey k = make_launch_key(p, 2, &tile_by_tokens);
  EXPECT_EQ(k.op, OpKind::expand);
  EXPECT_EQ(k.form, MetaForm::per_token);
  EXPECT_EQ(k.in_dtype, DType::f32);
  EXPECT_EQ(k.w_dtype, DType::bf16);
  EXPECT_EQ(k.out_dtype, DType::bf16);
  EXPECT_EQ(k.meta_dtype, DType::i64);
  EXPECT_TRUE(k.add);
  EXPECT_EQ(k.num_slices, 1);
  EXPECT_EQ(k.rank, 16);
  EXPECT_EQ(k.device, 2);
  EXPECT_EQ(k.tile, tile_by_tokens(p, k));
  EXPECT_EQ(make_launch_key(p, 2, nullptr).tile, TileConfig{}) << "no policy: tile stays zero";
}

TEST(LaunchKey, RankThatDoesNotFit16BitsIsZero) {
  Problem p = base_expand();
  p.K = 70000;
  EXPECT_EQ(make_launch_key(p, 0, nullptr).rank, 0);
  p.K = 65535;
  EXPECT_EQ(make_launch_key(p, 0, nullptr).rank, 65535);
}

// ---- KernelVariant rank bounds: max_rank and rank_step ----

/// An expand variant shaped by `set`, and whether it serves each rank.
std::vector<bool> serves_ranks(void (*set)(KernelVariant&), std::initializer_list<int> ranks) {
  KernelVariant v;
  v.op = OpKind::expand;
  v.launch = &noop_launch;
  set(v);
  LaunchKey k = make_launch_key(base_expand(), 0, nullptr);
  std::vector<bool> served;
  for (int r : ranks) {
    k.rank = static_cast<std::uint16_t>(r);
    served.push_back(v.matches(k));
  }
  return served;
}

/// max_rank: ranks 1 .. max_rank, and no rank the key could not hold (0).
TEST(KernelVariant, MaxRankBoundsTheRanksServed) {
  EXPECT_EQ(serves_ranks([](KernelVariant& v) { v.max_rank = 16; }, {0, 1, 3, 16, 17, 65535}),
            (std::vector<bool>{false, true, true, true, false, false}));
  EXPECT_EQ(serves_ranks([](KernelVariant& v) { v.max_rank = 0; }, {0, 17, 65535}),
            (std::vector<bool>{true, true, true}));
}

/// rank_step: the multiples of it, and no rank the key could not hold (0).
TEST(KernelVariant, RankStepBoundsTheRanksServed) {
  EXPECT_EQ(
      serves_ranks([](KernelVariant& v) { v.rank_step = 8; }, {0, 1, 8, 12, 13, 16, 24, 256, 257}),
      (std::vector<bool>{false, false, true, false, false, true, true, true, false}));
}

// ---- index_width_for: i64 exactly when an offset can pass 2^31 - 1 ----

TEST(IndexWidth, SmallProblemsUse32Bits) {
  EXPECT_EQ(index_width_for(base_problem()), IndexWidth::i32);
  EXPECT_EQ(index_width_for(base_expand()), IndexWidth::i32);
}

TEST(IndexWidth, OutputOffsetsAtTheBoundary) {
  Problem p = base_problem();
  p.T = 2;
  // Row 1 ends at out_row_stride + out_cols: the highest offset is one less.
  p.out_row_stride = kI32Max - p.out_cols;  // one past the end == 2^31 - 1
  EXPECT_EQ(index_width_for(p), IndexWidth::i32);
  p.out_row_stride = kI32Max - p.out_cols + 1;  // T * W style bound reaches 2^31
  EXPECT_EQ(index_width_for(p), IndexWidth::i64);
  p.out_row_stride = kI32Max;  // an element offset itself passes 2^31 - 1
  EXPECT_EQ(index_width_for(p), IndexWidth::i64);
}

TEST(IndexWidth, ContiguousTokensTimesWidth) {
  // SEMANTICS: when T * max(H, W) can pass 2^31 - 1.
  Problem p = base_expand();
  p.out_cols = p.out_row_stride = 2048;
  p.slice[0].n = 2048;
  p.max_n = 2048;
  p.T = (std::int64_t{1} << 20) - 1;  // T * W = 2^31 - 2^11
  EXPECT_EQ(index_width_for(p), IndexWidth::i32);
  p.T = std::int64_t{1} << 20;  // T * W = 2^31
  EXPECT_EQ(index_width_for(p), IndexWidth::i64);
  p.T = 87000;  // vLLM's crash: 87k tokens of a wide layer
  p.out_cols = p.out_row_stride = 28672;
  EXPECT_EQ(index_width_for(p), IndexWidth::i64);
}

TEST(IndexWidth, InputOffsets) {
  Problem p = base_problem();
  p.T = 2;
  p.slice[0].in_row_stride = kI32Max - p.K;  // row 1 ends at 2^31 - 1
  EXPECT_EQ(index_width_for(p), IndexWidth::i32);
  p.slice[0].in_row_stride = kI32Max;
  EXPECT_EQ(index_width_for(p), IndexWidth::i64);
  p = base_problem();
  p.T = std::int64_t{1} << 25;  // T * H = 2^31 with H = 64
  p.out_row_stride = p.out_cols;
  EXPECT_EQ(index_width_for(p), IndexWidth::i64);
}

TEST(IndexWidth, WeightOffsets) {
  Problem p = base_problem();
  p.L = 2;
  p.slice[0].w_stride_l = kI32Max - (p.slice[0].n - 1) * p.slice[0].w_stride_n - p.K;
  EXPECT_EQ(index_width_for(p), IndexWidth::i32);  // the last adapter ends at 2^31 - 1
  p.slice[0].w_stride_l += 2;
  EXPECT_EQ(index_width_for(p), IndexWidth::i64);
  p = base_problem();
  p.L = 1 << 20;  // many adapters: L * R * H = 2^20 * 16 * 64 = 2^30
  EXPECT_EQ(index_width_for(p), IndexWidth::i32);
  p.L = 1 << 22;  // 2^32
  EXPECT_EQ(index_width_for(p), IndexWidth::i64);
}

TEST(IndexWidth, AnySliceCounts) {
  Problem p = base_expand();
  p.num_slices = 3;
  p.out_cols = p.out_row_stride = 48;
  for (int s = 0; s < 3; ++s) {
    p.slice[s] = p.slice[0];
    p.slice[s].out_col = 16 * s;
  }
  EXPECT_EQ(index_width_for(p), IndexWidth::i32);
  p.slice[2].w_stride_l = std::int64_t{1} << 32;
  EXPECT_EQ(index_width_for(p), IndexWidth::i64);
}

// ---- align_bits_for: 16-byte alignment of pointers and strides per operand ----

TEST(AlignBits, AllAligned) {
  EXPECT_EQ(align_bits_for(base_problem()), align_in | align_w | align_out);
}

TEST(AlignBits, EachOperandOnItsOwn) {
  const std::uint8_t all = align_in | align_w | align_out;
  struct Edit {
    const char* what;
    std::function<void(Problem&)> edit;
    std::uint8_t cleared;
  };
  const std::vector<Edit> edits = {
      {"x pointer + 2 bytes", [](Problem& p) { p.slice[0].in = g_arena + 8194; }, align_in},
      {"x pointer + 8 bytes", [](Problem& p) { p.slice[0].in = g_arena + 8200; }, align_in},
      {"x row stride 65", [](Problem& p) { p.slice[0].in_row_stride = 65; }, align_in},
      {"A pointer + 2 bytes", [](Problem& p) { p.slice[0].w = g_arena + 16386; }, align_w},
      {"A row stride 65", [](Problem& p) { p.slice[0].w_stride_n = 65; }, align_w},
      {"A adapter stride odd", [](Problem& p) { p.slice[0].w_stride_l = 16 * 64 + 1; }, align_w},
      {"y pointer + 4 bytes", [](Problem& p) { p.out = g_arena + 4; }, align_out},
      {"y row stride 17", [](Problem& p) { p.out_row_stride = 17; }, align_out},
      {"x and y",
       [](Problem& p) {
         p.slice[0].in = g_arena + 8194;
         p.out = g_arena + 4;
       },
       align_in | align_out},
  };
  for (const Edit& e : edits) {
    Problem p = base_problem();
    e.edit(p);
    EXPECT_EQ(align_bits_for(p), all & ~e.cleared) << e.what;
    EXPECT_EQ(make_launch_key(p, 0, nullptr).align, all & ~e.cleared) << e.what;
  }
  Problem p = base_problem();
  p.slice[0].in_row_stride = 72;  // 144 bytes: a multiple of 16
  EXPECT_EQ(align_bits_for(p), all);
}

TEST(AlignBits, EverySliceAndItsColumnOffset) {
  Problem p = base_expand();
  p.num_slices = 2;
  p.out_cols = p.out_row_stride = 32;
  p.slice[1] = p.slice[0];
  p.slice[1].out_col = 16;
  p.slice[1].in = g_arena + 8192 + 4096;
  p.slice[1].w = g_arena + 16384 + 4096;
  EXPECT_EQ(align_bits_for(p), align_in | align_w | align_out);
  Problem q = p;
  q.slice[1].in = g_arena + 8192 + 4096 + 2;
  EXPECT_EQ(align_bits_for(q), align_w | align_out) << "slice 1's u is misaligned";
  q = p;
  q.slice[1].w = g_arena + 16384 + 4096 + 2;
  EXPECT_EQ(align_bits_for(q), align_in | align_out) << "slice 1's B is misaligned";
  q = p;
  q.slice[1].out_col = 15;  // 60 bytes into the f32 row
  q.slice[1].n = 17;
  EXPECT_EQ(align_bits_for(q), align_in | align_w) << "slice 1 starts mid-vector in out";
}

}  // namespace
}  // namespace sgmv::detail
