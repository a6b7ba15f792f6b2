package main

import (
	"fmt"
	"time"

	"github.com/abaco-hpc/abaco/identity"
)

type tokenCmd struct {
	DataDir string        `help:"Data directory of the server (holds the dev signing key)." env:"ABACO_DATA_DIR" default:"abaco-data" type:"path"`
	User    string        `help:"Username the token is for." required:""`
	Tenant  string        `help:"Tenant of the token." default:"dev"`
	Role    []string      `help:"Role to carry in the token (repeatable), e.g. abaco_admin."`
	TTL     time.Duration `help:"How long the token is valid." default:"4h"`
}

func (t *tokenCmd) Run() error {
	key, err := identity.EnsureDevKey(t.DataDir)
	if err != nil {
		return err
	}
	tok, err := identity.Mint(key, identity.Claims{Tenant: t.Tenant, User: t.User, Roles: t.Role, TTL: t.TTL})
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}
