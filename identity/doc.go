// Package identity verifies Tapis access tokens, resolves Abaco roles and
// mints development tokens.
//
// Tokens are RS256 JWTs carrying the Tapis claims (tapis/tenant_id,
// tapis/username, exp). Each configured tenant lists the public keys its
// tokens may be signed with, and a token is checked only against the keys of
// the tenant it claims, so one tenant's key can never vouch for another's
// users.
package identity
