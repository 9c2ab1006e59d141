// stat, cat and du: reading what is in a bucket without changing it.
#include <nlohmann/json.hpp>

#include "ctl/commands.h"
#include "ctl/exit_code.h"

namespace sos::ctl {

Status Stat(Session& session, const std::string& path) {
  return Headers(session, HeadersArgs{path, {}});  // no flag: shows, changes nothing
}

Status Cat(Session& session, const std::string& path) { return Get(session, GetArgs{path, "-"}); }

Status DiskUsage(Session& session, const std::string& text) {
  SOS_ASSIGN_OR_RETURN(S3Path path, session.ParsePath(text));
  SOS_ASSIGN_OR_RETURN(ObjectStore * store, session.Store(path));
  std::vector<ObjectMeta> objects;
  SOS_RETURN_IF_ERROR(ListAllObjects(*store, path.bucket, path.key, &objects));
  uint64_t bytes = 0;
  for (const ObjectMeta& o : objects) bytes += o.size;
  Table t;
  t.columns = {"SIZE", "OBJECTS", "PATH"};
  t.right_aligned = {true, true, false};
  t.rows.push_back({FormatSize(bytes), std::to_string(objects.size()), path.ToString()});
  session.out().Print({{"bucket", path.bucket},
                       {"prefix", path.key},
                       {"bytes", bytes},
                       {"objects", objects.size()}},
                      t);
  return Status::Ok();
}

}  // namespace sos::ctl
