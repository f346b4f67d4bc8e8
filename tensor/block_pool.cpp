#include "tensor/block_pool.h"

#include <algorithm>
#include <stdexcept>

namespace hg {

namespace {
constexpr size_t kSmallStep = 512;
constexpr size_t kLargeThreshold = size_t{1} << 20;
constexpr size_t kLargeStep = size_t{2} << 20;

size_t round_up(size_t n, size_t step) { return (n + step - 1) / step * step; }
std::string mib(size_t bytes) { return std::to_string(static_cast<double>(bytes) / (1 << 20)).substr(0, 8) + " MiB"; }
}  // namespace

size_t BlockPool::size_class(size_t nbytes) {
  if (nbytes == 0) return kSmallStep;
  return nbytes < kLargeThreshold ? round_up(nbytes, kSmallStep) : round_up(nbytes, kLargeStep);
}

BlockPool::~BlockPool() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_cached();
}

void* BlockPool::allocate(size_t nbytes, Stream stream) {
  const size_t size = size_class(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.allocations++;
  void* p = nullptr;
  auto it = free_.find({stream, size});
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    stats_.cache_hits++;
  } else {
    p = allocate_from_system(size);
  }
  live_.emplace(p, Block{size, stream});
  stats_.allocated_bytes += size;
  stats_.peak_allocated_bytes = std::max(stats_.peak_allocated_bytes, stats_.allocated_bytes);
  return p;
}

void* BlockPool::allocate_from_system(size_t size) {
  void* p = raw_.allocate(size, raw_.context);
  if (!p && !free_.empty()) {  // cached blocks of other classes/streams may be what is missing
    stats_.cache_flushes++;
    release_cached();
    p = raw_.allocate(size, raw_.context);
  }
  if (!p) throw std::runtime_error(describe(size));
  stats_.system_allocations++;
  stats_.reserved_bytes += size;
  stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, stats_.reserved_bytes);
  return p;
}

void BlockPool::deallocate(void* p) {
  if (!p) return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(p);
  if (it == live_.end()) throw std::logic_error(std::string(raw_.name) + ": free of a pointer this pool did not hand out");
  const Block b = it->second;
  live_.erase(it);
  stats_.allocated_bytes -= b.size;
  free_[{b.stream, b.size}].push_back(p);
}

void BlockPool::release_cached() {
  for (auto& [key, blocks] : free_) {
    for (void* p : blocks) raw_.release(p, raw_.context);
    stats_.reserved_bytes -= key.second * blocks.size();
  }
  free_.clear();
}

void BlockPool::empty_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_cached();
}

BlockPoolStats BlockPool::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void BlockPool::reset_peaks() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.peak_allocated_bytes = stats_.allocated_bytes;
  stats_.peak_reserved_bytes = stats_.reserved_bytes;
}

std::string BlockPool::describe(size_t request) const {
  return std::string(raw_.name) + ": out of memory allocating " + mib(request) + " (allocated " +
         mib(stats_.allocated_bytes) + ", reserved " + mib(stats_.reserved_bytes) + ", peak " +
         mib(stats_.peak_allocated_bytes) + ")";
}

}  // namespace hg
