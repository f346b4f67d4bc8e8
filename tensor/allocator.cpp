#include "tensor/allocator.h"

#include <atomic>
#include <bit>
#include <cstring>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace hg {

struct CpuAllocator::Impl {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_lists;  // size class -> cached blocks
  AllocatorStats stats;
};

CpuAllocator::Impl* CpuAllocator::impl() {
  // Leaked on purpose: tensors in static objects may be freed after this would be destroyed.
  static Impl* the_impl = new Impl();
  return the_impl;
}

CpuAllocator& CpuAllocator::instance() {
  static CpuAllocator allocator;
  return allocator;
}

CpuAllocator::~CpuAllocator() = default;

size_t CpuAllocator::size_class(size_t nbytes) {
  if (nbytes <= kAlignment) return kAlignment;
  // Between 2^k and 2^(k+1) use four steps of 2^(k-2): at most 25% waste.
  const size_t top = std::bit_floor(nbytes);
  const size_t step = top >= 4 * kAlignment ? top / 4 : kAlignment;
  return (nbytes + step - 1) / step * step;
}

namespace {
std::atomic<int> g_poison_depth{0};
}

CpuAllocator::PoisonScope::PoisonScope() { g_poison_depth++; }
bool CpuAllocator::poisoning() { return g_poison_depth.load(std::memory_order_relaxed) > 0; }
CpuAllocator::PoisonScope::~PoisonScope() { g_poison_depth--; }

void* CpuAllocator::allocate(size_t nbytes) {
  void* p = allocate_block(nbytes);
  // All-ones bytes are NaN in f32, f64, f16 and bf16: a kernel that forgets to write an element
  // of its output shows up as NaN in the gradient checks, which run inside a PoisonScope.
  if (g_poison_depth.load(std::memory_order_relaxed) > 0) std::memset(p, 0xFF, nbytes);
  return p;
}

void* CpuAllocator::allocate_block(size_t nbytes) {
  const size_t cls = size_class(nbytes);
  Impl* s = impl();
  {
    std::lock_guard<std::mutex> lock(s->mutex);
    s->stats.allocations++;
    auto it = s->free_lists.find(cls);
    if (it != s->free_lists.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      s->stats.cache_hits++;
      s->stats.cached_bytes -= cls;
      s->stats.allocated_bytes += cls;
      if (s->stats.allocated_bytes > s->stats.peak_allocated_bytes)
        s->stats.peak_allocated_bytes = s->stats.allocated_bytes;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlignment, cls);
  if (!p) {  // the cache may hold enough memory: give it back and retry once
    empty_cache();
    p = std::aligned_alloc(kAlignment, cls);
    if (!p) throw std::bad_alloc();
  }
  std::lock_guard<std::mutex> lock(s->mutex);
  s->stats.allocated_bytes += cls;
  if (s->stats.allocated_bytes > s->stats.peak_allocated_bytes)
    s->stats.peak_allocated_bytes = s->stats.allocated_bytes;
  return p;
}

void CpuAllocator::deallocate(void* p, size_t nbytes) {
  if (!p) return;
  const size_t cls = size_class(nbytes);
  Impl* s = impl();
  std::lock_guard<std::mutex> lock(s->mutex);
  s->free_lists[cls].push_back(p);
  s->stats.allocated_bytes -= cls;
  s->stats.cached_bytes += cls;
}

void CpuAllocator::empty_cache() {
  Impl* s = impl();
  std::lock_guard<std::mutex> lock(s->mutex);
  for (auto& [cls, blocks] : s->free_lists) {
    for (void* p : blocks) std::free(p);
    s->stats.cached_bytes -= cls * blocks.size();
    blocks.clear();
  }
}

AllocatorStats CpuAllocator::stats() const {
  Impl* s = const_cast<CpuAllocator*>(this)->impl();
  std::lock_guard<std::mutex> lock(s->mutex);
  return s->stats;
}

void CpuAllocator::reset_peak() {
  Impl* s = impl();
  std::lock_guard<std::mutex> lock(s->mutex);
  s->stats.peak_allocated_bytes = s->stats.allocated_bytes;
}

}  // namespace hg
