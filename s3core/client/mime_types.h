// Content-Type of an upload from its file name, as s3fs and the aws CLI do it
// (sosfs's uploads and sosctl's):
// the extension looked up in the system's /etc/mime.types (Debian's
// media-types package), case-insensitively. "" when unknown, so that the
// server's default applies. The table is read once per path and cached;
// thread-safe.
#pragma once

#include <string>

namespace sos {

inline constexpr const char* kSystemMimeTypes = "/etc/mime.types";

std::string ContentTypeFor(const std::string& file_name,
                           const std::string& mime_types = kSystemMimeTypes);

}  // namespace sos
