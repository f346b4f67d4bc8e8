// TensorBoard scalar logging without TensorFlow: an `events.out.tfevents.<time>.<host>` file that
// TensorBoard reads.
//
// The file is a sequence of TFRecords, each  uint64 length | uint32 masked_crc(length) | data |
// uint32 masked_crc(data)  (little-endian), where masked_crc(x) = rotr15(crc32c(x)) + 0xa282ead8 and
// crc32c is the Castagnoli CRC. Each record's data is a serialised `Event` protocol buffer:
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }    Value { string tag = 1; float simple_value = 2; }
// The first record carries file_version "brain.Event:2". Records are flushed after every write so a
// crashed run keeps its curves.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace hg::nn {

// Castagnoli CRC-32 (polynomial 0x1EDC6F41, reflected), chainable; crc32c("123456789") = 0xE3069283.
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);
// TFRecord's masked form: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
uint32_t masked_crc32c(const void* data, size_t n);

// The serialised Event of one scalar (exposed for tests and for readers of the format).
std::string encode_scalar_event(std::string_view tag, double value, int64_t step, double wall_time);
std::string encode_file_version_event(double wall_time);
// One TFRecord frame around `data`.
std::string frame_record(std::string_view data);

class TensorBoardWriter {
 public:
  // Creates `dir` if needed and a new event file in it; throws std::runtime_error naming the path.
  explicit TensorBoardWriter(const std::string& dir);
  ~TensorBoardWriter();
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  void add_scalar(std::string_view tag, double value, int64_t step);
  const std::string& path() const { return path_; }

 private:
  void write(const std::string& event);
  std::string path_;
  std::FILE* file_ = nullptr;
};

// Reads back the scalars of an event file (for tests and `handgrad` reports): every record's CRCs
// are verified; a corrupt or truncated record throws std::runtime_error naming the file and offset.
struct ScalarEvent {
  std::string tag;
  double value = 0;
  int64_t step = 0;
  double wall_time = 0;
};
std::vector<ScalarEvent> read_scalar_events(const std::string& path);

}  // namespace hg::nn
