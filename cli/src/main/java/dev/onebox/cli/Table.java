package dev.onebox.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Columns padded to their widest cell, for listings a person reads. */
final class Table {

    private final List<String[]> rows = new ArrayList<>();

    Table(String... headers) {
        rows.add(headers);
    }

    void row(Object... cells) {
        String[] text = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            text[i] = cells[i] == null ? "" : oneLine(cells[i].toString());
        }
        rows.add(text);
    }

    boolean isEmpty() {
        return rows.size() == 1;
    }

    void print(PrintStream out) {
        int columns = rows.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns && i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                String cell = i < row.length ? row[i] : "";
                line.append(i == columns - 1 ? cell : String.format("%-" + (widths[i] + 2) + "s", cell));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /**
     * Text from the server (log lines a script printed) made safe for a terminal: control
     * characters but tab become visible escapes, so no escape sequence can drive the terminal.
     */
    static String visible(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            if (c != '\t' && (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f))) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Cells come from the server (run errors, SQL values): no line breaks or terminal escapes in a table. */
    static String oneLine(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            out.append(c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ? ' ' : c);
        }
        return out.toString();
    }
}
