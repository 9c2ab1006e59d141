// Single-use pre-signed URLs: the X-Sos-Once query parameter (contract in
// s3core/admin_api.h). The nonce is signed with the URL, so it cannot be
// stripped; the engine records it in one write transaction, so of any number
// of concurrent uses exactly one gets through. Nonces are kept until the
// URL's own expiry (X-Amz-Date + X-Amz-Expires) and purged after it.
#include <atomic>
#include <charconv>

#include "daemon/s3api/s3_context.h"
#include "s3core/admin_api.h"
#include "s3core/time_format.h"

namespace sos::s3api {
namespace {

constexpr auto kPurgeEvery = std::chrono::minutes(10);
std::atomic<int64_t> next_purge_s{0};

bool ValidNonce(std::string_view nonce) {
  if (nonce.size() < admin::kMinOnceNonceLength || nonce.size() > 256) return false;
  for (char c : nonce) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// When the (already verified) pre-signed URL expires.
TimePoint UrlExpiry(const Context& ctx) {
  const std::string* date = ctx.Query("X-Amz-Date");
  const std::string* expires = ctx.Query("X-Amz-Expires");
  auto start = date ? ParseIso8601Basic(*date) : std::nullopt;
  int64_t seconds = kMaxPresignExpiresSeconds;
  if (expires) std::from_chars(expires->data(), expires->data() + expires->size(), seconds);
  // The verifier accepted the URL, so both parse; fall back to the longest life.
  return start.value_or(ctx.now) + std::chrono::seconds(seconds);
}

void MaybePurge(Context& ctx) {
  int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(ctx.now.time_since_epoch()).count();
  int64_t due = next_purge_s.load(std::memory_order_relaxed);
  if (now_s < due) return;
  int64_t next = now_s + std::chrono::duration_cast<std::chrono::seconds>(kPurgeEvery).count();
  if (!next_purge_s.compare_exchange_strong(due, next)) return;  // another request purges
  (void)ctx.engine.PurgeNonces(ctx.now);
}

}  // namespace

Status CheckSingleUse(Context& ctx) {
  const std::string* nonce = ctx.Query(admin::kOnceQueryParam);
  if (nonce == nullptr) return Status::Ok();
  if (ctx.auth.scheme != AuthScheme::kSigV4Query) {
    return Status::InvalidArgument(
        std::string(admin::kOnceQueryParam) + " is only valid in a SigV4 pre-signed URL.",
        "InvalidArgument");
  }
  if (!ValidNonce(*nonce)) {
    return Status::InvalidArgument(
        std::string(admin::kOnceQueryParam) + " must be 16 to 256 characters of [A-Za-z0-9_-].",
        "InvalidArgument");
  }
  // Object operations check the object's ACL once they load it; do it now,
  // so that a refused request does not use the URL up. An authorised request
  // uses it up whatever it then answers: were a 404 to keep the URL, requests
  // racing the object's creation could each be served.
  if (AccessRuleFor(ctx.route.op).kind == AccessRule::Kind::kObject && ctx.bucket) {
    auto object = ctx.engine.HeadObject(ctx.route.bucket, ctx.route.key);
    if (object.ok()) {
      SOS_RETURN_IF_ERROR(AuthorizeObject(ctx.principal, *ctx.bucket, *object,
                                          AccessRuleFor(ctx.route.op).permission));
    } else {
      Status missing = HideAbsence(ctx.principal, *ctx.bucket, ctx.route.key, object.status());
      if (missing.code() != StatusCode::kNotFound) return missing;  // denied or failed: URL kept
    }
  }
  MaybePurge(ctx);
  Status consumed = ctx.engine.ConsumeNonce(*nonce, UrlExpiry(ctx));
  if (consumed.code() == StatusCode::kAlreadyExists) {
    return Status::PermissionDenied("This single-use URL has already been used.", "AccessDenied");
  }
  return consumed;
}

}  // namespace sos::s3api
