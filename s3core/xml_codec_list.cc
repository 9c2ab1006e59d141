// ListBucketResult (v1 and v2) and ListVersionsResult.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>

#include "s3core/xml_codec.h"
#include "s3core/xml_codec_internal.h"

namespace sos {

namespace {

using xml_internal::AddOwner;
using xml_internal::AddText;
using xml_internal::BoolText;
using xml_internal::Child;
using xml_internal::ChildBool;
using xml_internal::ChildInt;
using xml_internal::ChildOwner;
using xml_internal::ChildText;
using xml_internal::ChildTime;
using xml_internal::ChildUint;
using xml_internal::ForEach;
using xml_internal::Malformed;
using xml_internal::NewDocument;
using xml_internal::Parse;
using xml_internal::RequiredText;
using xml_internal::Serialize;
using xml_internal::TimeText;

// encoding-type=url. A local codec on purpose: s3core/uri.h is written in
// parallel, and S3's variant matters here: it writes a space as '+', so '+'
// decodes to a space (as botocore does) and a literal '+' arrives as %2B.
bool Unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
}

std::string UrlEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (Unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = hi >= 0 ? HexValue(s[i + 2]) : -1;
      if (lo < 0) return Malformed("bad percent-encoding in '" + std::string(s) + "'");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Writes or reads one value subject to encoding-type=url.
struct UrlCodec {
  bool url = false;
  std::string Out(std::string_view v) const { return url ? UrlEncode(v) : std::string(v); }
  Result<std::string> In(std::string v) const {
    if (!url) return v;
    return UrlDecode(v);
  }
  Result<std::string> InChild(pugi::xml_node n, std::string_view name) const {
    return In(ChildText(n, name));
  }  // Echoes of the request (Prefix, Delimiter, Marker, ...): Ceph RGW sends them
  // unencoded even with encoding-type=url, so a value that does not decode is
  // taken as it stands rather than failing the whole listing.
  std::string EchoChild(pugi::xml_node n, std::string_view name) const {
    std::string raw = ChildText(n, name);
    auto decoded = In(raw);
    return decoded.ok() ? std::move(decoded).value() : raw;
  }
};

UrlCodec ReadEncoding(pugi::xml_node root, std::string* encoding_type) {
  *encoding_type = ChildText(root, "EncodingType");
  std::string lower;
  for (char c : *encoding_type)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return UrlCodec{lower == "url"};
}

std::string StorageClassOrStandard(const std::string& s) { return s.empty() ? "STANDARD" : s; }

// Key, LastModified, ETag, Size, Owner, StorageClass: shared by Contents and
// Version (which adds VersionId and IsLatest after the key, as S3 does).
void EncodeObjectFields(pugi::xml_node n, const ObjectMeta& m, const UrlCodec& codec,
                        const ObjectVersionXml* version = nullptr) {
  AddText(n, "Key", codec.Out(m.key));
  if (version != nullptr) {
    AddText(n, "VersionId", version->version_id);
    AddText(n, "IsLatest", BoolText(version->is_latest));
  }
  AddText(n, "LastModified", TimeText(m.last_modified));
  AddText(n, "ETag", m.etag);
  AddText(n, "Size", std::to_string(m.size));
  if (m.owner) AddOwner(n, "Owner", *m.owner);
  AddText(n, "StorageClass", StorageClassOrStandard(m.storage_class));
}

Status DecodeObjectFields(pugi::xml_node n, const UrlCodec& codec, ObjectMeta* m) {
  SOS_ASSIGN_OR_RETURN(std::string key, RequiredText(n, "Key"));
  SOS_ASSIGN_OR_RETURN(m->key, codec.In(std::move(key)));
  SOS_ASSIGN_OR_RETURN(m->last_modified, ChildTime(n, "LastModified", false));
  m->etag = ChildText(n, "ETag");
  SOS_ASSIGN_OR_RETURN(m->size, ChildUint(n, "Size", 0));
  m->owner = ChildOwner(n, "Owner");
  m->storage_class = ChildText(n, "StorageClass");
  return Status::Ok();
}

void EncodeUserMeta(pugi::xml_node contents, const std::map<std::string, std::string>& meta) {
  if (meta.empty()) return;
  pugi::xml_node um = contents.append_child("UserMetadata");
  for (const auto& [k, v] : meta) {
    pugi::xml_node item = um.append_child("Items");
    AddText(item, "Key", k);
    AddText(item, "Value", v);
  }
}

Status DecodeUserMeta(pugi::xml_node contents, std::map<std::string, std::string>* meta) {
  pugi::xml_node um = Child(contents, "UserMetadata");
  if (!um) return Status::Ok();
  return ForEach(um, "Items", [&](pugi::xml_node item) -> Status {
    SOS_ASSIGN_OR_RETURN(std::string key, RequiredText(item, "Key"));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    (*meta)[key] = ChildText(item, "Value");
    return Status::Ok();
  });
}

void EncodeCommonPrefixes(pugi::xml_node root, const std::vector<std::string>& prefixes,
                          const UrlCodec& codec) {
  for (const std::string& p : prefixes) {
    AddText(root.append_child("CommonPrefixes"), "Prefix", codec.Out(p));
  }
}

Status DecodeCommonPrefixes(pugi::xml_node root, const UrlCodec& codec,
                            std::vector<std::string>* out) {
  return ForEach(root, "CommonPrefixes", [&](pugi::xml_node cp) -> Status {
    SOS_ASSIGN_OR_RETURN(std::string p, RequiredText(cp, "Prefix"));
    SOS_ASSIGN_OR_RETURN(std::string decoded, codec.In(std::move(p)));
    out->push_back(std::move(decoded));
    return Status::Ok();
  });
}

Result<int> NonNegativeInt(pugi::xml_node root, std::string_view name, int fallback) {
  SOS_ASSIGN_OR_RETURN(int64_t v, ChildInt(root, name, fallback));
  if (v < 0 || v > INT32_MAX) return Malformed(std::string(name) + " out of range");
  return static_cast<int>(v);
}

}  // namespace

std::string EncodeListBucketResult(const ListBucketXml& doc, const ListEncodeOptions& options) {
  UrlCodec codec{options.encode_url};
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "ListBucketResult");
  const ListResult& page = doc.page;
  AddText(root, "Name", doc.name);
  AddText(root, "Prefix", codec.Out(doc.prefix));
  if (doc.v2) {
    if (!doc.continuation_token.empty()) AddText(root, "ContinuationToken", doc.continuation_token);
    if (page.is_truncated && !page.next_token.empty()) {
      AddText(root, "NextContinuationToken", page.next_token);
    }
    AddText(root, "KeyCount", std::to_string(page.objects.size() + page.common_prefixes.size()));
  } else {
    AddText(root, "Marker", codec.Out(doc.marker));
    if (page.is_truncated && !page.next_token.empty()) {
      AddText(root, "NextMarker", codec.Out(page.next_token));
    }
  }
  AddText(root, "MaxKeys", std::to_string(doc.max_keys));
  if (!doc.delimiter.empty()) AddText(root, "Delimiter", codec.Out(doc.delimiter));
  if (options.encode_url) AddText(root, "EncodingType", "url");
  AddText(root, "IsTruncated", BoolText(page.is_truncated));
  if (doc.v2 && !doc.start_after.empty()) AddText(root, "StartAfter", codec.Out(doc.start_after));
  for (const ObjectMeta& m : page.objects) {
    pugi::xml_node c = root.append_child("Contents");
    EncodeObjectFields(c, m, codec);
    if (options.include_user_meta) EncodeUserMeta(c, m.user_meta);
  }
  if (!options.include_user_meta) {
    EncodeCommonPrefixes(root, page.common_prefixes, codec);
    return Serialize(d);
  }
  // The extension: each prefix's marker object, if any, inside its element.
  AddText(root, "SosPrefixMarkers", BoolText(page.markers_listed));
  for (const std::string& p : page.common_prefixes) {
    pugi::xml_node cp = root.append_child("CommonPrefixes");
    AddText(cp, "Prefix", codec.Out(p));
    if (auto marker = page.prefix_markers.find(p); marker != page.prefix_markers.end()) {
      pugi::xml_node m = cp.append_child("SosMarker");
      EncodeObjectFields(m, marker->second, codec);
      EncodeUserMeta(m, marker->second.user_meta);
    }
  }
  return Serialize(d);
}

Result<ListBucketXml> DecodeListBucketResult(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "ListBucketResult", d, &root));
  ListBucketXml doc;
  UrlCodec codec = ReadEncoding(root, &doc.encoding_type);
  doc.v2 = Child(root, "KeyCount") || Child(root, "ContinuationToken") ||
           Child(root, "NextContinuationToken") || Child(root, "StartAfter");
  doc.name = ChildText(root, "Name");
  doc.prefix = codec.EchoChild(root, "Prefix");
  doc.delimiter = codec.EchoChild(root, "Delimiter");
  doc.marker = codec.EchoChild(root, "Marker");
  doc.start_after = codec.EchoChild(root, "StartAfter");
  doc.continuation_token = ChildText(root, "ContinuationToken");
  SOS_ASSIGN_OR_RETURN(doc.max_keys, NonNegativeInt(root, "MaxKeys", 1000));
  SOS_ASSIGN_OR_RETURN(doc.key_count, NonNegativeInt(root, "KeyCount", 0));
  ListResult& page = doc.page;
  SOS_ASSIGN_OR_RETURN(page.is_truncated, ChildBool(root, "IsTruncated", false));
  SOS_RETURN_IF_ERROR(ForEach(root, "Contents", [&](pugi::xml_node c) -> Status {
    ObjectMeta m;
    SOS_RETURN_IF_ERROR(DecodeObjectFields(c, codec, &m));
    SOS_RETURN_IF_ERROR(DecodeUserMeta(c, &m.user_meta));
    page.objects.push_back(std::move(m));
    return Status::Ok();
  }));
  SOS_RETURN_IF_ERROR(DecodeCommonPrefixes(root, codec, &page.common_prefixes));
  SOS_ASSIGN_OR_RETURN(page.markers_listed, ChildBool(root, "SosPrefixMarkers", false));
  SOS_RETURN_IF_ERROR(ForEach(root, "CommonPrefixes", [&](pugi::xml_node cp) -> Status {
    pugi::xml_node marker = cp.child("SosMarker");
    if (!marker) return Status::Ok();
    ObjectMeta m;
    SOS_RETURN_IF_ERROR(DecodeObjectFields(marker, codec, &m));
    SOS_RETURN_IF_ERROR(DecodeUserMeta(marker, &m.user_meta));
    std::string key = m.key;
    page.prefix_markers[key] = std::move(m);
    return Status::Ok();
  }));
  if (doc.v2) {
    page.next_token = ChildText(root, "NextContinuationToken");
    if (page.is_truncated && page.next_token.empty()) {
      return Malformed("truncated ListObjectsV2 result without NextContinuationToken");
    }
  } else {
    page.next_token = codec.EchoChild(root, "NextMarker");
    if (page.is_truncated && page.next_token.empty()) {
      // Keys and prefixes are each sorted; the later of the two last ones is
      // where the listing stopped.
      std::string last_key = page.objects.empty() ? "" : page.objects.back().key;
      std::string last_prefix = page.common_prefixes.empty() ? "" : page.common_prefixes.back();
      page.next_token = std::max(last_key, last_prefix);
      if (page.next_token.empty()) return Malformed("truncated ListObjects result with no entries");
    }
  }
  return doc;
}

static void AddDeleteMarker(pugi::xml_node root, const DeleteMarkerXml& m, const UrlCodec& codec) {
  pugi::xml_node n = root.append_child("DeleteMarker");
  AddText(n, "Key", codec.Out(m.key));
  AddText(n, "VersionId", m.version_id);
  AddText(n, "IsLatest", BoolText(m.is_latest));
  AddText(n, "LastModified", TimeText(m.last_modified));
  if (m.owner) AddOwner(n, "Owner", *m.owner);
}

std::string EncodeListVersionsResult(const ListVersionsXml& doc, const ListEncodeOptions& options) {
  UrlCodec codec{options.encode_url};
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "ListVersionsResult");
  AddText(root, "Name", doc.name);
  AddText(root, "Prefix", codec.Out(doc.prefix));
  AddText(root, "KeyMarker", codec.Out(doc.key_marker));
  AddText(root, "VersionIdMarker", doc.version_id_marker);
  if (doc.is_truncated) {
    AddText(root, "NextKeyMarker", codec.Out(doc.next_key_marker));
    AddText(root, "NextVersionIdMarker", doc.next_version_id_marker);
  }
  AddText(root, "MaxKeys", std::to_string(doc.max_keys));
  if (!doc.delimiter.empty()) AddText(root, "Delimiter", codec.Out(doc.delimiter));
  if (options.encode_url) AddText(root, "EncodingType", "url");
  AddText(root, "IsTruncated", BoolText(doc.is_truncated));
  for (const ObjectVersionXml& v : doc.versions) {
    if (v.is_delete_marker) {
      AddDeleteMarker(root, {v.meta.key, v.version_id, v.is_latest, v.meta.last_modified,
                             v.meta.owner}, codec);
      continue;
    }
    pugi::xml_node n = root.append_child("Version");
    EncodeObjectFields(n, v.meta, codec, &v);
  }
  for (const DeleteMarkerXml& m : doc.delete_markers) AddDeleteMarker(root, m, codec);
  EncodeCommonPrefixes(root, doc.common_prefixes, codec);
  return Serialize(d);
}

Result<ListVersionsXml> DecodeListVersionsResult(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "ListVersionsResult", d, &root));
  ListVersionsXml doc;
  UrlCodec codec = ReadEncoding(root, &doc.encoding_type);
  doc.name = ChildText(root, "Name");
  doc.prefix = codec.EchoChild(root, "Prefix");
  doc.delimiter = codec.EchoChild(root, "Delimiter");
  SOS_ASSIGN_OR_RETURN(doc.key_marker, codec.InChild(root, "KeyMarker"));
  SOS_ASSIGN_OR_RETURN(doc.next_key_marker, codec.InChild(root, "NextKeyMarker"));
  doc.version_id_marker = ChildText(root, "VersionIdMarker");
  doc.next_version_id_marker = ChildText(root, "NextVersionIdMarker");
  SOS_ASSIGN_OR_RETURN(doc.max_keys, NonNegativeInt(root, "MaxKeys", 1000));
  SOS_ASSIGN_OR_RETURN(doc.is_truncated, ChildBool(root, "IsTruncated", false));
  SOS_RETURN_IF_ERROR(ForEach(root, "Version", [&](pugi::xml_node n) -> Status {
    ObjectVersionXml v;
    SOS_RETURN_IF_ERROR(DecodeObjectFields(n, codec, &v.meta));
    SOS_ASSIGN_OR_RETURN(v.version_id, RequiredText(n, "VersionId"));
    SOS_ASSIGN_OR_RETURN(v.is_latest, ChildBool(n, "IsLatest", false));
    doc.versions.push_back(std::move(v));
    return Status::Ok();
  }));
  SOS_RETURN_IF_ERROR(ForEach(root, "DeleteMarker", [&](pugi::xml_node n) -> Status {
    DeleteMarkerXml m;
    SOS_ASSIGN_OR_RETURN(std::string key, RequiredText(n, "Key"));
    SOS_ASSIGN_OR_RETURN(m.key, codec.In(std::move(key)));
    SOS_ASSIGN_OR_RETURN(m.version_id, RequiredText(n, "VersionId"));
    SOS_ASSIGN_OR_RETURN(m.is_latest, ChildBool(n, "IsLatest", false));
    SOS_ASSIGN_OR_RETURN(m.last_modified, ChildTime(n, "LastModified", false));
    m.owner = ChildOwner(n, "Owner");
    doc.delete_markers.push_back(std::move(m));
    return Status::Ok();
  }));
  SOS_RETURN_IF_ERROR(DecodeCommonPrefixes(root, codec, &doc.common_prefixes));
  return doc;
}

}  // namespace sos
