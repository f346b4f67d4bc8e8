// BlockPool (the CUDA allocator's caching logic) on a fake memory with a byte budget.
#include "tensor/block_pool.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "tests/common/expect_throw.h"

namespace hg {
namespace {

// malloc with a budget; records every live system block so the tests can see what was released.
struct FakeMemory {
  size_t budget = size_t{1} << 30;
  size_t in_use = 0;
  std::map<void*, size_t> blocks;
  int releases = 0;

  static void* allocate(size_t n, void* ctx) {
    auto* m = static_cast<FakeMemory*>(ctx);
    if (m->in_use + n > m->budget) return nullptr;
    void* p = std::malloc(n);
    m->blocks[p] = n;
    m->in_use += n;
    return p;
  }
  static void release(void* p, void* ctx) {
    auto* m = static_cast<FakeMemory*>(ctx);
    m->in_use -= m->blocks.at(p);
    m->blocks.erase(p);
    m->releases++;
    std::free(p);
  }
  RawMemory raw() { return {&FakeMemory::allocate, &FakeMemory::release, this, "fake:0"}; }
};

const void* const kStreamA = reinterpret_cast<const void*>(0x10);
const void* const kStreamB = reinterpret_cast<const void*>(0x20);

TEST(BlockPool, SizeClassesRoundSmallTo512AndLargeTo2MiB) {
  EXPECT_EQ(BlockPool::size_class(0), 512u);
  EXPECT_EQ(BlockPool::size_class(1), 512u);
  EXPECT_EQ(BlockPool::size_class(512), 512u);
  EXPECT_EQ(BlockPool::size_class(513), 1024u);
  EXPECT_EQ(BlockPool::size_class((1 << 20) - 1), size_t{1} << 20);
  EXPECT_EQ(BlockPool::size_class(1 << 20), size_t{2} << 20);
  EXPECT_EQ(BlockPool::size_class((size_t{2} << 20) + 1), size_t{4} << 20);
}

TEST(BlockPool, FreedBlockIsReusedOnTheSameStreamOnly) {
  FakeMemory mem;
  BlockPool pool(mem.raw());
  void* a = pool.allocate(1000, kStreamA);
  pool.deallocate(a);
  void* b = pool.allocate(700, kStreamB);  // same class (1024), other stream: a fresh block
  EXPECT_NE(b, a);
  void* c = pool.allocate(1024, kStreamA);  // same class, same stream: the cached block
  EXPECT_EQ(c, a);
  const BlockPoolStats s = pool.stats();
  EXPECT_EQ(s.allocations, 3u);
  EXPECT_EQ(s.cache_hits, 1u);
  EXPECT_EQ(s.system_allocations, 2u);
  EXPECT_EQ(s.allocated_bytes, 2048u);
  EXPECT_EQ(s.reserved_bytes, 2048u);
  pool.deallocate(b);
  pool.deallocate(c);
}

TEST(BlockPool, StatisticsTrackAllocatedReservedAndPeaks) {
  FakeMemory mem;
  BlockPool pool(mem.raw());
  void* a = pool.allocate(3 << 20, nullptr);  // 4 MiB class
  void* b = pool.allocate(100, nullptr);      // 512
  EXPECT_EQ(pool.stats().allocated_bytes, (size_t{4} << 20) + 512);
  pool.deallocate(a);
  BlockPoolStats s = pool.stats();
  EXPECT_EQ(s.allocated_bytes, 512u);
  EXPECT_EQ(s.reserved_bytes, (size_t{4} << 20) + 512);
  EXPECT_EQ(s.peak_allocated_bytes, (size_t{4} << 20) + 512);
  pool.reset_peaks();
  EXPECT_EQ(pool.stats().peak_allocated_bytes, 512u);
  pool.empty_cache();
  s = pool.stats();
  EXPECT_EQ(s.reserved_bytes, 512u);
  EXPECT_EQ(mem.in_use, 512u);
  EXPECT_EQ(mem.releases, 1);
  pool.deallocate(b);
}

TEST(BlockPool, OutOfMemoryFlushesTheCacheAndRetriesOnce) {
  FakeMemory mem;
  mem.budget = size_t{6} << 20;
  BlockPool pool(mem.raw());
  void* a = pool.allocate(4 << 20, kStreamA);
  pool.deallocate(a);  // 4 MiB cached on stream A
  void* b = pool.allocate(4 << 20, kStreamB);  // does not fit beside the cached block: flush, retry
  EXPECT_NE(b, nullptr);
  EXPECT_EQ(pool.stats().cache_flushes, 1u);
  EXPECT_EQ(pool.stats().reserved_bytes, size_t{4} << 20);
  pool.deallocate(b);
}

TEST(BlockPool, OutOfMemoryAfterTheRetryNamesTheRequestAndTheStatistics) {
  FakeMemory mem;
  mem.budget = size_t{2} << 20;
  BlockPool pool(mem.raw());
  const std::string msg = testing::error_message<std::runtime_error>([&] { pool.allocate(8 << 20, nullptr); });
  EXPECT_NE(msg.find("fake:0: out of memory allocating 8"), std::string::npos) << msg;
  EXPECT_NE(msg.find("reserved"), std::string::npos) << msg;
  EXPECT_EQ(pool.stats().allocated_bytes, 0u);
}

TEST(BlockPool, FreeingAForeignPointerIsALogicError) {
  FakeMemory mem;
  BlockPool pool(mem.raw());
  int x = 0;
  EXPECT_THROW(pool.deallocate(&x), std::logic_error);
  pool.deallocate(nullptr);  // ignored
}

TEST(BlockPool, DestructorReturnsCachedBlocksToTheSystem) {
  FakeMemory mem;
  {
    BlockPool pool(mem.raw());
    pool.deallocate(pool.allocate(10, nullptr));
    pool.deallocate(pool.allocate(5 << 20, nullptr));
    EXPECT_EQ(mem.blocks.size(), 2u);
  }
  EXPECT_TRUE(mem.blocks.empty());
}

}  // namespace
}  // namespace hg
