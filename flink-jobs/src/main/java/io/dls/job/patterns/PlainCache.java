package io.dls.job.patterns;

import org.apache.flink.cep.nfa.sharedbuffer.SharedBuffer;
import org.apache.flink.shaded.guava31.com.google.common.cache.AbstractCache;
import org.apache.flink.shaded.guava31.com.google.common.cache.Cache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A map in place of the Guava caches of Flink CEP's {@link SharedBuffer}. Those caches sit in front of the
 * keyed state (for RocksDB) and are written back and emptied whenever an accessor closes, once per event in
 * {@link PatternEngine}; on the heap state backend their access-order bookkeeping was 40 % of the NFA's time in
 * a profile of 500 patterns. This map keeps the same contract between two flushes (read through, written back
 * at close, nothing evicted in between: an event touches a handful of entries) without the bookkeeping. It also
 * stops the buffer's statistics timer, a thread per buffer and so one per pattern.
 *
 * <p>The caches are private fields of Flink's class, replaced by reflection; if a Flink version renames them,
 * the buffer keeps its own caches and a warning says so ({@code PatternsOperatorTest} checks they are replaced).
 */
final class PlainCache<K, V> extends AbstractCache<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(PlainCache.class);
    private static final String[] FIELDS = {"eventsBufferCache", "entryCache"};

    private final ConcurrentHashMap<K, V> map = new ConcurrentHashMap<>();

    /** @return whether both caches were replaced */
    static boolean install(SharedBuffer<?> buffer) {
        buffer.releaseCacheStatisticsTimer();
        try {
            for (String name : FIELDS) {
                Field f = SharedBuffer.class.getDeclaredField(name);
                f.setAccessible(true);
                if (!(f.get(buffer) instanceof PlainCache)) {
                    f.set(buffer, new PlainCache<>());
                }
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("Flink CEP's shared buffer keeps its Guava caches (patterns run slower): {}", e.toString());
            return false;
        }
    }

    /** Whether the buffer's caches are plain maps. */
    static boolean installed(SharedBuffer<?> buffer) throws ReflectiveOperationException {
        for (String name : FIELDS) {
            Field f = SharedBuffer.class.getDeclaredField(name);
            f.setAccessible(true);
            if (!(f.get(buffer) instanceof PlainCache)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public V getIfPresent(Object key) {
        return map.get(key);
    }

    @Override
    public void put(K key, V value) {
        map.put(key, value);
    }

    @Override
    public void invalidate(Object key) {
        map.remove(key);
    }

    @Override
    public void invalidateAll() {
        map.clear();
    }

    @Override
    public long size() {
        return map.size();
    }

    @Override
    public ConcurrentMap<K, V> asMap() {
        return map;
    }

    /** For {@link Cache}'s other users; the shared buffer calls none of them. */
    @Override
    public void cleanUp() {
    }
}
