// rgw_up: starts a throw-away Ceph RGW (see rgw_cluster.h) for benchmarks and
// humans, prints "ENDPOINT ACCESS_KEY SECRET_KEY" on one stdout line once it
// serves S3, and keeps it up until SIGTERM or SIGINT, then stops it cleanly
// (daemons stopped, directory removed).
//
// Flags: --port=N (gateway port; default free), --mon-port=N (monitor port;
// default free), --access-key=K, --secret-key=S,
// --memstore-mib=N (OSD RAM cap), --keep-dir (keep logs after stop).
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "tests/support/rgw_cluster.h"

namespace {

bool Flag(std::string_view arg, std::string_view name, std::string* value) {
  if (arg.substr(0, name.size()) != name) return false;
  *value = std::string(arg.substr(name.size()));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  sos::testing::RgwCluster::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string v;
    std::string_view arg = argv[i];
    if (Flag(arg, "--port=", &v)) {
      options.rgw_port = std::atoi(v.c_str());
    } else if (Flag(arg, "--mon-port=", &v)) {
      options.mon_port = std::atoi(v.c_str());
    } else if (Flag(arg, "--access-key=", &v)) {
      options.access_key = v;
    } else if (Flag(arg, "--secret-key=", &v)) {
      options.secret_key = v;
    } else if (Flag(arg, "--memstore-mib=", &v)) {
      options.memstore_bytes = std::strtoull(v.c_str(), nullptr, 10) << 20;
    } else if (arg == "--keep-dir") {
      options.keep_dir = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--port=N] [--mon-port=N] [--access-key=K] [--secret-key=S] "
                   "[--memstore-mib=N] "
                   "[--keep-dir]\n",
                   argv[0]);
      return 2;
    }
  }

  // Block the stop signals before starting, so that one arriving during the
  // bring-up is not lost and does not kill us with the cluster half up.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto cluster = sos::testing::RgwCluster::Start(options);
  if (!cluster.ok()) {
    std::fprintf(stderr, "rgw_up: %s\n", cluster.status().ToString().c_str());
    return 1;
  }
  auto& c = **cluster;
  std::fprintf(stderr, "rgw_up: up in %.1f s, dir %s\n", c.startup_time().count() / 1000.0,
               c.dir().c_str());
  std::printf("%s %s %s\n", c.endpoint().c_str(), c.access_key().c_str(), c.secret_key().c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::fprintf(stderr, "rgw_up: %s, stopping\n", strsignal(sig));
  c.Stop();
  return 0;
}
