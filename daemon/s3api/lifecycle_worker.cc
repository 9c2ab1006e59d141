#include "daemon/s3api/lifecycle_worker.h"

#include "s3core/xml_codec.h"

namespace sos::s3api {
namespace {

constexpr std::chrono::hours kDay{24};

bool TagsMatch(const LifecycleRule& rule, const ObjectRecord& object) {
  for (const auto& [key, value] : rule.tags) {
    auto it = object.tags.find(key);
    if (it == object.tags.end() || it->second != value) return false;
  }
  return true;
}

bool Expired(const LifecycleRule& rule, const ObjectMeta& meta, TimePoint now) {
  if (rule.expiration_date) return now >= *rule.expiration_date;
  if (rule.expiration_days) return meta.last_modified + *rule.expiration_days * kDay <= now;
  return false;
}

}  // namespace

LifecycleWorker::LifecycleWorker(StorageEngine& engine, Options options)
    : engine_(engine), options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
}

LifecycleWorker::~LifecycleWorker() { Stop(); }

void LifecycleWorker::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      auto run = RunOnce();
      if (!run.ok() && options_.log) options_.log("lifecycle: " + run.status().ToString());
      lock.lock();
      cv_.wait_for(lock, options_.interval, [&] { return stop_; });
    }
  });
}

void LifecycleWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<LifecycleWorker::Counts> LifecycleWorker::RunOnce() {
  std::lock_guard run(run_mu_);
  const TimePoint now = options_.clock();
  SOS_ASSIGN_OR_RETURN(std::vector<BucketRecord> buckets, engine_.ListBuckets());
  Counts total;
  Status first_error;
  for (const BucketRecord& bucket : buckets) {
    if (bucket.lifecycle.empty()) continue;
    Counts counts;
    Status s = ApplyToBucket(bucket, now, &counts);
    if (!s.ok() && first_error.ok()) first_error = s;
    if ((counts.expired || counts.aborted) && options_.log) {
      options_.log("lifecycle: bucket " + bucket.name + ": " + std::to_string(counts.expired) +
                   " objects expired, " + std::to_string(counts.aborted) + " uploads aborted");
    }
    total.expired += counts.expired;
    total.aborted += counts.aborted;
  }
  if (options_.on_counts) options_.on_counts(total);
  if (!first_error.ok()) return first_error;
  return total;
}

Status LifecycleWorker::ApplyToBucket(const BucketRecord& bucket, TimePoint now,
                                      Counts* counts) {
  SOS_ASSIGN_OR_RETURN(LifecycleConfiguration config,
                       DecodeLifecycleConfiguration(bucket.lifecycle));
  for (const LifecycleRule& rule : config.rules) {
    if (!rule.enabled) continue;
    if (rule.expiration_days || rule.expiration_date) {
      ListObjectsQuery query;
      query.prefix = rule.prefix;
      for (;;) {
        SOS_ASSIGN_OR_RETURN(ListObjectsPage page, engine_.ListObjects(bucket.name, query));
        for (const ObjectRecord& object : page.objects) {
          if (!TagsMatch(rule, object) || !Expired(rule, object.meta, now)) continue;
          Status s = engine_.DeleteObject(bucket.name, object.meta.key).status();
          if (s.ok()) ++counts->expired;
          else if (s.code() != StatusCode::kNotFound) return s;
        }
        if (!page.is_truncated) break;
        query.start_after = page.next_start_after;
      }
    }
    if (rule.noncurrent_days || rule.expired_object_delete_marker.value_or(false)) {
      SOS_RETURN_IF_ERROR(ExpireVersions(bucket, rule, now, counts));
    }
    if (rule.abort_incomplete_days) {
      SOS_ASSIGN_OR_RETURN(std::vector<UploadRecord> uploads,
                           engine_.ListUploads(bucket.name, rule.prefix));
      for (const UploadRecord& upload : uploads) {
        if (upload.initiated + *rule.abort_incomplete_days * kDay > now) continue;
        Status s = engine_.AbortUpload(upload.upload_id);
        if (s.ok()) ++counts->aborted;
        else if (s.code() != StatusCode::kNotFound) return s;
      }
    }
  }
  return Status::Ok();
}

// NoncurrentVersionExpiration: a version goes `noncurrent_days` after the
// next newer one replaced it. ExpiredObjectDeleteMarker: a delete marker
// that is all that is left of its key goes. Chosen over every page first,
// then deleted, so the pages' markers stay valid.
Status LifecycleWorker::ExpireVersions(const BucketRecord& bucket, const LifecycleRule& rule,
                                       TimePoint now, Counts* counts) {
  std::vector<std::pair<std::string, std::string>> doomed;  // key, version id
  ListVersionsQuery query;
  query.prefix = rule.prefix;
  std::string key;             // of the entry before
  TimePoint newer{};           // its time: when the entry after it stopped being current
  bool marker_alone = false;   // the entry before is a latest marker, nothing seen after it
  std::string marker_id;
  auto close_key = [&] {
    if (marker_alone && rule.expired_object_delete_marker.value_or(false)) {
      doomed.emplace_back(key, marker_id);
    }
    marker_alone = false;
  };
  for (;;) {
    SOS_ASSIGN_OR_RETURN(ListVersionsPage page, engine_.ListObjectVersions(bucket.name, query));
    for (const VersionEntry& v : page.versions) {
      const std::string id = v.record.version_id.empty() ? "null" : v.record.version_id;
      if (v.record.meta.key != key) {
        close_key();
        key = v.record.meta.key;
        marker_alone = v.is_latest && v.record.delete_marker;
        marker_id = id;
      } else {
        marker_alone = false;
        if (rule.noncurrent_days && TagsMatch(rule, v.record) &&
            newer + *rule.noncurrent_days * kDay <= now) {
          doomed.emplace_back(key, id);
        }
      }
      newer = v.record.meta.last_modified;
    }
    if (!page.is_truncated) break;
    query.key_marker = page.next_key_marker;
    query.version_id_marker = page.next_version_id_marker;
  }
  close_key();
  for (const auto& [k, id] : doomed) {
    Status s = engine_.DeleteObject(bucket.name, k, id).status();
    if (s.ok()) ++counts->expired;
    // A version under object lock stays (the engine refuses): not an error.
    else if (s.code() != StatusCode::kNotFound && s.code() != StatusCode::kPermissionDenied) {
      return s;
    }
  }
  return Status::Ok();
}

}  // namespace sos::s3api
