// mb, rb and ls.
#include <functional>

#include "ctl/commands.h"
#include "ctl/exit_code.h"

namespace sos::ctl {
namespace {

// Every object under `prefix`, page by page (no delimiter).
Status ForEachObject(ObjectStore& store, const std::string& bucket, const std::string& prefix,
                     const std::function<Status(const std::vector<ObjectMeta>&)>& visit) {
  ListRequest req;
  req.bucket = bucket;
  req.prefix = prefix;
  while (true) {
    SOS_ASSIGN_OR_RETURN(ListResult page, store.List(req));
    SOS_RETURN_IF_ERROR(visit(page.objects));
    if (!page.is_truncated || page.next_token.empty()) return Status::Ok();
    req.continuation_token = page.next_token;
  }
}

}  // namespace

Status DeleteAllUnder(ObjectStore& store, const std::string& bucket, const std::string& prefix,
                      uint64_t* deleted) {
  return ForEachObject(store, bucket, prefix, [&](const std::vector<ObjectMeta>& objects) {
    if (objects.empty()) return Status::Ok();
    std::vector<std::string> keys;
    for (const auto& o : objects) keys.push_back(o.key);
    SOS_ASSIGN_OR_RETURN(DeleteManyResult result, store.DeleteMany(bucket, keys));
    *deleted += result.deleted.size();
    return result.errors.empty() ? Status::Ok() : DeleteErrorStatus(result.errors.front());
  });
}

namespace {

// A versioned bucket keeps its old versions and delete markers once its
// objects are deleted, and cannot be removed with them. Each round deletes
// the first page left; a locked version stops it with its reason. A server
// without ListObjectVersions has no versions to remove.
Status DeleteAllVersions(ObjectStore& store, const std::string& bucket, uint64_t* deleted) {
  std::vector<VersionRef> previous;
  while (true) {
    auto page = store.FirstVersions(bucket);
    if (!page.ok()) {
      return page.status().code() == StatusCode::kNotSupported ? Status::Ok() : page.status();
    }
    if (page->empty()) return Status::Ok();
    if (*page == previous) {
      return Status::IOError("the versions of " + bucket + " are still listed after being deleted");
    }
    SOS_ASSIGN_OR_RETURN(DeleteManyResult result, store.DeleteVersions(bucket, *page));
    if (!result.errors.empty()) return DeleteErrorStatus(result.errors.front());
    *deleted += page->size();
    previous = *std::move(page);
  }
}

}  // namespace

Status DeleteErrorStatus(const DeleteError& e) {
  return Status(e.code == "AccessDenied" ? StatusCode::kPermissionDenied : StatusCode::kIOError,
                "cannot delete " + e.key + ": " + e.message, e.code);
}

Status ListAllObjects(ObjectStore& store, const std::string& bucket, const std::string& prefix,
                      std::vector<ObjectMeta>* out) {
  return ForEachObject(store, bucket, prefix, [&](const std::vector<ObjectMeta>& objects) {
    out->insert(out->end(), objects.begin(), objects.end());
    return Status::Ok();
  });
}

Status MakeBucket(Session& session, const MakeBucketArgs& args) {
  SOS_ASSIGN_OR_RETURN(S3Path path, session.ParsePath(args.bucket));
  if (!path.key.empty()) return UsageError("mb takes a bucket name, not " + args.bucket);
  if (!args.canned_acl.empty()) {
    SOS_RETURN_IF_ERROR(CheckCannedAcl(args.canned_acl, session.out()));
  }
  SOS_ASSIGN_OR_RETURN(ObjectStore * store, session.Store(path));
  SOS_RETURN_IF_ERROR(store->CreateBucket(path.bucket, args.canned_acl));
  session.out().Print({{"bucket", path.bucket}, {"created", true}},
                      "created bucket " + path.bucket);
  return Status::Ok();
}

Status RemoveBucket(Session& session, const RemoveBucketArgs& args) {
  SOS_ASSIGN_OR_RETURN(S3Path path, session.ParsePath(args.bucket));
  if (!path.key.empty()) return UsageError("rb takes a bucket name, not " + args.bucket);
  SOS_ASSIGN_OR_RETURN(ObjectStore * store, session.Store(path));
  uint64_t deleted = 0, versions_deleted = 0;
  if (args.force) {
    SOS_RETURN_IF_ERROR(store->HeadBucket(path.bucket));
    SOS_ASSIGN_OR_RETURN(ListUploadsResult uploads, store->ListMultipartUploads(path.bucket));
    for (const auto& u : uploads.uploads) {
      SOS_RETURN_IF_ERROR(store->AbortMultipartUpload(path.bucket, u.key, u.upload_id));
    }
    SOS_RETURN_IF_ERROR(DeleteAllUnder(*store, path.bucket, "", &deleted));
    SOS_RETURN_IF_ERROR(DeleteAllVersions(*store, path.bucket, &versions_deleted));
  }
  SOS_RETURN_IF_ERROR(store->DeleteBucket(path.bucket));
  std::string line = "removed bucket " + path.bucket;
  if (args.force) line += " (and " + std::to_string(deleted) + " objects)";
  if (versions_deleted > 0) {
    line += " (and " + std::to_string(versions_deleted) + " old versions and delete markers)";
  }
  session.out().Print({{"bucket", path.bucket},
                       {"removed", true},
                       {"objects_deleted", deleted},
                       {"versions_deleted", versions_deleted}},
                      line);
  return Status::Ok();
}

Status List(Session& session, const ListArgs& args) {
  // No path, or just an alias ("ls ALIAS"): the buckets of that endpoint.
  std::string alias = args.path;
  while (alias.ends_with('/')) alias.pop_back();
  if (!session.aliases().contains(alias)) alias.clear();
  if (args.path.empty() || !alias.empty()) {
    S3Path endpoint;
    endpoint.alias = alias;
    SOS_ASSIGN_OR_RETURN(ObjectStore * store, session.Store(endpoint));
    SOS_ASSIGN_OR_RETURN(std::vector<BucketInfo> buckets, store->ListBuckets());
    nlohmann::json doc = {{"buckets", nlohmann::json::array()}};
    Table t;
    t.columns = {"CREATED", "BUCKET"};
    for (const auto& b : buckets) {
      doc["buckets"].push_back({{"name", b.name}, {"created", FormatTimeJson(b.creation_date)}});
      t.rows.push_back({FormatTime(b.creation_date), b.name});
    }
    session.out().Print(doc, t);
    return Status::Ok();
  }
  SOS_ASSIGN_OR_RETURN(S3Path path, session.ParsePath(args.path));
  SOS_ASSIGN_OR_RETURN(ObjectStore * store, session.Store(path));
  ListRequest req;
  req.bucket = path.bucket;
  req.prefix = path.key;
  if (!args.recursive) req.delimiter = "/";
  nlohmann::json objects = nlohmann::json::array(), prefixes = nlohmann::json::array();
  Table t;
  t.columns = {"MODIFIED", "SIZE", "KEY"};
  t.right_aligned = {false, true, false};
  while (true) {
    SOS_ASSIGN_OR_RETURN(ListResult page, store->List(req));
    for (const auto& p : page.common_prefixes) {
      prefixes.push_back(p);
      t.rows.push_back({"", "DIR", p});
    }
    for (const auto& o : page.objects) {
      objects.push_back({{"key", o.key},
                         {"size", o.size},
                         {"etag", o.etag},
                         {"last_modified", FormatTimeJson(o.last_modified)}});
      t.rows.push_back({FormatTime(o.last_modified), FormatSize(o.size), o.key});
    }
    if (!page.is_truncated || page.next_token.empty()) break;
    req.continuation_token = page.next_token;
  }
  session.out().Print(
      {{"bucket", path.bucket}, {"prefix", path.key}, {"objects", objects}, {"prefixes", prefixes}},
      t);
  return Status::Ok();
}

}  // namespace sos::ctl
