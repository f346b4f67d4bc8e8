// CpuAllocator: 64-byte alignment, size classes, free-list reuse and consistent statistics.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "tensor/allocator.h"
#include "tensor/factory.h"

using namespace hg;

namespace {
bool aligned64(const void* p) { return reinterpret_cast<uintptr_t>(p) % CpuAllocator::kAlignment == 0; }
}  // namespace

TEST(Allocator, BlocksAre64ByteAligned) {
  auto& a = CpuAllocator::instance();
  std::vector<std::pair<void*, size_t>> blocks;
  for (size_t n : {size_t{0}, size_t{1}, size_t{3}, size_t{63}, size_t{64}, size_t{65}, size_t{1000},
                   size_t{4097}, size_t{1} << 20})
    blocks.emplace_back(a.allocate(n), n);
  for (auto [p, n] : blocks) {
    EXPECT_TRUE(aligned64(p)) << n;
    a.deallocate(p, n);
  }
  for (DType dt : {DType::f32, DType::f64, DType::u8, DType::boolean})
    EXPECT_TRUE(aligned64(zeros({7, 3}, dt).raw_data()));
}

TEST(Allocator, SizeClassesBoundTheWaste) {
  EXPECT_EQ(CpuAllocator::size_class(0), 64u);
  EXPECT_EQ(CpuAllocator::size_class(64), 64u);
  EXPECT_EQ(CpuAllocator::size_class(65), 128u);
  EXPECT_EQ(CpuAllocator::size_class(1000), 1024u);
  EXPECT_EQ(CpuAllocator::size_class(1025), 1280u);
  size_t prev = 0;
  for (size_t n = 1; n < 300000; n += 37) {
    const size_t c = CpuAllocator::size_class(n);
    ASSERT_GE(c, n);
    ASSERT_EQ(c % 64, 0u) << n;                        // aligned_alloc needs a multiple of the alignment
    ASSERT_EQ(CpuAllocator::size_class(c), c) << n;    // a class is its own class
    ASSERT_GE(c, prev) << n;                           // monotone
    if (n >= 256) {
      ASSERT_LT(c - n, n / 4 + 1) << n;  // at most 25% waste above 256 bytes
    }
    prev = c;
  }
}

TEST(Allocator, FreedBlockIsReusedForTheSameClass) {
  auto& a = CpuAllocator::instance();
  const size_t n = 123456;
  void* p = a.allocate(n);
  a.deallocate(p, n);
  const AllocatorStats before = a.stats();
  void* q = a.allocate(n - 7);  // same size class
  const AllocatorStats after = a.stats();
  EXPECT_EQ(q, p);
  EXPECT_EQ(after.cache_hits, before.cache_hits + 1);
  EXPECT_EQ(after.allocations, before.allocations + 1);
  EXPECT_EQ(after.cached_bytes + CpuAllocator::size_class(n), before.cached_bytes);
  a.deallocate(q, n - 7);
}

TEST(Allocator, TensorsReuseStorageAcrossSteps) {
  auto& a = CpuAllocator::instance();
  { Tensor warm = zeros({257, 33}); }
  const uint64_t hits = a.stats().cache_hits;
  for (int step = 0; step < 5; ++step) Tensor t = zeros({257, 33});
  EXPECT_GE(a.stats().cache_hits, hits + 5);
}

TEST(Allocator, StatsAreConsistent) {
  auto& a = CpuAllocator::instance();
  a.empty_cache();
  const AllocatorStats s0 = a.stats();
  EXPECT_EQ(s0.cached_bytes, 0u);
  const size_t n1 = 5000, n2 = 70000;
  void* p1 = a.allocate(n1);
  void* p2 = a.allocate(n2);
  const size_t c1 = CpuAllocator::size_class(n1), c2 = CpuAllocator::size_class(n2);
  AllocatorStats s = a.stats();
  EXPECT_EQ(s.allocated_bytes, s0.allocated_bytes + c1 + c2);
  EXPECT_GE(s.peak_allocated_bytes, s.allocated_bytes);
  EXPECT_EQ(s.allocations, s0.allocations + 2);
  a.deallocate(p1, n1);
  s = a.stats();
  EXPECT_EQ(s.allocated_bytes, s0.allocated_bytes + c2);
  EXPECT_EQ(s.cached_bytes, c1);
  a.reset_peak();
  EXPECT_EQ(a.stats().peak_allocated_bytes, s.allocated_bytes);
  a.deallocate(p2, n2);
  s = a.stats();
  EXPECT_EQ(s.allocated_bytes, s0.allocated_bytes);
  EXPECT_EQ(s.cached_bytes, c1 + c2);
  EXPECT_EQ(s.peak_allocated_bytes, s0.allocated_bytes + c2) << "peak since reset_peak";
}

TEST(Allocator, EmptyCacheReleasesCachedBlocks) {
  auto& a = CpuAllocator::instance();
  void* p = a.allocate(9999);
  a.deallocate(p, 9999);
  EXPECT_GT(a.stats().cached_bytes, 0u);
  const size_t allocated = a.stats().allocated_bytes;
  a.empty_cache();
  EXPECT_EQ(a.stats().cached_bytes, 0u);
  EXPECT_EQ(a.stats().allocated_bytes, allocated);
  const uint64_t hits = a.stats().cache_hits;
  void* q = a.allocate(9999);  // nothing cached: a fresh block
  EXPECT_EQ(a.stats().cache_hits, hits);
  a.deallocate(q, 9999);
}

TEST(AllocatorPoison, NewBlocksAreNaNInsideAScopeOnly) {
  {
    hg::CpuAllocator::PoisonScope scope;
    hg::Tensor t = hg::Tensor::empty({17}, hg::DType::f32);
    for (float v : t.to_vector<float>()) EXPECT_TRUE(std::isnan(v));
    hg::Tensor h = hg::Tensor::empty({5}, hg::DType::bf16);
    for (float v : h.to_vector<float>()) EXPECT_TRUE(std::isnan(v));
  }
  hg::Tensor z = hg::zeros({17});
  for (float v : z.to_vector<float>()) EXPECT_EQ(v, 0.0f);
}
