// The labelled share of a fine-tuning run: a fraction or a percentage (parse_fraction_or_percent),
// from the JSON config as a number or a string, recorded as the resolved fraction.
#include <gtest/gtest.h>

#include <string>

#include "hand/finetune.h"
#include "hand/train_config.h"

namespace hg::hand {
namespace {

TEST(FinetuneLabels, FractionsAndPercentagesResolveToTheFraction) {
  EXPECT_EQ(parse_fraction_or_percent("0.1", "labels"), 0.1);
  EXPECT_EQ(parse_fraction_or_percent("10%", "labels"), 0.1);
  EXPECT_EQ(parse_fraction_or_percent("1", "labels"), 1.0);
  EXPECT_EQ(parse_fraction_or_percent("100%", "labels"), 1.0);
  EXPECT_EQ(parse_fraction_or_percent("12.5%", "labels"), 0.125);
  EXPECT_EQ(parse_fraction_or_percent("0.5%", "labels"), 0.005);
  EXPECT_EQ(parse_fraction_or_percent("1e-2", "labels"), 0.01);
}

TEST(FinetuneLabels, BadValuesNameTheOptionTheValueAndTheAllowedRange) {
  for (const std::string bad : {"0%", "150%", "abc", "10%%", "", "%", "0", "1.5", "-10%", "-0.1", " 0.1", "0.1 ",
                                "nan", "inf", "10 %", "1e999", "0x"}) {
    try {
      parse_fraction_or_percent(bad, "labels");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.rfind("labels: '" + bad + "' ", 0), 0u) << m;
      EXPECT_NE(m.find("(allowed: a fraction in (0, 1] or a percentage in (0%, 100%]"), std::string::npos) << m;
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  }
}

TEST(FinetuneLabels, JsonConfigTakesANumberOrAPercentageAndRecordsTheFraction) {
  FinetuneConfig c = nlohmann::json{{"data", "d"}, {"run_dir", "r"}, {"labels", "10%"}};
  EXPECT_EQ(c.labels, 0.1);
  EXPECT_EQ(nlohmann::json(c).at("labels"), 0.1);  // config.json holds the resolved fraction
  c = nlohmann::json{{"data", "d"}, {"run_dir", "r"}, {"labels", 0.25}};
  EXPECT_EQ(c.labels, 0.25);
  EXPECT_NO_THROW(validate(c));
  try {
    c = nlohmann::json{{"labels", "150%"}};
    ADD_FAILURE() << "accepted 150%";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("labels: '150%' is out of range", 0), 0u) << e.what();
  }
  const nlohmann::json not_a_share = {{"labels", true}};
  EXPECT_THROW(c = not_a_share, std::invalid_argument);
  c = nlohmann::json{{"data", "d"}, {"run_dir", "r"}, {"labels", 1.5}};  // a number is range-checked by validate
  EXPECT_THROW(validate(c), std::invalid_argument);
}

TEST(FinetuneLabels, TenPercentOfTheImagesAreLabelled) {
  EXPECT_EQ(labelled_subset(1000, parse_fraction_or_percent("10%", "labels"), 3).size(), 100u);
  EXPECT_EQ(labelled_subset(32, parse_fraction_or_percent("10%", "labels"), 3).size(), 4u);  // ceil(3.2)
}

}  // namespace
}  // namespace hg::hand
