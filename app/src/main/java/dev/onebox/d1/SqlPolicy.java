package dev.onebox.d1;

import java.util.Set;

/**
 * Which statements a D1 database runs. sqlite-jdbc offers no {@code sqlite3_set_authorizer} (its
 * native library keeps SQLite's symbols hidden), so the engine's own limits do what they can
 * ({@code SQLITE_LIMIT_ATTACHED = 0} makes ATTACH fail in SQLite, extensions stay disabled and
 * {@code load_extension} is replaced) and this policy decides on the statement kind: SQLite compiles
 * only the first statement of each text it is given ({@link SqlText}), and PRAGMA, ATTACH, VACUUM and
 * transaction control can only lead a statement (never inside a trigger, view or expression), so
 * reading the leading words is complete.
 */
final class SqlPolicy {

    /**
     * Statement kinds SQLite knows that a script may not run: they reach other files or lift limits
     * (and BACKUP and RESTORE are sqlite-jdbc's own file commands). Words SQLite does not know as a
     * statement's start go to SQLite, which answers its syntax error.
     */
    private static final Set<String> REFUSED = Set.of("ATTACH", "DETACH", "VACUUM", "BACKUP", "RESTORE");
    private static final Set<String> TRANSACTION = Set.of("BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE");
    /** PRAGMAs that read the schema or check it, with or without an argument. */
    private static final Set<String> INTROSPECTION = Set.of("TABLE_LIST", "TABLE_INFO", "TABLE_XINFO", "INDEX_LIST",
            "INDEX_INFO", "INDEX_XINFO", "FOREIGN_KEY_LIST", "FOREIGN_KEY_CHECK", "INTEGRITY_CHECK", "QUICK_CHECK",
            "COLLATION_LIST", "FUNCTION_LIST", "MODULE_LIST", "PRAGMA_LIST", "COMPILE_OPTIONS", "OPTIMIZE");
    /** PRAGMAs that may be read but never set: setting them changes files or lifts a limit. */
    private static final Set<String> READ_ONLY = Set.of("PAGE_COUNT", "PAGE_SIZE", "FREELIST_COUNT", "MAX_PAGE_COUNT",
            "DATA_VERSION", "USER_VERSION", "SCHEMA_VERSION", "ENCODING", "JOURNAL_MODE", "AUTO_VACUUM");
    /** Connection flags that touch no file; the engine sets them back after each call that set one. */
    static final Set<String> FLAGS = Set.of("FOREIGN_KEYS", "DEFER_FOREIGN_KEYS", "CASE_SENSITIVE_LIKE",
            "IGNORE_CHECK_CONSTRAINTS", "LEGACY_ALTER_TABLE", "RECURSIVE_TRIGGERS", "REVERSE_UNORDERED_SELECTS");

    private SqlPolicy() {
    }

    /** Refuses a statement the engine does not run, with D1's "not authorized". */
    static void check(SqlText.Statement statement) {
        int first = 0;
        if (statement.word(0).equals("EXPLAIN")) {
            // EXPLAIN PRAGMA x = y sets x while compiling, so what follows EXPLAIN is checked too.
            first = statement.word(1).equals("QUERY") ? 3 : 1;
        }
        String kind = statement.word(first);
        if (TRANSACTION.contains(kind)) {
            throw D1Exception.error("D1 does not run " + kind + " statements: use batch() for a transaction"
                    + ": SQLITE_AUTH");
        }
        if (REFUSED.contains(kind) || kind.equals("EXPLAIN")) {
            throw notAuthorized(kind);
        }
        if (kind.equals("PRAGMA")) {
            pragma(statement, first + 1);
        }
    }

    /** Whether the statement sets one of the {@link #FLAGS}. */
    static boolean setsFlag(SqlText.Statement statement) {
        return statement.word(0).equals("PRAGMA") && FLAGS.contains(pragmaName(statement, 1))
                && !pragmaArgument(statement, 1).isEmpty();
    }

    private static void pragma(SqlText.Statement statement, int at) {
        String name = pragmaName(statement, at);
        boolean setting = !pragmaArgument(statement, at).isEmpty();
        boolean allowed = INTROSPECTION.contains(name) || FLAGS.contains(name) || (READ_ONLY.contains(name) && !setting);
        if (!allowed) {
            throw notAuthorized("PRAGMA " + name.toLowerCase(java.util.Locale.ROOT) + (setting ? " with a value" : ""));
        }
    }

    /** The PRAGMA's name; a schema other than main is refused by returning it as the name. */
    private static String pragmaName(SqlText.Statement statement, int at) {
        if (statement.word(at + 1).equals(".")) {
            return statement.word(at).equals("MAIN") ? statement.word(at + 2) : statement.word(at) + "." + statement.word(at + 2);
        }
        return statement.word(at);
    }

    private static String pragmaArgument(SqlText.Statement statement, int at) {
        int next = statement.word(at + 1).equals(".") ? at + 3 : at + 1;
        String word = statement.word(next);
        return word.equals("=") || word.equals("(") ? word : "";
    }

    private static D1Exception notAuthorized(String what) {
        return D1Exception.error((what.isEmpty() ? "this statement" : what) + " is not authorized: SQLITE_AUTH");
    }
}
