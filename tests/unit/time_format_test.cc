// The S3 time formats: round trips, strict fields, and the clamped range that
// keeps any date a client writes from overflowing a TimePoint (these tests run
// under UBSan, which would stop at a signed overflow).
#include "s3core/time_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace sos {
namespace {

using std::chrono::seconds;

int64_t UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

TEST(TimeFormatTest, RoundTrips) {
  const TimePoint t = *ParseIso8601Basic("20150830T123600Z");
  EXPECT_EQ(UnixSeconds(t), 1440938160);
  EXPECT_EQ(FormatIso8601Basic(t), "20150830T123600Z");
  EXPECT_EQ(FormatIso8601Extended(t), "2015-08-30T12:36:00.000Z");
  EXPECT_EQ(FormatHttpDate(t), "Sun, 30 Aug 2015 12:36:00 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT"), t);
  EXPECT_EQ(ParseHttpDate("Sunday, 30-Aug-15 12:36:00 GMT"), t);  // RFC 850
  EXPECT_EQ(ParseHttpDate("Sun Aug 30 12:36:00 2015"), t);        // asctime
  EXPECT_EQ(ParseIso8601Extended("2015-08-30T12:36:00.250Z"), t + std::chrono::milliseconds(250));
  EXPECT_EQ(ParseIso8601Extended("2015-08-30T12:36:00+00:00"), t);
  EXPECT_EQ(ParseIso8601Basic("20240229T000000Z"), ParseHttpDate("Thu, 29 Feb 2024 00:00:00 GMT"));
}

TEST(TimeFormatTest, RefusesFieldsOutOfRange) {
  for (const char* bad :
       {"20150230T000000Z", "20150431T000000Z",  "20230229T000000Z",  "21000229T000000Z",
        "20151301T000000Z", "20150001T000000Z",  "20150100T000000Z",  "20150101T240000Z",
        "20150101T006000Z", "20150101T000061Z",  "20150101T000099Z",  "2015010T1000000Z",
        "-0150101T000000Z", "+2015010T000000Z",  " 2015010T000000Z",  "20150101 000000Z",
        "20150101T000000",  "20150101T000000ZZ", "120150101T000000Z", ""}) {
    EXPECT_FALSE(ParseIso8601Basic(bad)) << bad;
  }
  for (const char* bad : {"Mon, 30 Feb 2015 00:00:00 GMT", "Tue, 31 Apr 2015 00:00:00 GMT",
                          "Sun, 01 Jan 2015 24:00:00 GMT", "Sun, 01 Jan 2015 00:00:61 GMT",
                          "Sun, 01 Jan 99999 00:00:00 GMT", "Sun, 01 Jan -2015 00:00:00 GMT",
                          "Sun, 32 Jan 2015 00:00:00 GMT", "Sun, 01 Foo 2015 00:00:00 GMT",
                          "Sun, 01 Jan 2015 00:00:00 UTC", "yesterday", ""}) {
    EXPECT_FALSE(ParseHttpDate(bad)) << bad;
  }
  for (const char* bad :
       {"2015-02-30T00:00:00Z", "2015-01-01T25:00:00Z", "2015-01-01 00:00:00Z",
        "2015-01-01T00:00:00.Z", "2015-01-01T00:00:00+01:00", "-015-01-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseIso8601Extended(bad)) << bad;
  }
}

TEST(TimeFormatTest, LeapSecondIsTheNextMinute) {
  EXPECT_EQ(ParseIso8601Basic("20161231T235960Z"), ParseIso8601Basic("20170101T000000Z"));
  EXPECT_EQ(ParseHttpDate("Sat, 31 Dec 2016 23:59:60 GMT"), ParseIso8601Basic("20170101T000000Z"));
  EXPECT_EQ(ParseIso8601Extended("2016-12-31T23:59:60Z"), ParseIso8601Basic("20170101T000000Z"));
}

TEST(TimeFormatTest, YearsPastTheTimePointRangeAreClamped) {
  // Year 9999 and year 0 parse, into the range, keeping their order against
  // any real time.
  EXPECT_EQ(ParseIso8601Basic("99991231T235960Z"), kLatestTime);
  EXPECT_EQ(ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT"), kLatestTime);
  EXPECT_EQ(ParseIso8601Extended("9999-12-31T23:59:59.999Z"), kLatestTime);
  EXPECT_EQ(ParseIso8601Basic("22620411T234716Z"), kLatestTime);  // TimePoint's own end
  EXPECT_EQ(ParseIso8601Basic("00000101T000000Z"), kEarliestTime);
  EXPECT_EQ(ParseHttpDate("Sat, 01 Jan 0000 00:00:00 GMT"), kEarliestTime);
  EXPECT_EQ(ParseIso8601Basic("16770921T001245Z"), kEarliestTime);  // TimePoint's own start
  EXPECT_EQ(ParseIso8601Basic("19691231T235959Z"), kEarliestTime);
  EXPECT_EQ(FormatIso8601Basic(kLatestTime), "22620101T000000Z");
  EXPECT_EQ(FormatIso8601Basic(kEarliestTime), "19700101T000000Z");

  // The range's promise: differences, skews and expiries of days stay in range.
  const auto span = kLatestTime - kEarliestTime;
  EXPECT_GT(span.count(), 0);
  const TimePoint later = kLatestTime + std::chrono::days(100);
  EXPECT_GT(later, kLatestTime);
  EXPECT_LT(kEarliestTime - std::chrono::days(100), kEarliestTime);
}

TEST(TimeFormatTest, UnixSecondsAreClamped) {
  EXPECT_EQ(TimeFromUnixSeconds(0), kEarliestTime);
  EXPECT_EQ(UnixSeconds(TimeFromUnixSeconds(1440938160)), 1440938160);
  EXPECT_EQ(TimeFromUnixSeconds(-1), kEarliestTime);
  EXPECT_EQ(TimeFromUnixSeconds(std::numeric_limits<int64_t>::min()), kEarliestTime);
  EXPECT_EQ(TimeFromUnixSeconds(std::numeric_limits<int64_t>::max()), kLatestTime);
  EXPECT_EQ(TimeFromUnixSeconds(int64_t{1} << 62), kLatestTime);
  EXPECT_EQ(TimeFromUnixSeconds(253402300799), kLatestTime);  // 9999-12-31T23:59:59Z
}

}  // namespace
}  // namespace sos
