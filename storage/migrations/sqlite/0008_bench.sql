-- A user's actor list (GET /actors) reads the actors of one owner in
-- creation order; without this index it read every actor of the tenant.
CREATE INDEX actors_by_owner ON actors (tenant, owner, create_time, id);
