#include "fuse/core/file_state.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fuse/core/fs_errors.h"
#include "s3core/client/mime_types.h"

namespace sos {
namespace {

constexpr uint8_t kPresent = BlockIndex::kPresent;
constexpr uint8_t kDirty = BlockIndex::kDirty;

int64_t NowNs() { return NsFromTimespec(NowTimespec()); }

Status Resize(int fd, uint64_t size) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
    return StatusFromErrno(errno, "cache truncate");
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<FileState>> FileState::CreateNew(FileContext& ctx, const std::string& path,
                                                        const NodeAttr& attr) {
  SOS_ASSIGN_OR_RETURN(uint64_t id, ctx.cache.files().NewFileId());
  SOS_ASSIGN_OR_RETURN(int fd, ctx.cache.data().Open(id, true));
  std::shared_ptr<FileState> st(new FileState(ctx, path, id, fd));
  SOS_RETURN_IF_ERROR(Resize(fd, 0));
  SOS_RETURN_IF_ERROR(ctx.cache.blocks().Clear(id));
  st->attr_ = attr;
  st->content_type_.clear();
  st->type_from_name_ = true;  // chosen from the name at upload (EffectiveContentType)
  st->dirty_ = true;
  st->expected_ = "";  // created where nothing was
  SOS_RETURN_IF_ERROR(st->Persist(/*durable=*/true));
  return st;
}

Result<std::shared_ptr<FileState>> FileState::Load(FileContext& ctx, const std::string& path,
                                                   const RemoteEntry& remote) {
  auto rec = ctx.cache.files().Get(path);
  if (rec.ok() && *rec && (*rec)->dirty) return Recover(ctx, path, **rec);
  std::optional<FileRecord> record = rec.ok() ? *rec : std::nullopt;
  uint64_t id;
  if (record) {
    id = record->file_id;
  } else {
    SOS_ASSIGN_OR_RETURN(id, ctx.cache.files().NewFileId());
  }
  SOS_ASSIGN_OR_RETURN(int fd, ctx.cache.data().Open(id, true));
  std::shared_ptr<FileState> st(new FileState(ctx, path, id, fd));
  bool reuse = record && !remote.etag.empty() && record->etag == remote.etag &&
               record->base_size == remote.size;
  struct stat sb;
  if (reuse && (::fstat(fd, &sb) != 0 || static_cast<uint64_t>(sb.st_size) != remote.size)) {
    reuse = false;
  }
  if (reuse) {
    auto blocks = ctx.cache.blocks().Load(id);
    if (blocks.ok()) {
      st->blocks_ = std::move(*blocks);
      for (auto& f : st->blocks_) f &= kPresent;
    }
  } else {
    SOS_RETURN_IF_ERROR(Resize(fd, 0));
    SOS_RETURN_IF_ERROR(Resize(fd, remote.size));
    SOS_RETURN_IF_ERROR(ctx.cache.blocks().Clear(id));
  }
  st->size_ = st->base_size_ = remote.size;
  st->etag_ = remote.etag;
  st->expected_ = KnownVersion(remote.etag);
  st->attr_ = DecodeAttr(remote, ctx.options.defaults);
  st->xattrs_ = XattrsOf(remote.user_meta);
  st->content_type_ = remote.content_type;
  SOS_RETURN_IF_ERROR(st->Persist());
  return st;
}

Result<std::shared_ptr<FileState>> FileState::Recover(FileContext& ctx, const std::string& path,
                                                      const FileRecord& record) {
  SOS_ASSIGN_OR_RETURN(int fd, ctx.cache.data().Open(record.file_id, false));
  std::shared_ptr<FileState> st(new FileState(ctx, path, record.file_id, fd));
  struct stat sb;
  if (::fstat(fd, &sb) != 0) return StatusFromErrno(errno, "cache stat");
  st->size_ = static_cast<uint64_t>(sb.st_size);
  st->etag_ = record.etag;
  st->expected_ = record.expected_etag;
  st->base_size_ = std::min(record.base_size, st->size_);
  if (auto blocks = ctx.cache.blocks().Load(record.file_id); blocks.ok()) {
    st->blocks_ = std::move(*blocks);
  }
  RemoteEntry e;
  e.size = st->size_;
  e.last_modified_ns = NowNs();
  e.user_meta = record.user_meta;
  st->attr_ = DecodeAttr(e, ctx.options.defaults);
  st->xattrs_ = XattrsOf(record.user_meta);
  st->content_type_ = record.content_type;
  st->upload_id_ = record.upload_id;
  st->dirty_ = true;
  return st;
}

FileState::~FileState() {
  ::close(fd_);
  if (deleted_) ctx_.cache.data().Remove(file_id_);
}

// ---- attributes -------------------------------------------------------------

NodeAttr FileState::Attr() const {
  std::lock_guard lock(mu_);
  NodeAttr a = attr_;
  a.size = size_;
  return a;
}

std::map<std::string, std::string> FileState::Xattrs() const {
  std::lock_guard lock(mu_);
  return xattrs_;
}

std::string FileState::etag() const {
  std::lock_guard lock(mu_);
  return etag_;
}

std::string FileState::EffectiveContentType() const {
  if (!content_type_.empty()) return content_type_;
  // A file made here gets its type from its name when it is uploaded, as s3fs
  // does: an editor's "x.tmp" renamed to "x.html" before its upload goes up
  // as text/html. An existing object whose type is not known here (a listing
  // without it) is not retyped by its name.
  std::string by_name = type_from_name_ ? ContentTypeFor(path_) : "";
  return by_name.empty() ? kFileContentType : by_name;
}

RemoteEntry FileState::AsRemoteEntry() const {
  std::lock_guard lock(mu_);
  RemoteEntry e;
  e.size = size_;
  e.etag = etag_;
  e.last_modified_ns = NsFromTimespec(attr_.mtime);
  e.content_type = EffectiveContentType();
  e.user_meta = UserMetaLocked();
  return e;
}

bool FileState::HasRemote() const {
  std::lock_guard lock(mu_);
  return !etag_.empty();
}

bool FileState::AllLocal() const {
  std::lock_guard lock(mu_);
  for (uint64_t b = 0; b < Blocks(base_size_); ++b) {
    if (MissingLocked(b)) return false;
  }
  return true;
}

std::string FileState::path() const {
  std::lock_guard lock(mu_);
  return path_;
}

FileState::Phase FileState::phase() const {
  std::lock_guard lock(mu_);
  return uploading_ ? Phase::kUploading : dirty_ ? Phase::kDirty : Phase::kClean;
}

bool FileState::dirty() const {
  std::lock_guard lock(mu_);
  return dirty_;
}

uint64_t FileState::gen() const {
  std::lock_guard lock(mu_);
  return gen_;
}

Status FileState::Update(
    const std::function<void(NodeAttr*, std::map<std::string, std::string>*)>& change) {
  bool newly_dirty;
  {
    std::lock_guard lock(mu_);
    change(&attr_, &xattrs_);
    ++gen_;
    newly_dirty = !dirty_;
    dirty_ = true;
  }
  return Persist(newly_dirty);
}

void FileState::ApplyRemote(const RemoteEntry& remote) {
  {
    std::lock_guard lock(mu_);
    etag_ = remote.etag;
    expected_ = KnownVersion(remote.etag);
    NodeAttr a = DecodeAttr(remote, ctx_.options.defaults);
    attr_ = a;
    xattrs_ = XattrsOf(remote.user_meta);
    if (!remote.content_type.empty()) content_type_ = remote.content_type;
  }
  (void)Persist();
}

Status FileState::Rebase(const std::string& etag) {
  {
    std::lock_guard lock(mu_);
    etag_ = etag;
    expected_ = KnownVersion(etag);
  }
  return Persist();
}

Status FileState::DropBase() {
  {
    std::lock_guard lock(mu_);
    for (uint64_t b = 0; b < Blocks(base_size_); ++b) {
      if (MissingLocked(b)) return Status::Internal("DropBase with bytes still remote");
    }
    etag_.clear();
    base_size_ = 0;
  }
  return Persist();
}

// ---- life cycle -------------------------------------------------------------

void FileState::SetPath(const std::string& path) {
  std::lock_guard lock(mu_);
  path_ = path;
  expected_.reset();
}

bool FileState::ExpectsNothingRemote() const {
  std::lock_guard lock(mu_);
  return expected_ && expected_->empty();
}

void FileState::ExpectAnything() {
  {
    std::lock_guard lock(mu_);
    expected_.reset();
  }
  (void)Persist(/*durable=*/true);
}

void FileState::ExpectNothing() {
  {
    std::lock_guard lock(mu_);
    expected_ = "";
  }
  (void)Persist(/*durable=*/true);
}

void FileState::MarkDeleted() {
  // A Persist running now finishes first; none after it writes the record.
  std::lock_guard persist(persist_mu_);
  std::lock_guard lock(mu_);
  deleted_ = true;
  dirty_ = false;
}

bool FileState::deleted() const {
  std::lock_guard lock(mu_);
  return deleted_;
}

void FileState::Opened() {
  std::lock_guard lock(mu_);
  ++open_count_;
}

int FileState::Closed() {
  std::lock_guard lock(mu_);
  if (open_count_ > 0) --open_count_;
  return open_count_;
}

int FileState::open_count() const {
  std::lock_guard lock(mu_);
  return open_count_;
}

std::map<std::string, std::string> FileState::UserMetaLocked() const {
  std::map<std::string, std::string> meta = xattrs_;
  NodeAttr a = attr_;
  a.size = size_;
  EncodeAttr(a, &meta);
  return meta;
}

FileRecord FileState::RecordLocked() const {
  FileRecord r;
  r.file_id = file_id_;
  r.etag = etag_;
  r.base_size = base_size_;
  r.size = size_;
  r.dirty = dirty_;
  r.upload_id = upload_id_;
  r.last_access_ns = NowNs();
  r.content_type = content_type_;
  r.expected_etag = expected_;
  r.user_meta = UserMetaLocked();
  return r;
}

Status FileState::Persist(bool durable) {
  auto hold = HoldRecord();
  return PersistHeld(durable);
}

Status FileState::PersistHeld(bool durable) {
  FileRecord record;
  std::string path;
  {
    std::lock_guard lock(mu_);
    if (deleted_) return Status::Ok();
    record = RecordLocked();
    path = path_;
  }
  return ctx_.cache.files().Put(path, record, durable);
}

// ---- uploads ----------------------------------------------------------------

FileState::Snapshot FileState::BeginUpload() {
  std::lock_guard lock(mu_);
  uploading_ = true;
  Snapshot s;
  s.path = path_;
  s.gen = gen_;
  s.size = size_;
  s.content_type = EffectiveContentType();
  s.expected = expected_;
  s.user_meta = UserMetaLocked();
  return s;
}

Status FileState::SetUploadId(const std::string& upload_id) {
  {
    std::lock_guard lock(mu_);
    upload_id_ = upload_id;
  }
  return Persist(/*durable=*/!upload_id.empty());
}

RemoteEntry FileState::EntryFor(const Snapshot& snap, const std::string& etag) {
  RemoteEntry e;
  e.size = snap.size;
  e.etag = etag;
  e.last_modified_ns = NowNs();
  e.content_type = snap.content_type;
  e.user_meta = snap.user_meta;
  return e;
}

void FileState::FinishUpload(const Snapshot& snap, const Status& status, const std::string& etag) {
  std::vector<uint8_t> blocks;
  {
    std::lock_guard lock(mu_);
    uploading_ = false;
    if (!status.ok()) {
      last_error_ = status;
      return;
    }
    const uint64_t old_base_blocks = Blocks(base_size_);
    streamed_meta_.reset();
    etag_ = etag;
    if (path_ == snap.path) expected_ = KnownVersion(etag);  // else renamed meanwhile: unknown
    base_size_ = std::min(snap.size, size_);
    uploaded_gen_ = snap.gen;
    last_error_ = Status::Ok();
    const bool clean = gen_ == snap.gen && path_ == snap.path && !deleted_;
    if (clean) dirty_ = false;
    const uint64_t base_blocks = Blocks(base_size_);
    if (blocks_.size() < base_blocks) blocks_.resize(base_blocks, 0);
    for (uint64_t b = 0; b < blocks_.size(); ++b) {
      // A block the upload copied server-side is still only remote: the new
      // version holds the same bytes at the same offset, reads fetch it.
      const bool copied = b < old_base_blocks && (blocks_[b] & kPresent) == 0;
      if (b < base_blocks && !copied) blocks_[b] |= kPresent;
      if (clean) blocks_[b] &= ~kDirty;
    }
    blocks = blocks_;
  }
  (void)ctx_.cache.blocks().Replace(file_id_, blocks);
  (void)Persist();
}

void FileState::MarkFailed(uint64_t gen) {
  std::lock_guard lock(mu_);
  failed_gen_ = std::max(failed_gen_, gen);
}

uint64_t FileState::uploaded_gen() const {
  std::lock_guard lock(mu_);
  return uploaded_gen_;
}

uint64_t FileState::failed_gen() const {
  std::lock_guard lock(mu_);
  return failed_gen_;
}

Status FileState::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

}  // namespace sos
