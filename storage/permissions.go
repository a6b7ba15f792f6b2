package storage

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/abaco-hpc/abaco"
)

var (
	qPermissionUpsert = newQuery(`INSERT INTO permissions (tenant, kind, resource, username, level)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant, kind, resource, username) DO UPDATE SET level = excluded.level`)
	qPermissionDelete = newQuery(`DELETE FROM permissions
		WHERE tenant = ? AND kind = ? AND resource = ? AND username = ?`)
	qPermissionList = newQuery(`SELECT username, level FROM permissions
		WHERE tenant = ? AND kind = ? AND resource = ? ORDER BY username`)
	qPermissionLevels = newQuery(`SELECT username, level FROM permissions
		WHERE tenant = ? AND kind = ? AND resource = ? AND username IN (?, ?)`)
	qPermissionDeleteResource = newQuery(`DELETE FROM permissions
		WHERE tenant = ? AND kind = ? AND resource = ?`)
	// The actors a user may read (readableActorIDs), oldest first: those
	// the user owns, read in order from the actors_by_owner index, then
	// those readable otherwise, by their primary key. The owner's own
	// permission row on each actor it owns is left out of the second part
	// (EXCEPT), which is most often empty: looking the owned actors up
	// again by key, as one list of readable ids did, was half the
	// statement's work (PostgreSQL: 391 buffers read, now 194, for a user
	// with 100 actors), and SQLite had to sort what the index gives in
	// order (it now merges the two parts). PostgreSQL, whose default costs
	// take index lookups for disk reads, preferred reading every actor of
	// the tenant and hashing to an IN list (3 ms instead of 1 ms with
	// 10,000 actors, and growing with the tenant), so there the ids come as
	// an array, which it looks up. Arguments: readableListArgs.
	qActorListReadable = newDialectQuery(keepPlan(`SELECT `+actorColumns+` FROM actors
		WHERE tenant = ? AND owner = ?
		UNION ALL SELECT `+actorColumns+` FROM actors
		WHERE tenant = ? AND id IN (`+readableNotOwnedIDs+`)
		ORDER BY create_time, id`),
		`SELECT `+actorColumns+` FROM actors
		WHERE tenant = ? AND owner = ?
		UNION ALL SELECT `+actorColumns+` FROM actors
		WHERE tenant = ? AND id = ANY(ARRAY(`+readableNotOwnedIDs+`))
		ORDER BY create_time, id`)
)

// readableNotOwnedIDs selects the ids of the actors of a tenant that a
// user may read but does not own: readableActorIDs without its first part,
// less the owned ones. Arguments: tenant, user, tenant, user, tenant, user.
const readableNotOwnedIDs = `SELECT u.resource FROM permissions u
		WHERE u.tenant = ? AND u.username = ? AND u.kind = 'actor' AND u.level >= 1
	UNION SELECT w.resource FROM permissions w
		WHERE w.tenant = ? AND w.username = 'ABACO_WORLD' AND w.kind = 'actor' AND w.level >= 1
		AND NOT EXISTS (SELECT 1 FROM permissions x WHERE x.tenant = w.tenant AND x.kind = 'actor'
			AND x.resource = w.resource AND x.username = ?)
	EXCEPT SELECT o.id FROM actors o WHERE o.tenant = ? AND o.owner = ?`

// readableListArgs are qActorListReadable's arguments.
func readableListArgs(tenant, user string) []any {
	return []any{tenant, user, tenant, tenant, user, tenant, user, tenant, user}
}

// readableActorIDs selects the ids of the actors of a tenant that a user
// may read (reference §12): those the user owns, those where the user's own
// row is at least READ, and those public through ABACO_WORLD where the user
// has no row of their own (the user's own row decides). Each branch is an
// index lookup, so the cost follows what the user may see, not the size of
// the tenant. Arguments: tenant, user, tenant, user, tenant, user.
const readableActorIDs = `SELECT o.id FROM actors o WHERE o.tenant = ? AND o.owner = ?
	UNION SELECT u.resource FROM permissions u
		WHERE u.tenant = ? AND u.username = ? AND u.kind = 'actor' AND u.level >= 1
	UNION SELECT w.resource FROM permissions w
		WHERE w.tenant = ? AND w.username = 'ABACO_WORLD' AND w.kind = 'actor' AND w.level >= 1
		AND NOT EXISTS (SELECT 1 FROM permissions x WHERE x.tenant = w.tenant AND x.kind = 'actor'
			AND x.resource = w.resource AND x.username = ?)`

// readableArgs are readableActorIDs' arguments.
func readableArgs(tenant, user string) []any {
	return []any{tenant, user, tenant, user, tenant, user}
}

type permissionRow struct {
	Username string `db:"username"`
	Level    int    `db:"level"`
}

// PermissionSet creates or replaces a user's level; LevelNone removes the row.
func (s *Store) PermissionSet(ctx context.Context, p abaco.PermissionRow) error {
	return s.permissionSet(ctx, s.db, p)
}

func (s *Store) permissionSet(ctx context.Context, db sqlx.ExecerContext, p abaco.PermissionRow) error {
	var err error
	if p.Level <= abaco.LevelNone {
		_, err = db.ExecContext(ctx, s.sql(qPermissionDelete), p.Tenant, string(p.Kind), p.Resource, p.User)
	} else {
		_, err = db.ExecContext(ctx, s.sql(qPermissionUpsert), p.Tenant, string(p.Kind), p.Resource, p.User, int(p.Level))
	}
	if err != nil {
		return fmt.Errorf("set %s permission of %s on %s: %w", p.Kind, p.User, p.Resource, err)
	}
	return nil
}

// PermissionList returns a resource's rows as {user: level}.
func (s *Store) PermissionList(ctx context.Context, tenant string, kind abaco.PermissionKind, resource string) (map[string]abaco.Level, error) {
	var rows []permissionRow
	if err := s.db.SelectContext(ctx, &rows, s.sql(qPermissionList), tenant, string(kind), resource); err != nil {
		return nil, fmt.Errorf("list %s permissions of %s: %w", kind, resource, err)
	}
	m := make(map[string]abaco.Level, len(rows))
	for _, r := range rows {
		m[r.Username] = abaco.Level(r.Level)
	}
	return m, nil
}

// PermissionLevels returns the user's own and ABACO_WORLD's level.
func (s *Store) PermissionLevels(ctx context.Context, tenant string, kind abaco.PermissionKind, resource, user string) (abaco.PermissionLevels, error) {
	var rows []permissionRow
	var out abaco.PermissionLevels
	if err := s.db.SelectContext(ctx, &rows, s.sql(qPermissionLevels), tenant, string(kind), resource, user, abaco.WorldUser); err != nil {
		return out, fmt.Errorf("permission of %s on %s: %w", user, resource, err)
	}
	for _, r := range rows {
		if r.Username == user {
			out.Own, out.HasOwn = abaco.Level(r.Level), true
		}
		if r.Username == abaco.WorldUser {
			out.World = abaco.Level(r.Level)
		}
	}
	return out, nil
}

// PermissionDeleteResource removes every row of a resource.
func (s *Store) PermissionDeleteResource(ctx context.Context, tenant string, kind abaco.PermissionKind, resource string) error {
	if _, err := s.w.ExecContext(ctx, s.sql(qPermissionDeleteResource), tenant, string(kind), resource); err != nil {
		return fmt.Errorf("delete %s permissions of %s: %w", kind, resource, err)
	}
	return nil
}

// ActorListReadable returns the actors user owns or may read.
func (s *Store) ActorListReadable(ctx context.Context, tenant, user string) ([]*abaco.Actor, error) {
	as, err := s.actors(ctx, qActorListReadable, readableListArgs(tenant, user)...)
	if err != nil {
		return nil, fmt.Errorf("list actors %s may read: %w", user, err)
	}
	return as, nil
}

// createOwned runs insert, which must change no row for a duplicate, and
// writes the creator's UPDATE row, in one transaction.
func (s *Store) createOwned(ctx context.Context, owner abaco.PermissionRow, duplicate error, insert query, args ...any) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		n, err := affected(tx.ExecContext(ctx, s.sql(insert), args...))
		if err != nil {
			return err
		}
		if n == 0 {
			return duplicate
		}
		owner.Level = abaco.LevelUpdate
		return s.permissionSet(ctx, tx, owner)
	})
}

// deleteOwned deletes the resource with del (arguments tenant, name), then
// what the queries of also hold for it (same arguments) and its
// permissions, in one transaction; ErrNotFound if del finds nothing.
func (s *Store) deleteOwned(ctx context.Context, kind abaco.PermissionKind, tenant, name string, del query, also ...query) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		n, err := affected(tx.ExecContext(ctx, s.sql(del), tenant, name))
		if err != nil {
			return err
		}
		if n == 0 {
			return abaco.ErrNotFound
		}
		for _, q := range also {
			if _, err := tx.ExecContext(ctx, s.sql(q), tenant, name); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, s.sql(qPermissionDeleteResource), tenant, string(kind), name)
		return err
	})
}
