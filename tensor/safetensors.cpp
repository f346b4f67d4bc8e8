#include "tensor/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "tensor/atomic_file.h"
#include "tensor/safetensors_header.h"
#include "tensor/view.h"

namespace hg::safetensors {

// Tensor bytes are copied as they are in memory; the format is little-endian.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

using detail::fail;
using detail::quote;

const Tensor& File::at(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  fail(source.empty() ? "<safetensors>" : source,
       "no tensor named " + quote(name) + " (the file has " + std::to_string(tensors.size()) + " tensors)");
}

bool File::contains(const std::string& name) const {
  return std::any_of(tensors.begin(), tensors.end(), [&](const auto& p) { return p.first == name; });
}

namespace {

// Builds the tensors of a validated layout; read(offset, n, dst) copies n bytes of the data section.
File materialise(const detail::Layout& lay, const std::string& source,
                 const std::function<void(uint64_t, uint64_t, void*)>& read) {
  File f;
  f.source = source;
  f.metadata = lay.metadata;
  for (const detail::Entry& e : lay.entries) {
    Tensor t = Tensor::empty(e.shape, e.dtype);
    const uint64_t n = e.end - e.begin;
    if (n > 0) read(e.begin, n, t.raw_data());
    if (e.dtype == DType::boolean) {  // any other byte would be an invalid C++ bool
      const auto* b = static_cast<const unsigned char*>(t.raw_data());
      for (uint64_t i = 0; i < n; ++i)
        if (b[i] > 1)
          fail(source, "BOOL tensor " + quote(e.name) + " holds byte value " + std::to_string(b[i]) +
                           " at element " + std::to_string(i) + " (expected 0 or 1)");
    }
    f.tensors.emplace_back(e.name, std::move(t));
  }
  return f;
}

// Reads exactly n bytes at `offset` of fd; returns 0 or an errno value (EIO for a short file).
int pread_all(int fd, void* dst, uint64_t n, uint64_t offset) {
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t got = ::pread(fd, p, n, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (got == 0) return EIO;  // the file shrank under us
    p += got;
    n -= static_cast<uint64_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return 0;
}

// The serialised form, kept in pieces so save() can stream it without one big copy.
struct Encoded {
  std::string prefix;            // 8-byte length + padded JSON header
  std::vector<Tensor> contents;  // contiguous CPU tensors in data order
  std::vector<std::string_view> pieces() const {
    std::vector<std::string_view> p{prefix};
    for (const Tensor& t : contents)
      p.emplace_back(static_cast<const char*>(t.raw_data()), static_cast<size_t>(t.numel()) * dtype_size(t.dtype()));
    return p;
  }
};

Encoded encode(const std::vector<std::pair<std::string, Tensor>>& tensors,
               const std::map<std::string, std::string>& metadata, const std::string& target) {
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tensors[a].first < tensors[b].first; });

  nlohmann::json header = nlohmann::json::object();
  Encoded enc;
  uint64_t offset = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const auto& [name, t] = tensors[order[k]];
    if (name == "__metadata__") fail(target, "a tensor may not be named \"__metadata__\"");
    if (k > 0 && tensors[order[k - 1]].first == name) fail(target, "tensor name " + quote(name) + " appears twice");
    if (!t.defined()) fail(target, "tensor " + quote(name) + " is undefined");
    Tensor c = ops::contiguous(ops::to_device(t, Device::cpu()));
    const uint64_t nbytes = static_cast<uint64_t>(c.numel()) * dtype_size(c.dtype());
    header[name] = {{"dtype", dtype_safetensors_name(c.dtype())},
                    {"shape", c.sizes()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    enc.contents.push_back(std::move(c));
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;

  std::string text;
  try {
    text = header.dump();  // strict: invalid UTF-8 in a name throws
  } catch (const nlohmann::json::exception&) {
    fail(target, "a tensor name or metadata string is not valid UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // data section starts 8-byte aligned
  const uint64_t n = text.size();
  enc.prefix.resize(8);
  for (int i = 0; i < 8; ++i) enc.prefix[i] = static_cast<char>((n >> (8 * i)) & 0xff);  // little-endian
  enc.prefix += text;
  return enc;
}

}  // namespace

File parse(const std::string& bytes, const std::string& source) {
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  const uint64_t n = detail::header_length(u, bytes.size(), source);
  const uint64_t data_start = 8 + n;
  const detail::Layout lay =
      detail::parse_header(std::string_view(bytes).substr(8, n), bytes.size() - data_start, source);
  return materialise(lay, source, [&](uint64_t off, uint64_t len, void* dst) {
    std::memcpy(dst, bytes.data() + data_start + off, len);
  });
}

File load(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail(path, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(path, "not a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);

  unsigned char first8[8] = {};
  if (size >= 8)
    if (const int err = pread_all(fd, first8, 8, 0)) fail(path, std::string("read failed: ") + std::strerror(err));
  const uint64_t n = detail::header_length(first8, size, path);
  std::string text(n, '\0');
  if (const int err = pread_all(fd, text.data(), n, 8)) fail(path, std::string("read failed: ") + std::strerror(err));
  const uint64_t data_start = 8 + n;
  const detail::Layout lay = detail::parse_header(text, size - data_start, path);
  return materialise(lay, path, [&](uint64_t off, uint64_t len, void* dst) {
    if (const int err = pread_all(fd, dst, len, data_start + off))
      fail(path, std::string("read failed: ") + std::strerror(err));
  });
}

std::string serialize(const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const Encoded enc = encode(tensors, metadata, "<serialize>");
  std::string out;
  for (std::string_view p : enc.pieces()) out += p;
  return out;
}

void save(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
          const std::map<std::string, std::string>& metadata) {
  const Encoded enc = encode(tensors, metadata, path);
  try {
    write_file_atomically(path, enc.pieces());
  } catch (const std::runtime_error& e) {
    throw SafetensorsError(e.what());  // already "<path>: <problem>"
  }
}

}  // namespace hg::safetensors
