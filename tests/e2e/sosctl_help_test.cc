// What sosctl tells a person: every command's --help shows examples, and the
// shell completions shipped with it: bash completes its commands and options
// and lists every command that `sosctl --help` lists (the two are kept by
// hand, this test keeps them together); zsh's file parses.
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "tests/e2e/sosd_process.h"

namespace sos::testing {
namespace {

const std::string kBashCompletion = std::string(SOS_SOURCE_DIR) + "/ctl/completion/sosctl.bash";
const std::string kZshCompletion = std::string(SOS_SOURCE_DIR) + "/ctl/completion/_sosctl";

// COMPREPLY of the bash completion for the words of a command line.
std::set<std::string> Complete(const std::string& line) {
  std::string script = "source '" + kBashCompletion + "'; COMP_WORDS=(" + line +
                       "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _sosctl; "
                       "printf '%s\\n' \"${COMPREPLY[@]}\"";
  ProgramResult r =
      RunProgram({"/bin/bash", "-c", script}, {"PATH=/usr/bin:/bin"}, std::chrono::seconds(20));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::set<std::string> words;
  std::istringstream in(r.output);
  for (std::string w; std::getline(in, w);) {
    if (!w.empty()) words.insert(w);
  }
  return words;
}

TEST(SosctlCompletion, BashCompletesCommandsAndOptions) {
  std::set<std::string> commands = Complete("sosctl ''");
  for (const char* c : {"cp", "sync", "mirror", "ls", "alias", "presign", "--endpoint-url"}) {
    EXPECT_TRUE(commands.contains(c)) << c;
  }
  EXPECT_EQ(Complete("sosctl sy"), (std::set<std::string>{"sync"}));
  std::set<std::string> sync_opts = Complete("sosctl sync --d");
  EXPECT_TRUE(sync_opts.contains("--delete"));
  EXPECT_TRUE(sync_opts.contains("--dry-run"));
  EXPECT_EQ(Complete("sosctl alias ''"), (std::set<std::string>{"set", "ls", "rm"}));
}

// The commands `sosctl --help` lists.
std::vector<std::string> HelpCommands() {
  ProgramResult help = RunProgram({SOSCTL_PATH, "--help"}, {"PATH=/usr/bin:/bin"});
  EXPECT_EQ(help.exit_code, 0) << help.output;
  std::string subcommands = help.output.substr(help.output.find("Subcommands:"));
  subcommands = subcommands.substr(0, subcommands.find("ENVIRONMENT:"));
  std::regex line(R"(^  ([a-z][a-z-]+)[,\s])");
  std::vector<std::string> commands;
  std::istringstream in(subcommands);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, line)) commands.push_back(m[1].str());
  }
  return commands;
}

TEST(SosctlCompletion, BashKnowsEveryCommandOfHelp) {
  std::set<std::string> completed = Complete("sosctl ''");
  std::vector<std::string> commands = HelpCommands();
  EXPECT_GE(commands.size(), 18u);
  for (const std::string& c : commands) {
    EXPECT_TRUE(completed.contains(c)) << c << " is missing from " << kBashCompletion;
  }
}

TEST(SosctlHelp, EveryCommandShowsExamples) {
  for (const std::string& c : HelpCommands()) {
    ProgramResult help = RunProgram({SOSCTL_PATH, c, "--help"}, {"PATH=/usr/bin:/bin"});
    EXPECT_EQ(help.exit_code, 0) << c;
    EXPECT_NE(help.output.find("Examples:\n  sosctl " + c), std::string::npos) << help.output;
  }
}

TEST(SosctlCompletion, ZshFileParses) {
  ASSERT_EQ(::access("/usr/bin/zsh", X_OK), 0) << "zsh is not installed (scripts/install-deps.sh)";
  ProgramResult r = RunProgram({"/usr/bin/zsh", "-n", kZshCompletion}, {"PATH=/usr/bin:/bin"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace sos::testing
