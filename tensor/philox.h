// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
//
// A counter-based generator: block(key, counter) is a pure function, so element i of a random
// tensor can be computed by any thread, on any device, in any order, and a run resumes exactly
// by restoring (seed, stream, counter). handgrad keys every stream by (seed, stream) and hands out
// consecutive 128-bit counters.
#pragma once
#include <array>
#include <cstdint>

#include "tensor/host_device.h"

namespace hg {

struct Philox4x32 {
  using Block = std::array<uint32_t, 4>;
  // One 10-round Philox4x32 evaluation: 128-bit counter, 64-bit key -> 128 random bits.
  static HG_HOST_DEVICE Block block(Block ctr, uint32_t k0, uint32_t k1) {
    constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // round multipliers
    constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments
    for (int round = 0; round < 10; ++round) {
      const uint64_t p0 = static_cast<uint64_t>(kM0) * ctr[0];
      const uint64_t p1 = static_cast<uint64_t>(kM1) * ctr[2];
      ctr = {static_cast<uint32_t>(p1 >> 32) ^ ctr[1] ^ k0, static_cast<uint32_t>(p1),
             static_cast<uint32_t>(p0 >> 32) ^ ctr[3] ^ k1, static_cast<uint32_t>(p0)};
      k0 += kW0;
      k1 += kW1;
    }
    return ctr;
  }
  // Block `counter` of stream `stream` under `seed`.
  static HG_HOST_DEVICE Block at(uint64_t seed, uint64_t stream, uint64_t counter) {
    return block({static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32),
                  static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)},
                 static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
  }
};

// Uniform float in [0, 1) from 24 random bits; double from 53 bits of two words.
HG_HOST_DEVICE float uniform_float(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }
HG_HOST_DEVICE double uniform_double(uint32_t hi, uint32_t lo) {
  const uint64_t bits = (static_cast<uint64_t>(hi) << 21) ^ (lo >> 11);
  return static_cast<double>(bits & ((1ull << 53) - 1)) * (1.0 / 9007199254740992.0);
}

// A generator: (seed, stream) fixed, counter advancing. Each draw of n values reserves
// the counters it needs up front, so the values are a function of the state before the draw.
class Generator {
 public:
  explicit Generator(uint64_t seed = 0, uint64_t stream = 0) : seed_(seed), stream_(stream) {}
  uint64_t seed() const { return seed_; }
  uint64_t stream() const { return stream_; }
  uint64_t counter() const { return counter_; }
  void set_state(uint64_t seed, uint64_t stream, uint64_t counter) {
    seed_ = seed;
    stream_ = stream;
    counter_ = counter;
  }
  // Returns the first of `blocks` consecutive counters and advances past them.
  uint64_t reserve(uint64_t blocks) {
    const uint64_t c = counter_;
    counter_ += blocks;
    return c;
  }
  Philox4x32::Block block(uint64_t counter) const { return Philox4x32::at(seed_, stream_, counter); }
  // Scalar draws (for augmentation parameters and other host-side sampling).
  double uniform(double lo = 0.0, double hi = 1.0) {
    const auto b = block(reserve(1));
    return lo + (hi - lo) * uniform_double(b[0], b[1]);
  }
  double normal(double mean = 0.0, double stddev = 1.0);
  int64_t randint(int64_t lo, int64_t hi);  // uniform in [lo, hi)

 private:
  uint64_t seed_, stream_, counter_ = 0;
};

// The process-wide default generator used when no generator is passed.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace hg
