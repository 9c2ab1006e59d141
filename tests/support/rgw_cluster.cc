#include "tests/support/rgw_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "tests/support/child_process.h"

extern char** environ;

namespace sos::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kDirPrefix = "sos-rgw-";
constexpr const char* kOwnerFile = "owner";  // marks a directory as ours
constexpr const char* kRgwName = "client.rgw.sos";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Tail(const std::string& text, int lines) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (int i = 0; i < lines && pos > 0; ++i) {
    size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

std::string Trim(std::string s) {
  auto space = [](unsigned char c) { return std::isspace(c); };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), space));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), space).base(), s.end());
  return s;
}

std::string RandomUuid() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t a = gen(), b = gen();
  a = (a & ~0xF000ULL) | 0x4000ULL;        // version 4
  b = (b & ~(3ULL << 62)) | (2ULL << 62);  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFFF),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

// Reserves `n` distinct free ports on 127.0.0.1. They are released before the
// daemons bind them, so a collision is possible; Start() retries on it.
Result<std::vector<int>> PickFreePorts(int n) {
  std::vector<int> fds, ports;
  Status error;
  for (int i = 0; i < n && error.ok(); ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = Status::IOError(std::string("socket: ") + std::strerror(errno));
      break;
    }
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      error = Status::IOError(std::string("bind: ") + std::strerror(errno));
      break;
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  if (!error.ok()) return error;
  return ports;
}

bool TcpConnects(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  // Bounds connect() too: a full accept queue drops SYNs, and the kernel
  // would retry them for two minutes.
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// True once an HTTP server on the port answers a request with a status line.
bool HttpAnswers(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const char req[] = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == ssize_t(sizeof(req) - 1)) {
      char buf[16];
      ssize_t got = ::recv(fd, buf, sizeof(buf), MSG_WAITALL);
      ok = got >= 7 && std::string_view(buf, 7) == "HTTP/1.";
    }
  }
  ::close(fd);
  return ok;
}

std::string FindProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "/usr/bin/" + name;
}

// Runs argv (found on the usual paths) with stdout/stderr appended to the
// given files, in its own process group (see child_process.h).
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& out_path,
                    const std::string& err_path) {
  std::string program = FindProgram(argv.at(0));
  if (::access(program.c_str(), X_OK) != 0) {
    return Status::NotFound(argv.at(0) +
                            " not found; install ceph-mon ceph-osd radosgw ceph-common");
  }
  std::vector<std::string> args = argv;
  args[0] = program;
  // A developer's CEPH_ARGS/CEPH_CONF must not point our daemons elsewhere.
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, "CEPH_", 5) != 0) env.emplace_back(*e);
  }
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0 || err < 0) {
    Status s = Status::IOError("open " + out_path + ": " + std::strerror(errno));
    for (int fd : {out, err}) {
      if (fd >= 0) ::close(fd);
    }
    return s;
  }
  Result<pid_t> pid = SpawnChild(args, env, out, err, /*own_group=*/true);
  ::close(out);
  ::close(err);
  return pid;
}

bool Exited(pid_t pid, int* status) { return ::waitpid(pid, status, WNOHANG) == pid; }

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by ") + strsignal(WTERMSIG(status));
  return "ended with status " + std::to_string(status);
}

// Process start time (field 22 of /proc/PID/stat), to tell a live owner from a
// recycled pid.
std::string ProcStartTime(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return "";
  std::istringstream rest(stat.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
  }
  return field;
}

// Kills every process started with "-c DIR/ceph.conf" (exact arguments):
// only our own daemons and tools are, so nothing foreign matches.
void KillProcessesUsing(const std::string& dir) {
  std::string needle = std::string("\0-c\0", 4) + dir + "/ceph.conf" + std::string(1, '\0');
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::string cmdline = ReadFile(entry.path().string() + "/cmdline");
    if (cmdline.find(needle) != std::string::npos) ::kill(std::stoi(name), SIGKILL);
  }
}

// Removes cluster directories (and their daemons) whose owner process is gone:
// leftovers of a run that was SIGKILLed or crashed.
void ReapStaleClusters(const std::string& parent) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    std::string name = entry.path().filename();
    if (name.rfind(kDirPrefix, 0) != 0 || !entry.is_directory(ec)) continue;
    struct stat st;
    if (::stat(entry.path().c_str(), &st) != 0 || st.st_uid != ::getuid()) continue;
    std::string owner = ReadFile(entry.path().string() + "/" + kOwnerFile);
    std::istringstream in(owner);
    pid_t pid = 0;
    std::string start;
    if (!(in >> pid >> start)) continue;  // not ours, or still being created
    if (::kill(pid, 0) == 0 && ProcStartTime(pid) == start) continue;  // alive
    KillProcessesUsing(entry.path().string());
    fs::remove_all(entry.path(), ec);
  }
}

bool LooksLikeBindFailure(const std::string& log) {
  return log.find("Address already in use") != std::string::npos ||
         log.find("unable to bind") != std::string::npos ||
         log.find("failed to bind") != std::string::npos;
}

}  // namespace

Result<std::unique_ptr<RgwCluster>> RgwCluster::Start(Options options) {
  auto t0 = Clock::now();
  std::string parent = options.parent_dir;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp && *tmp ? tmp : "/tmp";
  }
  // Admin sockets are Unix sockets: their path must fit in sun_path (108).
  if (parent.size() > 60) parent = "/tmp";
  options.parent_dir = parent;
  ReapStaleClusters(parent);

  Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<RgwCluster> cluster(new RgwCluster(options));
    last = cluster->StartOnce();
    if (last.ok()) {
      cluster->startup_time_ = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
      return cluster;
    }
    bool port_race = LooksLikeBindFailure(last.message());
    cluster->Stop();
    if (!port_race || options.mon_port != 0 || options.rgw_port != 0) break;
  }
  return last;
}

RgwCluster::~RgwCluster() { Stop(); }

Status RgwCluster::StartOnce() {
  auto deadline = Clock::now() + options_.start_timeout;
  std::string templ = options_.parent_dir + "/" + kDirPrefix + "XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return Status::IOError("mkdtemp " + templ + ": " + std::strerror(errno));
  }
  dir_ = buf.data();
  {
    std::ofstream owner(dir_ + "/" + kOwnerFile);
    owner << ::getpid() << " " << ProcStartTime(::getpid()) << "\n";
  }
  for (const char* sub : {"mon", "osd", "run", "log", "rgw", "crash"}) {
    fs::create_directories(dir_ + "/" + sub);
  }

  mon_port_ = options_.mon_port;
  rgw_port_ = options_.rgw_port;
  if (mon_port_ == 0 || rgw_port_ == 0) {
    SOS_ASSIGN_OR_RETURN(std::vector<int> ports, PickFreePorts(2));
    if (mon_port_ == 0) mon_port_ = ports[0];
    if (rgw_port_ == 0) rgw_port_ = ports[1];
  }
  endpoint_ = "http://127.0.0.1:" + std::to_string(rgw_port_);
  fsid_ = RandomUuid();

  auto in_time = [&](const char* step) {
    if (Clock::now() <= deadline) return Status::Ok();
    return Status::Timeout(std::string("cluster start exceeded ") +
                           std::to_string(options_.start_timeout.count()) + " s after " + step);
  };
  SOS_RETURN_IF_ERROR(WriteConfig());
  SOS_RETURN_IF_ERROR(StartMon());
  SOS_RETURN_IF_ERROR(in_time("the monitor"));
  SOS_RETURN_IF_ERROR(StartOsd());
  SOS_RETURN_IF_ERROR(in_time("the OSD"));
  SOS_RETURN_IF_ERROR(StartRgw());
  SOS_RETURN_IF_ERROR(in_time("radosgw"));
  User user{options_.user_id, options_.display_name, options_.access_key, options_.secret_key};
  SOS_RETURN_IF_ERROR(CreateUser(user));
  user_ = user;
  return Status::Ok();
}

Status RgwCluster::WriteConfig() {
  const std::string& d = dir_;
  std::ofstream conf(this->conf());
  conf << "[global]\n"
       << "fsid = " << fsid_ << "\n"
       << "mon host = v2:127.0.0.1:" << mon_port_ << "\n"
       << "mon initial members = a\n"
       << "public addr = 127.0.0.1\n"
       << "public network = 127.0.0.0/8\n"
       << "ms bind ipv4 = true\n"
       << "ms bind ipv6 = false\n"
       << "ms bind msgr1 = false\n"
       // Fail fast on a taken port (Start() then retries with new ones).
       << "ms bind retry count = 2\n"
       << "ms bind retry delay = 1\n"
       // No auth: nothing to keep secret in a throw-away cluster. radosgw then
       // needs crc/secure mon mode, or it hangs 300 s in "authenticate".
       << "auth cluster required = none\n"
       << "auth service required = none\n"
       << "auth client required = none\n"
       << "ms mon client mode = crc secure\n"
       // Every file inside our directory, none in /var.
       << "run dir = " << d << "/run\n"
       << "admin socket = " << d << "/run/$name.asok\n"
       << "pid file = " << d << "/run/$name.pid\n"
       << "log file = " << d << "/log/$name.log\n"
       << "mon cluster log file = default=" << d << "/log/$cluster.$channel.log cluster=" << d
       << "/log/$cluster.log\n"
       << "crash dir = " << d << "/crash\n"
       << "keyring = " << d << "/keyring\n"
       << "mon data = " << d << "/mon/$cluster-$id\n"
       << "osd data = " << d
       << "/osd/$cluster-$id\n"
       // One OSD: pools of size one, no redundancy warnings, tiny PG counts.
       << "osd pool default size = 1\n"
       << "osd pool default min size = 1\n"
       << "mon allow pool size one = true\n"
       << "osd crush chooseleaf type = 0\n"
       << "osd pool default pg num = 8\n"
       << "osd pool default pgp num = 8\n"
       << "osd pool default pg autoscale mode = off\n"
       << "mon warn on pool no redundancy = false\n"
       // A nearly full test disk must not stop the monitor.
       << "mon data avail warn = 1\n"
       << "mon data avail crit = 0\n"
       << "osd objectstore = memstore\n"
       << "memstore device bytes = " << options_.memstore_bytes << "\n"
       << "\n[" << kRgwName
       << "]\n"
       // Without tcp_nodelay, Nagle + delayed ACKs add ~40 ms per small GET.
       << "rgw frontends = beast endpoint=127.0.0.1:" << rgw_port_ << " tcp_nodelay=1\n"
       << "rgw data = " << d << "/rgw\n"
       << "rgw dns name = localhost\n";
  conf.close();
  if (!conf) return Status::IOError("cannot write " + this->conf());
  return Status::Ok();
}

Result<pid_t> RgwCluster::SpawnDaemon(const std::string& name,
                                      const std::vector<std::string>& argv) {
  std::string out = dir_ + "/log/" + name + ".out";
  SOS_ASSIGN_OR_RETURN(pid_t pid, Spawn(argv, out, out));
  daemons_.push_back({name, pid});
  return pid;
}

Result<std::string> RgwCluster::Run(const std::vector<std::string>& argv,
                                    std::chrono::seconds timeout) {
  int n = ++run_counter_;
  std::string base = dir_ + "/log/cmd-" + std::to_string(n);
  std::string command;
  for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
  { std::ofstream(base + ".cmd") << command << "\n"; }
  SOS_ASSIGN_OR_RETURN(pid_t pid, Spawn(argv, base + ".out", base + ".err"));
  std::optional<int> status = WaitForExit(pid, timeout);
  if (!status) {
    ::kill(pid, SIGKILL);
    WaitForExit(pid, seconds(5));
    return Status::Timeout("`" + command + "` did not finish within " +
                           std::to_string(timeout.count()) + " s; stderr:\n" +
                           Tail(ReadFile(base + ".err"), 20));
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return Status::Internal("`" + command + "` " + DescribeExit(*status) + "; stderr:\n" +
                            Tail(ReadFile(base + ".err"), 20));
  }
  return ReadFile(base + ".out");
}

std::string RgwCluster::LogTail(const std::string& daemon, int lines) const {
  std::string text = ReadFile(dir_ + "/log/" + daemon + ".log");
  std::string out = ReadFile(dir_ + "/log/" + daemon + ".out");
  // Errors scroll away behind Ceph's crash dumps; list them first.
  std::string errors;
  std::istringstream in(text);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    if (line.find(" -1 ") != std::string::npos || line.find("ERROR") != std::string::npos) {
      last.push_back(line);
      if (last.size() > 10) last.pop_front();
    }
  }
  for (const auto& line : last) errors += line + "\n";
  std::string result;
  if (!errors.empty()) result += "--- errors in " + daemon + ".log ---\n" + errors;
  result += "--- tail of " + daemon + ".log ---\n" + Tail(text, lines);
  if (!out.empty()) result += "\n--- " + daemon + " stdout/stderr ---\n" + Tail(out, 10);
  return result;
}

Status RgwCluster::StartMon() {
  std::string monmap = dir_ + "/monmap";
  std::string addr = "[v2:127.0.0.1:" + std::to_string(mon_port_) + "]";
  SOS_RETURN_IF_ERROR(
      Run({"monmaptool", "--create", "--fsid", fsid_, "--addv", "a", addr, monmap}, seconds(30))
          .status());
  SOS_RETURN_IF_ERROR(
      Run({"ceph-mon", "-c", conf(), "--mkfs", "-i", "a", "--monmap", monmap}, seconds(60))
          .status());
  SOS_ASSIGN_OR_RETURN(pid_t pid,
                       SpawnDaemon("mon.a", {"ceph-mon", "-f", "-c", conf(), "-i", "a"}));
  // Listening is not enough: a foreign process may hold the port while our
  // monitor retries its bind. Ours is ready once it has elected itself.
  auto deadline = Clock::now() + seconds(30);
  while (!TcpConnects(mon_port_) ||
         ReadFile(dir_ + "/log/mon.a.log").find("(leader)") == std::string::npos) {
    int status = 0;
    if (Exited(pid, &status)) {
      daemons_.back().pid = -1;
      return Status::Unavailable("ceph-mon " + DescribeExit(status) + "\n" + LogTail("mon.a"));
    }
    if (Clock::now() > deadline) {
      return Status::Timeout("ceph-mon did not become leader on port " + std::to_string(mon_port_) +
                             " within 30 s\n" + LogTail("mon.a"));
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return Status::Ok();
}

Status RgwCluster::StartOsd() {
  std::string uuid = RandomUuid();
  auto created =
      Run({"ceph", "-c", conf(), "--connect-timeout", "30", "osd", "new", uuid}, seconds(45));
  if (!created.ok()) {
    return Status(created.status().code(), created.status().message() + "\n" + LogTail("mon.a"));
  }
  std::string id = Trim(*created);
  if (id.empty() || !std::all_of(id.begin(), id.end(), ::isdigit)) {
    return Status::Internal("`ceph osd new` printed no OSD id: '" + id + "'");
  }
  std::string name = "osd." + id;
  fs::create_directories(dir_ + "/osd/ceph-" + id);
  auto mkfs = Run({"ceph-osd", "-c", conf(), "-i", id, "--mkfs", "--osd-uuid", uuid}, seconds(60));
  if (!mkfs.ok()) {
    return Status(mkfs.status().code(), mkfs.status().message() + "\n" + LogTail(name));
  }
  SOS_ASSIGN_OR_RETURN(pid_t pid, SpawnDaemon(name, {"ceph-osd", "-f", "-c", conf(), "-i", id}));

  auto deadline = Clock::now() + seconds(60);
  std::string last;
  while (true) {
    int status = 0;
    if (Exited(pid, &status)) {
      daemons_.back().pid = -1;
      return Status::Unavailable("ceph-osd " + DescribeExit(status) + "\n" + LogTail(name));
    }
    auto stat = Run({"ceph", "-c", conf(), "--connect-timeout", "10", "osd", "stat", "-f", "json"},
                    seconds(20));
    if (stat.ok()) {
      last = *stat;
      if (last.find("\"num_up_osds\":1") != std::string::npos) return Status::Ok();
    } else {
      last = stat.status().message();
    }
    if (Clock::now() > deadline) {
      return Status::Timeout("OSD not up within 60 s; last `ceph osd stat`: " + last + "\n" +
                             LogTail(name) + "\n" + LogTail("mon.a", 10));
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
}

Status RgwCluster::StartRgw() {
  SOS_ASSIGN_OR_RETURN(pid_t pid,
                       SpawnDaemon(kRgwName, {"radosgw", "-f", "-c", conf(), "-n", kRgwName}));
  // RGW creates its pools on first start; that is most of the bring-up time.
  auto deadline = Clock::now() + seconds(90);
  while (!HttpAnswers(rgw_port_)) {
    int status = 0;
    if (Exited(pid, &status)) {
      daemons_.back().pid = -1;
      return Status::Unavailable("radosgw " + DescribeExit(status) + "\n" + LogTail(kRgwName));
    }
    if (Clock::now() > deadline) {
      return Status::Timeout("radosgw did not answer HTTP on port " + std::to_string(rgw_port_) +
                             " within 90 s\n" + LogTail(kRgwName));
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  return Status::Ok();
}

Result<std::string> RgwCluster::RunAdmin(const std::vector<std::string>& args,
                                         std::chrono::seconds timeout) {
  std::vector<std::string> argv = {"radosgw-admin", "-c", conf()};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, timeout);
}

Status RgwCluster::CreateUser(const User& user) {
  auto out =
      RunAdmin({"user", "create", "--uid=" + user.user_id, "--display-name=" + user.display_name,
                "--access-key=" + user.access_key, "--secret=" + user.secret_key});
  if (!out.ok()) {
    return Status(out.status().code(),
                  "creating user " + user.user_id + ": " + out.status().message());
  }
  if (out->find("\"" + user.access_key + "\"") == std::string::npos) {
    return Status::Internal("user " + user.user_id + " created without access key " +
                            user.access_key + ":\n" + *out);
  }
  return Status::Ok();
}

Status RgwCluster::CollectGarbage() {
  return RunAdmin({"gc", "process", "--include-all"}, seconds(120)).status();
}

void RgwCluster::StopDaemons() {
  // Reverse start order: the OSD says goodbye to a live monitor quickly; to a
  // dead one it waits 5 s.
  for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) {
    if (it->pid <= 0) continue;
    ::kill(it->pid, SIGTERM);
    if (!WaitForExit(it->pid, seconds(10))) {
      ::kill(it->pid, SIGKILL);
      WaitForExit(it->pid, seconds(10));
    }
    it->pid = -1;
  }
  daemons_.clear();
}

void RgwCluster::Stop() {
  StopDaemons();
  if (dir_.empty()) return;
  // Anything that escaped (a forked helper) still names our ceph.conf.
  KillProcessesUsing(dir_);
  if (!options_.keep_dir) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  dir_.clear();
}

}  // namespace sos::testing
