// zip archives (PKWARE APPNOTE 6.3): the container of numpy's .npz files.
//
// Reading takes the central directory as the truth (names, method, CRC-32, sizes, local header
// offsets) and checks each local header against it. Supported: methods 0 (stored) and 8 (deflated),
// data descriptors (flag bit 3), ZIP64 (the extra field 0x0001 in central and local headers and the
// ZIP64 end-of-central-directory record — numpy writes ZIP64 local extras when force_zip64 is on).
// Rejected with a ZipError "<source>: <entry>: <problem>" (or "<source>: <problem>" for the archive
// as a whole): encryption, other methods, multi-disk archives, names that are empty, hold NUL or
// backslash, are absolute or contain "..", duplicate names, entries outside the file or overlapping
// each other or the central directory, sizes that deflate cannot reach (more than 1032:1) or that
// exceed Limits, and CRC-32 mismatches. Nothing is returned unless every entry is whole and correct.
//
// Writing produces a classic (non-ZIP64) archive: names in the given order, fixed timestamp
// 1980-01-01 00:00 so output is reproducible, stored or deflated (an entry whose deflated form is not
// smaller is stored). Archives that would need ZIP64 (≥ 4 GiB or ≥ 65535 entries) are refused.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tensor/atomic_file.h"

namespace hg::zip {

struct ZipError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Limits {
  uint64_t max_entries = 100000;
  uint64_t max_total_bytes = uint64_t{4} << 30;  // sum of all uncompressed sizes
};

struct Entry {
  std::string name;
  std::string data;          // the uncompressed bytes
  uint16_t method = 0;       // as stored: 0 stored, 8 deflated
  uint64_t compressed_size = 0;
};

// 'text' for one-line error messages: control bytes, quotes and backslashes appear as \xNN, so a
// hostile name cannot break or garble the message (also used by npz and pickle).
std::string quoted(std::string_view text);

// Parses a whole archive held in memory; `source` names it in error messages.
std::vector<Entry> parse(std::string_view bytes, const std::string& source = "<memory>",
                         const Limits& limits = {});
// Reads `path` whole and parses it (a file that cannot be read throws ZipError naming it).
std::vector<Entry> read(const std::string& path, const Limits& limits = {});

struct Member {
  std::string name;
  std::string_view data;
};
// The archive bytes; `deflate` compresses each member (level 6) unless that does not make it smaller.
std::string serialize(const std::vector<Member>& members, bool deflate);
// Writes the archive atomically (tensor/atomic_file.h); failures throw ZipError naming `path`.
void write(const std::string& path, const std::vector<Member>& members, bool deflate);

// ---- whole-file helpers, shared with the formats built on zip (tensor/npz.cpp) ----

// The bytes of the file at `path`; ZipError "<path>: cannot open: <reason>" or "<path>: read error".
std::string read_whole_file(const std::string& path);

// Writes the bytes `build()` returns to `path` atomically. An E thrown by build() is rethrown as
// E("<path>: <its message>"); a failed write as E with write_file_atomically's "<path>: <problem>".
template <class E, class Build>
void write_built_file(const std::string& path, Build&& build) {
  std::string bytes;
  try {
    bytes = build();
  } catch (const E& e) {
    throw E(path + ": " + e.what());
  }
  try {
    write_file_atomically(path, {bytes});
  } catch (const std::runtime_error& e) {
    throw E(e.what());
  }
}

}  // namespace hg::zip
