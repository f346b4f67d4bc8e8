// Philox4x32-10: the known-answer vectors of Random123 (Salmon et al., SC'11, kat_vectors), and the
// counter/key layout handgrad builds on top of it.
#include <gtest/gtest.h>

#include "tensor/philox.h"

using namespace hg;
using Block = Philox4x32::Block;

TEST(Philox, KnownAnswerZeros) {
  EXPECT_EQ(Philox4x32::block({0, 0, 0, 0}, 0, 0), (Block{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
}

TEST(Philox, KnownAnswerAllOnes) {
  EXPECT_EQ(Philox4x32::block({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, 0xffffffff, 0xffffffff),
            (Block{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
}

TEST(Philox, KnownAnswerPiDigits) {
  EXPECT_EQ(Philox4x32::block({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, 0xa4093822, 0x299f31d0),
            (Block{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, AtPacksCounterStreamAndSeed) {
  // counter -> words 0,1; stream -> words 2,3; seed -> key (low word first).
  const uint64_t seed = 0x299f31d0a4093822ull, stream = 0x0370734413198a2eull, counter = 0x85a308d3243f6a88ull;
  EXPECT_EQ(Philox4x32::at(seed, stream, counter), (Block{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, GeneratorReservesConsecutiveCounters) {
  Generator g(7, 3);
  EXPECT_EQ(g.reserve(5), 0u);
  EXPECT_EQ(g.reserve(2), 5u);
  EXPECT_EQ(g.counter(), 7u);
  EXPECT_EQ(g.block(6), Philox4x32::at(7, 3, 6));
  EXPECT_NE(Generator(7, 3).block(0), Generator(7, 4).block(0)) << "streams differ";
  EXPECT_NE(Generator(7, 3).block(0), Generator(8, 3).block(0)) << "seeds differ";
}

TEST(Philox, UniformConversionsStayInTheUnitInterval) {
  EXPECT_EQ(uniform_float(0), 0.f);
  EXPECT_LT(uniform_float(0xffffffffu), 1.f);
  EXPECT_EQ(uniform_double(0, 0), 0.0);
  EXPECT_LT(uniform_double(0xffffffffu, 0xffffffffu), 1.0);
  EXPECT_EQ(uniform_double(0x80000000u, 0), 0.5);
}
