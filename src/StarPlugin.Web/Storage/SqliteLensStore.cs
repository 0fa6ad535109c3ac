using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace StarPlugin.Web.Storage;

/// <summary>
/// SQLite store: one file beside the data, WAL journal, synchronous=FULL (a commit is on
/// disk before it is acknowledged). SQLite has a single writer, so every write goes
/// through one writer task that commits waiting writes together (group commit: one
/// fsync for many classifications, each in its own savepoint so one failure spoils
/// none of the others). Reads use pooled connections and never wait for the writer.
/// </summary>
public sealed class SqliteLensStore : SqlLensStore
{
    private const int MaxGroup = 256;
    private readonly string _connectionString;
    private readonly Channel<WriteItem> _queue = Channel.CreateUnbounded<WriteItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly SqliteConnection _writeConnection;

    public string Path { get; }

    private abstract class WriteItem
    {
        public abstract Task RunAsync(DbConnection c, DbTransaction tx);
        public abstract void Complete();
        public abstract void Fail(Exception e);
        public abstract void SetError(Exception e);
    }

    private sealed class WriteItem<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> op, CancellationToken ct) : WriteItem
    {
        public readonly TaskCompletionSource<T> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;
        private Exception? _error;
        public override async Task RunAsync(DbConnection c, DbTransaction tx)
        {
            ct.ThrowIfCancellationRequested();
            _result = await op(c, tx, ct);
        }
        public override void SetError(Exception e) => _error = e;
        public override void Complete() { if (_error != null) Done.TrySetException(_error); else Done.TrySetResult(_result); }
        public override void Fail(Exception e) => Done.TrySetException(e);
    }

    public SqliteLensStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
        _writeConnection = new SqliteConnection(_connectionString);
        _writeConnection.Open();
        Pragma(_writeConnection, "PRAGMA journal_mode=WAL");
        Pragma(_writeConnection, "PRAGMA synchronous=FULL");
        Pragma(_writeConnection, "PRAGMA foreign_keys=ON");
        Pragma(_writeConnection, "PRAGMA busy_timeout=30000");
        _writer = Task.Factory.StartNew(WriterLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    private static void Pragma(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    protected override string IdColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";
    protected override string IntType => "INTEGER";
    protected override string RealType => "REAL";
    protected override string BlobType => "BLOB";
    protected override string ForUpdate => "";

    public override Task InitializeAsync(CancellationToken ct = default) => WriteAsync(async (c, tx, t) =>
    {
        foreach (var s in SchemaStatements()) await ExecAsync(c, tx, t, s);
        return 0;
    }, ct);

    protected override bool IsUniqueViolation(DbException e) => e is SqliteException { SqliteErrorCode: 19 };

    protected override Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, CancellationToken, Task<T>> op, CancellationToken ct)
    {
        var item = new WriteItem<T>(op, ct);
        if (!_queue.Writer.TryWrite(item)) throw new ObjectDisposedException(nameof(SqliteLensStore));
        return item.Done.Task;
    }

    private async Task WriterLoop()
    {
        var batch = new List<WriteItem>(MaxGroup);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxGroup && _queue.Reader.TryRead(out var item)) batch.Add(item);
            if (batch.Count == 0) continue;
            try
            {
                using var tx = _writeConnection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE
                for (int i = 0; i < batch.Count; i++)
                {
                    string sp = "w" + i;
                    tx.Save(sp);
                    try { await batch[i].RunAsync(_writeConnection, tx); tx.Release(sp); }
                    catch (Exception e)
                    {
                        tx.Rollback(sp);
                        tx.Release(sp);
                        batch[i].SetError(e);
                    }
                }
                tx.Commit();
                foreach (var b in batch) b.Complete();
            }
            catch (Exception e)
            {
                foreach (var b in batch) b.Fail(e);
            }
        }
    }

    protected override async Task<T> ReadAsync<T>(Func<DbConnection, CancellationToken, Task<T>> op, CancellationToken ct)
    {
        await using var c = new SqliteConnection(_connectionString);
        await c.OpenAsync(ct);
        return await op(c, ct);
    }

    public override Task<string> IntegrityCheckAsync(CancellationToken ct = default) => ReadAsync(async (c, t) =>
    {
        var rows = await QueryAsync(c, null, t, r => r.GetString(0), "PRAGMA integrity_check");
        return string.Join("; ", rows);
    }, ct);

    public override async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try { await _writer; } catch { /* already reported to each waiting write */ }
        await _writeConnection.DisposeAsync();
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
    }
}
