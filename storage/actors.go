package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/abaco-hpc/abaco"
)

// actorGet reads one actor (qActorGet).
const actorGet = `SELECT ` + actorColumns + ` FROM actors WHERE tenant = ? AND id = ?`

var (
	// ON CONFLICT DO NOTHING reports a duplicate as zero rows on both
	// dialects, without parsing driver errors.
	qActorInsert = newQuery(`INSERT INTO actors (` + actorColumns + `) VALUES (` +
		placeholders(actorColumns) + `) ON CONFLICT (tenant, id) DO NOTHING`)
	qActorGet  = newDialectQuery(keepPlan(actorGet), actorGet)
	qActorList = newQuery(`SELECT ` + actorColumns + ` FROM actors
		WHERE tenant = ? AND (? = '' OR owner = ?) ORDER BY create_time, id`)
	// One owner's actors, by the actors_by_owner index; SQLite does not use
	// the index for qActorList's "(? = '' OR owner = ?)".
	qActorListOwned = newQuery(`SELECT ` + actorColumns + ` FROM actors
		WHERE tenant = ? AND owner = ? ORDER BY create_time, id`)
	qActorListAll = newQuery(`SELECT ` + actorColumns + ` FROM actors ORDER BY tenant, create_time, id`)
	qActorUpdate  = newQuery(`UPDATE actors SET name = ?, image = ?, description = ?,
		stateless = ?, privileged = ?, type = ?, link = ?, webhook = ?, token = ?, hints = ?,
		default_environment = ?, max_workers = ?, mem_limit = ?, max_cpus = ?,
		use_container_uid = ?, run_as_executor = ?, queue = ?, revision = ?, status = ?,
		status_message = ?, state = ?, log_ex = ?, cron_schedule = ?, cron_on = ?,
		cron_next_ex = ?, last_update_time = ?
		WHERE tenant = ? AND id = ?`)
	qActorSetStatus = newQuery(`UPDATE actors SET status = ?, status_message = ?, last_update_time = ?
		WHERE tenant = ? AND id = ? AND revision = ?`)
	qActorSetState = newQuery(`UPDATE actors SET state = ?, last_update_time = ?
		WHERE tenant = ? AND id = ?`)

	// ActorDelete runs these in order, children first (then the actor's
	// nonces and permission rows, declared with them in nonces.go).
	qActorDeleteResults = newQuery(`DELETE FROM results WHERE execution_id IN
		(SELECT id FROM executions WHERE tenant = ? AND actor_id = ?)`)
	// On PostgreSQL an actor's logs are in two partial indexes, short and
	// long ones (migration 0013): the condition names both, so that the
	// planner finds the rows through them.
	qActorDeleteLogs = newDialectQuery(`DELETE FROM logs WHERE tenant = ? AND actor_id = ?`,
		`DELETE FROM logs WHERE tenant = ? AND actor_id = ? AND (octet_length(text) <= 256 OR octet_length(text) > 256)`)
	qActorDeleteWorkers    = newQuery(`DELETE FROM workers WHERE tenant = ? AND actor_id = ?`)
	qActorDeleteExecutions = newQuery(`DELETE FROM executions WHERE tenant = ? AND actor_id = ?`)
	qActorDelete           = newQuery(`DELETE FROM actors WHERE tenant = ? AND id = ?`)
)

// ActorCreate inserts a; an actor with the same tenant and id is a Conflict.
func (s *Store) ActorCreate(ctx context.Context, a *abaco.Actor) error {
	r, err := newActorRow(a)
	if err != nil {
		return fmt.Errorf("create actor %s: %w", a.ID, err)
	}
	// The owner's UPDATE row is written with the actor, as the reference
	// keeps it, so the permissions map always shows the owner.
	owner := abaco.PermissionRow{Tenant: a.Tenant, Kind: abaco.KindActor, Resource: a.ID, User: a.Owner}
	err = s.createOwned(ctx, owner, abaco.E(abaco.Conflict, "actor %s already exists", a.ID), qActorInsert, r.values()...)
	if err != nil {
		return fmt.Errorf("create actor %s: %w", a.ID, err)
	}
	return nil
}

// ActorGet returns the tenant's actor id.
func (s *Store) ActorGet(ctx context.Context, tenant, id string) (*abaco.Actor, error) {
	// Scanned by hand, as in actors: every request on an actor reads it.
	var r actorRow
	if err := s.readRow(ctx, qActorGet, []any{tenant, id}, r.scanArgs()...); err != nil {
		return nil, fmt.Errorf("get actor %s: %w", id, notFound(err))
	}
	a, err := r.actor()
	if err != nil {
		return nil, fmt.Errorf("get actor %s: %w", id, err)
	}
	return a, nil
}

// actorsPerQuery bounds ActorGetMany's statements: two parameters each,
// well under both databases' limits.
const actorsPerQuery = 500

// ActorGetMany returns the actors of refs that exist, by reference, with
// one query per actorsPerQuery of them (the autoscaler's pass reads every
// actor it holds workers for).
func (s *Store) ActorGetMany(ctx context.Context, refs []abaco.ActorRef) (map[abaco.ActorRef]*abaco.Actor, error) {
	out := make(map[abaco.ActorRef]*abaco.Actor, len(refs))
	for start := 0; start < len(refs); start += actorsPerQuery {
		chunk := refs[start:min(start+actorsPerQuery, len(refs))]
		q := `SELECT ` + actorColumns + ` FROM actors WHERE ` +
			strings.TrimSuffix(strings.Repeat("(tenant = ? AND id = ?) OR ", len(chunk)), " OR ")
		args := make([]any, 0, 2*len(chunk))
		for _, ref := range chunk {
			args = append(args, ref.Tenant, ref.ActorID)
		}
		rows, err := s.db.QueryContext(ctx, s.db.Rebind(q), args...)
		if err != nil {
			return nil, fmt.Errorf("get actors: %w", err)
		}
		for rows.Next() {
			var r actorRow
			if err := rows.Scan(r.scanArgs()...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("get actors: %w", err)
			}
			a, err := r.actor()
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("get actors: %w", err)
			}
			out[abaco.ActorRef{Tenant: a.Tenant, ActorID: a.ID}] = a
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("get actors: %w", err)
		}
	}
	return out, nil
}

// ActorList returns a tenant's actors owned by owner ("" for all), oldest first.
func (s *Store) ActorList(ctx context.Context, tenant, owner string) ([]*abaco.Actor, error) {
	var as []*abaco.Actor
	var err error
	if owner != "" {
		as, err = s.actors(ctx, qActorListOwned, tenant, owner)
	} else {
		as, err = s.actors(ctx, qActorList, tenant, owner, owner)
	}
	if err != nil {
		return nil, fmt.Errorf("list actors of %s: %w", tenant, err)
	}
	return as, nil
}

// ActorListAll returns every actor of every tenant.
func (s *Store) ActorListAll(ctx context.Context) ([]*abaco.Actor, error) {
	as, err := s.actors(ctx, qActorListAll)
	if err != nil {
		return nil, fmt.Errorf("list all actors: %w", err)
	}
	return as, nil
}

// actors runs q, which selects actorColumns, and returns its actors. The
// rows are scanned field by field rather than by sqlx's reflection, which
// was a tenth of the cost of listing a user's actors.
func (s *Store) actors(ctx context.Context, q query, args ...any) ([]*abaco.Actor, error) {
	rows, err := s.readRows(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var as []*abaco.Actor
	// One row and one set of scan targets for all the rows: actor copies
	// what it keeps.
	var r actorRow
	dest := r.scanArgs()
	for rows.Next() {
		if len(as)%rowsPerCtxCheck == rowsPerCtxCheck-1 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		r = actorRow{}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		a, err := r.actor()
		if err != nil {
			return nil, err
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if as == nil {
		as = []*abaco.Actor{}
	}
	return as, nil
}

// ActorUpdate replaces every mutable field of the stored actor.
func (s *Store) ActorUpdate(ctx context.Context, a *abaco.Actor) error {
	r, err := newActorRow(a)
	if err != nil {
		return fmt.Errorf("update actor %s: %w", a.ID, err)
	}
	n, err := affected(s.w.ExecContext(ctx, s.sql(qActorUpdate), r.Name, r.Image,
		r.Description, r.Stateless, r.Privileged, r.Type, r.Link, r.Webhook, r.Token,
		r.Hints, r.DefaultEnvironment, r.MaxWorkers, r.MemLimit, r.MaxCPUs,
		r.UseContainerUID, r.RunAsExecutor, r.Queue, r.Revision, r.Status,
		r.StatusMessage, r.State, r.LogEx, r.CronSchedule, r.CronOn, r.CronNextEx,
		r.LastUpdateTime, r.Tenant, r.ID))
	if err == nil && n == 0 {
		err = abaco.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("update actor %s: %w", a.ID, err)
	}
	return nil
}

// ActorSetStatus changes status and status_message only while the actor
// still has p.Revision, so a status computed for an old revision is dropped.
// Entering READY or ERROR queues the ACTOR_READY or ACTOR_ERROR event (if
// the actor has a link or webhook) in the same transaction.
func (s *Store) ActorSetStatus(ctx context.Context, p abaco.ActorSetStatusParams) (bool, error) {
	var changed bool
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		n, err := affected(tx.ExecContext(ctx, s.sql(qActorSetStatus), p.Status, p.StatusMessage,
			msec(p.Now), p.Tenant, p.ActorID, p.Revision))
		if err != nil || n == 0 {
			return err
		}
		changed = true
		if typ := abaco.ActorStatusEvent(p.Status); typ != "" {
			return s.eventQueue(ctx, tx, p.Tenant, p.ActorID, typ, p.Now,
				map[string]any{"status_message": p.StatusMessage})
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("set status of actor %s: %w", p.ActorID, err)
	}
	return changed, nil
}

// ActorSetState replaces the actor's state.
func (s *Store) ActorSetState(ctx context.Context, tenant, id string, state json.RawMessage, now time.Time) error {
	if state == nil {
		state = json.RawMessage("{}")
	}
	n, err := affected(s.w.ExecContext(ctx, s.sql(qActorSetState), string(state), msec(now), tenant, id))
	if err == nil && n == 0 {
		err = abaco.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("set state of actor %s: %w", id, err)
	}
	return nil
}

// ActorDelete removes the actor with its executions, logs, results and
// workers in one transaction; ErrNotFound if there is no such actor.
func (s *Store) ActorDelete(ctx context.Context, tenant, id string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		for _, q := range []query{qActorDeleteResults, qActorDeleteLogs, qActorDeleteWorkers, qActorDeleteExecutions,
			qNonceDeleteForActor, qPermissionDeleteForActor} {
			if _, err := tx.ExecContext(ctx, s.sql(q), tenant, id); err != nil {
				return err
			}
		}
		n, err := affected(tx.ExecContext(ctx, s.sql(qActorDelete), tenant, id))
		if err == nil && n == 0 {
			err = abaco.ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("delete actor %s: %w", id, err)
	}
	return nil
}
