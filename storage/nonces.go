package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/abaco-hpc/abaco"
)

const nonceColumns = `tenant, id, actor_id, alias, owner, roles, level, max_uses, current_uses,
	remaining_uses, description, api_server, create_time, last_use_time`

var (
	qNonceInsert = newQuery(`INSERT INTO nonces (` + nonceColumns + `) VALUES (` + placeholders(nonceColumns) + `)`)
	qNonceGet    = newQuery(`SELECT ` + nonceColumns + ` FROM nonces WHERE tenant = ? AND id = ?`)
	qNonceList   = newQuery(`SELECT ` + nonceColumns + ` FROM nonces
		WHERE tenant = ? AND actor_id = ? AND alias = ? ORDER BY create_time, id`)
	qNonceDelete = newQuery(`DELETE FROM nonces WHERE tenant = ? AND id = ?`)
	// One statement decides and spends: two redeemers of the last use cannot
	// both match the remaining_uses > 0 condition.
	qNonceRedeem = newQuery(`UPDATE nonces SET current_uses = current_uses + 1,
		remaining_uses = CASE WHEN max_uses = -1 THEN -1 ELSE remaining_uses - 1 END,
		last_use_time = ?
		WHERE tenant = ? AND id = ? AND (max_uses = -1 OR remaining_uses > 0)`)
	qNonceDeleteForActor      = newQuery(`DELETE FROM nonces WHERE tenant = ? AND actor_id = ?`)
	qPermissionDeleteForActor = newQuery(`DELETE FROM permissions WHERE tenant = ? AND kind = 'actor' AND resource = ?`)
)

type nonceRow struct {
	Tenant        string `db:"tenant"`
	ID            string `db:"id"`
	ActorID       string `db:"actor_id"`
	Alias         string `db:"alias"`
	Owner         string `db:"owner"`
	Roles         string `db:"roles"`
	Level         int    `db:"level"`
	MaxUses       int    `db:"max_uses"`
	CurrentUses   int    `db:"current_uses"`
	RemainingUses int    `db:"remaining_uses"`
	Description   string `db:"description"`
	APIServer     string `db:"api_server"`
	CreateTime    *int64 `db:"create_time"`
	LastUseTime   *int64 `db:"last_use_time"`
}

func (r *nonceRow) nonce() (*abaco.Nonce, error) {
	n := &abaco.Nonce{Tenant: r.Tenant, ID: r.ID, ActorID: r.ActorID, Alias: r.Alias, Owner: r.Owner,
		Level: abaco.Level(r.Level), MaxUses: r.MaxUses, CurrentUses: r.CurrentUses,
		RemainingUses: r.RemainingUses, Description: r.Description, APIServer: r.APIServer,
		CreateTime: fromMsec(r.CreateTime), LastUseTime: fromMsec(r.LastUseTime)}
	if err := json.Unmarshal([]byte(r.Roles), &n.Roles); err != nil {
		return nil, fmt.Errorf("nonce %s roles: %w", r.ID, err)
	}
	return n, nil
}

// NonceCreate inserts a nonce.
func (s *Store) NonceCreate(ctx context.Context, n *abaco.Nonce) error {
	roles := n.Roles
	if roles == nil {
		roles = []string{}
	}
	rb, err := json.Marshal(roles)
	if err != nil {
		return fmt.Errorf("create nonce %s: %w", n.ID, err)
	}
	_, err = s.w.ExecContext(ctx, s.sql(qNonceInsert), n.Tenant, n.ID, n.ActorID, n.Alias, n.Owner,
		string(rb), int(n.Level), n.MaxUses, n.CurrentUses, n.RemainingUses, n.Description,
		n.APIServer, msec(n.CreateTime), msec(n.LastUseTime))
	if err != nil {
		return fmt.Errorf("create nonce %s: %w", n.ID, err)
	}
	return nil
}

// NonceGet returns one nonce of the tenant.
func (s *Store) NonceGet(ctx context.Context, tenant, id string) (*abaco.Nonce, error) {
	var r nonceRow
	if err := s.db.GetContext(ctx, &r, s.sql(qNonceGet), tenant, id); err != nil {
		return nil, fmt.Errorf("get nonce %s: %w", id, notFound(err))
	}
	return r.nonce()
}

// NonceList returns the nonces of an actor (alias "") or an alias (actorID "").
func (s *Store) NonceList(ctx context.Context, tenant, actorID, alias string) ([]*abaco.Nonce, error) {
	var rows []nonceRow
	if err := s.db.SelectContext(ctx, &rows, s.sql(qNonceList), tenant, actorID, alias); err != nil {
		return nil, fmt.Errorf("list nonces: %w", err)
	}
	out := make([]*abaco.Nonce, 0, len(rows))
	for i := range rows {
		n, err := rows[i].nonce()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// NonceDelete removes a nonce; ErrNotFound if there is none.
func (s *Store) NonceDelete(ctx context.Context, tenant, id string) error {
	n, err := affected(s.w.ExecContext(ctx, s.sql(qNonceDelete), tenant, id))
	if err != nil {
		return fmt.Errorf("delete nonce %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("delete nonce %s: %w", id, abaco.ErrNotFound)
	}
	return nil
}

// NonceRedeem spends one use if one is left.
func (s *Store) NonceRedeem(ctx context.Context, tenant, id string, now time.Time) (bool, error) {
	n, err := affected(s.w.ExecContext(ctx, s.sql(qNonceRedeem), msec(now), tenant, id))
	if err != nil {
		return false, fmt.Errorf("redeem nonce %s: %w", id, err)
	}
	return n == 1, nil
}
