package dev.onebox.dashboard;

import dev.onebox.testing.DashboardClient;
import dev.onebox.testing.Http;
import dev.onebox.testing.SqliteFile;
import dev.onebox.testing.TestApp;
import io.micronaut.context.annotation.Value;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Signing in to the dashboard, its session cookie, CSRF protection and the sign-in rate limit, over plain HTTP. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardSignInIT implements TestPropertyProvider {

    private static final String PASSWORD = "correct-horse-battery-staple";
    private static final String TOKEN = "dashboard-test-token-0123456789";

    @Inject
    EmbeddedServer server;

    @Value("${onebox.data-dir}")
    Path dataDir;

    private Http http;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.admin-password", PASSWORD);
    }

    @BeforeEach
    void setUp() {
        http = new Http(server.getURL().toString());
    }

    /** Each test signs in from its own address, so the per-address limit of one does not touch another. */
    private DashboardClient visitor() {
        return new DashboardClient(http, "203.0.113." + (1 + Math.floorMod(UUID.randomUUID().hashCode(), 250)));
    }

    @Test
    void aPageWithoutSessionSendsTheBrowserToTheSignInPage() {
        HttpResponse<String> page = visitor().get("/ui/scripts?x=1");
        assertThat(page.statusCode()).isEqualTo(303);
        assertThat(page.headers().firstValue("location")).hasValue("/ui/login?next=%2Fui%2Fscripts%3Fx%3D1");
        assertThat(visitor().get("/ui/login").body()).contains("Sign in").contains("name=\"password\"");
        assertThat(http.get("/").headers().firstValue("location")).hasValue("/ui");
    }

    @Test
    void theRightPasswordOpensASessionWithAStrictHttpOnlyCookieStoredOnlyAsAHash() {
        DashboardClient admin = visitor();
        HttpResponse<String> signIn = admin.signIn("admin", PASSWORD);
        assertThat(signIn.statusCode()).isEqualTo(303);
        assertThat(signIn.headers().firstValue("location")).hasValue("/ui");
        String cookie = signIn.headers().allValues("set-cookie").stream().filter(c -> c.startsWith("onebox_session=")).findFirst().orElseThrow();
        assertThat(cookie.toLowerCase()).contains("httponly").contains("samesite=strict").contains("path=/ui").doesNotContain("secure");

        HttpResponse<String> home = admin.get("/ui");
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.body()).contains("System status").contains("Sign out");
        SqliteFile db = new SqliteFile(dataDir);
        assertThat(db.scalar("SELECT COUNT(*) FROM dashboard_session WHERE id_hash = '" + dev.onebox.platform.Sha256.hex(admin.session().getBytes()) + "'")).isEqualTo(1);
        assertThat(db.scalar("SELECT COUNT(*) FROM dashboard_session WHERE id_hash = '" + admin.session() + "'")).isZero();
        assertThat(db.text("SELECT hash FROM admin_password")).startsWith("$2a$12$").doesNotContain(PASSWORD);
    }

    @Test
    void behindHttpsTheCookieIsAlsoSecure() {
        DashboardClient admin = visitor();
        HttpResponse<String> signIn = http.send(admin.withSession(http.request("/ui/login"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("X-Forwarded-Proto", "https")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("username=admin&password=" + PASSWORD)));
        assertThat(signIn.headers().allValues("set-cookie")).anySatisfy(c -> assertThat(c).startsWith("onebox_session=").contains("Secure"));
    }

    @Test
    void theSessionCookieDoesNotOpenTheJsonApi() {
        DashboardClient admin = visitor();
        admin.signIn("admin", PASSWORD);
        HttpResponse<String> api = http.send(admin.withSession(http.request("/api/v1/scripts")).GET());
        assertThat(api.statusCode()).isEqualTo(401);
        assertThat(api.body()).contains("\"error\"");
    }

    @Test
    void formsWithoutTheSessionsCsrfTokenOrFromAnotherSiteAreRefused() {
        DashboardClient admin = visitor();
        admin.signIn("admin", PASSWORD);
        String csrf = admin.csrf();
        Map<String, String> secret = Map.of("name", "CSRF_PROBE", "script", "", "value", "v");

        HttpResponse<String> none = admin.post("/ui/secrets", secret, null);
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(none.body()).contains("\"error\":\"csrf_failed\"");
        assertThat(admin.post("/ui/secrets", secret, "forged-" + csrf).statusCode()).isEqualTo(403);
        HttpResponse<String> crossSite = http.send(admin.withSession(http.request("/ui/secrets"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Origin", "https://evil.example")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("name=CSRF_PROBE&value=v&_csrf=" + csrf)));
        assertThat(crossSite.statusCode()).isEqualTo(403);
        assertThat(new SqliteFile(dataDir).scalar("SELECT COUNT(*) FROM secret WHERE name = 'CSRF_PROBE'")).isZero();

        HttpResponse<String> good = admin.post("/ui/secrets", secret, csrf);
        assertThat(good.statusCode()).isEqualTo(201);
        assertThat(good.body()).contains("Secret CSRF_PROBE set for every script.");
        HttpResponse<String> viaHeader = http.send(admin.withSession(http.request("/ui/secrets/delete"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("X-CSRF-Token", csrf)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("name=CSRF_PROBE&script=")));
        assertThat(viaHeader.statusCode()).isEqualTo(200);
        assertThat(new SqliteFile(dataDir).scalar("SELECT COUNT(*) FROM secret WHERE name = 'CSRF_PROBE'")).isZero();
    }

    @Test
    void wrongPasswordsAreRefusedAndThenRateLimitedPerAddress() {
        DashboardClient guesser = visitor();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> wrong = guesser.signIn("admin", "guess-number-" + i);
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).contains("The user name or the password is not right.");
            assertThat(DashboardClient.sessionCookie(wrong)).isEmpty();
        }
        HttpResponse<String> limited = guesser.signIn("admin", PASSWORD);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).isPresent();
        assertThat(limited.body()).contains("Too many failed sign-ins");
        assertThat(DashboardClient.sessionCookie(limited)).isEmpty();

        assertThat(visitor().signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
    }

    @Test
    void signingOutEndsTheSessionOnTheServer() {
        DashboardClient admin = visitor();
        admin.signIn("admin", PASSWORD);
        String session = admin.session();
        HttpResponse<String> out = admin.post("/ui/logout", Map.of(), admin.csrf());
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.headers().allValues("set-cookie")).anySatisfy(c -> assertThat(c).startsWith("onebox_session=;").contains("Max-Age=0"));

        DashboardClient replay = visitor();
        replay.useSession(session);
        assertThat(replay.get("/ui").statusCode()).isEqualTo(303);
    }

    @Test
    void aPasswordFromTheEnvironmentCannotBeChangedInTheDashboard() {
        DashboardClient admin = visitor();
        admin.signIn("admin", PASSWORD);
        HttpResponse<String> change = admin.post("/ui/account/password",
                Map.of("current", PASSWORD, "wanted", "another-long-password", "confirmation", "another-long-password"), admin.csrf());
        assertThat(change.statusCode()).isEqualTo(409);
        assertThat(change.body()).contains("ONEBOX_ADMIN_PASSWORD");
        assertThat(visitor().signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
    }

    @Test
    void anApiTokenCreatedOnTheAccountPageIsShownOnceAndWorks() {
        DashboardClient admin = visitor();
        admin.signIn("admin", PASSWORD);
        HttpResponse<String> created = admin.post("/ui/account/tokens", Map.of("name", "from-the-dashboard"), admin.csrf());
        assertThat(created.statusCode()).isEqualTo(201);
        java.util.regex.Matcher token = java.util.regex.Pattern.compile("id=\"new-token-value\">(obx_[^<]+)<").matcher(created.body());
        assertThat(token.find()).isTrue();
        assertThat(http.get("/api/v1/whoami", token.group(1)).body()).contains("from-the-dashboard");
        assertThat(admin.get("/ui/account").body()).contains("from-the-dashboard").doesNotContain(token.group(1));
    }
}
