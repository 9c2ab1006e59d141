// The one syntax for durations and sizes (sosd's flags and config file,
// sosfs's mount options, sosctl's --expires).
#include "s3core/units.h"

#include <gtest/gtest.h>

namespace sos {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Units, DurationsWithUnitsAndSums) {
  EXPECT_EQ(ParseDuration("900").value(), seconds(900));
  EXPECT_EQ(ParseDuration("500ms").value(), milliseconds(500));
  EXPECT_EQ(ParseDuration("90s").value(), seconds(90));
  EXPECT_EQ(ParseDuration("15m").value(), seconds(900));
  EXPECT_EQ(ParseDuration("2h").value(), seconds(7200));
  EXPECT_EQ(ParseDuration("7d").value(), seconds(604800));
  EXPECT_EQ(ParseDuration("1w").value(), seconds(604800));
  EXPECT_EQ(ParseDuration("1h30m").value(), seconds(5400));
  EXPECT_EQ(ParseDuration("1s500ms").value(), milliseconds(1500));
  EXPECT_EQ(ParseDuration("0").value(), seconds(0));
  EXPECT_EQ(ParseDuration("0s").value(), seconds(0));
}

TEST(Units, MalformedDurationsAreRefused) {
  for (const char* bad : {"", "m", "15x", "-5m", "+5m", "1.5h", "15 m", " 5s", "5s ", "1h30", "h1",
                          "5M", "99999999999999999999s", "9223372036854775807d", "\t-1", "0x10s"}) {
    auto r = ParseDuration(bad);
    ASSERT_FALSE(r.ok()) << "'" << bad << "' parsed as " << r->count() << " ms";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("examples"), std::string::npos);
  }
}

TEST(Units, DurationsFormatInTheirShortestExactForm) {
  EXPECT_EQ(FormatDuration(seconds(900)), "15m");
  EXPECT_EQ(FormatDuration(seconds(5400)), "1h30m");
  EXPECT_EQ(FormatDuration(seconds(604800)), "7d");
  EXPECT_EQ(FormatDuration(seconds(61)), "1m1s");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1s500ms");
  EXPECT_EQ(FormatDuration(seconds(0)), "0s");
  for (int64_t ms : {1, 999, 1000, 59000, 3600000, 90061000, 604799999}) {
    EXPECT_EQ(ParseDuration(FormatDuration(milliseconds(ms))).value(), milliseconds(ms));
  }
}

TEST(Units, SizesInBinaryUnits) {
  EXPECT_EQ(ParseSize("0").value(), 0u);
  EXPECT_EQ(ParseSize("123").value(), 123u);
  EXPECT_EQ(ParseSize("4k").value(), 4096u);
  EXPECT_EQ(ParseSize("64K").value(), 65536u);
  EXPECT_EQ(ParseSize("1KiB").value(), 1024u);
  EXPECT_EQ(ParseSize("1KB").value(), 1024u);
  EXPECT_EQ(ParseSize("512M").value(), uint64_t{512} << 20);
  EXPECT_EQ(ParseSize("2MiB").value(), uint64_t{2} << 20);
  EXPECT_EQ(ParseSize("4G").value(), uint64_t{4} << 30);
  EXPECT_EQ(ParseSize("1T").value(), uint64_t{1} << 40);
  EXPECT_EQ(ParseSize("16777215T").value(), uint64_t{16777215} << 40);
}

TEST(Units, MalformedSizesAreRefused) {
  for (const char* bad : {"", "G", "1.5G", "-1", "\t-1", "\r1", "\n5G", "5 G", "5GB ", "5X",
                          "5Gi", "5kiB2", "16777216T", "99999999999999999999"}) {
    auto r = ParseSize(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' parsed as " << r.value();
  }
}

}  // namespace
}  // namespace sos
