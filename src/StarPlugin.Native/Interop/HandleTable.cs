namespace StarPlugin.Native.Interop;

/// <summary>
/// The live objects behind one kind of opaque C handle (sp_engine*, sp_options*).
/// A handle is a number drawn from a counter that never repeats, not an address or a
/// GCHandle slot, so a released handle stays invalid for the life of the process even
/// after new objects are made, and a foreign or stale pointer is rejected, never
/// dereferenced. Each object is reference-counted: the host holds one reference until
/// it releases the handle, and every call holds one while it runs, so a release during
/// a call on another thread only marks the object; the last call out disposes it.
/// </summary>
internal sealed class HandleTable<T>(string kind, int tag) where T : class
{
    private sealed class Entry(T value)
    {
        public readonly T Value = value;
        public int References = 1; // the host's
    }

    private readonly Dictionary<nint, Entry> _live = [];
    private readonly object _gate = new();
    private long _issued;

    public nint Add(T value)
    {
        lock (_gate)
        {
            // id·16 + tag: never 0 (NULL), never a value another table issues.
            nint handle = (nint)(++_issued * 16 + tag);
            _live.Add(handle, new Entry(value));
            return handle;
        }
    }

    /// <summary>A reference for the duration of one call; throws when the handle is NULL, stale or foreign.</summary>
    public Lease Acquire(nint handle)
    {
        if (handle == 0) throw new ArgumentProblem($"{kind} is NULL");
        lock (_gate)
        {
            if (!_live.TryGetValue(handle, out var entry))
                throw new ArgumentProblem($"{kind} 0x{handle:x} is not a live {kind} handle (released, or never created)");
            entry.References++;
            return new Lease(this, entry);
        }
    }

    /// <summary>Drops the host's reference; false when the handle was not live (NULL, stale, double release).</summary>
    public bool Release(nint handle)
    {
        Entry? last = null;
        lock (_gate)
        {
            if (handle == 0 || !_live.Remove(handle, out var entry)) return false;
            if (--entry.References == 0) last = entry;
        }
        (last?.Value as IDisposable)?.Dispose(); // outside the lock: disposing may take a while
        return true;
    }

    public int LiveCount { get { lock (_gate) return _live.Count; } }

    private void Return(Entry entry)
    {
        bool last;
        lock (_gate) last = --entry.References == 0;
        if (last) (entry.Value as IDisposable)?.Dispose();
    }

    public readonly struct Lease : IDisposable
    {
        private readonly HandleTable<T> _table;
        private readonly Entry _entry;
        internal Lease(HandleTable<T> table, object entry) { _table = table; _entry = (Entry)entry; }
        public T Value => _entry.Value;
        public void Dispose() => _table.Return(_entry);
    }
}
