// The restricted unpickler (tensor/pickle.h): the same structure pickled by CPython at every protocol
// (tests/reference/make_pickle_fixtures.py), Python-2 strings, chumpy/scipy objects, hand-assembled
// opcode sequences, and every class of hostile input (forbidden globals, refused opcodes, deep
// nesting, cycles, exponential sharing, lying lengths, truncation, limits).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "tensor/factory.h"
#include "tensor/pickle.h"
#include "tensor/view.h"
#include "tests/common/compare.h"
#include "tests/common/expect_throw.h"

using namespace hg;
using namespace hg::pickle;
using namespace std::string_literals;
using hg::testing::BitEqual;
using hg::testing::error_message;
using hg::testing::expect_error_parts;
using hg::testing::fixture_bytes;

namespace {

// Unpickles `bytes` (named "t.pkl") and must fail naming the source and every one of `parts`.
void expect_rejected(const std::string& bytes, std::initializer_list<std::string> parts, const Limits& limits = {}) {
  const std::string m = error_message<PickleError>([&] { loads(bytes, "t.pkl", limits); });
  EXPECT_EQ(m.rfind("t.pkl: ", 0), 0u) << m;
  for (const std::string& p : parts) EXPECT_NE(m.find(p), std::string::npos) << "message: " << m << "\nmissing: " << p;
}

template <class T>
Tensor make(std::vector<T> v, Shape s) {
  return from_vector<T>(v, s);
}

std::vector<int64_t> ints_of(const Value& v) {
  std::vector<int64_t> out;
  for (const Value* x : v.items("ints")) out.push_back(x->as_int("int"));
  return out;
}

// ---- the same structure at every protocol ----

void check_structure(const Value& root, int protocol) {
  const std::string p = "protocol " + std::to_string(protocol);
  SCOPED_TRACE(p);
  EXPECT_EQ(ints_of(root.at("ints", p)),
            (std::vector<int64_t>{0, 1, -1, 255, 256, 65535, 65536, -2147483648LL, 2147483647, 2147483648LL,
                                  int64_t{1} << 40, -(int64_t{1} << 40), INT64_MAX, INT64_MIN}));
  const auto& floats = root.at("floats", p).items(p);
  ASSERT_EQ(floats.size(), 5u);
  EXPECT_EQ(floats[0]->as_float(p), 0.0);
  EXPECT_EQ(floats[1]->as_float(p), -1.5);
  EXPECT_EQ(floats[2]->as_float(p), 1e300);
  EXPECT_EQ(floats[3]->as_float(p), INFINITY);
  EXPECT_TRUE(std::isnan(floats[4]->as_float(p)));
  const auto& text = root.at("text", p).items(p);
  ASSERT_EQ(text.size(), 4u);
  EXPECT_EQ(text[0]->as_text(p), "");
  EXPECT_EQ(text[1]->as_text(p), "abc");
  EXPECT_EQ(text[2]->as_text(p), "\xc3\xbcn\xc3\xaf \xe2\x82\xac");
  EXPECT_EQ(text[3]->as_text(p), std::string("a\nb\\u0041\r\x1a\0", 12));
  const auto& bytes = root.at("bytes", p).items(p);
  EXPECT_EQ(bytes[0]->as_bytes(p), "");
  EXPECT_EQ(bytes[1]->as_bytes(p), std::string("\x00\xff\n\\'", 5));
  EXPECT_TRUE(root.at("none", p).is_none());
  const auto& bools = root.at("bools", p).items(p);
  EXPECT_EQ(root.at("bools", p).kind, Kind::tuple);
  EXPECT_TRUE(bools[0]->as_bool(p));
  EXPECT_FALSE(bools[1]->as_bool(p));
  const auto& tuples = root.at("tuples", p).items(p);
  for (size_t n = 0; n < 5; ++n) {
    ASSERT_EQ(tuples[n]->kind, Kind::tuple);
    std::vector<int64_t> want;
    for (size_t i = 1; i <= n; ++i) want.push_back(static_cast<int64_t>(i));
    EXPECT_EQ(ints_of(*tuples[n]), want);
  }
  std::vector<int64_t> set = ints_of(root.at("set", p));
  std::sort(set.begin(), set.end());
  EXPECT_EQ(root.at("set", p).kind, Kind::set);
  EXPECT_EQ(set, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(root.at("frozenset", p).kind, Kind::frozenset);
  EXPECT_EQ(root.at("frozenset", p).items(p).size(), 2u);
  const auto& shared = root.at("shared", p).items(p);
  EXPECT_EQ(shared[0], shared[1]);  // the memo keeps one object
  EXPECT_EQ(ints_of(*shared[0]), (std::vector<int64_t>{7, 8}));
  const auto& b = root.at("nested", p).at("a", p).at("b", p).items(p);
  EXPECT_EQ(b[0]->as_int(p), 1);
  EXPECT_EQ(b[1]->items(p)[1]->items(p)[0]->as_int(p), 3);
  const auto& keyed = root.at("int_keys", p).entries(p);
  ASSERT_EQ(keyed.size(), 3u);
  EXPECT_EQ(keyed[0].first->as_int(p), 1);
  EXPECT_EQ(keyed[0].second->as_text(p), "one");
  EXPECT_EQ(keyed[2].first->kind, Kind::tuple);

  const Value& a = root.at("arrays", p);
  std::vector<float> f4(6);
  for (int i = 0; i < 6; ++i) f4[i] = static_cast<float>(i) / 4;
  EXPECT_TRUE(BitEqual(a.at("f4", p).as_array(p), make<float>(f4, {2, 3})));
  std::vector<double> seq(24);
  for (int i = 0; i < 24; ++i) seq[i] = i - 0.5;
  EXPECT_TRUE(BitEqual(a.at("f8_fortran", p).as_array(p), make<double>(seq, {2, 3, 4})));
  EXPECT_TRUE(BitEqual(a.at("f2", p).as_array(p), ops::to_dtype(make<float>({0.5f, -2.0f, 65504.0f}, {3}), DType::f16)));
  EXPECT_TRUE(BitEqual(a.at("i1", p).as_array(p), make<int32_t>({-128, 127}, {2})));
  EXPECT_TRUE(BitEqual(a.at("i2", p).as_array(p), make<int32_t>({-32768, 32767}, {2})));
  EXPECT_TRUE(BitEqual(a.at("i4", p).as_array(p), make<int32_t>({-5, 6}, {2})));
  EXPECT_TRUE(BitEqual(a.at("i8", p).as_array(p), make<int64_t>({-(int64_t{1} << 62), int64_t{1} << 62}, {2})));
  EXPECT_TRUE(BitEqual(a.at("u1", p).as_array(p), make<uint8_t>({0, 255}, {2})));
  EXPECT_TRUE(BitEqual(a.at("u2", p).as_array(p), make<int32_t>({65535}, {1})));
  EXPECT_TRUE(BitEqual(a.at("u4", p).as_array(p), make<int64_t>({4294967295LL, 0}, {2})));
  const Tensor b1 = a.at("b1", p).as_array(p);
  ASSERT_EQ(b1.dtype(), DType::boolean);
  EXPECT_EQ(b1.numel(), 3);
  EXPECT_TRUE(b1.data<bool>()[0] && !b1.data<bool>()[1] && b1.data<bool>()[2]);
  EXPECT_TRUE(BitEqual(a.at("be", p).as_array(p), make<int32_t>({0, 1, 2, 3}, {4})));
  EXPECT_TRUE(BitEqual(a.at("be_f8", p).as_array(p), make<double>({1.25, -3.5}, {2})));
  EXPECT_TRUE(BitEqual(a.at("zero_d", p).as_array(p), make<double>({2.5}, {})));
  EXPECT_TRUE(BitEqual(a.at("empty", p).as_array(p), Tensor::empty({0, 3}, DType::f32)));
  const auto& scalars = root.at("scalars", p).items(p);
  EXPECT_TRUE(BitEqual(scalars[0]->as_array(p), make<double>({2.5}, {})));
  EXPECT_TRUE(BitEqual(scalars[1]->as_array(p), make<int64_t>({-7}, {})));
  EXPECT_EQ(scalars[2]->as_array(p).dtype(), DType::boolean);
  if (protocol >= 5) {
    EXPECT_EQ(root.at("bytearray", p).as_bytes(p), "xyz");
  }
}

TEST(Pickle, ReadsEveryProtocol) {
  for (int protocol = 0; protocol <= 5; ++protocol) {
    const std::string name = "pickle_p" + std::to_string(protocol) + ".pkl";
    const auto doc = loads(fixture_bytes(name), name);
    ASSERT_EQ(doc->root().kind, Kind::dict);
    check_structure(doc->root(), protocol);
  }
}

TEST(Pickle, LoadsFromAFile) {
  const auto doc = load(std::string(HG_FIXTURE_DIR) + "/pickle_p2.pkl");
  check_structure(doc->root(), 2);
  expect_error_parts<PickleError>([] { load("/nonexistent/x.pkl"); }, {"/nonexistent/x.pkl: cannot open"});
}

TEST(Pickle, Python2StringsAreBytesAndLatin1Text) {
  for (const char* name : {"pickle_py2_p0.pkl", "pickle_py2_p1.pkl"}) {
    SCOPED_TRACE(name);
    const auto doc = loads(fixture_bytes(name), name);
    const Value& s = doc->root().at("s", name);
    EXPECT_TRUE(s.is_py2_str());
    EXPECT_EQ(s.as_bytes(name), std::string("a\x00\xff'\"\\\n\t", 8));
    EXPECT_EQ(s.as_text(name), std::string("a\x00\xc3\xbf'\"\\\n\t", 9));  // latin-1 ÿ → UTF-8
    EXPECT_TRUE(BitEqual(doc->root().at("arr", name).as_array(name), make<double>({0, 1, 2}, {3})));
    const auto& k = doc->root().at("k", name).items(name);
    EXPECT_TRUE(k[0]->is_py2_str());
    EXPECT_EQ(k[1]->kind, Kind::text);
    EXPECT_EQ(k[1]->as_text(name), "\xc3\xa9");
  }
}

TEST(Pickle, ChumpyAndScipyObjectsBecomeArrays) {
  const auto doc = loads(fixture_bytes("pickle_objects.pkl"), "objects.pkl");
  const Value& r = doc->root();
  auto dense = [&](const char* key) { return to_dense_array(r.at(key, "objects.pkl"), std::string("objects.pkl: ") + key); };
  EXPECT_EQ(r.at("ch", "x").as_object("x").class_name, "chumpy.ch.Ch");
  EXPECT_TRUE(BitEqual(dense("ch"), make<double>({1, 2, 3, 4}, {2, 2})));
  EXPECT_TRUE(BitEqual(dense("select"), make<double>({5, 5, 0, 2}, {2, 2})));
  EXPECT_TRUE(BitEqual(dense("select_flat"), make<double>({1, 3}, {2})));
  EXPECT_TRUE(BitEqual(dense("select_of_select"), make<double>({3, 5}, {2})));
  EXPECT_TRUE(BitEqual(dense("csc"), make<double>({1, 0, 0, 0, 0, 7, 2, 0, 0}, {3, 3})));
  EXPECT_TRUE(BitEqual(dense("nested_list"), make<double>({1, 2.5, 3, 4}, {2, 2})));
  const std::vector<std::pair<const char*, std::string>> broken{
      {"csc_bad_row", "row index 5 is out of range [0, 3)"},
      {"csc_bad_indptr", "indptr decreases at column 1"},
      {"csc_bad_count", "indptr ends at 3, not at nnz = 2"},
      {"csc_bad_ptrlen", "indptr has 2 entries, expected columns + 1 = 3"},
      {"select_bad_idx", "index 9 is out of range for 4 elements"},
      {"select_bad_shape", "shape [2, 2] does not match 3 elements"},
      {"ch_without_x", "no key 'x'"},
      {"ragged_list", "ragged nested list"},
  };
  for (const auto& [key, problem] : broken) expect_error_parts<PickleError>([&] { dense(key); }, {std::string("objects.pkl: ") + key, problem});
  expect_error_parts<PickleError>([&] { to_dense_array(r.at("ch", "x").as_object("x").state->at("_dirty_vars", "x"), "dv"); },
               {"dv: expected an array, got set of 1 items"});
}

// ---- hand-assembled opcode sequences ----

const Value& root_of(const std::string& bytes, std::shared_ptr<Document>& keep) {
  keep = loads(bytes, "t.pkl");
  return keep->root();
}

TEST(Pickle, ProtocolZeroTextOpcodes) {
  std::shared_ptr<Document> d;
  const Value& l = root_of("(lp0\nI1\naI01\naI00\naL12345678901234L\naF-2.5\naS'a\\x00b\\n\\'\\101'\np1\nag1\naI-7\na.", d);
  const auto& it = l.items("l");
  ASSERT_EQ(it.size(), 8u);
  EXPECT_EQ(it[0]->kind, Kind::integer);
  EXPECT_EQ(it[1]->kind, Kind::boolean);
  EXPECT_TRUE(it[1]->as_bool("b"));
  EXPECT_FALSE(it[2]->as_bool("b"));
  EXPECT_EQ(it[3]->as_int("L"), 12345678901234LL);
  EXPECT_EQ(it[4]->as_float("F"), -2.5);
  EXPECT_EQ(it[5]->as_bytes("S"), std::string("a\0b\n'A", 6));
  EXPECT_EQ(it[5], it[6]);  // PUT / GET
  EXPECT_EQ(it[7]->as_int("I"), -7);
  EXPECT_EQ(root_of("V\\u20ac\\\\u0041x\\U0001F600\n.", d).as_text("V"), "\xe2\x82\xac\\\\u0041x\xf0\x9f\x98\x80");
  EXPECT_EQ(root_of("(I1\nS'a'\nF1.0\nS'b'\nd.", d).entries("d").size(), 1u);  // 1 == 1.0: one key
  EXPECT_EQ(root_of("(I1\nS'a'\nF1.0\nS'b'\nd.", d).entries("d")[0].second->as_text("v"), "b");
}

TEST(Pickle, StackOpcodes) {
  std::shared_ptr<Document> d;
  const Value& dup = root_of("N2\x86.", d);  // NONE DUP TUPLE2
  EXPECT_EQ(dup.items("t")[0], dup.items("t")[1]);
  EXPECT_TRUE(root_of("I5\n0N.", d).is_none());       // POP
  EXPECT_TRUE(root_of("(I1\nI2\n1N.", d).is_none());  // POP_MARK
  EXPECT_TRUE(root_of("(0N.", d).is_none());          // POP of an empty frame drops the MARK
  EXPECT_EQ(root_of("(I1\nI2\nl.", d).items("l").size(), 2u);  // LIST
  EXPECT_EQ(root_of("(I1\nt.", d).kind, Kind::tuple);         // TUPLE
}

TEST(Pickle, BinaryOpcodes) {
  std::shared_ptr<Document> d;
  EXPECT_EQ(root_of(std::string("\x80\x02\x8a\x09\0\0\0\0\0\0\0\x80\xff.", 15), d).as_int("LONG1"), INT64_MIN);
  EXPECT_EQ(root_of(std::string("\x80\x02\x8a\x00.", 5), d).as_int("LONG1"), 0);
  EXPECT_EQ(root_of(std::string("\x80\x02\x8a\x01\xff.", 6), d).as_int("LONG1"), -1);
  EXPECT_EQ(root_of(std::string("\x8b\x02\x00\x00\x00\xff\x7f.", 8), d).as_int("LONG4"), 32767);
  EXPECT_EQ(root_of(std::string("J\xfe\xff\xff\xff.", 6), d).as_int("BININT"), -2);
  EXPECT_EQ(root_of(std::string("M\xff\xff.", 4), d).as_int("BININT2"), 65535);
  EXPECT_EQ(root_of(std::string("G\x3f\xf8\0\0\0\0\0\0.", 10), d).as_float("BINFLOAT"), 1.5);
  EXPECT_EQ(root_of(std::string("\x80\x04\x95\x02\0\0\0\0\0\0\0N.", 13), d).kind, Kind::none);  // FRAME
  const Value& memo = root_of(std::string("\x80\x04]\x94h\x00\x86.", 8), d);  // MEMOIZE, BINGET
  EXPECT_EQ(memo.items("t")[0], memo.items("t")[1]);
  const Value& lmemo = root_of(std::string("]r\x05\0\0\0j\x05\0\0\0\x86.", 13), d);  // LONG_BINPUT/GET
  EXPECT_EQ(lmemo.items("t")[0], lmemo.items("t")[1]);
  EXPECT_EQ(root_of(std::string("\x8f(K\x01K\x01K\x02\x90.", 10), d).items("s").size(), 2u);  // EMPTY_SET ADDITEMS
  EXPECT_EQ(root_of(std::string("(K\x01K\x02\x91.", 7), d).kind, Kind::frozenset);
  EXPECT_EQ(root_of(std::string("\x8c\x02\xc3\xa9.", 5), d).as_text("u"), "\xc3\xa9");
  EXPECT_EQ(root_of(std::string("C\x02hi.", 5), d).as_bytes("b"), "hi");
  EXPECT_EQ(root_of(std::string("\x88.", 2), d).as_bool("t"), true);
  EXPECT_EQ(root_of(std::string("\x89.", 2), d).as_bool("f"), false);
}

TEST(Pickle, WhitelistedConstructors) {
  std::shared_ptr<Document> d;
  const Value& inst = root_of("(I1\nichumpy.ch\nCh\n.", d);  // INST
  EXPECT_EQ(inst.as_object("o").class_name, "chumpy.ch.Ch");
  EXPECT_EQ(inst.as_object("o").args.size(), 1u);
  EXPECT_EQ(root_of("(cchumpy.ch\nCh\nI2\no.", d).as_object("o").args[0]->as_int("a"), 2);  // OBJ
  EXPECT_EQ(root_of("\x80\x04\x8c\x09""chumpy.ch\x8c\x02""Ch\x93)}\x92.", d).as_object("o").class_name, "chumpy.ch.Ch");
  const Value& rec = root_of("ccopy_reg\n_reconstructor\n(cscipy.sparse._csc\ncsc_matrix\nc__builtin__\nobject\nNtR}b.", d);
  EXPECT_EQ(rec.as_object("o").class_name, "scipy.sparse._csc.csc_matrix");
  EXPECT_EQ(root_of("c_codecs\nencode\n(V\\u00ff\nS'latin1'\ntR.", d).as_bytes("b"), "\xff");
  EXPECT_EQ(root_of("c__builtin__\nbytes\n)R.", d).as_bytes("b"), "");
}

TEST(Pickle, ForbiddenGlobalsAreRejected) {
  expect_rejected("cos\nsystem\n(S'echo hi'\ntR.", {"global 'os.system' is not allowed", "(at byte offset 0)"});
  expect_rejected("\x80\x04\x8c\x02os\x8c\x06system\x93.", {"global 'os.system' is not allowed"});
  expect_rejected("(S'ls'\nios\nsystem\n.", {"global 'os.system' is not allowed"});
  expect_rejected("cbuiltins\neval\n.", {"global 'builtins.eval' is not allowed"});
  expect_rejected("cnumpy\nload\n.", {"global 'numpy.load' is not allowed"});
  expect_rejected("csubprocess\nPopen\n.", {"'subprocess.Popen'"});
}

TEST(Pickle, MisusedConstructorsAreRejected) {
  expect_rejected("cnumpy.core.multiarray\n_reconstruct\n(cnumpy\ndtype\n(I0\ntS'b'\ntR.", {"_reconstruct may only build numpy.ndarray"});
  expect_rejected("cchumpy.ch\nCh\n)R.", {"chumpy.ch.Ch cannot be called by REDUCE"});
  expect_rejected("ccopy_reg\n_reconstructor\n(cchumpy.ch\nCh\ncnumpy\nndarray\nNtR.", {"base must be object"});
  expect_rejected("ccopy_reg\n_reconstructor\n(cnumpy\ndtype\nc__builtin__\nobject\nNtR.", {"_reconstructor may not build numpy.dtype"});
  expect_rejected("\x80\x02" "c__builtin__\nobject\n)\x81.", {"NEWOBJ may not instantiate __builtin__.object"});
  expect_rejected("c_codecs\nencode\n(V\\u20ac\nS'latin1'\ntR.", {"beyond latin-1"});
  expect_rejected("c_codecs\nencode\n(Vx\nS'rot13'\ntR.", {"encoding 'rot13' is not supported"});
  expect_rejected("I1\n)R.", {"REDUCE's callable is a int"});
  expect_rejected("c__builtin__\nset\nI1\nR.", {"REDUCE's arguments must be a tuple"});
  expect_rejected("I1\nNb.", {"BUILD on a int"});
}

TEST(Pickle, RefusedAndUnknownOpcodes) {
  expect_rejected("P1\n.", {"persistent ids"});
  expect_rejected("NQ.", {"persistent ids"});
  expect_rejected("\x82\x01.", {"extension registry"});
  expect_rejected("\x97.", {"out-of-band buffers"});
  expect_rejected("\xff", {"unknown opcode 0xff (at byte offset 0)"});
  expect_rejected("N\xfe.", {"unknown opcode 0xfe (at byte offset 1)"});
  expect_rejected("\x80\x06N.", {"unsupported pickle protocol 6"});
}

TEST(Pickle, MalformedSequences) {
  expect_rejected("a.", {"stack underflow"});
  expect_rejected("t.", {"no MARK to pop to"});
  expect_rejected("NN.", {"STOP with 2 values on the stack"});
  expect_rejected("(N.", {"STOP with an open MARK"});
  expect_rejected("N", {"ends without a STOP"});
  expect_rejected("", {"ends without a STOP"});
  expect_rejected("g7\n.", {"memo key 7 was never stored"});
  expect_rejected("]I1\nI2\ns.", {"SETITEM(S) on a list"});
  expect_rejected("}I1\na.", {"APPEND on a dict"});
  expect_rejected("}]I1\ns.", {"unhashable key of type list"});
  expect_rejected("(I1\nd.", {"DICT with an odd number of items"});
  expect_rejected("I12x\n.", {"bad integer text '12x'"});
  expect_rejected("I99999999999999999999\n.", {"does not fit 64 bits"});
  expect_rejected(std::string("\x8a\x09\0\0\0\0\0\0\0\0\x01.", 13), {"does not fit 64 bits"});
  expect_rejected("F1.5x\n.", {"bad float text"});
  expect_rejected("S'abc\n.", {"not a quoted string"});
  expect_rejected("S'\\x4'\n.", {"\\x escape"});
  expect_rejected("V\\u12\n.", {"\\u escape"});
  expect_rejected(std::string("\x8c\x02\xc3\x28.", 5), {"not valid UTF-8"});
  expect_rejected("I1", {"no terminating newline"});
}

TEST(Pickle, LyingLengthsDoNotAllocate) {
  expect_rejected("X\xff\xff\xff\xff", {"truncated: needs 4294967295 more bytes"});
  expect_rejected(std::string("\x8e\xff\xff\xff\xff\xff\xff\xff\xff", 9), {"truncated"});
  expect_rejected(std::string("\x8d\0\0\0\0\0\0\0\x80", 9), {"truncated"});
  expect_rejected("T\xff\xff\xff\x7f", {"truncated"});
  expect_rejected("T\xff\xff\xff\xff", {"BINSTRING with negative length"});
  expect_rejected("\x8b\xff\xff\xff\xff", {"LONG4 with negative length"});
  expect_rejected(std::string("\x95\xff\xff\xff\xff\0\0\0\0N.", 11), {"FRAME of 4294967295 bytes runs past the end"});
  expect_rejected("U\x05" "ab", {"truncated: needs 5 more bytes, 2 remain"});
}

// A protocol-2 ndarray pickle: dtype `descr` with byte order `order`, shape and raw data (built by
// appending pieces: the opcodes contain NUL bytes).
std::string ndarray_pickle(const std::string& descr, const std::string& order, std::vector<int> shape,
                           const std::string& data, const std::string& extra_state_tail = "NNN", bool build_twice = false) {
  auto byte = [](size_t v) { return std::string(1, static_cast<char>(v)); };
  std::string s = "\x80\x02" "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01" "b\x87R(K\x01("s;
  for (int d : shape) s.append("K").append(byte(static_cast<size_t>(d)));
  s.append("tcnumpy\ndtype\nU").append(byte(descr.size())).append(descr);
  s.append("K\x00K\x01\x87R(K\x03U\x01"s).append(order).append(extra_state_tail);
  s.append("J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89T"s).append(byte(data.size())).append(3, '\0');
  s.append(data).append("t").append(build_twice ? "q\x09" "bh\x09" "b." : "b.");
  return s;
}

TEST(Pickle, NdarrayStates) {
  std::shared_ptr<Document> d;
  const std::string two = std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\x40", 16);
  EXPECT_TRUE(BitEqual(root_of(ndarray_pickle("f8", "<", {2}, two), d).as_array("a"), make<double>({1, 2}, {2})));
  EXPECT_TRUE(BitEqual(root_of(ndarray_pickle("<f8", "|", {2}, two), d).as_array("a"), make<double>({1, 2}, {2})));
  const std::string two_be = std::string("\x3f\xf0\0\0\0\0\0\0\x40\0\0\0\0\0\0\0", 16);
  EXPECT_TRUE(BitEqual(root_of(ndarray_pickle("f8", ">", {2}, two_be), d).as_array("a"), make<double>({1, 2}, {2})));
  EXPECT_TRUE(BitEqual(root_of(ndarray_pickle("f8", "<", {2, 1}, two, "NNN"), d).as_array("a"), make<double>({1, 2}, {2, 1})));
  expect_rejected(ndarray_pickle("f8", "<", {3}, two), {"shape [3] of dtype '<f8' needs 24 data bytes, found 16"});
  expect_rejected(ndarray_pickle("O8", "|", {2}, two), {"unsupported dtype '=O8'"});
  expect_rejected(ndarray_pickle("f8", "<", {2}, two, "NK\x01N"), {"structured dtypes are not supported"});
  expect_rejected(ndarray_pickle("f8", "!", {2}, two), {"bad dtype byte order '!'"});
  expect_rejected(ndarray_pickle("f8", "<", {2}, two, "NNN", true), {"BUILD on an ndarray that already has its data"});
  // _reconstruct without BUILD leaves an array without data.
  expect_rejected("\x80\x02" "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01" "b\x87R."s,
                  {"never got its data"});
}

// ---- bounds ----

TEST(Pickle, LimitsAreEnforced) {
  const std::string p2 = fixture_bytes("pickle_p2.pkl");
  Limits values;
  values.max_values = 10;
  expect_rejected(p2, {"more than 10 values"}, values);
  Limits memo;
  memo.max_memo = 2;
  expect_rejected(p2, {"memo holds more than 2 entries"}, memo);
  Limits arrays;
  arrays.max_array_bytes = 8;
  expect_rejected(p2, {"arrays exceed the limit of 8 bytes"}, arrays);
  Limits input;
  input.max_input_bytes = 100;
  expect_rejected(p2, {"exceeds the limit of 100"}, input);
  Limits stack;
  stack.max_stack = 5;
  expect_rejected("NNNNNN.", {"stack deeper than 5"}, stack);
  expect_rejected(std::string(1001, '('), {"MARKs nested deeper than 1000"});
}

TEST(Pickle, DeepNestingAndCyclesStopConsumers) {
  // 3000 lists, each holding the previous one; the stack never holds more than two.
  std::string deep = "]p0\n0";
  for (int i = 1; i <= 3000; ++i) deep += "]g" + std::to_string(i - 1) + "\nap" + std::to_string(i) + "\n0";
  deep += "g3000\n.";
  const auto doc = loads(deep, "deep.pkl");
  expect_error_parts<PickleError>([&] { to_dense_array(doc->root(), "deep"); }, {"deep: ", "nested too deeply"});
  // A list that contains itself.
  const auto cyc = loads("]q\x00h\x00" "a."s, "cycle.pkl");
  EXPECT_EQ(cyc->root().items("c")[0], &cyc->root());
  expect_error_parts<PickleError>([&] { to_dense_array(cyc->root(), "cycle"); }, {"cycle: ", "nested too deeply (or a reference cycle)"});
}

TEST(Pickle, ExponentialSharingIsBounded) {
  // t_i = (t_{i-1}, t_{i-1}): 40 levels stand for 2^40 leaves.
  std::string tuples = "K\x01\x85q\x00" "0"s;
  for (int i = 1; i <= 40; ++i) {
    const char prev = static_cast<char>(i - 1), cur = static_cast<char>(i);
    tuples.append(1, 'h').append(1, prev).append(1, 'h').append(1, prev).append("\x86q").append(1, cur).append(1, '0');
  }
  expect_rejected("\x80\x02}" + tuples + "h(Ns.", {"key is larger than 1048576 bytes"});
  const auto doc = loads("\x80\x02" + tuples + "h(.", "dag.pkl");
  expect_error_parts<PickleError>([&] { to_dense_array(doc->root(), "dag"); }, {"dag: ", "exceeds the limit"});
}

TEST(Pickle, EveryTruncationIsRejected) {
  for (const char* name : {"pickle_p2.pkl", "pickle_p0.pkl", "pickle_objects.pkl"}) {
    const std::string full = fixture_bytes(name);
    for (size_t n = 0; n < full.size(); ++n) {
      const std::string m = error_message<PickleError>([&] { loads(full.substr(0, n), "cut.pkl"); });
      ASSERT_EQ(m.rfind("cut.pkl: ", 0), 0u) << name << " cut at " << n << ": " << m;
    }
  }
}

TEST(Pickle, AccessorErrorsNameTheContext) {
  std::shared_ptr<Document> d;
  const Value& r = root_of("(S'a'\nI1\nd.", d);
  expect_error_parts<PickleError>([&] { r.at("b", "model.pkl"); }, {"model.pkl: no key 'b' (the dict has 1 entries)"});
  expect_error_parts<PickleError>([&] { r.at("a", "model.pkl").as_text("model.pkl: a"); }, {"model.pkl: a: expected a string, got int 1"});
  expect_error_parts<PickleError>([&] { r.as_array("root"); }, {"root: expected an ndarray, got dict of 1 entries"});
  expect_error_parts<PickleError>([&] { r.items("root"); }, {"root: expected a list, tuple or set"});
  EXPECT_EQ(r.find("b"), nullptr);
  EXPECT_EQ(describe(r), "dict of 1 entries");
}

}  // namespace
