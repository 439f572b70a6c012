package dev.onebox.demo;

import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.util.ArrayList;
import java.util.List;

/** The SQLite side of greetings: rows and their exact total, always changed together. */
@Singleton
class GreetingStore {

    private final GreetingRepository greetings;
    private final GreetingTotalRepository totals;

    GreetingStore(GreetingRepository greetings, GreetingTotalRepository totals) {
        this.greetings = greetings;
        this.totals = totals;
    }

    /** Stores the names in one transaction; answers the total after each, in order. */
    @Transactional
    List<Long> storeAll(List<String> names, long now) {
        long before = totals.total();
        List<Long> totalsAfter = new ArrayList<>(names.size());
        for (String name : names) {
            greetings.save(new Greeting(null, name, now));
            totalsAfter.add(before + totalsAfter.size() + 1);
        }
        totals.add(names.size());
        return totalsAfter;
    }

    /**
     * No read-only transaction here: on SQLite's IMMEDIATE pool it would start a write
     * transaction on a query-only connection.
     */
    long total() {
        return totals.total();
    }
}
