// The skip_bad policy shared by the data-set readers: with skip_bad, a sample whose files fail to
// read (an image error or the reader's own error type) is replaced by the next readable sample
// (index + 1, + 2, … wrapping around), and every failed read is counted; without it the error
// propagates. When no sample of the set is readable, `Error` is thrown naming `what`.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "hand/dataset.h"
#include "tensor/image_io.h"

namespace hg::hand {

template <class Error, class Read>
HandSample read_or_next_readable(int64_t index, int64_t size, bool skip_bad, std::atomic<int64_t>& skipped,
                                 const std::string& what, const Read& read) {
  if (!skip_bad) return read(index);
  for (int64_t attempt = 0; attempt < size; ++attempt) {
    try {
      return read((index + attempt) % size);
    } catch (const image::ImageError&) {
      ++skipped;
    } catch (const Error&) {
      ++skipped;
    }
  }
  throw Error(what + ": no readable sample among " + std::to_string(size));
}

}  // namespace hg::hand
