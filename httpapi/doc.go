// Package httpapi serves the Tapis v3 Actors REST API.
package httpapi

import _ "github.com/julienschmidt/httprouter"
