package identity

import "github.com/golang-jwt/jwt/v5"

// tapisClaims is the body of a Tapis access token, both as read and as
// minted. Claims a real Tapis token carries beyond these are ignored.
type tapisClaims struct {
	jwt.RegisteredClaims
	TenantID    string   `json:"tapis/tenant_id"`
	Username    string   `json:"tapis/username"`
	TokenType   string   `json:"tapis/token_type,omitempty"`
	AccountType string   `json:"tapis/account_type,omitempty"`
	Delegation  bool     `json:"tapis/delegation"`
	Roles       []string `json:"tapis/roles,omitempty"`
}
