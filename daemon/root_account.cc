#include "daemon/root_account.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "s3core/crypto.h"

namespace sos {
namespace {

constexpr const char* kRootName = "root";

Result<Account> FindOrCreateRoot(StorageEngine& engine, TimePoint now) {
  SOS_ASSIGN_OR_RETURN(std::vector<Account> accounts, engine.ListAccounts());
  for (const auto& a : accounts) {
    if (a.display_name == kRootName) return a;
  }
  Account root;
  SOS_ASSIGN_OR_RETURN(std::string id, RandomBytes(32));
  root.id = HexEncode(id);  // 64 hex digits, like S3's canonical IDs
  root.display_name = kRootName;
  root.created = now;
  SOS_RETURN_IF_ERROR(engine.CreateAccount(root));
  return root;
}

Status WriteCredentialsFile(const std::string& path, const AccessKey& key) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  std::string text =
      "# sosd root credentials, generated on the first start\n[default]\n"
      "aws_access_key_id = " +
      key.access_key_id + "\naws_secret_access_key = " + key.secret + "\n";
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok) return Status::IOError("cannot write " + path + ": " + std::strerror(saved));
  return Status::Ok();
}

}  // namespace

Result<std::string> RootAccountId(StorageEngine& engine) {
  SOS_ASSIGN_OR_RETURN(std::vector<Account> accounts, engine.ListAccounts());
  for (const auto& a : accounts) {
    if (a.display_name == kRootName) return a.id;
  }
  return Status::NotFound("no root organisation");
}

Result<std::string> EnsureRootAccount(StorageEngine& engine, const std::string& data_dir,
                                      const EnvLookup& env) {
  const TimePoint now = std::chrono::system_clock::now();
  SOS_ASSIGN_OR_RETURN(Account root, FindOrCreateRoot(engine, now));

  auto access = env("SOS_ROOT_ACCESS_KEY");
  auto secret = env("SOS_ROOT_SECRET_KEY");
  if (access && access->empty()) access.reset();
  if (secret && secret->empty()) secret.reset();
  if (access.has_value() != secret.has_value()) {
    return Status::InvalidArgument(
        "set both SOS_ROOT_ACCESS_KEY and SOS_ROOT_SECRET_KEY, or neither");
  }
  if (access) {
    AccessKey key{*access, *secret, root.id, now};
    auto existing = engine.LookupKey(*access);
    if (existing.ok()) {
      if (existing->account_id != root.id) {
        return Status::InvalidArgument("SOS_ROOT_ACCESS_KEY " + *access +
                                       " belongs to another account");
      }
      if (existing->secret == *secret) return std::string();
      key.created = existing->created;
      SOS_RETURN_IF_ERROR(engine.RevokeKey(*access));
    } else if (existing.status().code() != StatusCode::kNotFound) {
      return existing.status();
    }
    SOS_RETURN_IF_ERROR(engine.AddKey(key));
    return std::string();
  }

  SOS_ASSIGN_OR_RETURN(std::vector<AccessKey> keys, engine.ListKeys(root.id));
  if (!keys.empty()) return std::string();  // generated on an earlier start
  AccessKey key;
  SOS_ASSIGN_OR_RETURN(std::string id_tail, RandomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
  key.access_key_id = "SOSK" + id_tail;
  SOS_ASSIGN_OR_RETURN(
      key.secret,
      RandomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"));
  key.account_id = root.id;
  key.created = now;
  // The file first: a crash before AddKey leaves no key, so the next start
  // generates (and saves) a fresh one instead of losing this one.
  const std::string path = data_dir + "/" + kRootCredentialsFile;
  SOS_RETURN_IF_ERROR(WriteCredentialsFile(path, key));
  SOS_RETURN_IF_ERROR(engine.AddKey(key));
  return "generated the root organisation's key " + key.access_key_id +
         "; its secret is only in " + path + " (mode 0600)\n";
}

}  // namespace sos
