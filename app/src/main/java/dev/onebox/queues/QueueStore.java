package dev.onebox.queues;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The queues' SQL, each method one short transaction on a connection of its own (never called
 * inside another transaction: the pool has one writer). Plain SQL that PostgreSQL also takes.
 */
public class QueueStore {

    private static final String COLUMNS = "id, queue, state, content_type, body, attempts, created_at, visible_at, last_error, origin";

    /** Does one transaction's work on its connection. */
    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;

    QueueStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    private <T> T transaction(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("queue storage failed: " + e.getMessage(), e);
        }
    }

    /** Stores every message of every send in one transaction; answers their ids, send by send. */
    List<List<String>> insert(List<List<NewMessage>> sends, long now) {
        return transaction(connection -> {
            List<List<String>> ids = new ArrayList<>(sends.size());
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO queue_message (id, queue, state, content_type, body, "
                    + "attempts, created_at, visible_at) VALUES (?, ?, 'ready', ?, ?, 0, ?, ?)")) {
                for (List<NewMessage> send : sends) {
                    List<String> sent = new ArrayList<>(send.size());
                    for (NewMessage message : send) {
                        String id = UUID.randomUUID().toString().replace("-", "");
                        insert.setString(1, id);
                        insert.setString(2, message.queue());
                        insert.setString(3, message.contentType().wire());
                        insert.setBytes(4, message.body());
                        insert.setLong(5, now);
                        insert.setLong(6, now + Math.max(0, message.delayMs()));
                        insert.addBatch();
                        sent.add(id);
                    }
                    ids.add(sent);
                }
                insert.executeBatch();
            }
            return ids;
        });
    }

    /**
     * How many messages of {@code queue} are deliverable now (at most {@code max}) and when the
     * earliest of them became visible; for the batch rule (size or timeout).
     */
    public Ready ready(String queue, long now, int max) {
        return transaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT COUNT(*), MIN(visible_at) FROM (SELECT visible_at FROM "
                    + "queue_message WHERE queue = ? AND state = 'ready' AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?) AS head")) {
                select.setString(1, queue);
                select.setLong(2, now);
                select.setInt(3, max);
                try (ResultSet rows = select.executeQuery()) {
                    rows.next();
                    int count = rows.getInt(1);
                    long since = rows.getLong(2);
                    return new Ready(count, count == 0 ? null : since);
                }
            }
        });
    }

    public record Ready(int count, Long earliestVisibleAt) {
    }

    /**
     * Takes up to {@code max} deliverable messages of {@code queue}, longest deliverable first, in
     * one statement: they are in flight until {@code leaseUntil}, with one more attempt counted.
     * The order is the index's ({@code queue, state, visible_at, seq}), so a claim reads only the
     * rows it takes; ordering by {@code seq} alone made SQLite sort every deliverable row of a
     * backlog for each batch.
     */
    public List<QueueMessage> claim(String queue, int max, long now, long leaseUntil) {
        return transaction(connection -> {
            List<QueueMessage> claimed = new ArrayList<>(max);
            List<Long> order = new ArrayList<>(max);
            try (PreparedStatement update = connection.prepareStatement("UPDATE queue_message SET state = 'in_flight', "
                    + "attempts = attempts + 1, visible_at = ? WHERE seq IN (SELECT seq FROM queue_message WHERE queue = ? "
                    + "AND state = 'ready' AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?) RETURNING " + COLUMNS + ", seq")) {
                update.setLong(1, leaseUntil);
                update.setString(2, queue);
                update.setLong(3, now);
                update.setInt(4, max);
                try (ResultSet rows = update.executeQuery()) {
                    while (rows.next()) {
                        claimed.add(message(rows, now));
                        order.add(rows.getLong(11));
                    }
                }
            }
            return inOrder(claimed, order);
        });
    }

    /** RETURNING gives rows in no promised order: the batch goes out oldest first. */
    private static List<QueueMessage> inOrder(List<QueueMessage> claimed, List<Long> seqs) {
        if (claimed.size() < 2) {
            return claimed;
        }
        Integer[] positions = new Integer[claimed.size()];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i;
        }
        java.util.Arrays.sort(positions, java.util.Comparator.comparing(seqs::get));
        List<QueueMessage> sorted = new ArrayList<>(positions.length);
        for (int position : positions) {
            sorted.add(claimed.get(position));
        }
        return sorted;
    }

    /** Acks deleted by one statement at most (each names two parameters). */
    static final int ACKS_PER_STATEMENT = 100;

    /**
     * Applies the outcome of consumer runs; a settlement of a delivery that is no longer in flight
     * is skipped. Acks, nearly every settlement, are deleted a hundred to a statement.
     */
    public int settle(List<Settlement> settlements, long now) {
        return transaction(connection -> {
            List<Settlement> acks = new ArrayList<>(settlements.size());
            List<Settlement> others = new ArrayList<>();
            for (Settlement settlement : settlements) {
                (settlement instanceof Settlement.Ack ? acks : others).add(settlement);
            }
            int applied = 0;
            for (int from = 0; from < acks.size(); from += ACKS_PER_STATEMENT) {
                applied += deleteAcked(connection, acks.subList(from, Math.min(acks.size(), from + ACKS_PER_STATEMENT)));
            }
            return applied + settleOthers(connection, others, now);
        });
    }

    /** An OR of (id, attempts) pairs: SQLite looks each up by the id index (a row-value IN would scan every in-flight row). */
    private static int deleteAcked(Connection connection, List<Settlement> acks) throws SQLException {
        StringBuilder sql = new StringBuilder("DELETE FROM queue_message WHERE state = 'in_flight' AND (");
        for (int i = 0; i < acks.size(); i++) {
            sql.append(i == 0 ? "" : " OR ").append("(id = ? AND attempts = ?)");
        }
        try (PreparedStatement delete = connection.prepareStatement(sql.append(')').toString())) {
            int index = 1;
            for (Settlement ack : acks) {
                delete.setString(index++, ack.id());
                delete.setInt(index++, ack.attempts());
            }
            return delete.executeUpdate();
        }
    }

    private static int settleOthers(Connection connection, List<Settlement> settlements, long now) throws SQLException {
        if (settlements.isEmpty()) {
            return 0;
        }
        int applied = 0;
        try (PreparedStatement retry = connection.prepareStatement("UPDATE queue_message SET state = 'ready', visible_at = ?, "
                    + "last_error = ? WHERE id = ? AND state = 'in_flight' AND attempts = ?");
             PreparedStatement deadLetter = connection.prepareStatement("UPDATE queue_message SET origin = queue, queue = ?, "
                    + "state = 'ready', attempts = 0, visible_at = ?, last_error = ? WHERE id = ? AND state = 'in_flight' AND attempts = ?");
             PreparedStatement release = connection.prepareStatement("UPDATE queue_message SET state = 'ready', visible_at = ?, "
                    + "attempts = attempts - 1 WHERE id = ? AND state = 'in_flight' AND attempts = ?");
             PreparedStatement fail = connection.prepareStatement("UPDATE queue_message SET state = 'failed', visible_at = ?, "
                    + "last_error = ? WHERE id = ? AND state = 'in_flight' AND attempts = ?")) {
            for (Settlement settlement : settlements) {
                PreparedStatement statement;
                int index = 1;
                if (settlement instanceof Settlement.Retry r) {
                    statement = retry;
                    statement.setLong(index++, r.visibleAt());
                    statement.setString(index++, r.error());
                } else if (settlement instanceof Settlement.Release r) {
                    statement = release;
                    statement.setLong(index++, r.visibleAt());
                } else if (settlement instanceof Settlement.DeadLetter d) {
                    statement = deadLetter;
                    statement.setString(index++, d.deadLetterQueue());
                    statement.setLong(index++, now);
                    statement.setString(index++, d.error());
                } else {
                    Settlement.Fail f = (Settlement.Fail) settlement;
                    statement = fail;
                    statement.setLong(index++, now);
                    statement.setString(index++, f.error());
                }
                statement.setString(index++, settlement.id());
                statement.setInt(index, settlement.attempts());
                applied += statement.executeUpdate();
            }
        }
        return applied;
    }

    /** Messages whose lease ran out (their run died with the app, or hung) are deliverable again. */
    public int releaseExpiredLeases(long now) {
        return transaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE queue_message SET state = 'ready', visible_at = ?, "
                    + "last_error = 'the consumer run did not finish within its lease' WHERE state = 'in_flight' AND visible_at <= ?")) {
                update.setLong(1, now);
                update.setLong(2, now);
                return update.executeUpdate();
            }
        });
    }

    /** At start-up: nothing is in flight in a fresh process, so every in-flight message is deliverable again. */
    public int releaseAllLeases(long now) {
        return transaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE queue_message SET state = 'ready', visible_at = ?, "
                    + "last_error = 'the app stopped while this message was being delivered' WHERE state = 'in_flight'")) {
                update.setLong(1, now);
                return update.executeUpdate();
            }
        });
    }

    /** Every stored message per queue, whatever its state (the back-pressure count). */
    Map<String, Long> totals() {
        return transaction(connection -> {
            Map<String, Long> totals = new HashMap<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT queue, COUNT(*) FROM queue_message GROUP BY queue");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    totals.put(rows.getString(1), rows.getLong(2));
                }
            }
            return totals;
        });
    }

    /**
     * The numbers of every queue that exists, by name. Counted from the index alone (queue,
     * state; then the delayed ones by state and time), and the oldest message is the one with the
     * lowest seq (seq grows with created_at): a grouping on {@code visible_at > now} with
     * {@code MIN(created_at)} read every row of a backlog and sorted it, for each look at the queues page.
     */
    Map<String, QueueStats> stats(long now) {
        return transaction(connection -> {
            Map<String, long[]> counts = new LinkedHashMap<>();
            Map<String, Long> first = new HashMap<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT name FROM queue ORDER BY name");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), new long[4]);
                }
            }
            try (PreparedStatement select = connection.prepareStatement("SELECT queue, state, COUNT(*), MIN(seq) FROM queue_message GROUP BY queue, state");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    String queue = rows.getString(1);
                    long[] numbers = counts.computeIfAbsent(queue, name -> new long[4]);
                    int slot = switch (rows.getString(2)) {
                        case "ready" -> 0;
                        case "in_flight" -> 2;
                        default -> 3;
                    };
                    numbers[slot] += rows.getLong(3);
                    first.merge(queue, rows.getLong(4), Math::min);
                }
            }
            try (PreparedStatement select = connection.prepareStatement("SELECT queue, COUNT(*) FROM queue_message "
                    + "WHERE state = 'ready' AND visible_at > ? GROUP BY queue")) {
                select.setLong(1, now);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        long[] numbers = counts.computeIfAbsent(rows.getString(1), name -> new long[4]);
                        numbers[1] = rows.getLong(2);
                        numbers[0] -= numbers[1];
                    }
                }
            }
            Map<String, Long> oldest = new HashMap<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT created_at FROM queue_message WHERE seq = ?")) {
                for (Map.Entry<String, Long> entry : first.entrySet()) {
                    select.setLong(1, entry.getValue());
                    try (ResultSet rows = select.executeQuery()) {
                        if (rows.next()) {
                            oldest.put(entry.getKey(), rows.getLong(1));
                        }
                    }
                }
            }
            Map<String, QueueStats> stats = new LinkedHashMap<>();
            counts.forEach((queue, n) -> stats.put(queue, new QueueStats(queue, n[0], n[1], n[2], n[3], oldest.get(queue))));
            return stats;
        });
    }

    /** The messages of {@code queue} in order, optionally of one state only, at most {@code limit}. */
    List<QueueMessage> list(String queue, MessageState state, int limit, long now) {
        String where = state == null ? "" : switch (state) {
            case READY -> " AND state = 'ready' AND visible_at <= ?";
            case DELAYED -> " AND state = 'ready' AND visible_at > ?";
            case IN_FLIGHT -> " AND state = 'in_flight'";
            case FAILED -> " AND state = 'failed'";
        };
        return transaction(connection -> {
            List<QueueMessage> messages = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM queue_message WHERE queue = ?"
                    + where + " ORDER BY seq LIMIT ?")) {
                int next = 1;
                select.setString(next++, queue);
                if (where.endsWith("?")) {
                    select.setLong(next++, now);
                }
                select.setInt(next, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        messages.add(message(rows, now));
                    }
                }
            }
            return messages;
        });
    }

    /** Deletes every message of the queue that is not in flight; answers how many. */
    int purge(String queue) {
        return transaction(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM queue_message WHERE queue = ? AND state <> 'in_flight'")) {
                delete.setString(1, queue);
                return delete.executeUpdate();
            }
        });
    }

    /**
     * Sends dead-lettered messages held in {@code queue} back to the queues they came from, and
     * the queue's own failed messages back into it, each with its attempts reset.
     */
    int redrive(String queue, long now) {
        return transaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE queue_message SET queue = COALESCE(origin, queue), "
                    + "origin = NULL, state = 'ready', attempts = 0, visible_at = ?, last_error = NULL "
                    + "WHERE queue = ? AND state <> 'in_flight' AND (origin IS NOT NULL OR state = 'failed')")) {
                update.setLong(1, now);
                update.setString(2, queue);
                return update.executeUpdate();
            }
        });
    }

    /** Failed messages older than {@code before} are deleted (retention). */
    public int pruneFailed(long before) {
        return transaction(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM queue_message WHERE state = 'failed' AND visible_at < ?")) {
                delete.setLong(1, before);
                return delete.executeUpdate();
            }
        });
    }

    /** Records that the queues exist (a script named them); answers the names that were new. */
    List<String> declare(List<String> queues, long now) {
        return transaction(connection -> {
            List<String> added = new ArrayList<>();
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO queue (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")) {
                for (String queue : queues) {
                    insert.setString(1, queue);
                    insert.setLong(2, now);
                    if (insert.executeUpdate() == 1) {
                        added.add(queue);
                    }
                }
            }
            return added;
        });
    }

    boolean exists(String queue) {
        return transaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM queue WHERE name = ?")) {
                select.setString(1, queue);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next();
                }
            }
        });
    }

    /**
     * The run an {@code Idempotency-Key} gave within the window, or records {@code runId} for it;
     * answers the run that holds the key.
     */
    String idempotentRun(String script, String key, String runId, long now, long windowMs) {
        return transaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT run_id, created_at FROM invoke_key WHERE script = ? AND key = ?")) {
                select.setString(1, script);
                select.setString(2, key);
                try (ResultSet rows = select.executeQuery()) {
                    if (rows.next() && rows.getLong(2) > now - windowMs) {
                        return rows.getString(1);
                    }
                }
            }
            try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO invoke_key (script, key, run_id, created_at) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (script, key) DO UPDATE SET run_id = excluded.run_id, created_at = excluded.created_at")) {
                upsert.setString(1, script);
                upsert.setString(2, key);
                upsert.setString(3, runId);
                upsert.setLong(4, now);
                upsert.executeUpdate();
            }
            return runId;
        });
    }

    /** Keys older than the window are forgotten. */
    int pruneKeys(long before) {
        return transaction(connection -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM invoke_key WHERE created_at < ?")) {
                delete.setLong(1, before);
                return delete.executeUpdate();
            }
        });
    }

    private static QueueMessage message(ResultSet rows, long now) throws SQLException {
        String stored = rows.getString(3);
        long visibleAt = rows.getLong(8);
        MessageState state = switch (stored) {
            case "ready" -> visibleAt > now ? MessageState.DELAYED : MessageState.READY;
            case "in_flight" -> MessageState.IN_FLIGHT;
            default -> MessageState.FAILED;
        };
        return new QueueMessage(rows.getString(1), rows.getString(2), state,
                ContentType.fromWire(rows.getString(4)).orElse(ContentType.BYTES), rows.getBytes(5), rows.getInt(6),
                rows.getLong(7), visibleAt, rows.getString(9), rows.getString(10));
    }
}
