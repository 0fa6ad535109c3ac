using Microsoft.Extensions.Logging;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StarPlugin.Web.Hosting;

namespace StarPlugin.Web.Tests.Support;

/// <summary>The server in-process (WebApplicationFactory) on a fresh data folder, with settings a test chooses.</summary>
public sealed class LensFinderFactory(string dataDir, IDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    public string DataDir { get; } = dataDir;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var config = new Dictionary<string, string?> { ["data"] = DataDir };
        if (settings != null) foreach (var (k, v) in settings) config[k] = v;
        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(config));
        builder.UseEnvironment("Production");
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error));
    }

    public LensFinderState State => Services.GetRequiredService<LensFinderState>();

    /// <summary>A client with its own cookies (its own volunteer).</summary>
    public ApiClient Client() => new(CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false }));
}

/// <summary>
/// A JSON API client as a browser's script would be: cookies, and the antiforgery token
/// fetched again after each change of session.
/// </summary>
public sealed class ApiClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;
    private string? _token;

    public async Task<string> TokenAsync()
    {
        if (_token == null)
        {
            var r = await Http.GetFromJsonAsync<JsonElement>("/api/antiforgery");
            _token = r.GetProperty("token").GetString();
        }
        return _token!;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, object? body = null, bool token = true)
    {
        var req = new HttpRequestMessage(method, url);
        if (token && method != HttpMethod.Get) req.Headers.Add("X-CSRF-TOKEN", await TokenAsync());
        if (body is HttpContent content) req.Content = content;
        else if (body != null) req.Content = JsonContent.Create(body);
        var r = await Http.SendAsync(req);
        if (url.StartsWith("/api/session", StringComparison.Ordinal) || url.StartsWith("/api/volunteers", StringComparison.Ordinal)) _token = null;
        return r;
    }

    public Task<HttpResponseMessage> PostAsync(string url, object? body) => SendAsync(HttpMethod.Post, url, body);
    public Task<HttpResponseMessage> GetAsync(string url) => Http.GetAsync(url);

    public async Task<JsonElement> JsonAsync(HttpResponseMessage r, HttpStatusCode expect)
    {
        string text = await r.Content.ReadAsStringAsync();
        Assert.That(r.StatusCode, Is.EqualTo(expect), text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GuestAsync() => await JsonAsync(await PostAsync("/api/session", new { guest = true }), HttpStatusCode.OK);
    public async Task<JsonElement> SignUpAsync(string name, string password) => await JsonAsync(await PostAsync("/api/volunteers", new { name, password }), HttpStatusCode.Created);
    public async Task<JsonElement> LoginAsync(string name, string password) => await JsonAsync(await PostAsync("/api/session", new { guest = false, name, password }), HttpStatusCode.OK);

    public async Task<JsonElement?> NextAsync(long? exclude = null)
    {
        var r = await GetAsync("/api/next" + (exclude is { } e ? $"?exclude={e}" : ""));
        if (r.StatusCode == HttpStatusCode.NoContent) return null;
        return await JsonAsync(r, HttpStatusCode.OK);
    }

    public async Task<JsonElement> ClassifyAsync(long subject, int label, double? x = null, double? y = null) =>
        await JsonAsync(await PostAsync("/api/classifications", x is null ? new { subject_id = subject, label } : new { subject_id = subject, label, x, y }), HttpStatusCode.Created);

    public void Dispose() => Http.Dispose();
}
