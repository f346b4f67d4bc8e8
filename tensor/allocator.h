// CpuAllocator: 64-byte-aligned host memory with a cache of freed blocks.
//
// Requests are rounded up to a size class (powers of two split in four steps, so waste is at most
// 25%); a freed block goes to its class's free list and the next request of that class reuses it.
// Training loops allocate the same shapes every step, so after the first step nearly every
// allocation is a free-list pop. empty_cache() returns cached blocks to the system.
#pragma once
#include <cstddef>
#include <cstdint>

namespace hg {

struct AllocatorStats {
  size_t allocated_bytes = 0;  // bytes in blocks currently handed out (rounded to their class)
  size_t cached_bytes = 0;     // bytes in blocks sitting in free lists
  size_t peak_allocated_bytes = 0;
  uint64_t allocations = 0;    // calls to allocate()
  uint64_t cache_hits = 0;     // of which served from a free list
};

class CpuAllocator {
 public:
  static constexpr size_t kAlignment = 64;
  static CpuAllocator& instance();

  void* allocate(size_t nbytes);      // never returns null (throws std::bad_alloc)
  void deallocate(void* p, size_t nbytes);
  void empty_cache();
  AllocatorStats stats() const;
  void reset_peak();
  // While any PoisonScope is alive (in any thread), new blocks are filled with 0xFF bytes (NaN for
  // every floating dtype), so an output element a kernel never writes cannot pass unnoticed.
  struct PoisonScope {
    PoisonScope();
    ~PoisonScope();
    PoisonScope(const PoisonScope&) = delete;
    PoisonScope& operator=(const PoisonScope&) = delete;
  };
  static bool poisoning();  // a PoisonScope is alive (the CUDA allocator poisons device blocks too)
  static size_t size_class(size_t nbytes);  // the rounded size a request of nbytes occupies

 private:
  void* allocate_block(size_t nbytes);
  CpuAllocator() = default;
  ~CpuAllocator();
  struct Impl;
  Impl* impl();
};

}  // namespace hg
