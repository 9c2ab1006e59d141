// LifecycleConfiguration documents (bucket lifecycle rules).
#include <chrono>

#include "s3core/xml_codec.h"
#include "s3core/xml_codec_internal.h"

namespace sos {
namespace {

using xml_internal::AddText;
using xml_internal::Child;
using xml_internal::ChildBool;
using xml_internal::ChildInt;
using xml_internal::ChildText;
using xml_internal::ChildTime;
using xml_internal::ForEach;
using xml_internal::Malformed;
using xml_internal::NewDocument;
using xml_internal::Parse;
using xml_internal::RequiredText;
using xml_internal::Serialize;
using xml_internal::TimeText;

// A count of days: present, and above 0 (S3: "'Days' for Expiration action must be a
// positive integer").
Result<std::optional<int>> PositiveDays(pugi::xml_node node, std::string_view name) {
  if (!node || !Child(node, name)) return std::optional<int>();
  SOS_ASSIGN_OR_RETURN(int64_t days, ChildInt(node, name, 0));
  if (days < 1 || days > 100000) {
    return Malformed("'" + std::string(name) + "' must be a positive integer", "InvalidArgument");
  }
  return std::optional<int>(static_cast<int>(days));
}

Status DecodeTag(pugi::xml_node tag, std::map<std::string, std::string>* tags) {
  SOS_ASSIGN_OR_RETURN(std::string key, RequiredText(tag, "Key"));
  if (!tags->emplace(std::move(key), ChildText(tag, "Value")).second) {
    return Malformed("Duplicate Tag Keys are not allowed.", "InvalidRequest");
  }
  return Status::Ok();
}

Status DecodeFilter(pugi::xml_node filter, LifecycleRule* rule) {
  for (const char* unsupported : {"ObjectSizeGreaterThan", "ObjectSizeLessThan"}) {
    if (Child(filter, unsupported) || Child(Child(filter, "And"), unsupported)) {
      return Status::NotSupported(std::string("sosd does not filter lifecycle rules by ") +
                                  unsupported);
    }
  }
  if (pugi::xml_node both = Child(filter, "And")) {
    rule->prefix = ChildText(both, "Prefix");
    return ForEach(both, "Tag", [&](pugi::xml_node t) { return DecodeTag(t, &rule->tags); });
  }
  rule->prefix = ChildText(filter, "Prefix");
  if (pugi::xml_node tag = Child(filter, "Tag")) return DecodeTag(tag, &rule->tags);
  return Status::Ok();
}

Result<LifecycleRule> DecodeRule(pugi::xml_node n) {
  LifecycleRule rule;
  rule.id = ChildText(n, "ID");
  if (rule.id.size() > 255) return Malformed("ID length should not exceed allowed limit of 255");
  SOS_ASSIGN_OR_RETURN(std::string status, RequiredText(n, "Status"));
  if (status != "Enabled" && status != "Disabled") return Malformed("bad Status '" + status + "'");
  rule.enabled = status == "Enabled";
  if (Child(n, "Transition") || Child(n, "NoncurrentVersionTransition")) {
    return Status::NotSupported("sosd has one storage class: lifecycle transitions do not apply");
  }
  if (pugi::xml_node filter = Child(n, "Filter")) {
    SOS_RETURN_IF_ERROR(DecodeFilter(filter, &rule));
  } else {
    rule.prefix = ChildText(n, "Prefix");  // the older form
  }
  if (pugi::xml_node e = Child(n, "Expiration")) {
    SOS_ASSIGN_OR_RETURN(rule.expiration_days, PositiveDays(e, "Days"));
    if (Child(e, "Date")) {
      SOS_ASSIGN_OR_RETURN(TimePoint date, ChildTime(e, "Date", true));
      if (date.time_since_epoch() % std::chrono::hours(24) != std::chrono::hours(0)) {
        return Malformed("'Date' must be at midnight GMT", "InvalidArgument");
      }
      rule.expiration_date = date;
    }
    if (Child(e, "ExpiredObjectDeleteMarker")) {
      SOS_ASSIGN_OR_RETURN(bool marker, ChildBool(e, "ExpiredObjectDeleteMarker", false));
      rule.expired_object_delete_marker = marker;
    }
    const int set = (rule.expiration_days ? 1 : 0) + (rule.expiration_date ? 1 : 0) +
                    (rule.expired_object_delete_marker ? 1 : 0);
    if (set != 1) {
      return Malformed("Expiration takes exactly one of Days, Date, ExpiredObjectDeleteMarker");
    }
  }
  SOS_ASSIGN_OR_RETURN(rule.noncurrent_days,
                       PositiveDays(Child(n, "NoncurrentVersionExpiration"), "NoncurrentDays"));
  SOS_ASSIGN_OR_RETURN(
      rule.abort_incomplete_days,
      PositiveDays(Child(n, "AbortIncompleteMultipartUpload"), "DaysAfterInitiation"));
  if (!rule.expiration_days && !rule.expiration_date && !rule.expired_object_delete_marker &&
      !rule.noncurrent_days && !rule.abort_incomplete_days) {
    return Malformed("At least one action needs to be specified in a rule", "InvalidRequest");
  }
  return rule;
}

}  // namespace

std::string EncodeLifecycleConfiguration(const LifecycleConfiguration& config) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "LifecycleConfiguration");
  for (const LifecycleRule& rule : config.rules) {
    pugi::xml_node n = root.append_child("Rule");
    if (!rule.id.empty()) AddText(n, "ID", rule.id);
    pugi::xml_node filter = n.append_child("Filter");
    if (rule.tags.empty()) {
      AddText(filter, "Prefix", rule.prefix);
    } else {
      pugi::xml_node both = filter.append_child("And");
      AddText(both, "Prefix", rule.prefix);
      for (const auto& [key, value] : rule.tags) {
        pugi::xml_node tag = both.append_child("Tag");
        AddText(tag, "Key", key);
        AddText(tag, "Value", value);
      }
    }
    AddText(n, "Status", rule.enabled ? "Enabled" : "Disabled");
    if (rule.expiration_days || rule.expiration_date || rule.expired_object_delete_marker) {
      pugi::xml_node e = n.append_child("Expiration");
      if (rule.expiration_days) AddText(e, "Days", std::to_string(*rule.expiration_days));
      if (rule.expiration_date) AddText(e, "Date", TimeText(*rule.expiration_date));
      if (rule.expired_object_delete_marker) {
        AddText(e, "ExpiredObjectDeleteMarker",
                *rule.expired_object_delete_marker ? "true" : "false");
      }
    }
    if (rule.noncurrent_days) {
      AddText(n.append_child("NoncurrentVersionExpiration"), "NoncurrentDays",
              std::to_string(*rule.noncurrent_days));
    }
    if (rule.abort_incomplete_days) {
      AddText(n.append_child("AbortIncompleteMultipartUpload"), "DaysAfterInitiation",
              std::to_string(*rule.abort_incomplete_days));
    }
  }
  return Serialize(d);
}

Result<LifecycleConfiguration> DecodeLifecycleConfiguration(std::string_view xml,
                                                            size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "LifecycleConfiguration", d, &root));
  LifecycleConfiguration config;
  SOS_ASSIGN_OR_RETURN(config.rules,
                       xml_internal::DecodeRules<LifecycleRule>(root, "Rule", kMaxLifecycleRules,
                                                                "lifecycle", DecodeRule));
  return config;
}

}  // namespace sos
