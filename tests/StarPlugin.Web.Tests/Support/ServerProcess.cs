using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace StarPlugin.Web.Tests.Support;

/// <summary>A real server process (StarPlugin.Web.dll under `dotnet`) on a free loopback port.</summary>
public sealed class ServerProcess : IDisposable
{
    public Process Process { get; }
    public string Url { get; }
    private readonly List<string> _log = [];

    private ServerProcess(Process p, string url) { Process = p; Url = url; }

    public static string ServerDll()
    {
        // The server project's own output (it carries its runtimeconfig): src/StarPlugin.Web/bin/CONFIG/net10.0.
        string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        string dll = Path.Combine(RepoRoot.Find(), "src", "StarPlugin.Web", "bin", config, "net10.0", "StarPlugin.Web.dll");
        if (!File.Exists(dll)) Assert.Fail($"{dll} not built");
        return dll;
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static async Task<ServerProcess> StartAsync(string dataDir, IDictionary<string, string>? settings = null, int? port = null)
    {
        string url = $"http://127.0.0.1:{port ?? FreePort()}";
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ServerDll());
        foreach (var (k, v) in new Dictionary<string, string>(settings ?? new Dictionary<string, string>()) { ["data"] = dataDir, ["urls"] = url })
        { psi.ArgumentList.Add("--" + k); psi.ArgumentList.Add(v); }
        psi.Environment["DOTNET_gcServer"] = "0";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        var p = Process.Start(psi)!;
        var s = new ServerProcess(p, url);
        p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (s._log) s._log.Add(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (s._log) s._log.Add(e.Data); };
        p.BeginOutputReadLine(); p.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (p.HasExited) Assert.Fail($"server exited with {p.ExitCode}: {s.Log}");
            try { if ((await http.GetAsync(url + "/api/session")).StatusCode == HttpStatusCode.Unauthorized) return s; }
            catch (HttpRequestException) { } catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        s.Dispose();
        Assert.Fail("server did not start in 90 s: " + s.Log);
        return s;
    }

    public string Log { get { lock (_log) return string.Join("\n", _log.TakeLast(40)); } }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: false);
        Process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        try { Kill(); } catch (InvalidOperationException) { }
        Process.Dispose();
    }
}

/// <summary>An HTTP client of a real server with its own cookie jar and antiforgery token.</summary>
public sealed class RemoteClient : IDisposable
{
    private readonly HttpClient _http;
    private string? _token;
    public CookieContainer Cookies { get; } = new();

    public RemoteClient(string baseUrl, CookieContainer? shared = null)
    {
        if (shared != null) Cookies = shared;
        _http = new HttpClient(new SocketsHttpHandler { CookieContainer = Cookies, UseCookies = true, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task<string> TokenAsync() => _token ??= (await _http.GetFromJsonAsync<JsonElement>("/api/antiforgery")).GetProperty("token").GetString()!;

    public async Task<HttpResponseMessage> PostAsync(string url, object body)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        req.Headers.Add("X-CSRF-TOKEN", await TokenAsync());
        var r = await _http.SendAsync(req);
        if (url == "/api/session" || url == "/api/volunteers") _token = null;
        return r;
    }

    public Task<HttpResponseMessage> GetAsync(string url) => _http.GetAsync(url);

    public async Task<long> GuestAsync()
    {
        var r = await PostAsync("/api/session", new { guest = true });
        r.EnsureSuccessStatusCode();
        return (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    public async Task<long?> NextAsync()
    {
        var r = await _http.GetAsync("/api/next");
        if (r.StatusCode == HttpStatusCode.NoContent) return null;
        r.EnsureSuccessStatusCode();
        return (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("subject_id").GetInt64();
    }

    public void Dispose() => _http.Dispose();
}
