// Package identity verifies Tapis JWTs and mints development tokens.
package identity

import _ "github.com/golang-jwt/jwt/v5"
