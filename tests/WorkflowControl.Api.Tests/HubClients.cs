using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace WorkflowControl.Api.Tests;

/// <summary>SignalR clients of /hubs/workflows talking to the in-memory API, signed in as a test user.</summary>
public static class HubClients
{
    public static HubConnection Build(ApiFactory api, TestUser user) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(api.Server.BaseAddress, "hubs/workflows"), o =>
            {
                o.HttpMessageHandlerFactory = _ => api.Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                o.AccessTokenProvider = () => Task.FromResult<string?>(user.Token);
            })
            .Build();

    public static async Task<HubConnection> ConnectAsync(ApiFactory api, TestUser user)
    {
        var connection = Build(api, user);
        await connection.StartAsync();
        return connection;
    }
}
