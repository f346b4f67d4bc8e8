// Several data sets as one: concatenated indices, equal total weight per source, deterministic
// sampling through the loader, and errors that name the failing source.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "hand/hand_batch.h"
#include "hand/multi_source.h"
#include "tensor/factory.h"

namespace hg::hand {
namespace {

// `n` tiny samples whose image value and source name identify them; index `bad` throws.
class CountingDataset final : public HandDataset {
 public:
  CountingDataset(std::string name, int64_t n, int64_t bad = -1) : name_(std::move(name)), n_(n), bad_(bad) {}
  int64_t size() const override { return n_; }
  HandSample get(int64_t i) const override {
    if (i < 0 || i >= n_) throw std::out_of_range("index");
    if (i == bad_) throw std::runtime_error("truncated image file");
    HandSample s;
    s.image = full({3, 24, 24}, static_cast<double>(i) / static_cast<double>(n_));
    std::vector<double> uv;
    for (int k = 0; k < 21; ++k) {
      uv.push_back(8 + (k % 5) * 2);
      uv.push_back(8 + (k / 5) * 2);
    }
    s.uv = from_vector(uv, {21, 2}, DType::f32);
    s.valid = ones({21});
    s.source = name_ + ":" + std::to_string(i);
    return s;
  }
  std::string name() const override { return name_; }

 private:
  std::string name_;
  int64_t n_, bad_;
};

std::shared_ptr<MultiSourceDataset> three_sources(int64_t bad_in_b = -1) {
  return std::make_shared<MultiSourceDataset>(std::vector<HandDatasetPtr>{
      std::make_shared<CountingDataset>("a", 10), std::make_shared<CountingDataset>("b", 100, bad_in_b),
      std::make_shared<CountingDataset>("c", 1000)});
}

TEST(MultiSource, ConcatenatesTheSources) {
  const auto d = three_sources();
  EXPECT_EQ(d->size(), 1110);
  EXPECT_EQ(d->num_sources(), 3);
  EXPECT_EQ(d->name(), "multi(a+b+c)");
  EXPECT_EQ(d->get(0).source, "a:0");
  EXPECT_EQ(d->get(9).source, "a:9");
  EXPECT_EQ(d->get(10).source, "b:0");
  EXPECT_EQ(d->get(109).source, "b:99");
  EXPECT_EQ(d->get(110).source, "c:0");
  EXPECT_EQ(d->get(1109).source, "c:999");
  EXPECT_EQ(d->source_of(109), 1);
  EXPECT_EQ(d->offset(2), 110);
  EXPECT_THROW(d->get(1110), std::out_of_range);
  EXPECT_THROW(d->get(-1), std::out_of_range);
}

TEST(MultiSource, EachSourceHasTotalWeightOne) {
  const auto d = three_sources();
  const auto w = d->equal_source_weights();
  ASSERT_EQ(w.size(), 1110u);
  for (int64_t s = 0; s < 3; ++s) {
    double total = 0;
    for (int64_t i = d->offset(s); i < d->offset(s) + d->source(s)->size(); ++i) total += w[static_cast<size_t>(i)];
    EXPECT_NEAR(total, 1.0, 1e-12);
  }
}

TEST(MultiSource, SamplingGivesEqualShareAndIsDeterministic) {
  const auto d = three_sources();
  const auto sampler = equal_source_sampler(*d, 30000);
  const auto order = sampler->order(5, 0);
  ASSERT_EQ(order.size(), 30000u);
  std::vector<int64_t> per_source(3, 0);
  std::set<int64_t> distinct_in_a;
  for (const int64_t i : order) {
    ++per_source[static_cast<size_t>(d->source_of(i))];
    if (i < 10) distinct_in_a.insert(i);
  }
  for (const int64_t n : per_source) EXPECT_NEAR(n / 30000.0, 1.0 / 3, 0.014);  // ≈ 5 standard errors
  EXPECT_EQ(distinct_in_a.size(), 10u);  // the small source is fully covered
  EXPECT_EQ(order, sampler->order(5, 0));
  EXPECT_NE(order, sampler->order(5, 1));
  EXPECT_EQ(equal_source_sampler(*d)->length(), 1110);
}

TEST(MultiSource, LoaderBatchesAreIndependentOfWorkers) {
  const auto d = three_sources();
  AugmentConfig c = augment_preset("peclr");
  c.crop.size = 16;
  auto source = std::make_shared<HandExampleSource>(d, AugmentPipeline(c), HandBatchOptions{.include_3d = false});
  std::vector<std::vector<int64_t>> indices;
  std::vector<std::vector<float>> images;
  for (const int64_t workers : {0, 3}) {
    nn::DataLoader loader(source, {.batch_size = 16, .num_workers = workers, .seed = 4,
                                   .sampler = equal_source_sampler(*d, 64)});
    std::vector<int64_t> idx;
    std::vector<float> img;
    while (auto b = loader.next()) {
      idx.insert(idx.end(), b->indices.begin(), b->indices.end());
      const auto v = b->at("image").to_vector<float>();
      img.insert(img.end(), v.begin(), v.end());
    }
    indices.push_back(idx);
    images.push_back(img);
  }
  EXPECT_EQ(indices[0], indices[1]);
  EXPECT_EQ(images[0], images[1]);
  EXPECT_EQ(indices[0].size(), 64u);
}

TEST(MultiSource, AFailingSampleNamesItsSource) {
  const auto d = std::make_shared<MultiSourceDataset>(std::vector<HandDatasetPtr>{
      std::make_shared<CountingDataset>("a", 10), std::make_shared<CountingDataset>("b", 30, /*bad=*/7)});
  try {
    d->get(17);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("b:7: truncated image file"), std::string::npos) << e.what();
  }
  AugmentConfig small = augment_preset("none");
  small.crop.size = 16;
  auto source = std::make_shared<HandExampleSource>(d, AugmentPipeline(small), HandBatchOptions{.include_3d = false});
  nn::DataLoader loader(source, {.batch_size = 8, .shuffle = false});
  loader.load_state({0, 2, 0, loader.batches_per_epoch()});  // batch 2 = indices 16..23
  try {
    loader.next();
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("b:7"), std::string::npos) << e.what();
  }
  nn::DataLoader skipping(source, {.batch_size = 8, .shuffle = false, .skip_bad = true});
  int64_t seen = 0;
  while (auto b = skipping.next()) seen += b->size();
  EXPECT_EQ(seen, 39);
  EXPECT_EQ(skipping.skipped_total(), 1);
}

TEST(MultiSource, RejectsBadSourceLists) {
  EXPECT_THROW(MultiSourceDataset({}), std::invalid_argument);
  EXPECT_THROW(MultiSourceDataset({nullptr}), std::invalid_argument);
  EXPECT_THROW(MultiSourceDataset({std::make_shared<CountingDataset>("e", 0)}), std::invalid_argument);
}

}  // namespace
}  // namespace hg::hand
