package storage

import (
	"context"
	"fmt"

	"github.com/abaco-hpc/abaco"
)

const configColumns = `tenant, name, value, is_secret, actors, owner, create_time`

var (
	qConfigInsert = newQuery(`INSERT INTO configs (` + configColumns + `) VALUES (` +
		placeholders(configColumns) + `) ON CONFLICT (tenant, name) DO NOTHING`)
	qConfigGet    = newQuery(`SELECT ` + configColumns + ` FROM configs WHERE tenant = ? AND name = ?`)
	qConfigList   = newQuery(`SELECT ` + configColumns + ` FROM configs WHERE tenant = ? ORDER BY create_time, name`)
	qConfigUpdate = newQuery(`UPDATE configs SET value = ?, is_secret = ?, actors = ? WHERE tenant = ? AND name = ?`)
	qConfigDelete = newQuery(`DELETE FROM configs WHERE tenant = ? AND name = ?`)
)

type configRow struct {
	Tenant     string `db:"tenant"`
	Name       string `db:"name"`
	Value      string `db:"value"`
	IsSecret   bool   `db:"is_secret"`
	Actors     string `db:"actors"`
	Owner      string `db:"owner"`
	CreateTime *int64 `db:"create_time"`
}

func (r *configRow) config() *abaco.ActorConfig {
	return &abaco.ActorConfig{Tenant: r.Tenant, Name: r.Name, Value: r.Value, IsSecret: r.IsSecret,
		Actors: r.Actors, Owner: r.Owner, CreateTime: fromMsec(r.CreateTime)}
}

// ConfigCreate inserts the config and its creator's UPDATE row together.
func (s *Store) ConfigCreate(ctx context.Context, c *abaco.ActorConfig) error {
	owner := abaco.PermissionRow{Tenant: c.Tenant, Kind: abaco.KindConfig, Resource: c.Name, User: c.Owner}
	err := s.createOwned(ctx, owner, abaco.E(abaco.Conflict, "Config %s already exists; please choose another name for your config", c.Name),
		qConfigInsert, c.Tenant, c.Name, c.Value, c.IsSecret, c.Actors, c.Owner, msec(c.CreateTime))
	if err != nil {
		return fmt.Errorf("create config %s: %w", c.Name, err)
	}
	return nil
}

// ConfigGet returns one config of the tenant, its secret value sealed.
func (s *Store) ConfigGet(ctx context.Context, tenant, name string) (*abaco.ActorConfig, error) {
	var r configRow
	if err := s.db.GetContext(ctx, &r, s.sql(qConfigGet), tenant, name); err != nil {
		return nil, fmt.Errorf("get config %s: %w", name, notFound(err))
	}
	return r.config(), nil
}

// ConfigList returns the tenant's configs, oldest first.
func (s *Store) ConfigList(ctx context.Context, tenant string) ([]*abaco.ActorConfig, error) {
	var rows []configRow
	if err := s.db.SelectContext(ctx, &rows, s.sql(qConfigList), tenant); err != nil {
		return nil, fmt.Errorf("list configs: %w", err)
	}
	out := make([]*abaco.ActorConfig, 0, len(rows))
	for i := range rows {
		out = append(out, rows[i].config())
	}
	return out, nil
}

// ConfigUpdate replaces a config's value, secrecy and actors.
func (s *Store) ConfigUpdate(ctx context.Context, c *abaco.ActorConfig) error {
	n, err := affected(s.w.ExecContext(ctx, s.sql(qConfigUpdate), c.Value, c.IsSecret, c.Actors, c.Tenant, c.Name))
	if err != nil {
		return fmt.Errorf("update config %s: %w", c.Name, err)
	}
	if n == 0 {
		return fmt.Errorf("update config %s: %w", c.Name, abaco.ErrNotFound)
	}
	return nil
}

// ConfigDelete removes the config and its permissions together.
func (s *Store) ConfigDelete(ctx context.Context, tenant, name string) error {
	if err := s.deleteOwned(ctx, abaco.KindConfig, tenant, name, qConfigDelete); err != nil {
		return fmt.Errorf("delete config %s: %w", name, err)
	}
	return nil
}
