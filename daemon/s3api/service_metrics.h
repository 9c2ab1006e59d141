// ServiceMetrics: what sosd exposes at GET /-/metrics, in Prometheus's text
// format (prometheus-cpp's registry and serializer).
//
// Requests are counted as they finish (by operation and status), with a
// latency histogram per operation and bytes in and out. The store's numbers
// (per drive: free space, faults, repairs; blobs under-replicated; scrub
// progress) and the open connections are read when scraped.
//
// Label values come from closed sets (operation names, HTTP status codes,
// drive paths from the configuration): a client cannot grow the registry.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/storage/storage_engine.h"

namespace prometheus {
class Registry;
}

namespace sos::s3api {

class ServiceMetrics {
 public:
  ServiceMetrics();
  ~ServiceMetrics();
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  void RecordRequest(std::string_view operation, int status, double seconds, uint64_t bytes_in,
                     uint64_t bytes_out);
  // What a lifecycle run did (lifecycle_worker.h).
  void RecordLifecycle(uint64_t expired, uint64_t aborted);
  // The exposition, with the store's state and `connections_open` as of now.
  std::string Render(const StorageStats& stats, uint64_t connections_open);

 private:
  struct Families;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> f_;
};

}  // namespace sos::s3api
