// Helpers shared by the xml_codec*.cc files; not part of the public API.
//
// Reading matches elements by local name (any namespace prefix, any xmlns) so
// that documents from other S3 implementations decode; writing always uses
// S3's default namespace. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "s3core/model.h"
#include "s3core/status.h"

namespace sos::xml_internal {

inline constexpr const char* kMalformedXml = "MalformedXML";

Status Malformed(std::string msg, const char* s3_code = kMalformedXml);

// Parses `xml` into `doc` and checks size, UTF-8, DOCTYPE, a single root and
// its local name. On success *root is the root element.
Status Parse(std::string_view xml, size_t max_bytes, const char* root_name, pugi::xml_document& doc,
             pugi::xml_node* root, const char* s3_code = kMalformedXml);

std::string_view LocalName(const char* qualified);
// First child element with this local name; empty node if none.
pugi::xml_node Child(pugi::xml_node node, std::string_view name);

// Calls fn(child) for every child element with this local name; stops early
// and returns the first non-OK Status fn returns.
template <typename Fn>
Status ForEach(pugi::xml_node node, std::string_view name, Fn&& fn) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element || LocalName(c.name()) != name) continue;
    Status s = fn(c);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// The rules of a configuration document (CORS, lifecycle): every child
// `name` decoded by decode(child) -> Result<Rule>, at least one and at most
// `max` (`what` names them in the errors: "more than 100 CORS rules").
template <typename Rule, typename Decode>
Result<std::vector<Rule>> DecodeRules(pugi::xml_node root, std::string_view name, size_t max,
                                      std::string_view what, Decode&& decode) {
  std::vector<Rule> rules;
  SOS_RETURN_IF_ERROR(ForEach(root, name, [&](pugi::xml_node n) -> Status {
    if (rules.size() == max) {
      return Malformed("more than " + std::to_string(max) + " " + std::string(what) + " rules");
    }
    SOS_ASSIGN_OR_RETURN(Rule rule, decode(n));
    rules.push_back(std::move(rule));
    return Status::Ok();
  }));
  if (rules.empty()) {
    return Malformed(std::string(LocalName(root.name())) + " has no " + std::string(name));
  }
  return rules;
}

// All text (PCDATA and CDATA) directly under node, unmodified.
std::string Text(pugi::xml_node node);
// Text of a child, or "" / nullopt if the child is absent.
std::string ChildText(pugi::xml_node node, std::string_view name);
std::optional<std::string> OptChildText(pugi::xml_node node, std::string_view name);
Result<std::string> RequiredText(pugi::xml_node node, std::string_view name,
                                 const char* s3_code = kMalformedXml);

// Typed children: absent -> fallback / nullopt; present but bad -> error.
Result<int64_t> ChildInt(pugi::xml_node node, std::string_view name, int64_t fallback,
                         const char* s3_code = kMalformedXml);
Result<uint64_t> ChildUint(pugi::xml_node node, std::string_view name, uint64_t fallback);
Result<bool> ChildBool(pugi::xml_node node, std::string_view name, bool fallback);
Result<TimePoint> ChildTime(pugi::xml_node node, std::string_view name, bool required);
// Owner-like element (ID, DisplayName); nullopt if absent.
std::optional<Owner> ChildOwner(pugi::xml_node node, std::string_view name);

// Writing.
pugi::xml_node NewDocument(pugi::xml_document& doc, const char* root, bool with_namespace = true);
pugi::xml_node AddText(pugi::xml_node parent, const char* name, std::string_view value);
void AddOwner(pugi::xml_node parent, const char* name, const Owner& owner);
std::string Serialize(const pugi::xml_document& doc);

std::string BoolText(bool b);
std::string TimeText(TimePoint t);

}  // namespace sos::xml_internal
