// ObjectLockConfiguration, Retention and LegalHold documents.
#include "s3core/xml_codec.h"
#include "s3core/xml_codec_internal.h"

namespace sos {
namespace {

using xml_internal::AddText;
using xml_internal::Child;
using xml_internal::ChildInt;
using xml_internal::ChildText;
using xml_internal::ChildTime;
using xml_internal::Malformed;
using xml_internal::NewDocument;
using xml_internal::Parse;
using xml_internal::Serialize;
using xml_internal::TimeText;

}  // namespace

bool ValidLockMode(std::string_view mode) { return mode == "GOVERNANCE" || mode == "COMPLIANCE"; }

std::string EncodeObjectLockConfiguration(const ObjectLockConfigXml& doc) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "ObjectLockConfiguration");
  AddText(root, "ObjectLockEnabled", "Enabled");
  if (!doc.mode.empty()) {
    pugi::xml_node retention = root.append_child("Rule").append_child("DefaultRetention");
    AddText(retention, "Mode", doc.mode);
    if (doc.days > 0) AddText(retention, "Days", std::to_string(doc.days));
    if (doc.years > 0) AddText(retention, "Years", std::to_string(doc.years));
  }
  return Serialize(d);
}

Result<ObjectLockConfigXml> DecodeObjectLockConfiguration(std::string_view xml,
                                                          size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "ObjectLockConfiguration", d, &root));
  if (ChildText(root, "ObjectLockEnabled") != "Enabled") {
    return Malformed("ObjectLockEnabled must be Enabled");
  }
  ObjectLockConfigXml doc;
  pugi::xml_node rule = Child(root, "Rule");
  if (!rule) return doc;
  pugi::xml_node retention = Child(rule, "DefaultRetention");
  if (!retention) return Malformed("Rule lacks DefaultRetention");
  doc.mode = ChildText(retention, "Mode");
  if (!ValidLockMode(doc.mode)) return Malformed("DefaultRetention Mode must be GOVERNANCE or COMPLIANCE");
  SOS_ASSIGN_OR_RETURN(int64_t days, ChildInt(retention, "Days", 0));
  SOS_ASSIGN_OR_RETURN(int64_t years, ChildInt(retention, "Years", 0));
  const bool both = Child(retention, "Days") && Child(retention, "Years");
  if (both || (days > 0) == (years > 0) || days < 0 || years < 0 || days > 36500 || years > 100) {
    return Malformed("DefaultRetention takes exactly one of Days or Years, a positive number",
                     "InvalidArgument");
  }
  doc.days = static_cast<int>(days);
  doc.years = static_cast<int>(years);
  return doc;
}

std::string EncodeRetention(const RetentionXml& doc) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "Retention");
  if (!doc.mode.empty()) {
    AddText(root, "Mode", doc.mode);
    AddText(root, "RetainUntilDate", TimeText(doc.retain_until));
  }
  return Serialize(d);
}

Result<RetentionXml> DecodeRetention(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "Retention", d, &root));
  RetentionXml doc;
  doc.mode = ChildText(root, "Mode");
  const bool has_date = static_cast<bool>(Child(root, "RetainUntilDate"));
  if (doc.mode.empty() && !has_date) return doc;  // removes the retention
  if (!ValidLockMode(doc.mode) || !has_date) {
    return Malformed("Retention takes a Mode (GOVERNANCE or COMPLIANCE) and a RetainUntilDate");
  }
  SOS_ASSIGN_OR_RETURN(doc.retain_until, ChildTime(root, "RetainUntilDate", true));
  return doc;
}

std::string EncodeLegalHold(bool on) {
  pugi::xml_document d;
  pugi::xml_node root = NewDocument(d, "LegalHold");
  AddText(root, "Status", on ? "ON" : "OFF");
  return Serialize(d);
}

Result<bool> DecodeLegalHold(std::string_view xml, size_t max_bytes) {
  pugi::xml_document d;
  pugi::xml_node root;
  SOS_RETURN_IF_ERROR(Parse(xml, max_bytes, "LegalHold", d, &root));
  const std::string status = ChildText(root, "Status");
  if (status != "ON" && status != "OFF") return Malformed("LegalHold Status must be ON or OFF");
  return status == "ON";
}

}  // namespace sos
