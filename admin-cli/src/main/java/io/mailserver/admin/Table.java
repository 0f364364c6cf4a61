package io.mailserver.admin;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain-text table for people: a header row in capitals, columns aligned with two spaces between
 * them, no trailing blanks. Control characters in cells are shown as {@code ?} so a stored value
 * cannot move the cursor of the operator's terminal.
 */
public final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... header) {
        this.header = List.of(header);
    }

    public Table row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException("expected " + header.size() + " cells, got " + cells.length);
        }
        List<String> row = new ArrayList<>();
        for (Object cell : cells) {
            row.add(clean(cell == null ? "" : cell.toString()));
        }
        rows.add(row);
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    public void print(PrintStream out) {
        int[] widths = new int[header.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = header.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).codePointCount(0, row.get(i).length()));
            }
        }
        printRow(out, header, widths);
        for (List<String> row : rows) {
            printRow(out, row, widths);
        }
    }

    private static void printRow(PrintStream out, List<String> cells, int[] widths) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            sb.append(cell);
            if (i < cells.size() - 1) {
                int pad = widths[i] - cell.codePointCount(0, cell.length()) + 2;
                char[] blanks = new char[pad];
                Arrays.fill(blanks, ' ');
                sb.append(blanks);
            }
        }
        out.println(sb.toString().stripTrailing());
    }

    /** Key/value lines for a single record ({@code show}): keys padded to one width. */
    public static void printRecord(PrintStream out, List<String[]> pairs) {
        int width = 0;
        for (String[] p : pairs) {
            width = Math.max(width, p[0].length());
        }
        for (String[] p : pairs) {
            StringBuilder sb = new StringBuilder(p[0]).append(':');
            sb.append(" ".repeat(width - p[0].length() + 1));
            sb.append(clean(p[1]));
            out.println(sb.toString().stripTrailing());
        }
    }

    static String clean(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        return sb.toString();
    }
}
