package io.slipway.api;

import io.slipway.app.App;
import io.slipway.app.DataDir;
import io.slipway.app.InvalidInputException;
import io.slipway.app.SlipwayError;
import io.slipway.auth.TokenVerifier;
import io.slipway.config.SlipwayConfig;
import io.slipway.deploy.AccessKeys;
import io.slipway.deploy.Deployments;
import io.slipway.deploy.Upload;
import io.slipway.http.Problem;
import io.slipway.http.ProblemException;
import io.slipway.http.Problems;
import io.slipway.metering.LiveUsage;
import io.slipway.metering.UsageStore;
import io.slipway.proxy.Endpoints;
import io.slipway.users.Accounts;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the router of the control plane. */
public final class ApiRouter {
    private static final Logger LOG = LoggerFactory.getLogger(ApiRouter.class);
    private static final String SERVER = "/api/containers/servers/:id";
    private static final String USER = "/api/admin/users/:user";
    /** Set on the routing context once the body handler has parsed a whole multipart form. */
    private static final String FORM_PARSED = "slipway.formParsed";
    /** Set on the routing context of a request whose body is being parsed as a multipart form. */
    private static final String FORM_EXPECTED = "slipway.formExpected";
    /** Quarter seconds a form may take to be parsed once its request ended before it counts as cut short (5 s). */
    private static final int CUT_OFF_TICKS = 20;

    private final Deployments deployments;
    private final SlipwayConfig config;
    private final Endpoints endpoints;
    private final AccessKeys keys;
    private final LiveUsage usage;
    private final Accounts accounts;
    private final java.time.InstantSource clock;

    private final io.slipway.mcp.McpRecords mcp;

    private ApiRouter(Deployments deployments, AccessKeys keys, LiveUsage usage, Accounts accounts, java.time.InstantSource clock,
                      SlipwayConfig config, Endpoints endpoints, io.slipway.mcp.McpRecords mcp) {
        this.mcp = mcp;
        this.deployments = deployments;
        this.keys = keys;
        this.usage = usage;
        this.accounts = accounts;
        this.clock = clock;
        this.config = config;
        this.endpoints = endpoints;
    }

    /**
     * @param endpoints where each app is reached, as the server JSON says
     * @param readiness what {@code /readyz} reports
     * @param metrics   what {@code /metrics} answers: the Prometheus text
     * @param artifacts the layers pods download, with a grant rather than a user's token
     */
    public static Router create(Vertx vertx, Deployments deployments, AccessKeys keys, LiveUsage usage, Accounts accounts,
                                java.time.InstantSource clock, TokenVerifier tokens, SlipwayConfig config, DataDir dataDir,
                                Endpoints endpoints, Readiness readiness, io.slipway.logs.LogWatch logWatch, io.slipway.mcp.McpRecords mcp,
                                java.util.function.Supplier<String> metrics, ArtifactDownloads artifacts) {
        return create(vertx, deployments, keys, usage, accounts, clock, tokens, config, dataDir, endpoints, readiness, logWatch, mcp, metrics,
                artifacts, null);
    }

    /** @param builds the files of build steps that run in pods; null where none do */
    public static Router create(Vertx vertx, Deployments deployments, AccessKeys keys, LiveUsage usage, Accounts accounts,
                                java.time.InstantSource clock, TokenVerifier tokens, SlipwayConfig config, DataDir dataDir,
                                Endpoints endpoints, Readiness readiness, io.slipway.logs.LogWatch logWatch, io.slipway.mcp.McpRecords mcp,
                                java.util.function.Supplier<String> metrics, ArtifactDownloads artifacts, BuildFileTransfers builds) {
        ApiRouter api = new ApiRouter(deployments, keys, usage, accounts, clock, config, endpoints, mcp);
        Router router = Router.router(vertx);
        Probes.install(router, readiness, metrics);
        Dashboard.install(router);
        router.get(io.slipway.artifacts.LayerDownloads.ROUTE).handler(artifacts);
        if (builds != null) builds.install(router);
        // Before the token check, so that this one path (and its GET only) needs none: the document holds no secret.
        router.get(OpenApiDocument.ROUTE).handler(new OpenApiDocument());
        router.route("/api/*").handler(new BearerAuth(tokens));
        BodyHandler multipart = BodyHandler.create(dataDir.tmp().resolve("uploads").toString())
                // Room for the form's other fields around the largest file allowed.
                .setBodyLimit(config.upload().maxFileSize().bytes() + config.upload().maxEnvSize().bytes() + 64 * 1024)
                .setDeleteUploadedFilesOnEnd(true).setHandleFileUploads(true);
        // Separate routes: Vert.x runs a route's body handler before its user handlers, and the type check comes first.
        router.post("/api/containers/upload").handler(ApiRouter::requireMultipart);
        router.post("/api/containers/upload").handler(multipart).handler(ApiRouter::formParsed).handler(Blocking.of(api::upload));
        router.get("/api/mcp-projects").handler(Blocking.of(api::list));
        router.get("/api/usage").handler(Blocking.of(api::usage));
        router.get(SERVER).handler(Blocking.of(api::get));
        router.put(SERVER).handler(ApiRouter::requireMultipart);
        router.put(SERVER).handler(multipart).handler(ApiRouter::formParsed).handler(Blocking.of(api::redeploy));
        router.patch(SERVER).handler(ApiRouter::requireJson);
        router.patch(SERVER).handler(BodyHandler.create(false).setBodyLimit(config.upload().maxEnvSize().bytes() * 2 + 16 * 1024))
                .handler(Blocking.of(api::reconfigure));
        router.delete(SERVER).handler(Blocking.of(api::delete));
        router.get(SERVER + "/versions").handler(Blocking.of(api::versions));
        router.post(SERVER + "/versions/:n/activate").handler(Blocking.of(api::activate));
        router.get(SERVER + "/logs").handler(new LogsHandler(deployments, dataDir, config.logs(), logWatch));
        router.post(SERVER + "/keys").handler(BodyHandler.create(false).setBodyLimit(4096)).handler(Blocking.of(api::createKey));
        router.get(SERVER + "/keys").handler(Blocking.of(api::listKeys));
        router.delete(SERVER + "/keys/:keyId").handler(Blocking.of(api::revokeKey));
        router.get("/api/admin/users").handler(Blocking.of(api::listUsers));
        router.get(USER).handler(Blocking.of(api::getUser));
        router.put(USER).handler(BodyHandler.create(false).setBodyLimit(4096)).handler(Blocking.of(api::setUser));
        AllowedMethods.install(router);
        router.route().failureHandler(ApiRouter::failure);
        return router;
    }

    private Reply upload(RoutingContext ctx) throws Exception {
        var principal = BearerAuth.principal(ctx);
        App app = deployments.deploy(principal.user(), accounts.planOf(principal), readUpload(ctx));
        return Reply.created(json(app, null, null, 1));
    }

    private Reply redeploy(RoutingContext ctx) throws Exception {
        var principal = BearerAuth.principal(ctx);
        App app = deployments.redeploy(principal.user(), accounts.planOf(principal), ctx.pathParam("id"), readUpload(ctx))
                .orElseThrow(() -> notFound(ctx));
        return Reply.ok(json(principal.user(), app));
    }

    /** {@code PATCH …/servers/{id}}: settings without code, as a JSON merge patch. */
    private Reply reconfigure(RoutingContext ctx) {
        var principal = BearerAuth.principal(ctx);
        App app = deployments.reconfigure(principal.user(), accounts.planOf(principal), ctx.pathParam("id"), ctx.body().asString())
                .orElseThrow(() -> notFound(ctx));
        return Reply.ok(json(principal.user(), app));
    }

    private static void requireJson(RoutingContext ctx) {
        String type = String.valueOf(ctx.request().getHeader("Content-Type")).toLowerCase(java.util.Locale.ROOT);
        if (!type.startsWith("application/json") && !type.startsWith("application/merge-patch+json")) {
            Problem.of(415, "not-json", "Unsupported Media Type", "send the settings as application/json (or application/merge-patch+json), "
                    + "such as {\"sleepAfter\":\"30m\"}").send(ctx.response());
            return;
        }
        ctx.next();
    }

    private Reply list(RoutingContext ctx) {
        String owner = BearerAuth.principal(ctx).user();
        List<App> apps = deployments.list(owner);
        Map<String, UsageStore.Row> used = usage.forOwner(owner, ids(apps));
        var tools = usage.toolsForOwner(owner, ids(apps));
        JsonArray projects = new JsonArray();
        Map<String, Integer> versions = deployments.activeVersions(owner, ids(apps));
        apps.forEach(app -> projects.add(json(app, used.get(app.id()), tools.get(app.id()), versions.getOrDefault(app.id(), 1))));
        return Reply.ok(new JsonObject().put("projects", projects));
    }

    private Reply get(RoutingContext ctx) {
        String owner = BearerAuth.principal(ctx).user();
        App app = deployments.find(owner, ctx.pathParam("id")).orElseThrow(() -> notFound(ctx));
        return Reply.ok(json(owner, app));
    }

    /** The server JSON of one of {@code owner}'s apps, with its use this month, live. */
    private JsonObject json(String owner, App app) {
        return json(app, usage.forOwner(owner, List.of(app.id())).get(app.id()), usage.toolsForOwner(owner, List.of(app.id())).get(app.id()),
                deployments.activeVersions(owner, List.of(app.id())).getOrDefault(app.id(), 1));
    }

    private JsonObject json(App app, UsageStore.Row used, Map<String, io.slipway.metering.ToolStats> tools, int version) {
        JsonObject json = ServerJson.of(app, endpoints.of(app.id()), used, tools, mcp.summary(app).orElse(null), version);
        json.getJsonObject("usage").put("storageBytes", usage.storageBytes(app.id()));
        return json;
    }

    /** {@code GET …/servers/{id}/versions}: every kept version, newest first. */
    private Reply versions(RoutingContext ctx) {
        var list = deployments.versions(BearerAuth.principal(ctx).user(), ctx.pathParam("id")).orElseThrow(() -> notFound(ctx));
        JsonArray versions = new JsonArray();
        list.forEach(v -> versions.add(new JsonObject().put("version", v.number()).put("createdAt", v.createdAt().toString())
                .put("active", v.active()).put("entry", v.entryFile()).put("requirements", new JsonArray(v.requirements()))));
        return Reply.ok(new JsonObject().put("versions", versions));
    }

    /** {@code POST …/servers/{id}/versions/{n}/activate}: a rollback, or forward. */
    private Reply activate(RoutingContext ctx) {
        var principal = BearerAuth.principal(ctx);
        int number;
        try {
            number = Integer.parseInt(ctx.pathParam("n"));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("invalid-version", "a version is a number, such as 1 (GET …/versions lists them)");
        }
        App app = deployments.activate(principal.user(), ctx.pathParam("id"), number).orElseThrow(() -> notFound(ctx));
        return Reply.ok(json(principal.user(), app));
    }

    private Reply delete(RoutingContext ctx) {
        if (!deployments.delete(BearerAuth.principal(ctx).user(), ctx.pathParam("id"))) throw notFound(ctx);
        return Reply.noContent();
    }

    /** {@code GET /api/usage}: this month's use, per app and in total, against the caller's plan. */
    private Reply usage(RoutingContext ctx) {
        var principal = BearerAuth.principal(ctx);
        var plan = accounts.planOf(principal);
        String month = usage.month();
        List<App> apps = deployments.list(principal.user());
        Map<String, UsageStore.Row> used = usage.forOwner(principal.user(), ids(apps));
        var tools = usage.toolsForOwner(principal.user(), ids(apps));
        JsonArray perApp = new JsonArray();
        // The total includes apps deleted this month: their time was used.
        var total = used.values().stream().reduce(new UsageStore.Row(null, month, 0, 0, 0, 0), (a, b) -> new UsageStore.Row(null, month,
                a.activeUnits() + b.activeUnits(), a.requests() + b.requests(), a.bytesIn() + b.bytesIn(), a.bytesOut() + b.bytesOut()));
        for (App app : apps) {
            perApp.add(ServerJson.usage(used.get(app.id()), tools.get(app.id())).put("storageBytes", usage.storageBytes(app.id()))
                    .put("id", app.id()).put("name", app.name()));
        }
        long budget = plan.activeTimePerMonth().toMillis() / 10;
        JsonObject limits = new JsonObject().put("apps", plan.apps()).put("memory", plan.memory().toString()).put("cpus", plan.cpus())
                .put("storage", plan.storage().toString())
                .put("maxSleepAfter", io.slipway.config.Durations.format(plan.maxSleepAfter()))
                .put("activeSecondsPerMonth", plan.activeTimePerMonth().toSeconds())
                .put("toolCallsPerMonth", plan.toolCallsPerMonth() == 0 ? null : plan.toolCallsPerMonth());
        limits.put("alwaysOn", plan.alwaysOn()).put("maxRequestTimeout", io.slipway.config.Durations.format(plan.maxRequestTimeout()));
        long toolCalls = usage.toolCalls(principal.user());
        return Reply.ok(new JsonObject().put("plan", plan.name()).put("limits", limits).put("month", month)
                .put("total", ServerJson.usage(total, totalOf(tools)).put("apps", apps.size())
                        .put("activeSecondsLeft", Math.max(0, budget - total.activeUnits()) / 100.0).put("toolCalls", toolCalls)
                        .put("toolCallsLeft", plan.toolCallsPerMonth() == 0 ? null : Math.max(0, plan.toolCallsPerMonth() - toolCalls)))
                .put("apps", perApp));
    }

    /** Every app's use of each tool, summed by tool name. */
    private static Map<String, io.slipway.metering.ToolStats> totalOf(Map<String, Map<String, io.slipway.metering.ToolStats>> byApp) {
        Map<String, io.slipway.metering.ToolStats> total = new java.util.TreeMap<>();
        byApp.values().forEach(tools -> tools.forEach((tool, stats) -> total.merge(tool, stats, io.slipway.metering.ToolStats::plus)));
        return total;
    }

    private static List<String> ids(List<App> apps) {
        return apps.stream().map(App::id).toList();
    }

    /** {@code GET /api/admin/users}: the users an admin has set something about. */
    private Reply listUsers(RoutingContext ctx) {
        JsonArray users = new JsonArray();
        accounts.list(BearerAuth.principal(ctx)).forEach(u -> users.add(userJson(u)));
        return Reply.ok(new JsonObject().put("users", users));
    }

    private Reply getUser(RoutingContext ctx) {
        return Reply.ok(userJson(accounts.find(BearerAuth.principal(ctx), ctx.pathParam("user"))));
    }

    /** {@code PUT /api/admin/users/{user}} with {@code {"plan": "pro"}}. */
    private Reply setUser(RoutingContext ctx) {
        String plan = stringMember(ctx, "plan", "the body must be a JSON object such as {\"plan\":\"pro\"}");
        String user = ctx.pathParam("user");
        if (user.isBlank() || user.length() > 255) throw new InvalidInputException("invalid-user", "a user id has 1 to 255 characters");
        return Reply.ok(userJson(accounts.setPlan(BearerAuth.principal(ctx), user, plan)));
    }

    private static JsonObject userJson(io.slipway.store.UserStore.User user) {
        return new JsonObject().put("id", user.id()).put("plan", user.plan())
                .put("updatedAt", user.updatedAt() == null ? null : user.updatedAt().toString()).put("updatedBy", user.updatedBy());
    }

    /** {@code POST …/keys} with an optional JSON body {@code {"name": "ci"}}: the secret is in this answer only. */
    private Reply createKey(RoutingContext ctx) {
        String name = ctx.body() == null || ctx.body().length() <= 0 ? null
                : stringMember(ctx, "name", "the body must be a JSON object such as {\"name\":\"ci\"}");
        var created = keys.create(BearerAuth.principal(ctx).user(), ctx.pathParam("id"), name).orElseThrow(() -> notFound(ctx));
        return Reply.created(keyJson(created.key()).put("key", created.secret()));
    }

    private Reply listKeys(RoutingContext ctx) {
        var list = keys.list(BearerAuth.principal(ctx).user(), ctx.pathParam("id")).orElseThrow(() -> notFound(ctx));
        JsonArray array = new JsonArray();
        list.forEach(k -> array.add(keyJson(k)));
        return Reply.ok(new JsonObject().put("keys", array));
    }

    private Reply revokeKey(RoutingContext ctx) {
        if (!keys.revoke(BearerAuth.principal(ctx).user(), ctx.pathParam("id"), ctx.pathParam("keyId"))) {
            throw new ProblemException(Problem.of(404, "not-found", "Not Found", "no such key for this app"));
        }
        return Reply.noContent();
    }

    /**
     * The member {@code member} of the JSON object the body holds: a string, or null when it is absent or null. A body
     * that is no JSON object, or a member of another type, is {@code 400 invalid-json} with {@code detail}: Vert.x's
     * {@code getString} would turn {@code false} or {@code 5} into text, and a key named "false" is not what was asked for.
     */
    private static String stringMember(RoutingContext ctx, String member, String detail) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            throw new InvalidInputException("invalid-json", detail);
        }
        if (body == null) throw new InvalidInputException("invalid-json", detail);
        Object value = body.getValue(member);
        if (value != null && !(value instanceof String)) throw new InvalidInputException("invalid-json", detail + "; '" + member + "' is a string");
        return (String) value;
    }

    private static JsonObject keyJson(io.slipway.store.ApiKeyStore.ApiKey key) {
        return new JsonObject().put("id", key.id()).put("name", key.name()).put("createdAt", key.createdAt().toString());
    }

    static ProblemException notFound(RoutingContext ctx) {
        return new ProblemException(Problem.of(404, "not-found", "Not Found", "you have no app with id '" + ctx.pathParam("id") + "'"));
    }

    private static void requireMultipart(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
            Problem.of(415, "not-multipart", "Unsupported Media Type",
                    "send the upload as multipart/form-data with a 'file' field (curl -F file=@index.ts)").send(ctx.response());
            return;
        }
        ctx.put(FORM_EXPECTED, true);
        watchForCutOffForm(ctx);
        ctx.next();
    }

    /**
     * Vert.x's body handler waits forever for a file part whose closing boundary never comes. So once the request has
     * ended, its parsed form must follow within {@value #CUT_OFF_TICKS} ticks of 250 ms; if it does not, the body was cut
     * short, and the client is told so (with the connection closed, which also ends the waiting parser). The wait is long
     * because a complete form is parsed only once its file part is written and closed on a worker thread: on a loaded
     * machine (a test run on two cores at a load of 9) that took more than the half second this once waited, and
     * complete uploads were refused.
     */
    private static void watchForCutOffForm(RoutingContext ctx) {
        long[] endedTicks = {0};
        long timer = ctx.vertx().setPeriodic(250, id -> {
            if (ctx.get(FORM_PARSED) != null || ctx.response().ended() || ctx.response().closed()) {
                ctx.vertx().cancelTimer(id);
            } else if (ctx.request().isEnded() && ++endedTicks[0] >= CUT_OFF_TICKS) {
                ctx.vertx().cancelTimer(id);
                ctx.response().putHeader("Connection", "close");
                Problem.of(400, "invalid-form", "Bad Request",
                        "the multipart body ended before its closing boundary (--boundary--): it was cut short").send(ctx.response());
                // After the answer: cancelling fails the body handler, whose failure finds the response already sent.
                ctx.cancelAndCleanupFileUploads();
            }
        });
        ctx.addEndHandler(v -> ctx.vertx().cancelTimer(timer));
    }

    /**
     * Whether {@code failure} is Netty's multipart decoder refusing the body, before the form was parsed: a part without
     * a name, say, which it rejects with an {@link IllegalArgumentException}, or a malformed part
     * ({@link io.netty.handler.codec.DecoderException}).
     */
    private static boolean unreadableForm(RoutingContext ctx, Throwable failure) {
        return ctx.get(FORM_EXPECTED) != null && ctx.get(FORM_PARSED) == null
                && (failure instanceof IllegalArgumentException || failure instanceof io.netty.handler.codec.DecoderException);
    }

    private static void formParsed(RoutingContext ctx) {
        ctx.put(FORM_PARSED, true);
        ctx.next();
    }

    private Upload readUpload(RoutingContext ctx) throws Exception {
        List<FileUpload> files = ctx.fileUploads();
        FileUpload file = null;
        for (FileUpload f : files) {
            if (!"file".equals(f.name()) || file != null) {
                throw new InvalidInputException("invalid-form", "send exactly one file, in the field 'file' (got '" + f.name() + "')");
            }
            file = f;
        }
        Map<String, String> fields = new HashMap<>();
        for (String field : Upload.FIELDS) {
            List<String> values = ctx.request().formAttributes().getAll(field);
            if (values.size() > 1) throw new InvalidInputException("invalid-form", "the field '" + field + "' was sent more than once");
            if (values.size() == 1) fields.put(field, values.getFirst());
        }
        if (file == null) return Upload.ofFields(null, null, fields);
        if (file.size() > config.upload().maxFileSize().bytes()) {
            throw InvalidInputException.tooLarge("file-too-large", "the file has " + file.size() + " bytes; at most "
                    + config.upload().maxFileSize() + " are allowed");
        }
        return Upload.ofFields(file.fileName(), Files.readAllBytes(Path.of(file.uploadedFileName())), fields);
    }

    /** The answer to a failed request: a {@link SlipwayError} as {@link Problems} maps it, and a 500 for anything else. */
    static void failure(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (ctx.response().ended()) {
            LOG.debug("{} {} failed after its answer: {}", ctx.request().method(), ctx.request().path(), String.valueOf(failure));
            return;
        }
        Problem problem;
        if (failure instanceof ProblemException p) {
            problem = p.problem();
        } else if (failure instanceof SlipwayError e) {
            if (e.kind() == SlipwayError.Kind.INTERNAL) LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), e);
            problem = Problems.of(e);
        } else if (unreadableForm(ctx, failure)) {
            LOG.debug("{} {}: the multipart body could not be parsed: {}", ctx.request().method(), ctx.request().path(), String.valueOf(failure));
            // The parser gave up mid-body: what is left of it on the connection cannot be read as another request.
            ctx.response().putHeader("Connection", "close");
            problem = Problem.of(400, "invalid-form", "Bad Request", "the multipart body could not be parsed: every part needs a "
                    + "Content-Disposition of form-data with a non-empty name (curl -F file=@index.ts)");
        } else if (failure == null && ctx.statusCode() == 413) {
            problem = Problem.of(413, "file-too-large", "Payload Too Large", "the upload is larger than the allowed "
                    + "file size plus form fields");
        } else if (failure == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
            problem = Problem.of(ctx.statusCode(), "bad-request", "Bad Request", "the request could not be read");
        } else {
            LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
            problem = Problems.internalError();
        }
        problem.send(ctx.response());
    }
}
