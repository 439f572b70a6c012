package dev.onebox.dashboard;

import dev.onebox.testing.Api;
import dev.onebox.testing.Browser;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real browser (headless Chromium) against the app with a real Docker engine:
 * sign in, write a script in the editor, try it, deploy it, call it with an HTTP client and find
 * the run with its logs, deploy again and roll back, keep a secret ({@link DashboardSignOutBrowserIT}
 * signs out). Screenshots of the main pages land in target/screenshots.
 * <p>
 * Each test stands on its own: it starts signed out (no cookies), signs in, and works on a
 * script of its own, deployed through the API when the test is not about deploying, so one
 * failure shows alone instead of hiding the steps after it.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserIT implements TestPropertyProvider {

    private static final String PASSWORD = "browser-test-password-42";
    private static final String TOKEN = "browser-test-token-0123456789";
    private static final String SECRET_VALUE = "s3cr3t-value-never-shown";
    /** Deployed once for the tests that only read it (calls, runs, the editor's layout). */
    private static final String SCRIPT = "browser-demo";
    private static final String CODE_V1 = """
            export default {
              async fetch(request, env) {
                const name = new URL(request.url).searchParams.get("name") ?? "world";
                console.log("greeting " + name);
                return new Response("v1 says hello " + name + (env.DEMO_SECRET ? " (secret bound)" : ""));
              },
            };
            """;

    @Inject
    EmbeddedServer server;

    private ChromeDriver browser;
    private WebDriverWait wait;
    private String base;
    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.admin-password", PASSWORD);
    }

    @BeforeAll
    void startBrowser() {
        base = server.getURL().toString();
        http = new Http(base);
        api = new Api(http, TOKEN);
        browser = Browser.start();
        wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        assertThat(api.deploy(SCRIPT, CODE_V1).statusCode()).isEqualTo(201);
    }

    @BeforeEach
    void startSignedOut() {
        browser.manage().deleteAllCookies();
        browser.manage().window().setSize(new Dimension(1366, 1000));
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theDashboardAsksToSignInAndRefusesAWrongPassword() {
        browser.get(base + "/ui/scripts");
        wait.until(ExpectedConditions.urlContains("/ui/login"));
        Browser.screenshot(browser, "01-sign-in");
        signIn("not-the-password");
        assertThat(text("#login-error")).isEqualTo("The user name or the password is not right.");
    }

    @Test
    void signingInLeadsBackToThePageAskedForAndHomeShowsTheSystem() {
        browser.get(base + "/ui/scripts");
        signIn(PASSWORD);
        wait.until(ExpectedConditions.urlToBe(base + "/ui/scripts"));
        browser.get(base + "/ui");
        assertThat(text("main")).contains("System status").contains("sqlite").contains("runtime").contains("Warm containers");

        browser.findElement(By.id("greeting-name")).sendKeys("Ada" + Keys.ENTER);
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#greeting-result strong"), "Hello, Ada!"));
        wait.until(ExpectedConditions.textToBe(By.id("greeting-count"), "1"));
        Browser.screenshot(browser, "02-home");

        browser.get(base + "/ui/scripts/no-such-script");
        assertThat(text("#page-error")).isEqualTo("No script is named 'no-such-script'.");
    }

    @Test
    void aScriptWrittenInTheEditorCanBeTriedWithoutSavingIt() {
        String script = "browser-try";
        signInAt("/ui/scripts");
        browser.findElement(By.id("new-script")).click();
        wait.until(ExpectedConditions.urlToBe(base + "/ui/scripts/new"));
        browser.findElement(By.id("name")).sendKeys(script);
        setCode(CODE_V1);
        browser.findElement(By.id("cron")).sendKeys("*/10 * * * *");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("schedule-preview"), "Next runs (UTC)"));
        browser.findElement(By.id("cron")).clear();

        WebElement path = browser.findElement(By.id("try-path"));
        path.clear();
        path.sendKeys("/?name=Try");
        browser.findElement(By.id("try-run")).click();
        wait.until(ExpectedConditions.textToBe(By.id("try-response-status"), "200"));
        assertThat(text("#try-response-body")).isEqualTo("v1 says hello Try");
        assertThat(text("#try-logs")).contains("greeting Try");
        Browser.screenshot(browser, "03-editor-try-out");
        assertThat(http.get("/api/v1/scripts/" + script, TOKEN).statusCode())
                .as("a try-out saves nothing").isEqualTo(404);
    }

    @Test
    void deployingShowsTheBuildLiveUntilTheScriptIsReady() {
        String script = "browser-deploy";
        signInAt("/ui/scripts/new");
        browser.findElement(By.id("name")).sendKeys(script);
        setCode(CODE_V1);
        browser.findElement(By.id("deploy")).click();
        wait.until(ExpectedConditions.urlContains("/ui/scripts/" + script + "?build=1"));
        wait.until(ExpectedConditions.attributeToBe(By.id("build-status"), "data-status", "ready"));
        assertThat(text("#build-log")).contains("ready");
        Browser.screenshot(browser, "04-deployed");
        browser.get(base + "/ui/scripts");
        assertThat(text("#scripts")).contains(script).contains("ready").contains("v1");
    }

    @Test
    void aCallOfTheTriggerAppearsAmongTheRunsWithItsLogs() {
        HttpResponse<String> call = http.get("/run/" + SCRIPT + "/?name=Curl");
        assertThat(call.statusCode()).isEqualTo(200);
        assertThat(call.body()).isEqualTo("v1 says hello Curl");
        String runId = call.headers().firstValue("x-onebox-run-id").orElseThrow();

        signInAt("/ui/scripts/" + SCRIPT);
        assertThat(browser.findElement(By.id("curl")).getAttribute("value")).isEqualTo("curl -i " + base.replaceAll("/$", "") + "/run/" + SCRIPT + "/");
        browser.findElement(By.id("runs-link")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-run='" + runId + "']")));
        new Select(browser.findElement(By.name("trigger"))).selectByValue("http");
        browser.findElement(By.cssSelector("#run-filter button")).click();
        wait.until(ExpectedConditions.urlContains("trigger=http"));
        assertThat(text("#runs")).contains("succeeded").contains("http");
        Browser.screenshot(browser, "05-runs");

        browser.findElement(By.cssSelector("tr[data-run='" + runId + "'] a")).click();
        wait.until(ExpectedConditions.urlContains("/ui/runs/" + runId));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("run-logs"), "greeting Curl"));
        assertThat(browser.findElement(By.id("run-status")).getAttribute("data-status")).isEqualTo("succeeded");
        Browser.screenshot(browser, "06-run");
    }

    @Test
    void aSecondVersionCanBeComparedAndRolledBack() {
        String script = "browser-versions";
        assertThat(api.deploy(script, CODE_V1).statusCode()).isEqualTo(201);
        signInAt("/ui/scripts/" + script);
        setCode(CODE_V1.replace("v1 says", "v2 says"));
        browser.findElement(By.id("deploy")).click();
        wait.until(ExpectedConditions.urlContains("?build=2"));
        wait.until(ExpectedConditions.attributeToBe(By.id("build-status"), "data-status", "ready"));
        assertThat(http.get("/run/" + script + "/").body()).startsWith("v2 says");

        browser.findElement(By.id("versions-link")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("rollback-1")));
        assertThat(text("#serving-version")).isEqualTo("2");
        Browser.screenshot(browser, "07-versions");
        browser.get(base + "/ui/scripts/" + script + "/versions/1/diff");
        assertThat(text("#diff")).contains("-    return new Response(\"v2 says").contains("+    return new Response(\"v1 says");
        Browser.screenshot(browser, "08-diff");

        browser.get(base + "/ui/scripts/" + script + "/versions");
        browser.findElement(By.id("rollback-1")).click();
        wait.until(ExpectedConditions.textToBe(By.id("editor-notice"), "Version 1 serves again."));
        assertThat(http.get("/run/" + script + "/").body()).startsWith("v1 says");
    }

    @Test
    void aSecretIsStoredAndItsValueNeverShownAgain() {
        String script = "browser-secret";
        assertThat(api.deploy(script, CODE_V1).statusCode()).isEqualTo(201);
        signInAt("/ui/secrets");
        browser.findElement(By.id("secret-name")).sendKeys("DEMO_SECRET");
        browser.findElement(By.id("secret-script")).sendKeys(script);
        browser.findElement(By.id("secret-value")).sendKeys(SECRET_VALUE);
        browser.findElement(By.id("secret-save")).click();
        wait.until(ExpectedConditions.textToBe(By.id("secret-notice"), "Secret DEMO_SECRET set for script " + script + "."));
        assertThat(text("#secrets")).contains("DEMO_SECRET").contains(script);
        assertThat(browser.getPageSource()).doesNotContain(SECRET_VALUE);
        browser.navigate().refresh();
        assertThat(browser.getPageSource()).doesNotContain(SECRET_VALUE);
        Browser.screenshot(browser, "09-secrets");
        assertThat(http.get("/run/" + script + "/").body()).endsWith("(secret bound)");
    }

    @Test
    void aFormPostWithoutTheCsrfTokenIsRefusedEvenFromTheDashboardsOwnPage() {
        signInAt("/ui/secrets");
        Object status = ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/ui/secrets', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                    body: 'name=FORGED&value=x'}).then(r => done(r.status), e => done(String(e)));""");
        assertThat(status).isEqualTo(403L);
        browser.navigate().refresh();
        assertThat(text("main")).doesNotContain("FORGED");
    }

    @Test
    void theEditorIsUsableOnAPhoneSizedScreen() {
        signInAt("/ui/scripts/" + SCRIPT);
        browser.manage().window().setSize(new Dimension(390, 844));
        try {
            browser.get(base + "/ui/scripts/" + SCRIPT);
            WebElement editor = browser.findElement(By.cssSelector(".CodeMirror"));
            WebElement tryPanel = browser.findElement(By.id("try"));
            assertThat(editor.getRect().getWidth()).isLessThanOrEqualTo(390);
            assertThat(tryPanel.getRect().getY()).as("the try-out panel goes below the editor").isGreaterThan(editor.getRect().getY());
            Browser.screenshot(browser, "10-phone-editor");
        } finally {
            browser.manage().window().setSize(new Dimension(1366, 1000));
        }
    }

    @Test
    void aRunningRunsLogsArriveLiveAndItsStatusChangesWhenItEnds() {
        assertThat(api.deploy("slow-demo", """
                export default {
                  async fetch() {
                    console.log("step one");
                    // The newest line is held back until the next one (a secret split across
                    // lines is redacted as a whole), so a second line releases the first.
                    console.log("waiting");
                    await new Promise((resolve) => setTimeout(resolve, 15000));
                    console.log("step two");
                    return new Response("done");
                  },
                };""").statusCode()).isEqualTo(201);
        var call = http.getAsync("/run/slow-demo/");
        String[] runId = new String[1];
        Waits.until(Duration.ofSeconds(30), "the run to start", () -> {
            var runs = Json.array(api.get("/api/v1/scripts/slow-demo/runs").body());
            if (runs.isEmpty()) {
                return false;
            }
            runId[0] = (String) runs.get(0).get("id");
            return "running".equals(runs.get(0).get("status"));
        });

        signInAt("/ui/runs/" + runId[0]);
        assertThat(browser.findElement(By.id("run-status")).getAttribute("data-status")).isEqualTo("running");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("run-logs"), "step one"));
        assertThat(text("#run-logs")).doesNotContain("step two");
        wait.until(ExpectedConditions.attributeToBe(By.id("run-status"), "data-status", "succeeded"));
        assertThat(text("#run-logs")).contains("step two");
        Browser.screenshot(browser, "11-run-followed-live");
        assertThat(call.join().body()).isEqualTo("done");
    }

    /** Opens {@code path} signed out, signs in on the page it leads to, and ends on {@code path}. */
    private void signInAt(String path) {
        browser.get(base + path);
        wait.until(ExpectedConditions.urlContains("/ui/login"));
        signIn(PASSWORD);
        wait.until(d -> !d.getCurrentUrl().contains("/ui/login"));
        if (!browser.getCurrentUrl().equals(base + path)) {
            browser.get(base + path);
        }
    }

    private void signIn(String password) {
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("password")));
        WebElement field = browser.findElement(By.id("password"));
        field.clear();
        field.sendKeys(password);
        browser.findElement(By.id("sign-in")).click();
        wait.until(d -> !d.getCurrentUrl().contains("/ui/login") || !d.findElements(By.id("login-error")).isEmpty());
    }

    private void setCode(String code) {
        wait.until(d -> ((JavascriptExecutor) d).executeScript("return !!(window.oneboxEditors && window.oneboxEditors.source)"));
        ((JavascriptExecutor) browser).executeScript("window.oneboxEditors.source.setValue(arguments[0])", code);
    }

    private String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText().strip();
    }
}
