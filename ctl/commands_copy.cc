// cp and sync: plans the transfers between two trees (tree.h), then runs
// them --parallel at a time, each through the one upload, download or
// server-side copy path (transfer.h, s3core/client/object_copy.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "ctl/acl_spec.h"
#include "ctl/commands.h"
#include "ctl/exit_code.h"
#include "ctl/local_target.h"
#include "ctl/progress_bar.h"
#include "ctl/transfer.h"
#include "ctl/tree.h"
#include "s3core/client/mime_types.h"
#include "s3core/client/multipart_writer.h"
#include "s3core/client/object_copy.h"
#include "s3core/client/parallel.h"
#include "s3core/crypto.h"

namespace sos::ctl {
namespace {

namespace fs = std::filesystem;

// One side of a cp or sync.
struct End {
  std::optional<S3Path> remote;  // else local
  std::string local;
  ObjectStore* store = nullptr;
};

std::string Display(const S3Path& p) {
  return p.alias.empty() ? "s3://" + p.ToString() : p.ToString();
}

Result<End> ResolveEnd(Session& session, const std::string& text) {
  End end;
  SOS_ASSIGN_OR_RETURN(end.remote, session.ParseRemote(text));
  if (end.remote) {
    SOS_ASSIGN_OR_RETURN(end.store, session.Store(*end.remote));
  } else {
    end.local = text;
  }
  return end;
}

// Names for a terminal: a hostile key's control bytes are shown as \xNN,
// never sent to the terminal (JSON output escapes them itself).
std::string Printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string JoinLocal(const std::string& dir, const std::string& rel) {
  return dir.ends_with('/') ? dir + rel : dir + "/" + rel;
}

// S3's DeleteObjects takes at most 1,000 keys.
constexpr size_t kDeleteBatch = 1000;

// One file to move: where from, where to. A local destination is either a
// path the user named (one file) or a relative name below the target
// directory (trees), written through LocalTarget.
struct Job {
  uint64_t size = 0;
  std::string src_local, dst_local;
  std::string dst_rel;  // set: dst_local is that name below the target directory
  S3Path src_remote, dst_remote;
  bool remove = false;  // sync --delete: remove the destination only
};

class Runner {
 public:
  Runner(Session& session, const End& src, const End& dst, const TransferFlags& flags)
      : session_(session), src_(src), dst_(dst), flags_(flags) {}

  // A file of a tree: `rel` below both roots.
  Job MakeInTree(const std::string& src_name, const std::string& rel, uint64_t size) const {
    Job job = Make(src_name, DstName(rel), size);
    if (!dst_.remote) job.dst_rel = rel;
    return job;
  }
  std::string DstName(const std::string& rel) const {
    return dst_.remote ? AsPrefix(dst_.remote->key) + rel : JoinLocal(dst_.local, rel);
  }

  Job Make(const std::string& src_name, const std::string& dst_name, uint64_t size) const {
    Job job;
    job.size = size;
    if (src_.remote) {
      job.src_remote = *src_.remote;
      job.src_remote.key = src_name;
    } else {
      job.src_local = src_name;
    }
    if (dst_.remote) {
      job.dst_remote = *dst_.remote;
      job.dst_remote.key = dst_name;
    } else {
      job.dst_local = dst_name;
    }
    return job;
  }

  // Runs every job; reports each; returns the first failure after all ran.
  Status Run(const std::vector<Job>& jobs) {
    uint64_t total = 0;
    for (const Job& j : jobs) total += j.remove ? 0 : j.size;
    ProgressBar bar(std::to_string(jobs.size()) + (jobs.size() == 1 ? " file" : " files"), total,
                    session_.ShowProgress() && !flags_.dry_run && !jobs.empty());
    std::mutex mu;  // guards bar, first_failure, counters and the output
    Status first_failure;
    uint64_t done_files = 0, failed = 0;
    auto start = std::chrono::steady_clock::now();
    // Reports one job's outcome (mu held).
    auto report = [&](const Job& job, const Status& s) {
      nlohmann::json event = {{"op", Verb(job)}, {"size", job.size}};
      if (!job.remove) event["src"] = Source(job);
      event["dst"] = Destination(job);
      if (flags_.dry_run) event["dry_run"] = true;
      std::string line =
          Printable(std::string(flags_.dry_run ? "(dryrun) " : "") + Verb(job) + ": " +
                    (job.remove ? Destination(job) : Source(job) + " -> " + Destination(job)));
      if (s.ok()) {
        ++done_files;
        if (jobs.size() > 1) bar.Add(job.remove ? 0 : job.size);
        session_.out().Event(event, line);
      } else {
        ++failed;
        if (first_failure.ok()) first_failure = s;
        event["error"] = ErrorJson(s)["error"];
        session_.out().Warn(line + " failed: " + Printable(ErrorText(s)));
        if (session_.out().json()) session_.out().Event(event, line);
      }
    };
    // Objects to delete go in DeleteObjects batches after the copies (one
    // request per 1,000 keys instead of one each); everything else in parallel.
    std::vector<const Job*> parallel, batched;
    for (const Job& j : jobs) (j.remove && dst_.remote ? batched : parallel).push_back(&j);
    ParallelFor(parallel.size(), std::max(1, flags_.parallel), [&](size_t i) {
      const Job& job = *parallel[i];
      Status s = flags_.dry_run ? Status::Ok() : RunOne(job, jobs.size() == 1 ? &bar : nullptr);
      std::lock_guard lock(mu);
      report(job, s);
    });
    for (size_t from = 0; from < batched.size(); from += kDeleteBatch) {
      std::vector<const Job*> batch(
          batched.begin() + static_cast<ptrdiff_t>(from),
          batched.begin() + static_cast<ptrdiff_t>(std::min(batched.size(), from + kDeleteBatch)));
      std::map<std::string, Status> outcome;  // key -> status
      if (!flags_.dry_run) {
        std::vector<std::string> keys;
        for (const Job* j : batch) keys.push_back(j->dst_remote.key);
        auto result = dst_.store->DeleteMany(dst_.remote->bucket, keys);
        if (!result.ok()) {
          for (const std::string& k : keys) outcome[k] = result.status();
        } else {
          for (const DeleteError& e : result->errors) outcome[e.key] = DeleteErrorStatus(e);
        }
      }
      std::lock_guard lock(mu);
      for (const Job* j : batch) {
        auto it = outcome.find(j->dst_remote.key);
        report(*j, it == outcome.end() ? Status::Ok() : it->second);
      }
    }
    bar.Finish();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nlohmann::json summary = {{"summary",
                               {{"files", done_files},
                                {"failed", failed},
                                {"bytes", total},
                                {"seconds", seconds},
                                {"dry_run", flags_.dry_run}}}};
    if (session_.out().json()) {
      session_.out().Event(summary, "");
    } else if (!jobs.empty()) {
      session_.out().Note(std::to_string(done_files) + " of " + std::to_string(jobs.size()) +
                          " done (" + FormatSize(total) + ")" +
                          (failed ? ", " + std::to_string(failed) + " failed" : ""));
    }
    return first_failure;
  }

 private:
  std::string Verb(const Job& job) const {
    if (job.remove) return "delete";
    if (src_.remote && dst_.remote) return "copy";
    return src_.remote ? "download" : "upload";
  }
  std::string Source(const Job& job) const {
    return src_.remote ? Display(job.src_remote) : job.src_local;
  }
  std::string Destination(const Job& job) const {
    return dst_.remote ? Display(job.dst_remote) : job.dst_local;
  }

  Status RunOne(const Job& job, ProgressBar* bar) {
    if (job.remove) {
      if (dst_.remote) return dst_.store->Delete(job.dst_remote.bucket, job.dst_remote.key);
      return LocalTarget(dst_.local).Remove(job.dst_rel);
    }
    if (src_.remote && dst_.remote) {
      CopyRequest copy;
      copy.src_bucket = job.src_remote.bucket;
      copy.src_key = job.src_remote.key;
      copy.dst_bucket = job.dst_remote.bucket;
      copy.dst_key = job.dst_remote.key;
      SOS_ASSIGN_OR_RETURN(copy.options, ApplyHeaderFlags(flags_.headers, {}));
      copy.replace_metadata = HasHeaderFlags();
      copy.options.canned_acl = flags_.canned_acl;
      return CopyObjectAnySize(*dst_.store, copy, job.size).status();
    }
    if (dst_.remote) {
      WriteOptions base;
      base.content_type = ContentTypeFor(job.src_local);
      SOS_ASSIGN_OR_RETURN(WriteOptions options, ApplyHeaderFlags(flags_.headers, base));
      options.canned_acl = flags_.canned_acl;
      struct stat st {};
      // s3fs's x-amz-meta-mtime: a mount of the bucket shows the file's own time.
      if (::stat(job.src_local.c_str(), &st) == 0 && !options.user_meta.contains("mtime")) {
        options.user_meta["mtime"] = std::to_string(st.st_mtim.tv_sec);
      }
      return UploadFile(*dst_.store, job.src_local, job.dst_remote, options, bar).status();
    }
    if (!job.dst_rel.empty()) {
      return LocalTarget(dst_.local).Download(*src_.store, job.src_remote, job.dst_rel, bar);
    }
    // One file to the path the user named.
    std::error_code ec;
    fs::path parent = fs::path(job.dst_local).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    if (ec) return StatusFromErrno(ec.value(), "cannot create " + parent.string());
    return DownloadToFile(*src_.store, job.src_remote, job.dst_local, bar, /*stamp=*/true).status();
  }

  bool HasHeaderFlags() const {
    const HeaderFlags& h = flags_.headers;
    return h.content_type || h.cache_control || h.content_disposition || h.content_encoding ||
           h.content_language || h.expires || !h.meta.empty();
  }

  Session& session_;
  const End& src_;
  const End& dst_;
  const TransferFlags& flags_;
};

Status CheckEnds(Session& session, const End& src, const End& dst, const TransferFlags& flags) {
  if (!src.remote && !dst.remote) {
    return UsageError("one side must be remote: s3://BUCKET[/KEY] or ALIAS/BUCKET[/KEY]");
  }
  if (src.remote && dst.remote && src.remote->alias != dst.remote->alias) {
    return UsageError(
        "a server-side copy needs both sides on one endpoint; copy through a local directory");
  }
  if (flags.parallel < 1 || flags.parallel > 256) return UsageError("--parallel is 1 to 256");
  if (!flags.canned_acl.empty()) {
    if (!dst.remote) return UsageError("--acl needs a remote DST");
    SOS_RETURN_IF_ERROR(CheckCannedAcl(flags.canned_acl, session.out()));
  }
  return Status::Ok();
}

// The entries of one side's tree that the filters allow. A local destination
// is listed without following links: sync --delete then removes only files
// that really are below it.
struct Listing {
  std::vector<TreeEntry> entries;
  bool complete = true;
};

Result<Listing> ListTree(Session& session, const End& end, const TransferFlags& flags,
                         bool local_names, bool is_destination) {
  Listing listing;
  if (end.remote) {
    SOS_ASSIGN_OR_RETURN(RemoteTree tree, ListRemoteTree(*end.store, end.remote->bucket,
                                                         AsPrefix(end.remote->key), local_names));
    for (const std::string& key : tree.unsafe) {
      session.out().Warn("skipping " + Printable("s3://" + end.remote->bucket + "/" + key) +
                         ": not a safe local file name");
    }
    listing.entries = std::move(tree.objects);
  } else {
    std::error_code ec;
    if (!fs::is_directory(end.local, ec)) {
      if (!is_destination) return UsageError(end.local + " is not a directory");
      return listing;
    }
    SOS_ASSIGN_OR_RETURN(LocalTree tree,
                         ListLocalTree(end.local, flags.follow_symlinks && !is_destination));
    if (!is_destination) {
      for (const std::string& why : tree.skipped) session.out().Warn("skipping " + Printable(why));
    }
    listing.entries = std::move(tree.files);
    listing.complete = tree.complete;
  }
  const TreeFilters filters{flags.filters};
  std::erase_if(listing.entries, [&](const TreeEntry& e) { return !filters.Allows(e.rel); });
  return listing;
}

std::string SrcName(const End& src, const std::string& rel) {
  return src.remote ? AsPrefix(src.remote->key) + rel : JoinLocal(src.local, rel);
}

// The S3 ETag of a local file uploaded in parts of `part_size` (0: one PUT):
// the MD5, or the MD5 of the parts' MD5s and "-N".
Result<std::string> LocalEtag(const std::string& file, uint64_t part_size) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return StatusFromErrno(errno, "cannot open " + file);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return StatusFromErrno(errno, "cannot stat " + file);
  const auto size = static_cast<uint64_t>(st.st_size);  // as it is now, not as listed
  const bool multipart = part_size > 0;
  if (!multipart) part_size = std::max<uint64_t>(size, 1);
  std::string part_md5s, buf(1 << 20, '\0');
  Digest part(DigestAlgorithm::kMd5);
  uint64_t in_part = 0;
  int parts = 0;
  while (true) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), part_size - in_part));
    ssize_t n = ::read(fd.get(), buf.data(), want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return StatusFromErrno(errno, "cannot read " + file);
    if (n == 0) break;
    part.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
    in_part += static_cast<uint64_t>(n);
    if (in_part == part_size) {
      part_md5s += part.Finish();
      part = Digest(DigestAlgorithm::kMd5);
      ++parts;
      in_part = 0;
    }
  }
  if (in_part > 0 || parts == 0) {
    part_md5s += part.Finish();
    ++parts;
  }
  if (!multipart) return "\"" + HexEncode(part_md5s) + "\"";
  return "\"" + HexEncode(Md5(part_md5s)) + "-" + std::to_string(parts) + "\"";
}

// Whether a local file holds what an object holds, by its ETag: nullopt when
// the ETag cannot tell (a multipart layout no known part size reproduces).
// Part sizes tried: sosctl's and sosfs's rule, and what the aws CLI (8 MiB),
// rclone (5 MiB), s3cmd (15 MiB) and others (16 MiB) use, and the even split.
std::optional<bool> LocalMatchesEtag(const std::string& file, uint64_t size,
                                     const std::string& etag) {
  const int parts = MultipartEtagParts(etag);
  if (parts == 0) {
    auto local = LocalEtag(file, 0);
    return local.ok() && *local == etag;
  }
  std::vector<uint64_t> candidates = {PartSizeFor(size, kMinPartSize, uint64_t{1} << 20),
                                      uint64_t{8} << 20, uint64_t{5} << 20, uint64_t{15} << 20,
                                      uint64_t{16} << 20};
  const uint64_t even = (size + static_cast<uint64_t>(parts) - 1) / static_cast<uint64_t>(parts);
  candidates.push_back((even + (uint64_t{1} << 20) - 1) & ~((uint64_t{1} << 20) - 1));
  candidates.push_back(even);
  std::set<uint64_t> tried;
  for (uint64_t p : candidates) {
    if (p == 0 || static_cast<int>(PartCountFor(size, p)) != parts || !tried.insert(p).second) {
      continue;
    }
    auto local = LocalEtag(file, p);
    if (local.ok() && *local == etag) return true;
  }
  if (tried.empty()) return std::nullopt;
  return false;
}

// --checksum: same content? nullopt when it cannot be told from ETags.
std::optional<bool> SameContent(const End& src, const End& dst, const TreeEntry& s,
                                const TreeEntry& d, const std::string& src_name,
                                const std::string& dst_name) {
  if (src.remote && dst.remote) {
    if (s.etag == d.etag) return true;
    // Plain MD5s differ: different bytes. A multipart ETag depends on the part layout.
    if (MultipartEtagParts(s.etag) == 0 && MultipartEtagParts(d.etag) == 0) return false;
    return std::nullopt;
  }
  return src.remote ? LocalMatchesEtag(dst_name, d.size, s.etag)
                    : LocalMatchesEtag(src_name, s.size, d.etag);
}

}  // namespace

Status Copy(Session& session, const CopyArgs& args) {
  SOS_ASSIGN_OR_RETURN(End src, ResolveEnd(session, args.src));
  if (args.dst == "-" && src.remote && !args.recursive) return Cat(session, args.src);
  SOS_ASSIGN_OR_RETURN(End dst, ResolveEnd(session, args.dst));
  SOS_RETURN_IF_ERROR(CheckEnds(session, src, dst, args.flags));
  Runner runner(session, src, dst, args.flags);
  std::vector<Job> jobs;
  if (args.recursive) {
    SOS_ASSIGN_OR_RETURN(Listing listing, ListTree(session, src, args.flags, !dst.remote,
                                                   /*is_destination=*/false));
    for (const TreeEntry& e : listing.entries) {
      jobs.push_back(runner.MakeInTree(SrcName(src, e.rel), e.rel, e.size));
    }
    if (jobs.empty()) session.out().Note("nothing to copy under " + Printable(args.src));
    return runner.Run(jobs);
  }
  // One file or object.
  uint64_t size = 0;
  std::string name;
  if (src.remote) {
    if (src.remote->key.empty() || src.remote->key.ends_with('/')) {
      return UsageError(Display(*src.remote) + " is a prefix: use -r to copy what is under it");
    }
    SOS_ASSIGN_OR_RETURN(ObjectMeta meta, src.store->Head(src.remote->bucket, src.remote->key));
    size = meta.size;
    name = BaseName(src.remote->key);
  } else {
    struct stat st {};
    if (::stat(src.local.c_str(), &st) != 0) {
      return StatusFromErrno(errno, "cannot stat " + src.local);
    }
    if (S_ISDIR(st.st_mode)) return UsageError(src.local + " is a directory: use -r");
    if (!S_ISREG(st.st_mode)) return UsageError(src.local + " is not a regular file");
    size = static_cast<uint64_t>(st.st_size);
    name = BaseName(src.local);
  }
  std::string dst_name;
  if (dst.remote) {
    dst_name = dst.remote->key.empty() || dst.remote->key.ends_with('/') ? dst.remote->key + name
                                                                         : dst.remote->key;
  } else {
    std::error_code ec;
    bool into_dir = dst.local.ends_with('/') || fs::is_directory(dst.local, ec);
    dst_name = into_dir ? JoinLocal(dst.local, name) : dst.local;
  }
  jobs.push_back(runner.Make(src.remote ? src.remote->key : src.local, dst_name, size));
  return runner.Run(jobs);
}

Status Sync(Session& session, const SyncArgs& args) {
  SOS_ASSIGN_OR_RETURN(End src, ResolveEnd(session, args.src));
  SOS_ASSIGN_OR_RETURN(End dst, ResolveEnd(session, args.dst));
  SOS_RETURN_IF_ERROR(CheckEnds(session, src, dst, args.flags));
  SOS_ASSIGN_OR_RETURN(Listing from, ListTree(session, src, args.flags, !dst.remote,
                                              /*is_destination=*/false));
  SOS_ASSIGN_OR_RETURN(Listing to, ListTree(session, dst, args.flags, !dst.remote,
                                            /*is_destination=*/true));
  std::map<std::string, const TreeEntry*> at_dst;
  for (const TreeEntry& e : to.entries) at_dst[e.rel] = &e;
  Runner runner(session, src, dst, args.flags);
  std::vector<Job> jobs;
  for (const TreeEntry& s : from.entries) {
    const std::string src_name = SrcName(src, s.rel);
    auto it = at_dst.find(s.rel);
    bool transfer = it == at_dst.end() || it->second->size != s.size;
    if (!transfer) {
      const TreeEntry& d = *it->second;
      std::optional<bool> same;
      if (args.checksum) same = SameContent(src, dst, s, d, src_name, runner.DstName(s.rel));
      // Without --checksum, or when ETags cannot tell: a newer source is copied
      // (S3's LastModified has whole seconds).
      transfer = same ? !*same
                      : std::chrono::floor<std::chrono::seconds>(s.mtime) >
                            std::chrono::floor<std::chrono::seconds>(d.mtime);
    }
    if (transfer) jobs.push_back(runner.MakeInTree(src_name, s.rel, s.size));
  }
  Status refused;
  if (args.delete_extra && !from.complete) {
    // As rsync: what could not be read may still exist; deleting its copy would lose it.
    refused = Status::IOError("not deleting anything: part of " + args.src +
                              " could not be read (see the warnings)");
    session.out().Warn(refused.message());
  } else if (args.delete_extra) {
    std::set<std::string> in_src;
    for (const TreeEntry& s : from.entries) in_src.insert(s.rel);
    for (const TreeEntry& d : to.entries) {
      if (in_src.contains(d.rel)) continue;
      Job job = runner.MakeInTree("", d.rel, d.size);
      job.remove = true;
      jobs.push_back(std::move(job));
    }
  }
  SOS_RETURN_IF_ERROR(runner.Run(jobs));
  return refused;
}

}  // namespace sos::ctl
