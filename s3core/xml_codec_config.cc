// AccessControlPolicy, CORSConfiguration, Tagging, GetObjectAttributesResponse and Error
// documents.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "s3core/xml_codec.h"
#include "s3core/xml_codec_internal.h"

namespace sos {
namespace {

using xml_internal::AddOwner;
using xml_internal::AddText;
using xml_internal::Child;
using xml_internal::ChildInt;
using xml_internal::ChildText;
using xml_internal::ForEach;
using xml_internal::LocalName;
using xml_internal::Malformed;
using xml_internal::NewDocument;
using xml_internal::Parse;
using xml_internal::RequiredText;
using xml_internal::Serialize;
using xml_internal::Text;

constexpr const char* kMalformedAcl = "MalformedACLError";

const char* GranteeTypeName(Grantee::Type t) {
  switch (t) {
    case Grantee::Type::kCanonicalUser:
      return "CanonicalUser";
    case Grantee::Type::kGroup:
      return "Group";
    case Grantee::Type::kEmail:
      return "AmazonCustomerByEmail";
  }
  return "CanonicalUser";
}

bool ValidPermission(const std::string& p) {
  return p == "FULL_CONTROL" || p == "READ" || p == "WRITE" || p == "READ_ACP" || p == "WRITE_ACP";
}

// xsi:type, whatever prefix the document bound to the XSI namespace.
std::string XsiType(pugi::xml_node grantee) {
  for (pugi::xml_attribute a = grantee.first_attribute(); a; a = a.next_attribute()) {
    std::string_view name(a.name());
    if (name != "type" && LocalName(a.name()) == "type" && name.find(':') != name.npos) {
      return a.value();
    }
  }
  return grantee.attribute("type").value();
}

Result<Grant> DecodeGrant(pugi::xml_node n) {
  pugi::xml_node g = Child(n, "Grantee");
  if (!g) return Malformed("Grant lacks Grantee", kMalformedAcl);
  Grant grant;
  std::string type = XsiType(g);
  if (type == "CanonicalUser") {
    grant.grantee.type = Grantee::Type::kCanonicalUser;
    SOS_ASSIGN_OR_RETURN(grant.grantee.id, RequiredText(g, "ID", kMalformedAcl));
    grant.grantee.display_name = ChildText(g, "DisplayName");
  } else if (type == "Group") {
    grant.grantee.type = Grantee::Type::kGroup;
    SOS_ASSIGN_OR_RETURN(grant.grantee.uri, RequiredText(g, "URI", kMalformedAcl));
  } else if (type == "AmazonCustomerByEmail") {
    grant.grantee.type = Grantee::Type::kEmail;
    SOS_ASSIGN_OR_RETURN(grant.grantee.email, RequiredText(g, "EmailAddress", kMalformedAcl));
  } else {
    return Malformed("unknown Grantee xsi:type '" + type + "'", kMalformedAcl);
  }
  SOS_ASSIGN_OR_RETURN(grant.permission, RequiredText(n, "Permission", kMalformedAcl));
  if (!ValidPermission(grant.permission)) {
    return Malformed("unknown Permission '" + grant.permission + "'", kMalformedAcl);
  }
  return grant;
}

bool ValidCorsMethod(const std::string& m) {
  return m == "GET" || m == "PUT" || m == "POST" || m == "DELETE" || m == "HEAD";
}

Status AppendTexts(pugi::xml_node n, const char* name, std::vector<std::string>* out) {
  return ForEach(n, name, [&](pugi::xml_node c) -> Status {
    out->push_back(Text(c));
    return Status::Ok();
  });
}

Result<CorsRule> DecodeCorsRule(pugi::xml_node n) {
  CorsRule rule;
  rule.id = ChildText(n, "ID");
  SOS_RETURN_IF_ERROR(AppendTexts(n, "AllowedOrigin", &rule.allowed_origins));
  SOS_RETURN_IF_ERROR(AppendTexts(n, "AllowedMethod", &rule.allowed_methods));
  SOS_RETURN_IF_ERROR(AppendTexts(n, "AllowedHeader", &rule.allowed_headers));
  SOS_RETURN_IF_ERROR(AppendTexts(n, "ExposeHeader", &rule.expose_headers));
  if (rule.allowed_origins.empty()) return Malformed("CORSRule lacks AllowedOrigin");
  // One wildcard per pattern, as S3 allows: matching then stays linear in the
  // length of the Origin or header a client sends.
  for (const auto* patterns : {&rule.allowed_origins, &rule.allowed_headers}) {
    for (const std::string& p : *patterns) {
      if (std::count(p.begin(), p.end(), '*') > 1) {
        return Malformed("AllowedOrigin and AllowedHeader may contain at most one '*': " + p);
      }
    }
  }
  if (rule.allowed_methods.empty()) return Malformed("CORSRule lacks AllowedMethod");
  for (const std::string& m : rule.allowed_methods) {
    if (!ValidCorsMethod(m)) {
      return Status::InvalidArgument("Found unsupported HTTP method in CORS config: " + m,
                                     "InvalidRequest");
    }
  }
  if (Child(n, "MaxAgeSeconds")) {
    SOS_ASSIGN_OR_RETURN(int64_t age, ChildInt(n, "MaxAgeSeconds", 0));
    if (age < 0 || age > INT32_MAX) return Malformed("MaxAgeSeconds out of range");
    rule.max_age_seconds = static_cast<int>(age);
  }
  return rule;
}

}  // namespace

std::string EncodeAccessControlPolicy(const AccessControlPolicy& policy) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "AccessControlPolicy");
  AddOwner(root, "Owner", policy.owner);
  pugi::xml_node acl = root.append_child("AccessControlList");
  for (const Grant& grant : policy.grants) {
    pugi::xml_node n = acl.append_child("Grant");
    pugi::xml_node g = n.append_child("Grantee");
    g.append_attribute("xmlns:xsi") = kXsiNamespace;
    g.append_attribute("xsi:type") = GranteeTypeName(grant.grantee.type);
    switch (grant.grantee.type) {
      case Grantee::Type::kCanonicalUser:
        AddText(g, "ID", grant.grantee.id);
        if (!grant.grantee.display_name.empty()) {
          AddText(g, "DisplayName", grant.grantee.display_name);
        }
        break;
      case Grantee::Type::kGroup:
        AddText(g, "URI", grant.grantee.uri);
        break;
      case Grantee::Type::kEmail:
        AddText(g, "EmailAddress", grant.grantee.email);
        break;
    }
    AddText(n, "Permission", grant.permission);
  }
  return Serialize(d);
}

Result<AccessControlPolicy> DecodeAccessControlPolicy(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "AccessControlPolicy", d, &root, kMalformedAcl));
  AccessControlPolicy policy;
  pugi::xml_node owner = Child(root, "Owner");
  if (!owner) return Malformed("AccessControlPolicy lacks Owner", kMalformedAcl);
  SOS_ASSIGN_OR_RETURN(policy.owner.id, RequiredText(owner, "ID", kMalformedAcl));
  policy.owner.display_name = ChildText(owner, "DisplayName");
  SOS_RETURN_IF_ERROR(
      ForEach(Child(root, "AccessControlList"), "Grant", [&](pugi::xml_node n) -> Status {
        SOS_ASSIGN_OR_RETURN(Grant grant, DecodeGrant(n));
        policy.grants.push_back(std::move(grant));
        return Status::Ok();
      }));
  return policy;
}

std::string EncodeCorsConfiguration(const CorsConfiguration& config) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "CORSConfiguration");
  for (const CorsRule& rule : config.rules) {
    pugi::xml_node n = root.append_child("CORSRule");
    if (!rule.id.empty()) AddText(n, "ID", rule.id);
    for (const auto& v : rule.allowed_origins) AddText(n, "AllowedOrigin", v);
    for (const auto& v : rule.allowed_methods) AddText(n, "AllowedMethod", v);
    for (const auto& v : rule.allowed_headers) AddText(n, "AllowedHeader", v);
    for (const auto& v : rule.expose_headers) AddText(n, "ExposeHeader", v);
    if (rule.max_age_seconds) AddText(n, "MaxAgeSeconds", std::to_string(*rule.max_age_seconds));
  }
  return Serialize(d);
}

Result<CorsConfiguration> DecodeCorsConfiguration(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "CORSConfiguration", d, &root));
  CorsConfiguration config;
  SOS_ASSIGN_OR_RETURN(config.rules, xml_internal::DecodeRules<CorsRule>(
                                         root, "CORSRule", kMaxCorsRules, "CORS", DecodeCorsRule));
  return config;
}

std::string EncodeGetObjectAttributesResponse(const ObjectAttributesXml& doc) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "GetObjectAttributesResponse");
  if (doc.etag) AddText(root, "ETag", *doc.etag);
  if (doc.total_parts) {
    AddText(root.append_child("ObjectParts"), "PartsCount", std::to_string(*doc.total_parts));
  }
  if (doc.storage_class) AddText(root, "StorageClass", *doc.storage_class);
  if (doc.object_size) AddText(root, "ObjectSize", std::to_string(*doc.object_size));
  return Serialize(d);
}

std::string EncodeTagging(const std::map<std::string, std::string>& tags) {
  pugi::xml_document d;
  pugi::xml_node set = NewDocument(d, "Tagging").append_child("TagSet");
  for (const auto& [key, value] : tags) {
    pugi::xml_node tag = set.append_child("Tag");
    AddText(tag, "Key", key);
    AddText(tag, "Value", value);
  }
  return Serialize(d);
}

Result<std::map<std::string, std::string>> DecodeTagging(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "Tagging", d, &root));
  pugi::xml_node set = Child(root, "TagSet");
  if (!set) return Malformed("Tagging lacks TagSet");
  std::map<std::string, std::string> tags;
  SOS_RETURN_IF_ERROR(ForEach(set, "Tag", [&](pugi::xml_node n) -> Status {
    SOS_ASSIGN_OR_RETURN(std::string key, RequiredText(n, "Key"));
    if (!Child(n, "Value")) return Malformed("Tag lacks Value");
    if (!tags.emplace(std::move(key), ChildText(n, "Value")).second) {
      return Malformed("Cannot provide multiple Tags with the same key", "InvalidTag");
    }
    return Status::Ok();
  }));
  return tags;
}

std::string EncodeError(const ErrorResponse& error) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "Error", /*with_namespace=*/false);
  AddText(root, "Code", error.code);
  AddText(root, "Message", error.message);
  if (!error.bucket_name.empty()) AddText(root, "BucketName", error.bucket_name);
  if (!error.key.empty()) AddText(root, "Key", error.key);
  AddText(root, "Resource", error.resource);
  AddText(root, "RequestId", error.request_id);
  return Serialize(d);
}

Result<ErrorResponse> DecodeError(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "Error", d, &root));
  ErrorResponse e;
  SOS_ASSIGN_OR_RETURN(e.code, RequiredText(root, "Code"));
  e.message = ChildText(root, "Message");
  e.resource = ChildText(root, "Resource");
  e.request_id = ChildText(root, "RequestId");
  e.bucket_name = ChildText(root, "BucketName");
  e.key = ChildText(root, "Key");
  return e;
}

}  // namespace sos
