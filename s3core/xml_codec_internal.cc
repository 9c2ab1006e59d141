#include "s3core/xml_codec_internal.h"

#include <charconv>
#include <cstring>

#include "s3core/time_format.h"
#include "s3core/xml_codec.h"

namespace sos::xml_internal {
namespace {

// Strict UTF-8 (no overlongs, no surrogates, max U+10FFFF).
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

// Character references can still spell what is not UTF-8 (&#xD800;, a lone
// surrogate): every decoded value must be checked too, or a document would
// decode to text that no longer encodes to a document that decodes.
bool ValidUtf8Values(pugi::xml_node root) {
  struct Walker : pugi::xml_tree_walker {
    bool valid = true;
    bool for_each(pugi::xml_node& node) override {
      valid = ValidUtf8(node.value());
      for (pugi::xml_attribute a = node.first_attribute(); valid && a; a = a.next_attribute()) {
        valid = ValidUtf8(a.value());
      }
      return valid;
    }
  } walker;
  root.traverse(walker);
  return walker.valid;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::strchr(" \t\r\n", s.front())) s.remove_prefix(1);
  while (!s.empty() && std::strchr(" \t\r\n", s.back())) s.remove_suffix(1);
  return s;
}

struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override {
    out.append(static_cast<const char*>(data), size);
  }
};

}  // namespace

Status Malformed(std::string msg, const char* s3_code) {
  return Status::InvalidArgument(std::move(msg), s3_code);
}

Status Parse(std::string_view xml, size_t max_bytes, const char* root_name, pugi::xml_document& doc,
             pugi::xml_node* root, const char* s3_code) {
  if (xml.size() > max_bytes) {
    return Malformed("XML body of " + std::to_string(xml.size()) + " bytes exceeds the limit of " +
                         std::to_string(max_bytes),
                     s3_code);
  }
  if (!ValidUtf8(xml)) return Malformed("XML body is not valid UTF-8", s3_code);
  // parse_doctype keeps a DOCTYPE node so that we can refuse it; parse_fragment
  // keeps text outside the root (otherwise silently dropped) for the same
  // reason; whitespace-only text is kept when it is an element's only child so
  // that a key " " survives.
  unsigned flags = pugi::parse_default | pugi::parse_doctype | pugi::parse_fragment |
                   pugi::parse_ws_pcdata_single;
  pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), flags, pugi::encoding_utf8);
  if (!parsed) {
    return Malformed(std::string("XML is not well-formed: ") + parsed.description() +
                         " at offset " + std::to_string(parsed.offset),
                     s3_code);
  }
  if (!ValidUtf8Values(doc)) return Malformed("XML text is not valid UTF-8", s3_code);
  pugi::xml_node found;
  for (pugi::xml_node n = doc.first_child(); n; n = n.next_sibling()) {
    if (n.type() == pugi::node_doctype) return Malformed("DOCTYPE is not allowed", s3_code);
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
      if (!Trim(n.value()).empty()) return Malformed("text outside the root element", s3_code);
    }
    if (n.type() != pugi::node_element) continue;
    if (found) return Malformed("more than one root element", s3_code);
    found = n;
  }
  if (!found) return Malformed("no root element", s3_code);
  if (LocalName(found.name()) != root_name) {
    return Malformed(std::string("expected root element ") + root_name + ", got " + found.name(),
                     s3_code);
  }
  *root = found;
  return Status::Ok();
}

std::string_view LocalName(const char* qualified) {
  std::string_view name(qualified);
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c.name()) == name) return c;
  }
  return {};
}

std::string Text(pugi::xml_node node) {
  std::string out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return out;
}

std::string ChildText(pugi::xml_node node, std::string_view name) {
  pugi::xml_node c = Child(node, name);
  return c ? Text(c) : std::string();
}

std::optional<std::string> OptChildText(pugi::xml_node node, std::string_view name) {
  pugi::xml_node c = Child(node, name);
  if (!c) return std::nullopt;
  return Text(c);
}

Result<std::string> RequiredText(pugi::xml_node node, std::string_view name, const char* s3_code) {
  pugi::xml_node c = Child(node, name);
  if (!c) {
    return Malformed(std::string(LocalName(node.name())) + " lacks " + std::string(name), s3_code);
  }
  std::string text = Text(c);
  if (text.empty()) {
    return Malformed(std::string(LocalName(node.name())) + "/" + std::string(name) + " is empty",
                     s3_code);
  }
  return text;
}

Result<int64_t> ChildInt(pugi::xml_node node, std::string_view name, int64_t fallback,
                         const char* s3_code) {
  pugi::xml_node c = Child(node, name);
  if (!c) return fallback;
  std::string text = Text(c);
  std::string_view t = Trim(text);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
    return Malformed(std::string(name) + " is not an integer: '" + text + "'", s3_code);
  }
  return v;
}

Result<uint64_t> ChildUint(pugi::xml_node node, std::string_view name, uint64_t fallback) {
  pugi::xml_node c = Child(node, name);
  if (!c) return fallback;
  std::string text = Text(c);
  std::string_view t = Trim(text);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
    return Malformed(std::string(name) + " is not a non-negative integer: '" + text + "'");
  }
  return v;
}

Result<bool> ChildBool(pugi::xml_node node, std::string_view name, bool fallback) {
  pugi::xml_node c = Child(node, name);
  if (!c) return fallback;
  std::string text = Text(c);
  std::string_view t = Trim(text);
  if (t == "true" || t == "TRUE" || t == "True") return true;
  if (t == "false" || t == "FALSE" || t == "False") return false;
  return Malformed(std::string(name) + " is not a boolean: '" + text + "'");
}

Result<TimePoint> ChildTime(pugi::xml_node node, std::string_view name, bool required) {
  pugi::xml_node c = Child(node, name);
  if (!c) {
    if (required)
      return Malformed(std::string(LocalName(node.name())) + " lacks " + std::string(name));
    return TimePoint{};
  }
  std::string text = Text(c);
  auto t = ParseIso8601Extended(Trim(text));
  if (!t) return Malformed(std::string(name) + " is not an ISO 8601 time: '" + text + "'");
  return *t;
}

std::optional<Owner> ChildOwner(pugi::xml_node node, std::string_view name) {
  pugi::xml_node c = Child(node, name);
  if (!c) return std::nullopt;
  return Owner{ChildText(c, "ID"), ChildText(c, "DisplayName")};
}

pugi::xml_node NewDocument(pugi::xml_document& doc, const char* root, bool with_namespace) {
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node r = doc.append_child(root);
  if (with_namespace) r.append_attribute("xmlns") = kS3XmlNamespace;
  return r;
}

pugi::xml_node AddText(pugi::xml_node parent, const char* name, std::string_view value) {
  pugi::xml_node c = parent.append_child(name);
  if (!value.empty()) {
    c.append_child(pugi::node_pcdata).set_value(std::string(value).c_str());
  }
  return c;
}

void AddOwner(pugi::xml_node parent, const char* name, const Owner& owner) {
  pugi::xml_node o = parent.append_child(name);
  AddText(o, "ID", owner.id);
  AddText(o, "DisplayName", owner.display_name);
}

std::string Serialize(const pugi::xml_document& doc) {
  StringWriter w;
  doc.save(w, "", pugi::format_raw | pugi::format_no_empty_element_tags, pugi::encoding_utf8);
  // pugixml writes '\r' raw, which a parser normalises to '\n'; keys may hold
  // it, so write a character reference instead. Markup itself never has '\r'.
  std::string out;
  out.reserve(w.out.size());
  for (char c : w.out) {
    if (c == '\r') {
      out += "&#13;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string BoolText(bool b) { return b ? "true" : "false"; }

std::string TimeText(TimePoint t) { return FormatIso8601Extended(t); }

}  // namespace sos::xml_internal
