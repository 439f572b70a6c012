package dev.onebox.observe;

import dev.onebox.testing.Api;
import dev.onebox.testing.Browser;
import dev.onebox.testing.Http;
import dev.onebox.testing.TestApp;
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
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The charts in a real browser (headless Chromium, real Docker sandboxes): a script is deployed
 * and called, and its page's chart counts the runs by status; the numbers are read from the
 * chart's data attributes (what the bars are drawn from), not from pixels. A deploy from the
 * editor shows its build's progress. Screenshots land in target/screenshots.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChartsBrowserIT implements TestPropertyProvider {

    private static final String PASSWORD = "charts-test-password-42";
    private static final String TOKEN = "charts-test-token-0123456789";
    private static final String SCRIPT = "charted";

    @Inject
    EmbeddedServer server;

    private ChromeDriver browser;
    private WebDriverWait wait;
    private String base;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.admin-password", PASSWORD);
    }

    @BeforeAll
    void startBrowser() {
        base = server.getURL().toString();
        browser = Browser.start();
        browser.manage().window().setSize(new Dimension(1366, 1000));
        wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    }

    @BeforeEach
    void startSignedOut() {
        browser.manage().deleteAllCookies();
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aScriptsPageChartsItsRunsByStatusAndTheHomePageCountsThem() {
        Http http = new Http(base);
        assertThat(new Api(http, TOKEN).deploy(SCRIPT, "export default { fetch(request) {"
                + " if (new URL(request.url).searchParams.has('fail')) throw new Error('asked to fail');"
                + " return new Response('charted'); } };").statusCode()).isEqualTo(201);
        for (int i = 0; i < 4; i++) {
            assertThat(http.get("/run/" + SCRIPT).statusCode()).isEqualTo(200);
        }
        assertThat(http.get("/run/" + SCRIPT + "?fail=1").statusCode()).isEqualTo(500);

        signInAt("/ui/scripts/" + SCRIPT);
        // the rollup is written behind the runs: reload until the chart has them (it refreshes itself every 30 s)
        wait.until(d -> {
            d.navigate().refresh();
            new WebDriverWait(d, Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(By.id("chart-script-runs")));
            return count("#chart-script-runs rect[data-status=succeeded]") == 4 && count("#chart-script-runs rect[data-status=failed]") == 1;
        });
        assertThat(total("#chart-script-runs g.bar")).as("bar totals").isEqualTo(5);
        assertThat(browser.findElements(By.cssSelector("#chart-script-runs g.bar"))).as("one bar a minute for an hour").hasSize(60);
        WebElement point = browser.findElement(By.cssSelector("#chart-script-duration g.point"));
        double p50 = Double.parseDouble(point.getAttribute("data-p50"));
        assertThat(p50).as("p50 of this minute in ms").isPositive();
        assertThat(Double.parseDouble(point.getAttribute("data-p99"))).isGreaterThanOrEqualTo(p50);
        assertThat(browser.findElements(By.id("chart-script-cold"))).hasSize(1);
        assertThat(browser.findElement(By.id("chart-script-runs")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("chart-script-runs")).getRect().getY()).as("the charts are at the top of the page").isLessThan(400);
        Browser.screenshot(browser, "charts-script");

        browser.get(base + "/ui");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("chart-runs-day")));
        assertThat(total("#chart-runs-hour g.bar")).as("runs of the last hour on the home page").isGreaterThanOrEqualTo(5);
        assertThat(total("#chart-runs-day g.bar")).isGreaterThanOrEqualTo(5);
        assertThat(count("#chart-runs-hour rect[data-status=failed]")).isGreaterThanOrEqualTo(1);
        ((JavascriptExecutor) browser).executeScript("document.getElementById('home-charts').scrollIntoView()");
        Browser.screenshot(browser, "charts-home");
    }

    /** A deploy from the editor shows a progress bar with the build's current step until the build ends. */
    @Test
    void aDeployShowsItsBuildStepsAsTheyHappen() {
        String script = "progress-shown";
        assertThat(new Api(new Http(base), TOKEN).deploy(script, "export default { fetch() { return new Response('v1'); } };").statusCode())
                .isEqualTo(201);
        signInAt("/ui/scripts/" + script);
        wait.until(d -> ((JavascriptExecutor) d).executeScript("return !!(window.oneboxEditors && window.oneboxEditors.source)"));
        // its top level takes 4 s to load: the build stays on its last step long enough to be seen
        ((JavascriptExecutor) browser).executeScript("window.oneboxEditors.source.setValue(arguments[0])",
                "await new Promise((resolve) => setTimeout(resolve, 4000));\n"
                        + "export default { fetch() { return new Response('v2'); } };");
        browser.findElement(By.id("deploy")).click();
        wait.until(ExpectedConditions.urlContains("?build=2"));
        wait.until(ExpectedConditions.textToBe(By.id("build-step"), "starting a sandbox to load the script"));
        assertThat(browser.findElement(By.id("build-progress")).isDisplayed()).as("the bar shows while the build goes on").isTrue();
        Browser.screenshot(browser, "build-progress");
        wait.until(ExpectedConditions.attributeToBe(By.id("build-status"), "data-status", "ready"));
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("build-progress")));
        assertThat(browser.findElement(By.id("build-log")).getText()).contains("the script loaded; version ready");
        assertThat(browser.findElements(By.id("build-step"))).as("the step line goes with the bar").isEmpty();
    }

    /** The sum of data-count over the matched segments. */
    private long count(String css) {
        return ((Number) ((JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll(arguments[0])).reduce((sum, el) => sum + Number(el.dataset.count), 0);", css))
                .longValue();
    }

    /** The sum of data-total over the matched bars. */
    private long total(String css) {
        return ((Number) ((JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll(arguments[0])).reduce((sum, el) => sum + Number(el.dataset.total), 0);", css))
                .longValue();
    }

    private void signInAt(String path) {
        browser.get(base + path);
        wait.until(ExpectedConditions.urlContains("/ui/login"));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("password")));
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.findElement(By.id("sign-in")).click();
        wait.until(d -> !d.getCurrentUrl().contains("/ui/login"));
        if (!browser.getCurrentUrl().equals(base + path)) {
            browser.get(base + path);
        }
    }
}
