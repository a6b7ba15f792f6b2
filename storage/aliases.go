package storage

import (
	"context"
	"fmt"

	"github.com/abaco-hpc/abaco"
)

var (
	qAliasInsert = newQuery(`INSERT INTO aliases (tenant, alias, actor_id, owner, create_time)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, alias) DO NOTHING`)
	qAliasGet          = newQuery(`SELECT tenant, alias, actor_id, owner, create_time FROM aliases WHERE tenant = ? AND alias = ?`)
	qAliasList         = newQuery(`SELECT tenant, alias, actor_id, owner, create_time FROM aliases WHERE tenant = ? ORDER BY create_time, alias`)
	qAliasListForActor = newQuery(`SELECT alias FROM aliases WHERE tenant = ? AND actor_id = ? ORDER BY alias`)
	qAliasSetActor     = newQuery(`UPDATE aliases SET actor_id = ? WHERE tenant = ? AND alias = ?`)
	qAliasDelete       = newQuery(`DELETE FROM aliases WHERE tenant = ? AND alias = ?`)
	qAliasDeleteNonces = newQuery(`DELETE FROM nonces WHERE tenant = ? AND alias = ?`)
)

type aliasRow struct {
	Tenant     string `db:"tenant"`
	Alias      string `db:"alias"`
	ActorID    string `db:"actor_id"`
	Owner      string `db:"owner"`
	CreateTime *int64 `db:"create_time"`
}

func (r *aliasRow) alias() *abaco.Alias {
	return &abaco.Alias{Tenant: r.Tenant, Alias: r.Alias, ActorID: r.ActorID, Owner: r.Owner, CreateTime: fromMsec(r.CreateTime)}
}

// AliasCreate inserts the alias and its creator's UPDATE row together.
func (s *Store) AliasCreate(ctx context.Context, a *abaco.Alias) error {
	owner := abaco.PermissionRow{Tenant: a.Tenant, Kind: abaco.KindAlias, Resource: a.Alias, User: a.Owner}
	err := s.createOwned(ctx, owner, abaco.E(abaco.Conflict, "Alias %s already exists.", a.Alias),
		qAliasInsert, a.Tenant, a.Alias, a.ActorID, a.Owner, msec(a.CreateTime))
	if err != nil {
		return fmt.Errorf("create alias %s: %w", a.Alias, err)
	}
	return nil
}

// AliasGet returns one alias of the tenant.
func (s *Store) AliasGet(ctx context.Context, tenant, alias string) (*abaco.Alias, error) {
	var r aliasRow
	if err := s.db.GetContext(ctx, &r, s.sql(qAliasGet), tenant, alias); err != nil {
		return nil, fmt.Errorf("get alias %s: %w", alias, notFound(err))
	}
	return r.alias(), nil
}

// AliasList returns the tenant's aliases, oldest first.
func (s *Store) AliasList(ctx context.Context, tenant string) ([]*abaco.Alias, error) {
	var rows []aliasRow
	if err := s.db.SelectContext(ctx, &rows, s.sql(qAliasList), tenant); err != nil {
		return nil, fmt.Errorf("list aliases: %w", err)
	}
	out := make([]*abaco.Alias, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].alias())
	}
	return out, nil
}

// AliasListForActor returns the names of the aliases of an actor.
func (s *Store) AliasListForActor(ctx context.Context, tenant, actorID string) ([]string, error) {
	var names []string
	if err := s.db.SelectContext(ctx, &names, s.sql(qAliasListForActor), tenant, actorID); err != nil {
		return nil, fmt.Errorf("aliases of %s: %w", actorID, err)
	}
	return names, nil
}

// AliasSetActor points an alias at another actor.
func (s *Store) AliasSetActor(ctx context.Context, tenant, alias, actorID string) error {
	n, err := affected(s.w.ExecContext(ctx, s.sql(qAliasSetActor), actorID, tenant, alias))
	if err != nil {
		return fmt.Errorf("update alias %s: %w", alias, err)
	}
	if n == 0 {
		return fmt.Errorf("update alias %s: %w", alias, abaco.ErrNotFound)
	}
	return nil
}

// AliasDelete removes the alias, its nonces and its permissions together.
func (s *Store) AliasDelete(ctx context.Context, tenant, alias string) error {
	if err := s.deleteOwned(ctx, abaco.KindAlias, tenant, alias, qAliasDelete, qAliasDeleteNonces); err != nil {
		return fmt.Errorf("delete alias %s: %w", alias, err)
	}
	return nil
}
