package dev.onebox.d1;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * SQL text cut into statements the way SQLite itself finds their ends ({@code sqlite3_complete}:
 * a {@code ;} outside strings, quoted names and comments, except inside a {@code CREATE TRIGGER}
 * body up to its {@code END;}), and the leading words of each statement. The engine prepares each
 * statement on its own, and SQLite compiles only the first statement of a text, so the words read
 * here are those of the statement SQLite runs.
 */
final class SqlText {

    /** One statement: its text and its first words, upper-cased, comments and quotes aside. */
    record Statement(String sql, List<String> words) {

        String word(int index) {
            return index < words.size() ? words.get(index) : "";
        }
    }

    private enum Token { SEMI, SPACE, OTHER, EXPLAIN, CREATE, TEMP, TRIGGER, END }

    /** sqlite3_complete's transitions: state x token to state; 1 = between statements. */
    private static final int[][] NEXT = {
            /* 0 invalid */ {1, 0, 2, 3, 4, 2, 2, 2},
            /* 1 start   */ {1, 1, 2, 3, 4, 2, 2, 2},
            /* 2 normal  */ {1, 2, 2, 2, 2, 2, 2, 2},
            /* 3 explain */ {1, 3, 3, 2, 4, 2, 2, 2},
            /* 4 create  */ {1, 4, 2, 2, 2, 4, 5, 2},
            /* 5 trigger */ {6, 5, 5, 5, 5, 5, 5, 5},
            /* 6 semi    */ {6, 6, 5, 5, 5, 5, 5, 7},
            /* 7 end     */ {1, 7, 5, 5, 5, 5, 5, 5},
    };
    private static final int WORDS_KEPT = 10;

    private SqlText() {
    }

    /** The statements of {@code sql}; texts that hold only spaces and comments are left out. */
    static List<Statement> split(String sql) {
        List<Statement> statements = new ArrayList<>();
        int state = 0;
        int start = 0;
        List<String> words = new ArrayList<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            int end;
            Token token;
            String word = null;
            if (c == ';') {
                end = i + 1;
                token = Token.SEMI;
            } else if (Character.isWhitespace(c)) {
                end = i + 1;
                token = Token.SPACE;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int newline = sql.indexOf('\n', i);
                end = newline < 0 ? n : newline + 1;
                token = Token.SPACE;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int close = sql.indexOf("*/", i + 2);
                end = close < 0 ? n : close + 2;
                token = Token.SPACE;
            } else if (c == '\'' || c == '"' || c == '`') {
                end = closeQuote(sql, i, c);
                token = Token.OTHER;
                word = c == '\'' ? "'" : sql.substring(i + 1, Math.max(i + 1, end - 1)).toUpperCase(Locale.ROOT);
            } else if (c == '[') {
                int close = sql.indexOf(']', i);
                end = close < 0 ? n : close + 1;
                token = Token.OTHER;
                word = sql.substring(i + 1, Math.max(i + 1, end - 1)).toUpperCase(Locale.ROOT);
            } else if (identifierChar(c)) {
                end = i + 1;
                while (end < n && identifierChar(sql.charAt(end))) {
                    end++;
                }
                word = sql.substring(i, end).toUpperCase(Locale.ROOT);
                token = keyword(word);
            } else {
                end = i + 1;
                token = Token.OTHER;
                word = String.valueOf(c);
            }
            if (token != Token.SPACE && token != Token.SEMI && words.size() < WORDS_KEPT) {
                words.add(word);
            }
            state = NEXT[state][token.ordinal()];
            if (token == Token.SEMI && state == 1) {
                add(statements, sql.substring(start, end), words);
                words = new ArrayList<>();
                start = end;
            }
            i = end;
        }
        add(statements, sql.substring(start), words);
        return statements;
    }

    private static void add(List<Statement> statements, String text, List<String> words) {
        if (!words.isEmpty()) {
            statements.add(new Statement(text.strip(), List.copyOf(words)));
        }
    }

    /** The end of a quoted string or name; a doubled quote stays inside. */
    private static int closeQuote(String sql, int open, char quote) {
        int i = open + 1;
        while (i < sql.length()) {
            if (sql.charAt(i) == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return sql.length();
    }

    private static boolean identifierChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c > 0x7f;
    }

    private static Token keyword(String word) {
        return switch (word) {
            case "EXPLAIN" -> Token.EXPLAIN;
            case "CREATE" -> Token.CREATE;
            case "TEMP", "TEMPORARY" -> Token.TEMP;
            case "TRIGGER" -> Token.TRIGGER;
            case "END" -> Token.END;
            default -> Token.OTHER;
        };
    }
}
