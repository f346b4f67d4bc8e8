// TensorBoard event files: CRC-32C vectors, the exact wire bytes of an event, write/read round trips
// and rejection of corrupt files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "nn/tensorboard.h"

namespace hg::nn {
namespace {

std::string temp_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("hg_tb_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d.string();
}

TEST(TensorBoard, Crc32cKnownAnswers) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);  // the standard check value
  const std::string zeros(32, '\0'), ones(32, '\xff');
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);  // RFC 3720 B.4 test vectors
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(crc32c("6789", 4, crc32c("12345", 5)), 0xE3069283u);  // chainable
}

TEST(TensorBoard, ScalarEventWireBytes) {
  // Event{wall_time = 0, step = 3, summary{value{tag "a", simple_value 1.0f}}}
  const std::string expected("\x09\0\0\0\0\0\0\0\0" "\x10\x03" "\x2a\x0a" "\x0a\x08" "\x0a\x01" "a" "\x15\0\0\x80\x3f", 23);
  EXPECT_EQ(encode_scalar_event("a", 1.0, 3, 0.0), expected);
  // The frame: length (8 bytes LE), its masked CRC, the data, the data's masked CRC.
  const std::string r = frame_record(expected);
  ASSERT_EQ(r.size(), 8 + 4 + 23 + 4u);
  EXPECT_EQ(static_cast<uint8_t>(r[0]), 23);
  uint32_t crc;
  std::memcpy(&crc, r.data() + 35, 4);
  EXPECT_EQ(crc, masked_crc32c(expected.data(), expected.size()));
}

TEST(TensorBoard, WritesAndReadsBackScalars) {
  const std::string dir = temp_dir("rw");
  std::string path;
  {
    TensorBoardWriter w(dir);
    w.add_scalar("loss/train", 1.25, 0);
    w.add_scalar("lr", 4.5e-3, 10);
    w.add_scalar("loss/train", -0.5, -1);
    path = w.path();
  }
  EXPECT_NE(path.find("/events.out.tfevents."), std::string::npos);
  const auto ev = read_scalar_events(path);
  ASSERT_EQ(ev.size(), 3u);  // the file-version record carries no scalar
  EXPECT_EQ(ev[0].tag, "loss/train");
  EXPECT_EQ(ev[0].value, 1.25);
  EXPECT_EQ(ev[1].tag, "lr");
  EXPECT_FLOAT_EQ(ev[1].value, 4.5e-3);
  EXPECT_EQ(ev[1].step, 10);
  EXPECT_EQ(ev[2].step, -1);
  EXPECT_GT(ev[2].wall_time, 1.6e9);
  std::filesystem::remove_all(dir);
}

TEST(TensorBoard, RejectsCorruptAndTruncatedFiles) {
  const std::string dir = temp_dir("bad");
  std::string path;
  {
    TensorBoardWriter w(dir);
    w.add_scalar("x", 1, 1);
    path = w.path();
  }
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto write = [&](const std::string& b) { std::ofstream(path, std::ios::binary | std::ios::trunc) << b; };
  for (size_t cut : {bytes.size() - 1, bytes.size() - 10, size_t{5}}) {
    write(bytes.substr(0, cut));
    try {
      read_scalar_events(path);
      ADD_FAILURE() << "truncation at " << cut << " accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  std::string flipped = bytes;
  flipped[bytes.size() - 8] ^= 0x10;  // inside the last record's data
  write(flipped);
  EXPECT_THROW(read_scalar_events(path), std::runtime_error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hg::nn
