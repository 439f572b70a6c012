package dev.onebox.dashboard;

/** Where the dashboard lives; everything under it signs in with a session cookie. */
public final class DashboardPaths {

    public static final String ROOT = "/ui";
    public static final String LOGIN = ROOT + "/login";
    /** The dashboard's session cookie (HttpOnly, SameSite=Strict, Path=/ui); never sent on to a script. */
    public static final String SESSION_COOKIE = "onebox_session";

    private DashboardPaths() {
    }

    public static boolean isDashboard(String path) {
        return path.equals(ROOT) || path.startsWith(ROOT + "/");
    }

    /** Files anyone may load: they hold no data, so no session is looked up for them. */
    static boolean isAsset(String path) {
        return path.startsWith(ROOT + "/assets/") || path.startsWith(ROOT + "/webjars/");
    }
}
