package io.slipway.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The {@code users} table: what an admin has set about a user (today, their plan). A user reads only their own row;
 * admin changes and listings run in the system scope, after the API has checked that the caller is an admin.
 */
public final class UserStore {
    /** A user's row; {@code plan} null means the token's claim, or the default plan, decides. */
    public record User(String id, String plan, Instant createdAt, Instant updatedAt, String updatedBy) {
    }

    private final Database db;

    public UserStore(Database database) {
        this.db = database;
    }

    public Optional<User> find(String id) {
        return db.asUser(id, h -> h.createQuery("SELECT * FROM users WHERE id = :id").bind("id", id).map(UserStore::map).findOne());
    }

    /** Sets the user's plan, creating the row if needed; by whom is recorded. */
    public User setPlan(String id, String plan, String by, Instant now) {
        return db.asSystem(h -> {
            h.createUpdate("INSERT INTO users (id, plan, created_at, updated_at, updated_by) VALUES (:id, :plan, :now, :now, :by) "
                            + "ON CONFLICT (id) DO UPDATE SET plan = excluded.plan, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
                    .bind("id", id).bind("plan", plan).bind("now", now.toEpochMilli()).bind("by", by).execute();
            return h.createQuery("SELECT * FROM users WHERE id = :id").bind("id", id).map(UserStore::map).one();
        });
    }

    public List<User> list() {
        return db.asSystem(h -> h.createQuery("SELECT * FROM users ORDER BY id").map(UserStore::map).list());
    }

    private static User map(java.sql.ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws java.sql.SQLException {
        return new User(rs.getString("id"), rs.getString("plan"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")), rs.getString("updated_by"));
    }
}
