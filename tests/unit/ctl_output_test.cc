// sosctl's output: tables, sizes, times, JSON errors, the progress line, ACL views.
#include <gtest/gtest.h>

#include <sstream>

#include "ctl/acl_spec.h"
#include "ctl/exit_code.h"
#include "ctl/output.h"
#include "ctl/progress_bar.h"
#include "ctl/transfer.h"

namespace sos::ctl {
namespace {

TEST(CtlOutput, TableAlignsColumnsWithoutTrailingBlanks) {
  Table t;
  t.columns = {"NAME", "SIZE", "KEY"};
  t.right_aligned = {false, true, false};
  t.rows = {{"a", "1 B", "x"}, {"longer", "10.0 MiB", ""}};
  EXPECT_EQ(FormatTable(t),
            "NAME        SIZE  KEY\n"
            "a            1 B  x\n"
            "longer  10.0 MiB\n");
  EXPECT_EQ(FormatTable(Table{}), "");
  Table no_header;
  no_header.rows = {{"id", "abc"}, {"secret_access_key", "s"}};
  EXPECT_EQ(FormatTable(no_header), "id                 abc\nsecret_access_key  s\n");
}

TEST(CtlOutput, SizesInBinaryUnits) {
  EXPECT_EQ(FormatSize(0), "0 B");
  EXPECT_EQ(FormatSize(1023), "1023 B");
  EXPECT_EQ(FormatSize(1024), "1.0 KiB");
  EXPECT_EQ(FormatSize(1536), "1.5 KiB");
  EXPECT_EQ(FormatSize(uint64_t{20} << 20), "20.0 MiB");
  EXPECT_EQ(FormatSize(uint64_t{3} << 40), "3.0 TiB");
}

TEST(CtlOutput, TimesInUtc) {
  TimePoint t = std::chrono::system_clock::from_time_t(1440938160);  // 2015-08-30 12:36:00 UTC
  EXPECT_EQ(FormatTime(t), "2015-08-30 12:36:00");
  EXPECT_EQ(FormatTimeJson(t), "2015-08-30T12:36:00Z");
}

TEST(CtlOutput, JsonModePrintsOneDocumentAndErrorsAsJson) {
  std::ostringstream out, err;
  Output json(true, out, err);
  json.Print({{"bucket", "b"}}, "created bucket b");
  auto doc = nlohmann::json::parse(out.str());
  EXPECT_EQ(doc["bucket"], "b");
  EXPECT_TRUE(err.str().empty());

  out.str("");
  json.Error(Status::NotFound("The specified bucket does not exist.", "NoSuchBucket"));
  auto error = nlohmann::json::parse(out.str());
  EXPECT_EQ(error["error"]["code"], "NoSuchBucket");
  EXPECT_EQ(error["error"]["message"], "The specified bucket does not exist.");
  EXPECT_EQ(error["error"]["exit_code"], 3);
  EXPECT_EQ(err.str(), "sosctl: error: NoSuchBucket: The specified bucket does not exist.\n");
}

TEST(CtlOutput, HumanModePrintsLinesAndErrorsOnStderr) {
  std::ostringstream out, err;
  Output human(false, out, err);
  human.Print({{"bucket", "b"}}, "created bucket b");
  EXPECT_EQ(out.str(), "created bucket b\n");
  human.Error(UsageError("'x' needs a key: BUCKET/KEY"));
  human.Warn("public-read-write is not recommended: anyone can overwrite and delete");
  EXPECT_EQ(out.str(), "created bucket b\n") << "errors never go to stdout in human form";
  EXPECT_EQ(err.str(),
            "sosctl: usage: 'x' needs a key: BUCKET/KEY\n"
            "sosctl: warning: public-read-write is not recommended: anyone can overwrite and "
            "delete\n");
}

TEST(CtlOutput, ErrorJsonWithoutS3CodeNamesTheStatus) {
  auto doc = ErrorJson(Status::IOError("cannot open f"));
  EXPECT_EQ(doc["error"]["code"], "IOError");
  EXPECT_EQ(doc["error"]["exit_code"], 1);
}

TEST(CtlProgressBar, RendersFractionSizesAndRate) {
  EXPECT_EQ(ProgressBar::Render("big.bin", 5 << 20, 10 << 20, 1 << 20, 10),
            "big.bin [#####     ] 50% 5.0 MiB / 10.0 MiB  1.0 MiB/s");
  EXPECT_EQ(ProgressBar::Render("f", 0, 100, 0, 4), "f [    ] 0% 0 B / 100 B  0 B/s");
  EXPECT_EQ(ProgressBar::Render("f", 200, 100, 0, 4), "f [####] 100% 100 B / 100 B  0 B/s");
  EXPECT_EQ(ProgressBar::Render("f", 2048, 0, 1024, 4), "f 2.0 KiB  1.0 KiB/s");
}

TEST(CtlProgressBar, DisabledBarDrawsNothing) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* mem = open_memstream(&buf, &len);
  ASSERT_NE(mem, nullptr);
  {
    ProgressBar bar("f", 100, /*enabled=*/false, mem);
    bar.Add(50);
    bar.Set(100);
    bar.Finish();
    EXPECT_EQ(bar.done(), 100u);
  }
  std::fclose(mem);
  EXPECT_EQ(len, 0u);
  std::free(buf);
}

TEST(CtlAclView, TableAndJsonNameGroupsAndOrgs) {
  AccessControlPolicy p;
  p.owner = {std::string(64, 'a'), "root"};
  Grant owner;
  owner.grantee.id = p.owner.id;
  owner.grantee.display_name = "root";
  owner.permission = "FULL_CONTROL";
  Grant all;
  all.grantee.type = Grantee::Type::kGroup;
  all.grantee.uri = kAllUsersUri;
  all.permission = "READ";
  p.grants = {owner, all};
  EXPECT_EQ(FormatTable(PolicyTable(p)),
            "GRANTEE                                                                  TYPE   "
            "PERMISSION\n" +
                std::string(64, 'a') +
                " (root)  org    FULL_CONTROL\n"
                "all-users                                                                group  "
                "READ\n");
  auto doc = PolicyJson(p);
  EXPECT_EQ(doc["owner"]["id"], p.owner.id);
  EXPECT_EQ(doc["grants"][1]["grantee"], "all-users");
  EXPECT_EQ(doc["grants"][1]["type"], "group");
  EXPECT_EQ(doc["grants"][1]["permission"], "READ");
}

}  // namespace
}  // namespace sos::ctl
