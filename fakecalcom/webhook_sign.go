package fakecalcom

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// WebhookVersion is the x-cal-webhook-version header Cal.com sends.
const WebhookVersion = "2021-10-20"

// NoSecretSignature is the X-Cal-Signature-256 value Cal.com sends when the subscription has
// no secret.
const NoSecretSignature = "no-secret-provided"

// WebhookSignature is the X-Cal-Signature-256 header of body: hex HMAC-SHA256 of the raw
// body with the subscription's secret, or NoSecretSignature without one.
func WebhookSignature(secret string, body []byte) string {
	if secret == "" {
		return NoSecretSignature
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhookSignature reports whether header is the signature of body under secret,
// comparing in constant time. With an empty secret only NoSecretSignature verifies. It is
// the check a subscriber makes; the harness's own subscribers and tests use it.
func VerifyWebhookSignature(secret string, body []byte, header string) bool {
	want := WebhookSignature(secret, body)
	return subtle.ConstantTimeCompare([]byte(want), []byte(header)) == 1
}
