#include "daemon/s3api/service_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <chrono>
#include <mutex>

namespace sos::s3api {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

struct ServiceMetrics::Families {
  Family<Counter>& requests;
  Family<Histogram>& latency;
  Counter& bytes_in;
  Counter& bytes_out;
  Family<Gauge>& connections;
  Family<Gauge>& objects;
  Family<Gauge>& under_replicated;
  Family<Gauge>& drive_up;
  Family<Gauge>& drive_free;
  Family<Gauge>& drive_total;
  // Totals the engine keeps; exported as counters by adding what is new.
  Family<Counter>& drive_read_faults;
  Family<Counter>& drive_checksum_failures;
  Family<Counter>& drive_write_faults;
  Family<Counter>& drive_repairs;
  Family<Gauge>& scrub;
  Family<Counter>& scrub_faults;
  Family<Counter>& lifecycle;
  Family<Counter>& commits;
  std::mutex render_mu;  // one scrape at a time brings the engine's totals in
};

namespace {

// Latency buckets in seconds: 1 ms to 60 s.
const Histogram::BucketBoundaries kLatencyBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

// Brings a counter up to `total` (engine totals only grow; a smaller one
// after a restart of the engine is ignored).
void CatchUp(Counter& c, uint64_t total) {
  const double now = c.Value();
  if (static_cast<double>(total) > now) c.Increment(static_cast<double>(total) - now);
}

double Seconds(TimePoint t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

}  // namespace

ServiceMetrics::ServiceMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  auto& bytes = BuildCounter().Name("sosd_http_bytes_total").Help("HTTP body bytes").Register(r);
  f_.reset(new Families{
      BuildCounter()
          .Name("sosd_requests_total")
          .Help("Requests by operation and status")
          .Register(r),
      BuildHistogram()
          .Name("sosd_request_duration_seconds")
          .Help("Request latency by operation, head to last byte")
          .Register(r),
      bytes.Add({{"direction", "in"}}),
      bytes.Add({{"direction", "out"}}),
      BuildGauge().Name("sosd_connections_open").Help("HTTP connections open").Register(r),
      BuildGauge().Name("sosd_objects").Help("Objects in the index").Register(r),
      BuildGauge()
          .Name("sosd_blobs_under_replicated")
          .Help("Blobs with a replica known to be bad or missing, queued for repair")
          .Register(r),
      BuildGauge().Name("sosd_drive_up").Help("1 while the drive takes writes").Register(r),
      BuildGauge().Name("sosd_drive_free_bytes").Help("Free space on the drive").Register(r),
      BuildGauge()
          .Name("sosd_drive_size_bytes")
          .Help("Size of the drive's file system")
          .Register(r),
      BuildCounter()
          .Name("sosd_drive_read_faults_total")
          .Help("Replicas found missing, corrupt or unreadable (served from another drive)")
          .Register(r),
      BuildCounter()
          .Name("sosd_drive_checksum_failures_total")
          .Help("Replicas whose bytes failed their checksum (counted in read faults too)")
          .Register(r),
      BuildCounter()
          .Name("sosd_drive_write_faults_total")
          .Help("Replica writes and health probes that failed (no space included)")
          .Register(r),
      BuildCounter()
          .Name("sosd_drive_repairs_total")
          .Help("Replicas rewritten from a good copy")
          .Register(r),
      BuildGauge()
          .Name("sosd_scrub")
          .Help("Scrubber: running, blobs_done, blobs_total, bytes_done, passes_completed, "
                "last_pass_completed_seconds (since the epoch; 0: never)")
          .Register(r),
      BuildCounter()
          .Name("sosd_scrub_faults_total")
          .Help("Bad or missing replicas found by scrubbing")
          .Register(r),
      BuildCounter()
          .Name("sosd_lifecycle_actions_total")
          .Help("Lifecycle rules applied: objects expired, multipart uploads aborted")
          .Register(r),
      BuildCounter()
          .Name("sosd_commits_total")
          .Help("Group commit: batches committed, changes in them, syncs of small blobs "
                "(changes per batch show how many writes share one flush)")
          .Register(r),
  });
}

void ServiceMetrics::RecordLifecycle(uint64_t expired, uint64_t aborted) {
  f_->lifecycle.Add({{"action", "expired"}}).Increment(static_cast<double>(expired));
  f_->lifecycle.Add({{"action", "aborted"}}).Increment(static_cast<double>(aborted));
}

ServiceMetrics::~ServiceMetrics() = default;

void ServiceMetrics::RecordRequest(std::string_view operation, int status, double seconds,
                                   uint64_t bytes_in, uint64_t bytes_out) {
  const std::string op(operation);
  f_->requests.Add({{"operation", op}, {"status", std::to_string(status)}}).Increment();
  f_->latency.Add({{"operation", op}}, kLatencyBuckets).Observe(seconds);
  f_->bytes_in.Increment(static_cast<double>(bytes_in));
  f_->bytes_out.Increment(static_cast<double>(bytes_out));
}

std::string ServiceMetrics::Render(const StorageStats& stats, uint64_t connections_open) {
  {
    std::lock_guard lock(f_->render_mu);
    f_->connections.Add({}).Set(static_cast<double>(connections_open));
    f_->objects.Add({}).Set(static_cast<double>(stats.objects));
    f_->under_replicated.Add({}).Set(static_cast<double>(stats.under_replicated));
    for (const DriveStats& d : stats.drives) {
      const prometheus::Labels drive{{"drive", d.path}};
      f_->drive_up.Add(drive).Set(d.ok ? 1 : 0);
      f_->drive_free.Add(drive).Set(static_cast<double>(d.free_bytes));
      f_->drive_total.Add(drive).Set(static_cast<double>(d.total_bytes));
      CatchUp(f_->drive_read_faults.Add(drive), d.read_faults);
      CatchUp(f_->drive_checksum_failures.Add(drive), d.checksum_failures);
      CatchUp(f_->drive_write_faults.Add(drive), d.write_faults);
      CatchUp(f_->drive_repairs.Add(drive), d.repairs);
    }
    const ScrubProgress& s = stats.scrub;
    auto scrub = [&](const char* what, double v) { f_->scrub.Add({{"value", what}}).Set(v); };
    scrub("running", s.running ? 1 : 0);
    scrub("blobs_done", static_cast<double>(s.blobs_done));
    scrub("blobs_total", static_cast<double>(s.blobs_total));
    scrub("bytes_done", static_cast<double>(s.bytes_done));
    scrub("passes_completed", static_cast<double>(s.passes_completed));
    scrub("last_pass_completed_seconds",
          s.passes_completed > 0 ? Seconds(s.last_pass_completed) : 0);
    CatchUp(f_->scrub_faults.Add({}), s.faults_total);
    CatchUp(f_->commits.Add({{"what", "batches"}}), stats.commit_batches);
    CatchUp(f_->commits.Add({{"what", "changes"}}), stats.commit_changes);
    CatchUp(f_->commits.Add({{"what", "blob_syncs"}}), stats.blob_syncs);
  }
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace sos::s3api
