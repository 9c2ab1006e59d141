#include "s3core/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "s3core/time_format.h"

namespace sos {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  SOS_ASSIGN_OR_RETURN(int h, Half(x));
  SOS_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::Ok();
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status().ok());
  Status s = Status::NotFound("key 'a'", "NoSuchKey");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.ToString(), "NotFound: NoSuchKey: key 'a'");
  EXPECT_FALSE(s.retryable());
  EXPECT_TRUE(Status::Unavailable("503").retryable());
  EXPECT_TRUE(Status::Timeout("slow").retryable());
}

TEST(StatusTest, ResultPropagates) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status bad = Quarter(6, &out);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "odd");
}

TEST(TimeFormatTest, RoundTrips) {
  auto t = ParseIso8601Basic("20150830T123600Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatIso8601Basic(*t), "20150830T123600Z");
  EXPECT_EQ(FormatIso8601Extended(*t), "2015-08-30T12:36:00.000Z");
  EXPECT_EQ(FormatHttpDate(*t), "Sun, 30 Aug 2015 12:36:00 GMT");
  EXPECT_EQ(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT"), t);
  EXPECT_EQ(ParseHttpDate("Sunday, 30-Aug-15 12:36:00 GMT"), t);
  EXPECT_EQ(ParseHttpDate("Sun Aug 30 12:36:00 2015"), t);
  auto ms = ParseIso8601Extended("2015-08-30T12:36:00.250Z");
  ASSERT_TRUE(ms);
  EXPECT_EQ(FormatIso8601Extended(*ms), "2015-08-30T12:36:00.250Z");
}

TEST(TimeFormatTest, RejectsGarbage) {
  EXPECT_FALSE(ParseIso8601Basic("2015-08-30"));
  EXPECT_FALSE(ParseIso8601Basic("20150830T123600"));
  EXPECT_FALSE(ParseIso8601Extended("2015-08-30T12:36:00.Z"));
  EXPECT_FALSE(ParseIso8601Extended("2015-08-30T12:36:00+02:00"));
  EXPECT_FALSE(ParseHttpDate("yesterday"));
  EXPECT_FALSE(ParseHttpDate(""));
}

// The one errno -> Status translation every library uses.
TEST(StatusTest, FromErrno) {
  Status full = StatusFromErrno(ENOSPC, "write /d/x");
  EXPECT_EQ(full.code(), StatusCode::kNoSpace);
  EXPECT_EQ(full.message(), std::string("write /d/x: ") + std::strerror(ENOSPC));
  EXPECT_EQ(StatusFromErrno(EDQUOT, "w").code(), StatusCode::kNoSpace);
  EXPECT_EQ(StatusFromErrno(ENOENT, "open").code(), StatusCode::kNotFound);
  EXPECT_EQ(StatusFromErrno(EIO, "read").code(), StatusCode::kIOError);
  EXPECT_EQ(StatusFromErrno(EACCES, "open").code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace sos
