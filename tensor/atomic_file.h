// Atomic file replacement: a reader of `path` sees either the old file or the complete new one,
// never a half-written file, even if the process dies mid-write.
//
// Contract: the bytes of `pieces`, concatenated, are written to a new temporary file in the same
// directory as `path` (so rename stays on one filesystem), fsync'ed, renamed over `path`, and the
// directory is fsync'ed so the rename itself is durable. On any failure the temporary file is
// removed, `path` is untouched, and std::runtime_error "<path>: <problem>" is thrown.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace hg {

void write_file_atomically(const std::string& path, const std::vector<std::string_view>& pieces);

}  // namespace hg
