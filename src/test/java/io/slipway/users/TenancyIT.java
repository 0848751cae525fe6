package io.slipway.users;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.testing.Multipart;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestDatabase;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Two users of one Slipway, on SQLite and on PostgreSQL: neither can see or touch the other's apps; admins set plans. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class TenancyIT {
    @Parameter
    TestDatabase kind;
    @TempDir
    Path dataDir;
    String databaseUrl;
    TestServer server;
    String alice;
    String bob;

    @BeforeEach
    void start() {
        databaseUrl = kind == TestDatabase.POSTGRESQL ? TestDatabase.freshPostgresUrl() : "";
        server = TestServer.start(TestServer.config(dataDir).withDatabaseUrl(databaseUrl));
        alice = server.token("alice");
        bob = server.token("bob");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void usersCannotSeeCallTheControlPlaneOfOrDeleteEachOthersApps() throws Exception {
        String id = server.deploy(alice, "index.js", TestApps.source("hello.js"), Map.of("name", "alices")).getString("id");
        String server = "/api/containers/servers/" + id;

        assertThat(projects(bob)).isEmpty();
        assertThat(this.server.get(server, bob).statusCode()).isEqualTo(404);
        assertThat(this.server.get(server + "/logs", bob).statusCode()).isEqualTo(404);
        assertThat(this.server.get(server + "/keys", bob).statusCode()).isEqualTo(404);
        assertThat(this.server.sendJson("POST", server + "/keys", bob, "{}").statusCode()).isEqualTo(404);
        assertThat(this.server.redeploy(bob, id, new Multipart().file("index.js", TestApps.source("hello.js"))).statusCode()).isEqualTo(404);
        HttpResponse<String> deleted = this.server.delete(server, bob);
        assertThat(deleted.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(deleted.body()).getString("type")).endsWith("/problems/not-found");

        assertThat(projects(alice)).containsExactly(id);
        assertThat(this.server.call(id, "/").statusCode()).isEqualTo(200);

        if (kind == TestDatabase.POSTGRESQL) {
            // Below the API: plain SQL on Slipway's own database, as Slipway's role, with bob as the current user.
            try (Connection c = TestDatabase.connectAsRole(databaseUrl)) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT set_config('slipway.user', 'bob', true)");
                    assertThat(ids(s, "SELECT id FROM mcp_servers")).isEmpty();
                    assertThat(ids(s, "SELECT app_id FROM app_usage")).isEmpty();
                }
                c.rollback();
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT set_config('slipway.user', 'alice', true)");
                    assertThat(ids(s, "SELECT id FROM mcp_servers")).containsExactly(id);
                }
                c.rollback();
            }
        }
    }

    @Test
    void anAdminMovesAUserToAnotherPlanAndNobodyElseCan() {
        String id = server.deploy(bob, "index.js", TestApps.source("hello.js"), Map.of()).getString("id");
        HttpResponse<String> selfPromotion = server.sendJson("PUT", "/api/admin/users/bob", bob, "{\"plan\":\"pro\"}");
        assertThat(selfPromotion.statusCode()).isEqualTo(403);
        assertThat(new JsonObject(selfPromotion.body()).getString("type")).endsWith("/problems/forbidden");
        assertThat(server.get("/api/admin/users", bob).statusCode()).isEqualTo(403);

        String admin = server.adminToken("root");
        HttpResponse<String> unknown = server.sendJson("PUT", "/api/admin/users/bob", admin, "{\"plan\":\"platinum\"}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(unknown.body()).getString("type")).endsWith("/problems/unknown-plan");

        HttpResponse<String> moved = server.sendJson("PUT", "/api/admin/users/bob", admin, "{\"plan\":\"pro\"}");
        assertThat(moved.statusCode()).isEqualTo(200);
        JsonObject user = new JsonObject(moved.body());
        assertThat(user.getString("id")).isEqualTo("bob");
        assertThat(user.getString("plan")).isEqualTo("pro");
        assertThat(user.getString("updatedBy")).isEqualTo("root");
        assertThat(new JsonObject(server.get("/api/usage", bob).body()).getString("plan")).isEqualTo("pro");
        assertThat(server.server(bob, id).getString("plan")).isEqualTo("pro");
        assertThat(new JsonObject(server.get("/api/usage", alice).body()).getString("plan")).isEqualTo("free");
        assertThat(new JsonObject(server.get("/api/admin/users", admin).body()).getJsonArray("users")).hasSize(1);
    }

    private List<String> projects(String token) {
        return new JsonObject(server.get("/api/mcp-projects", token).body()).getJsonArray("projects").stream()
                .map(p -> ((JsonObject) p).getString("id")).toList();
    }

    private static List<String> ids(Statement s, String sql) throws java.sql.SQLException {
        List<String> ids = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) ids.add(rs.getString(1));
        }
        return ids;
    }
}
