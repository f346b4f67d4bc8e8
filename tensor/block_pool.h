// BlockPool: the caching logic of a device allocator, independent of any device API.
//
// A device allocation (cudaMalloc, cudaHostAlloc) is slow and synchronises the device, so freed
// blocks are kept and handed out again. BlockPool owns that bookkeeping; the memory itself comes
// from a RawMemory (two function pointers), so the same pool serves GPU memory, pinned host memory
// and, in the tests, plain malloc.
//
// Size classes: requests round up to 512 B below 1 MiB and to 2 MiB above it, so the recurring
// shapes of a training step map to a handful of classes (waste < 512 B or < 2 MiB).
// Stream-aware reuse: a block remembers the stream it was allocated for and is reused only by
// requests on the same stream. Work queued on a stream runs in order, so a block freed on the host
// while a kernel on its stream still reads it cannot be handed to another kernel on that stream
// before the first one finishes; another stream could race, hence the per-stream free lists.
// Out of memory: the pool returns every cached block to the system and tries once more, then throws
// std::runtime_error naming the request and the pool's statistics.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace hg {

struct RawMemory {
  void* (*allocate)(size_t nbytes, void* context);  // null on failure (out of memory)
  void (*release)(void* p, void* context);
  void* context = nullptr;
  const char* name = "memory";  // for messages: "cuda:0", "pinned host"
};

struct BlockPoolStats {
  size_t allocated_bytes = 0;       // in blocks handed out (rounded to their class)
  size_t reserved_bytes = 0;        // obtained from the system: allocated + cached
  size_t peak_allocated_bytes = 0;
  size_t peak_reserved_bytes = 0;
  uint64_t allocations = 0;         // calls to allocate()
  uint64_t cache_hits = 0;          // of which served from a free list
  uint64_t system_allocations = 0;  // calls into RawMemory::allocate that succeeded
  uint64_t cache_flushes = 0;       // times an allocation failure emptied the cache
};

class BlockPool {
 public:
  using Stream = const void*;  // an opaque stream handle (cudaStream_t); null = the default stream

  explicit BlockPool(RawMemory raw) : raw_(raw) {}
  ~BlockPool();  // releases cached blocks; blocks still handed out are the owners' (they outlive us)
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  static size_t size_class(size_t nbytes);

  void* allocate(size_t nbytes, Stream stream);  // never null; a 0-byte request gets a 512-byte block
  void deallocate(void* p);                      // p must come from allocate(); null is ignored
  void empty_cache();                            // releases every cached (free) block
  BlockPoolStats stats() const;
  void reset_peaks();

 private:
  struct Block {
    size_t size;
    Stream stream;
  };
  void* allocate_from_system(size_t size);  // called with the mutex held
  void release_cached();                    // called with the mutex held
  std::string describe(size_t request) const;

  RawMemory raw_;
  mutable std::mutex mutex_;
  std::unordered_map<void*, Block> live_;                       // handed-out blocks
  std::map<std::pair<Stream, size_t>, std::vector<void*>> free_;  // (stream, class) -> cached blocks
  BlockPoolStats stats_;
};

}  // namespace hg
