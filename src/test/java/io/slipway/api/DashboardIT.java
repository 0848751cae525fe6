package io.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.slipway.testing.HeadlessChromium;
import io.slipway.testing.SlipwayServerExtension;
import io.slipway.testing.SlipwayServerExtension.Token;
import io.slipway.testing.TestApps;
import io.slipway.testing.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard at {@code /}, in headless Chromium, through real clicks and typing: sign in with a token, see the apps
 * with their live status, deploy a file with its build shown, and on the app's page follow its log, change its env, make
 * it private and create a key, deploy a second version and roll back, and delete it with a confirmation; an MCP server's
 * page lists its tools; a wrong token shows the problem's detail. Nothing may go wrong in the browser meanwhile:
 * no console error, no failed request, no CSP violation. Screenshots go to {@code target/dashboard/}.
 */
class DashboardIT {
    @RegisterExtension
    static final SlipwayServerExtension slipway = SlipwayServerExtension.withDefaults();
    static TestServer server;
    @Token("dana")
    static String token;

    private static final Path SHOTS = Path.of("target", "dashboard");
    private static final String APP = """
            const http = require("http");
            console.log("dashboard test app starting");
            http.createServer((req, res) => {
              console.log(`request ${req.method} ${req.url}`);
              res.setHeader("content-type", "application/json");
              res.end(JSON.stringify({ greeting: process.env.GREETING || null }));
            }).listen(Number(process.env.PORT), process.env.HOST);
            """;

    static HeadlessChromium chromium;
    static ChromeDriver browser;
    static String existing;

    @BeforeAll
    static void deployAnAppAndStartTheBrowser() {
        existing = server.deploy(token, "mcp-echo.js", TestApps.source("mcp-echo.js"), Map.of("name", "echo-before")).getString("id");
        chromium = HeadlessChromium.start(1280, 900);
        browser = chromium.driver();
    }

    @AfterAll
    static void stopTheBrowser() {
        if (chromium != null) chromium.close();
    }

    @Test
    void aPersonSignsInSeesTheirAppsDeploysAFileChangesItsSettingsFollowsItsLogAndDeletesIt(@TempDir Path dir) throws Exception {
        open();
        assertThat(browser.switchTo().activeElement().getAttribute("name")).as("the token field has the focus").isEqualTo("token");
        type(By.name("token"), token);
        click(By.cssSelector("button[type=submit]"));
        WebElement listed = until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("li[data-id='" + existing + "']")));
        assertThat(listed.getText()).contains("echo-before");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(badgeOf(existing))
                .isEqualTo(server.server(token, existing).getString("status")));
        until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("svg.bars")));
        noConsoleErrors();

        Path file = Files.writeString(dir.resolve("greeter.js"), APP);
        browser.findElement(By.id("deploy-file")).sendKeys(file.toAbsolutePath().toString());
        type(By.id("deploy-name"), "greeter");
        click(By.xpath("//button[text()='Deploy']"));
        WebElement buildLog = browser.findElement(By.cssSelector(".build-panel pre"));
        until(d -> buildLog.getText().contains("[slipway] building greeter.js"));
        until(d -> buildLog.getText().contains("[slipway] ready in"));
        until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".deploy-status"), "greeter is running at"));
        String id = browser.findElement(By.cssSelector(".deploy-status a")).getAttribute("href").replaceAll(".*#/apps/", "");
        assertThat(server.server(token, id).getString("status")).isEqualTo("running");
        until(d -> "running".equals(badgeOf(id)));
        assertEveryFieldHasALabel();
        chromium.screenshot(SHOTS.resolve("apps-1280.png"), 1280);
        chromium.screenshot(SHOTS.resolve("apps-375.png"), 375);
        assertThat(chromium.scrollWidthAt(375)).as("nothing wider than a phone").isLessThanOrEqualTo(375);
        // A file dropped on the form lands in the same input the picker fills (a WebDriver cannot drag from the desktop).
        browser.executeScript("""
                const files = new DataTransfer();
                files.items.add(new File(["console.log(1)"], "dropped.js", { type: "text/javascript" }));
                document.querySelector(".drop").dispatchEvent(new DragEvent("drop", { dataTransfer: files, bubbles: true, cancelable: true }));
                """);
        assertThat(browser.findElement(By.id("deploy-file-help")).getText()).isEqualTo("Chosen: dropped.js");
        assertThat(browser.executeScript("return document.getElementById('deploy-file').files[0].name")).isEqualTo("dropped.js");
        noConsoleErrors();

        click(By.linkText("greeter"));
        until(ExpectedConditions.textToBe(By.tagName("h1"), "greeter"));
        WebElement log = browser.findElement(By.cssSelector("pre[aria-label='App log']"));
        until(d -> log.getText().contains("dashboard test app starting"));
        assertThat(server.call(id, "/followed").statusCode()).isEqualTo(200);
        until(d -> log.getText().contains("request GET /followed"));

        type(By.id("env-new-name"), "GREETING");
        type(By.id("env-new-value"), "hello from the dashboard");
        click(By.xpath("//button[text()='Save settings']"));
        until(ExpectedConditions.textToBePresentInElementLocated(By.id("flash"), "Saved the settings of greeter"));
        until(ExpectedConditions.presenceOfElementLocated(By.id("env-GREETING")));
        assertThat(new JsonObject(server.call(id, "/").body()).getString("greeting")).isEqualTo("hello from the dashboard");
        until(d -> log.getText().contains("settings changed: env"));

        type(until(ExpectedConditions.visibilityOfElementLocated(By.id("set-timeout"))), "30s");
        click(By.xpath("//button[text()='Save settings']"));
        until(d -> log.getText().contains("settings changed: requestTimeout"));
        assertThat(server.server(token, id).getString("requestTimeout")).isEqualTo("30s");

        click(By.id("set-private"));
        click(By.xpath("//button[text()='Save settings']"));
        type(until(ExpectedConditions.visibilityOfElementLocated(By.id("key-name"))), "ci");
        click(By.xpath("//button[text()='Create key']"));
        String key = until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("code.secret"))).getText();
        until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("ul.keys"), "ci"));
        assertThat(server.call(id, "/").statusCode()).as("private now").isEqualTo(401);
        assertThat(server.send(HttpRequest.newBuilder(server.base().resolve("/containers/" + id + "/"))
                .header("Authorization", "Bearer " + key)).statusCode()).as("with the key made on the page").isEqualTo(200);
        Path second = Files.writeString(dir.resolve("greeter-2.js"), APP.replace("dashboard test app starting", "second version starting"));
        browser.findElement(By.id("redeploy-file")).sendKeys(second.toAbsolutePath().toString());
        click(By.xpath("//button[text()='Deploy new version']"));
        until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("form.redeploy [role=status]"), "Deployed version 2."));
        until(d -> log.getText().contains("second version starting"));
        click(By.xpath("//button[text()='Activate v1']"));
        until(ExpectedConditions.textToBePresentInElementLocated(By.id("flash"), "Version 1 is serving."));
        assertThat(server.server(token, id).getInteger("version")).as("rolled back").isEqualTo(1);
        until(ExpectedConditions.elementToBeClickable(By.xpath("//button[text()='Activate v2']")));
        assertEveryFieldHasALabel();
        chromium.screenshot(SHOTS.resolve("app-1280.png"), 1280);
        chromium.screenshot(SHOTS.resolve("app-dark-1280.png"), 1280, "dark");
        chromium.screenshot(SHOTS.resolve("app-375.png"), 375);
        assertThat(chromium.scrollWidthAt(375)).as("nothing wider than a phone").isLessThanOrEqualTo(375);
        noConsoleErrors();

        click(By.xpath("//button[text()='Delete app…']"));
        WebElement dialog = until(ExpectedConditions.visibilityOfElementLocated(By.tagName("dialog")));
        assertThat(dialog.getText()).contains("greeter stops");
        click(By.xpath("//dialog//button[text()='Delete']"));
        until(ExpectedConditions.textToBePresentInElementLocated(By.id("flash"), "Deleted greeter."));
        until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("li[data-id='" + id + "']")));
        assertThat(server.get("/api/containers/servers/" + id, token).statusCode()).isEqualTo(404);
        assertThat(browser.findElements(By.cssSelector("li[data-id='" + existing + "']"))).hasSize(1);

        click(By.linkText("echo-before"));
        until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("section[aria-labelledby=s-mcp-tools]"), "echo 1 at /mcp"));
        until(ExpectedConditions.textToBe(By.cssSelector("section[aria-labelledby=s-mcp-tools] ul.tools"), "echo"));
        noConsoleErrors();
    }

    @Test
    void aWrongTokenShowsTheProblemsDetailAndKeepsNoToken() {
        String detail = new JsonObject(server.get("/api/mcp-projects", "not-a-token").body()).getString("detail");
        open();
        type(By.name("token"), "not-a-token");
        browser.findElement(By.name("token")).sendKeys("\n");
        until(ExpectedConditions.textToBe(By.id("sign-in-error"), detail));
        assertThat(browser.executeScript("return sessionStorage.getItem('slipway.token')")).isNull();
        // The one request that failed is the sign-in's own, which the browser reports.
        List<LogEntry> console = chromium.takeConsole();
        assertThat(console).allSatisfy(entry -> assertThat(entry.getMessage()).contains("/api/mcp-projects").contains("401"));
    }

    @Test
    void aTokenThatExpiredSignsThePageOutWithTheReason() {
        String expired = server.expiredToken("dana");
        String detail = new JsonObject(server.get("/api/mcp-projects", expired).body()).getString("detail");
        open();
        browser.executeScript("sessionStorage.setItem('slipway.token', arguments[0])", expired);
        browser.navigate().refresh();
        until(ExpectedConditions.textToBe(By.id("sign-in-error"), "Signed out: " + detail));
        assertThat(browser.executeScript("return sessionStorage.getItem('slipway.token')")).isNull();
        assertThat(chromium.takeConsole()).allSatisfy(entry -> assertThat(entry.getMessage()).contains("401"));
    }

    @Test
    void theDashboardIsServedWithAPolicyThatAllowsNothingButItsOwnOrigin() {
        HttpResponse<String> page = server.get("/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp).startsWith("default-src 'self'"));
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(page.body()).contains("<script type=\"module\" src=\"/dashboard/app.js\">").doesNotContain("http://", "https://");
        String etag = page.headers().firstValue("ETag").orElseThrow();
        assertThat(server.send(HttpRequest.newBuilder(server.base().resolve("/")).header("If-None-Match", etag)).statusCode()).isEqualTo(304);
        HttpResponse<String> head = server.send(HttpRequest.newBuilder(server.base().resolve("/dashboard/app.js"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(head.body()).isEmpty();
        for (String name : Dashboard.FILES) {
            // Nothing loaded from elsewhere: no script, style, image or fetch from another origin.
            assertThat(server.get("/dashboard/" + name, null).body()).as(name)
                    .doesNotContainPattern("(src|href)=\"(https?:)?//|url\\(|(from|import\\(|fetch\\() *\"(https?:)?//");
        }
        assertThat(server.get("/dashboard/nothing.js", null).statusCode()).isEqualTo(404);
        assertThat(server.get("/dashboard/..%2Fdb", null).statusCode()).isEqualTo(404);
    }

    /** The dashboard, signed out, with nothing logged yet. */
    private static void open() {
        browser.get(server.base().resolve("/").toString());
        browser.executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
        until(ExpectedConditions.visibilityOfElementLocated(By.name("token")));
        chromium.takeConsole();
    }

    /** Every field and button says what it is: a label, an aria-label, or (for a button) its text. */
    private static void assertEveryFieldHasALabel() {
        Object unnamed = browser.executeScript("""
                return [...document.querySelectorAll("input, textarea, select, button")]
                  .filter((el) => !el.labels?.length && !el.getAttribute("aria-label") && !(el.tagName === "BUTTON" && el.textContent.trim()))
                  .map((el) => el.outerHTML);
                """);
        assertThat((List<?>) unnamed).as("fields without a label").isEmpty();
    }

    private static String badgeOf(String id) {
        List<WebElement> badges = browser.findElements(By.cssSelector("li[data-id='" + id + "'] .badge"));
        return badges.isEmpty() ? null : badges.getFirst().getText();
    }

    private static void type(By field, String text) {
        type(browser.findElement(field), text);
    }

    private static void type(WebElement input, String text) {
        input.clear();
        input.sendKeys(text);
    }

    private static void click(By target) {
        until(ExpectedConditions.elementToBeClickable(target)).click();
    }

    private static <T> T until(java.util.function.Function<? super org.openqa.selenium.WebDriver, T> condition) {
        return new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(50)).until(condition);
    }

    private static void noConsoleErrors() {
        assertThat(chromium.takeConsole()).as("the browser's console").noneSatisfy(entry ->
                assertThat(entry.getLevel().intValue()).isGreaterThanOrEqualTo(java.util.logging.Level.WARNING.intValue()));
    }
}
