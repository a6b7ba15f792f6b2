package storage

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/abaco-hpc/abaco"
)

var (
	qActorListCron = newQuery(`SELECT ` + actorColumns + ` FROM actors
		WHERE cron_next_ex IS NOT NULL AND cron_schedule IS NOT NULL ORDER BY tenant, id`)
	qActorCronAdvance = newQuery(`UPDATE actors SET cron_next_ex = ?
		WHERE tenant = ? AND id = ? AND cron_next_ex = ?`)
)

// ActorListCron returns every actor with a cron schedule.
func (s *Store) ActorListCron(ctx context.Context) ([]*abaco.Actor, error) {
	as, err := s.actors(ctx, qActorListCron)
	if err != nil {
		return nil, fmt.Errorf("list actors with a cron schedule: %w", err)
	}
	return as, nil
}

// ActorCronAdvance moves cron_next_ex from p.From to p.To and creates
// p.Execution (if any) in one transaction, only if cron_next_ex is still
// p.From: two loops, or one loop and a PUT, cannot both fire the same hour.
func (s *Store) ActorCronAdvance(ctx context.Context, p abaco.ActorCronAdvanceParams) (bool, error) {
	var r *executionRow
	if p.Execution != nil {
		var err error
		if r, err = newExecutionRow(p.Execution); err != nil {
			return false, fmt.Errorf("advance cron of %s: %w", p.ActorID, err)
		}
	}
	var done bool
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		n, err := affected(tx.ExecContext(ctx, s.sql(qActorCronAdvance), p.To, p.Tenant, p.ActorID, p.From))
		if err != nil {
			return err
		}
		if n == 0 {
			return errRollback
		}
		if r != nil {
			if _, err := tx.ExecContext(ctx, s.sql(qExecutionInsert), r.values()...); err != nil {
				return err
			}
		}
		done = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("advance cron of %s: %w", p.ActorID, err)
	}
	return done, nil
}
