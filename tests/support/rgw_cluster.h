// RgwCluster: a throw-away one-node Ceph cluster with an S3 gateway, for tests.
//
// Start() brings up one monitor, one OSD (memstore, RAM capped) and one
// radosgw (beast frontend on 127.0.0.1) with every file -- ceph.conf, keyrings,
// run dir, admin sockets, logs, pid files, store -- inside one fresh temporary
// directory, and with the monitor and gateway on ports picked free at run time,
// so any number of clusters can run side by side. It then creates an S3 user.
// Every wait is bounded; a failure returns a Status whose message carries the
// tail of the log that explains it. Stop() (also run by the destructor) sends
// SIGTERM to the daemons, SIGKILL to stragglers, and removes the directory.
// The daemons die with the thread that started them (PR_SET_PDEATHSIG), and
// Start() reaps directories left behind by crashed runs of this class.
//
// Thread-safety: Start/Stop/CreateUser/RunAdmin must not race each other; the
// accessors may be called from any thread while the cluster is up. Start it
// from a thread that outlives the cluster (e.g. the main thread).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "s3core/status.h"

namespace sos::testing {

class RgwCluster {
 public:
  struct Options {
    // Credentials of the S3 user created at start.
    std::string user_id = "sos-test";
    std::string display_name = "sos test user";
    std::string access_key = "SOSTESTACCESSKEY0001";
    std::string secret_key = "sos-test-secret-key-0001";
    // 0 picks a free port at run time.
    int mon_port = 0;
    int rgw_port = 0;
    // Upper bound of the OSD's RAM store.
    uint64_t memstore_bytes = uint64_t{1} << 30;
    // Bound of one start attempt, checked between steps; every wait inside a
    // step has its own bound too.
    std::chrono::seconds start_timeout{180};
    // Parent of the cluster directory; empty = $TMPDIR or /tmp.
    std::string parent_dir;
    // Keep the directory (logs) after Stop(), for post-mortems.
    bool keep_dir = false;
  };

  struct User {
    std::string user_id;  // also the canonical ID in ACLs
    std::string display_name;
    std::string access_key;
    std::string secret_key;
  };

  // Starts a cluster; retries with new ports if one was taken meanwhile.
  static Result<std::unique_ptr<RgwCluster>> Start(Options options);
  static Result<std::unique_ptr<RgwCluster>> Start() { return Start(Options()); }

  ~RgwCluster();
  RgwCluster(const RgwCluster&) = delete;
  RgwCluster& operator=(const RgwCluster&) = delete;

  // Stops the daemons and removes the directory; idempotent.
  void Stop();

  // "http://127.0.0.1:PORT"
  const std::string& endpoint() const { return endpoint_; }
  int rgw_port() const { return rgw_port_; }
  int mon_port() const { return mon_port_; }
  const std::string& access_key() const { return user_.access_key; }
  const std::string& secret_key() const { return user_.secret_key; }
  const User& user() const { return user_; }
  const std::string& dir() const { return dir_; }
  std::chrono::milliseconds startup_time() const { return startup_time_; }

  // Creates another S3 user (e.g. for ACL tests).
  Status CreateUser(const User& user);
  // Runs radosgw-admin against this cluster; returns its stdout.
  Result<std::string> RunAdmin(const std::vector<std::string>& args,
                               std::chrono::seconds timeout = std::chrono::seconds(60));
  // Frees the space of deleted objects now instead of at RGW's leisure.
  Status CollectGarbage();

  // Last `lines` lines of a daemon's log ("mon.a", "osd.0", "client.rgw.sos").
  std::string LogTail(const std::string& daemon, int lines = 30) const;

 private:
  struct Daemon {
    std::string name;  // ceph entity name, e.g. "mon.a"
    pid_t pid = -1;
  };

  explicit RgwCluster(Options options) : options_(std::move(options)) {}
  Status StartOnce();
  Status WriteConfig();
  Status StartMon();
  Status StartOsd();
  Status StartRgw();
  Result<pid_t> SpawnDaemon(const std::string& name, const std::vector<std::string>& argv);
  // Runs a command to completion with a bound; returns its stdout.
  Result<std::string> Run(const std::vector<std::string>& argv, std::chrono::seconds timeout);
  void StopDaemons();
  std::string conf() const { return dir_ + "/ceph.conf"; }

  Options options_;
  std::string dir_;
  std::string fsid_;
  int mon_port_ = 0;
  int rgw_port_ = 0;
  std::string endpoint_;
  User user_;
  std::vector<Daemon> daemons_;  // in start order
  std::chrono::milliseconds startup_time_{0};
  int run_counter_ = 0;
};

}  // namespace sos::testing
